"""Every size a demo takes has a bound, checked before any work: one line naming the option and
the bound, exit status 2, nothing written. (That it returns at once is what `--hidden 100000000`
shows: before the bound it ran for minutes; no time is asserted here.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"

CASES = [
    ("digits_classifier.py", ["--hidden", "100000000"], "--hidden sizes must be at most 1,024"),
    ("digits_classifier.py", ["--hidden", ",".join(["8"] * 9)], "hidden layers must be at most 8"),
    ("digits_classifier.py", ["--hidden", "1024,1024"], "1,126,410 parameters, more than the 1,000,000"),
    ("digits_classifier.py", ["--hidden", "1000", "--batch-size", "1797"], "products, more than the"),
    ("digits_classifier.py", ["--epochs", "10000000"], "--epochs must be at most 1,000"),
    ("digits_classifier.py", ["--batch-size", "1000000"], "--batch-size must be at most 1,797"),
    ("moons_classifier.py", ["--hidden", "100000000"], "--hidden sizes must be at most 1,024"),
    ("moons_classifier.py", ["--samples", "1000000000"], "--samples must be at most 10,000"),
    ("moons_classifier.py", ["--steps", "1000000000"], "--steps must be at most 100,000"),
    ("moons_classifier.py", ["--hidden", "512,512", "--samples", "10000"], "products, more than the"),
    ("backprop_by_hand.py", ["--inputs", "100000000"], "--inputs must be at most 256"),
    ("backprop_by_hand.py", ["--neurons", "100000000"], "--neurons must be at most 256"),
    ("backprop_by_hand.py", ["--batch", "100000000"], "--batch must be at most 256"),
]


@pytest.mark.parametrize("demo, args, message", CASES, ids=[f"{d} {' '.join(a)[:30]}" for d, a, _ in CASES])
def test_a_size_beyond_its_bound_is_one_line_and_exit_2(
    tmp_path: Path, demo: str, args: List[str], message: str
) -> None:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, str(DEMOS / demo), *args, "--out", str(out)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{demo}: error: ") and message in lines[0], r.stderr
    assert r.stdout == "" and not out.exists()


REVERSE = [
    (["--sizes", "100000x100000"], "--sizes: n must be at most 1,000"),
    (["--sizes", "0x5"], "--sizes: n must be at least 1, got 0"),
    (["--sizes", "300x300"], "node visits, more than the 6,000,000"),
    (["--hidden", "100000000", "--sizes", "1x1"], "--hidden must be at most 1,024"),
    (["--repeats", "100000000"], "--repeats must be at most 100"),
    (["--sizes", ",".join(["1x1"] * 21)], "the number of pairs must be at most 20"),
]


@pytest.mark.parametrize("args, message", REVERSE, ids=[" ".join(a)[:30] for a, _ in REVERSE])
def test_forward_or_reverse_refuses_a_size_beyond_its_bound(args: List[str], message: str) -> None:
    """(It writes no file: no --out.) `--sizes 100000x100000` ran for ten minutes before its bounds."""
    r = subprocess.run([sys.executable, str(DEMOS / "forward_or_reverse.py"), *args], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and r.stdout == "", r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forward_or_reverse.py: error: ") and message in lines[0]


def test_an_empty_hidden_size_is_refused(tmp_path: Path) -> None:
    """`--hidden 16,,16` was read as 16,16 without a word."""
    r = subprocess.run([sys.executable, str(DEMOS / "moons_classifier.py"), "--hidden", "16,,16", "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--hidden must be comma-separated whole numbers" in r.stderr, r.stderr
