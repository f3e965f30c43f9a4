"""Instructions per MLP training step, counted by valgrind: a measure that machine noise cannot move.

    python benchmarks/instructions.py [hand autograd_mini autograd_mini_nodes tape_python tape_c ...]

Timings on a shared machine scatter; the number of instructions a step executes does not. For each
implementation of `_mlp.py` this runs the step 4 and 24 times under ``valgrind --tool=callgrind``
(so start-up and imports cancel out) and prints the difference divided by 20, and the ratio to the
hand-written loop. Twenty steps, not four: Python's cyclic garbage collector makes a full
collection every so many allocations, and whether one falls inside a short window moved the count
by about 1 %; over twenty steps the collections average out. Needs valgrind on the PATH
(Debian: ``apt-get install valgrind``); micrograd is left out by default (a minute per step under
valgrind). The traced programs (tape_*) are traced, and the C one compiled or read from the cache,
once per process: the difference leaves that out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import List

HERE = os.path.dirname(os.path.abspath(__file__))
FIRST, LAST = 4, 24  # the steps counted: LAST - FIRST of them, after FIRST of warm-up
RUN_STEPS = """
import sys
sys.path.insert(0, {here!r})
import _mlp
step, _ = _mlp.make_step(sys.argv[1])
for _ in range(int(sys.argv[2])):
    step()
"""


def instructions(engine: str, steps: int) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           sys.executable, "-c", RUN_STEPS.format(here=HERE), engine, str(steps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if found is None:
        raise RuntimeError(f"instructions: no count in valgrind's output for {engine}")
    return int(found.group(1))


def main(argv: List[str]) -> int:
    if shutil.which("valgrind") is None:
        print("instructions.py: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    engines = argv or ["hand", "autograd_mini", "autograd_mini_nodes", "tape_python", "tape_c"]
    per_step = {e: (instructions(e, LAST) - instructions(e, FIRST)) / (LAST - FIRST) for e in engines}
    base = per_step.get("hand")
    for e, n in per_step.items():
        ratio = f"  {n / base:.2f}× the hand-written loop" if base else ""
        print(f"{e:20s} {n / 1e6:8.1f} million instructions per step{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
