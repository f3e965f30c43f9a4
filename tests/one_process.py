"""Many runs of a command-line program in one fresh Python, for the tests that run a program again and
again to read its exit status and what it prints (a bad option, a one-line error): starting Python and
importing the library is nearly all of such a run's time (0.3 s), and here it is paid once.

Each run is as the program's own process would be: its own argv and working folder, its output on file
descriptors 1 and 2 (what a program it starts writes goes there too), read back as `subprocess.run(...,
text=True)` reads it, and the exit status the interpreter gives: 0 when it ends, SystemExit's code, 1 and
a traceback on stderr for an uncaught exception.

    results = run_each([(["-m", "autograd_mini", "graph", "x +"], folder)])  # what follows `python`
    assert results[0].returncode == 2

`run_cases` gives each run a new folder of its own, for the tests that read what a run left there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

import pytest

CHILD = r"""
import json, os, runpy, sys, traceback

job = json.loads(open(sys.argv[1], encoding="utf-8").read())
codes = []
saved = os.dup(1), os.dup(2)
for run in job["runs"]:
    os.chdir(run["cwd"])
    argv = run["argv"]
    module = argv[0] == "-m"
    sys.argv = argv[1:] if module else argv  # (run_module puts the module's file in sys.argv[0])
    with open(run["out"], "wb") as out, open(run["err"], "wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            if module:
                runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
            else:
                runpy.run_path(argv[0], run_name="__main__")
            code = 0
        except SystemExit as stop:  # as the interpreter reads it
            if stop.code is None or isinstance(stop.code, int):
                code = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    codes.append(code)
os.dup2(saved[0], 1)  # (what Python may print as it ends is not the last run's)
os.dup2(saved[1], 2)
with open(job["codes"], "w", encoding="utf-8") as f:
    json.dump(codes, f)
"""


def run_each(
    runs: Sequence[Tuple[Sequence[str], Path]], timeout: float = 120.0, env: Optional[Dict[str, str]] = None
) -> List[subprocess.CompletedProcess]:
    """`python ARGV` for each (ARGV, working folder) of `runs`, ARGV a script and its arguments or -m, a
    module and its arguments, in that order, all in one new Python (with the environment `env`, or
    this one's); the results in the same order. `timeout` is in seconds a run."""
    argvs = [[str(a) for a in argv] for argv, _ in runs]
    for argv in argvs:
        if not argv or (argv[0] == "-m" and len(argv) < 2):
            raise ValueError(f"run_each: expected a script, or -m and a module, got {argv}")
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        outs = [(where / f"{i}.out", where / f"{i}.err") for i in range(len(runs))]
        each = [{"argv": argv, "cwd": str(cwd), "out": str(out), "err": str(err)}
                for argv, (_, cwd), (out, err) in zip(argvs, runs, outs)]
        job = {"codes": str(where / "codes.json"), "runs": each}
        (where / "job.json").write_text(json.dumps(job), encoding="utf-8")
        done = subprocess.run([sys.executable, "-c", CHILD, str(where / "job.json")], capture_output=True,
                              text=True, timeout=timeout * len(runs), env=env)
        if done.returncode != 0:
            raise RuntimeError(f"run_each: the Python running the runs failed:\n{done.stderr}")
        codes = json.loads((where / "codes.json").read_text(encoding="utf-8"))
        return [subprocess.CompletedProcess([sys.executable, *argv], code, out.read_text(), err.read_text())
                for argv, code, (out, err) in zip(argvs, codes, outs)]


Case = TypeVar("Case")


def run_cases(
    cases: Mapping[Case, Sequence[str]],
    factory: pytest.TempPathFactory,
    prepare: Optional[Callable[[Case, Path], None]] = None,
    cwd: Optional[Path] = None,
    program: Sequence[str] = (),
    env: Optional[Dict[str, str]] = None,
) -> Dict[Case, Tuple[subprocess.CompletedProcess, Path]]:
    """`run_each` of `program` (a script, or -m and a module) and every case's arguments, each with a new
    folder of its own (made by `factory`, then given what it needs by `prepare(case, folder)`) for
    "{tmp}" in them, working in `cwd` or else in its folder, with the environment `env` or else this
    one's: {case: (result, its folder)}."""
    folders = [factory.mktemp("run") for _ in cases]
    if prepare is not None:
        for case, folder in zip(cases, folders):
            prepare(case, folder)
    runs = [([*program, *(a.replace("{tmp}", str(folder)) for a in argv)], cwd or folder)
            for argv, folder in zip(cases.values(), folders)]
    results = run_each(runs, env=env)
    return {case: (r, folder) for case, r, folder in zip(cases, results, folders)}


def a_file(case: object, folder: Path) -> None:
    """A `prepare` for `run_cases`: a file named a_file in the folder, so that no folder can be made
    below {tmp}/a_file."""
    (folder / "a_file").write_text("not a folder")
