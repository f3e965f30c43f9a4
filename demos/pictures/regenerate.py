"""Make every picture of the README again, from the demos and the README's own code (none by hand).

    python demos/pictures/regenerate.py

- neuron_graph.svg, decision_boundary.png: `moons_classifier.py` with its defaults;
- digits_confusion_matrix.png, digits_weights.png: `digits_classifier.py` with its defaults (the
  engine itself, --compile off: the compiled runs end at the same weights);
- tanh_graph.svg: the README's `render(y, "graph.svg")` of y = tanh(w·x + b);
- stepper_*.png, demo_moons_stepper.png, demo_layer_stepper.png: screenshots that the browser tests
  take in headless Chromium (STEPPER_PICTURES=1), of the pages the demos write.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def run(*args: str, env: dict | None = None) -> None:
    print("$", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True, env=env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python demos/pictures/regenerate.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="\n".join(line for line in (__doc__ or "").splitlines() if "regenerate.py" not in line),
        epilog=f"It overwrites the pictures in {HERE} (a few minutes: two demos and the browser tests).")
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run(sys.executable, "demos/moons_classifier.py", "--out", str(out / "moons"))
        for name in ("neuron_graph.svg", "decision_boundary.png"):
            shutil.copyfile(out / "moons" / name, HERE / name)
        run(sys.executable, "demos/digits_classifier.py", "--compile", "off", "--out", str(out / "digits"))
        for name in ("confusion_matrix.png", "weights.png"):
            shutil.copyfile(out / "digits" / name, HERE / f"digits_{name}")
    from autograd_mini import Value
    from autograd_mini.viz import render

    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    y = (w * x + b).tanh()
    y.backward()
    render(y, HERE / "tanh_graph.svg")
    env = {**os.environ, "STEPPER_PICTURES": "1"}
    run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_page_layout.py",
        "tests/test_browser.py::test_screenshots_start_middle_end", env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
