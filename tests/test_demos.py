"""The demos, run as a user runs them: in a fresh process, into a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from autograd_mini import datasets, nn, no_grad

ROOT = Path(__file__).resolve().parent.parent
CLASSIFIER = ROOT / "demos" / "moons_classifier.py"
BY_HAND = ROOT / "demos" / "backprop_by_hand.py"


def run(
    script: Path, *args: str, env: Optional[Dict[str, str]] = None, pre: str = ""
) -> subprocess.CompletedProcess:
    """Run a demo in a fresh interpreter; `pre` is Python run first (to hide a package)."""
    argv = [str(script), *args]
    code = f"{pre}\nimport runpy, sys\nsys.argv = {argv!r}\nrunpy.run_path(sys.argv[0], run_name='__main__')"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )


def test_default_run_learns_moons(tmp_path: Path) -> None:
    """The README's first command, with only --out changed: ≥ 97 % held out, every file written."""
    r = run(CLASSIFIER, "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert set(m) >= {"train_accuracy", "test_accuracy", "final_loss", "steps", "seconds", "options"}
    assert m["test_accuracy"] >= 0.97
    assert 0.0 <= m["final_loss"] < 0.5 and m["steps"] == 100 and 0.0 < m["seconds"] < 30.0
    assert m["options"]["dataset"] == "moons" and m["options"]["hidden"] == [16, 16]
    assert (tmp_path / "decision_boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "neuron_graph.svg").read_text()
    assert "<svg" in svg and "L1.N" in svg and "relu" in svg

    # model.json reloads into a fresh MLP that scores the same on the same held-out split
    o = m["options"]
    X, y = datasets.make_moons(o["samples"], noise=o["noise"], seed=o["seed"])
    _, X_test, _, y_test = datasets.train_test_split(X, y, test_fraction=0.25, seed=o["seed"])
    model = nn.MLP(2, [*o["hidden"], 1])
    model.load(tmp_path / "model.json")
    with no_grad():
        acc = sum((model(x).data > 0.0) == (t == 1) for x, t in zip(X_test, y_test)) / len(y_test)
    assert acc == m["test_accuracy"]


@pytest.mark.parametrize(
    "args",
    [
        ["--dataset", "circles", "--optimizer", "adam", "--loss", "bce", "--hidden", "8"],
        ["--dataset", "spirals", "--hidden", "8,8,8"],
        ["--dataset", "blobs", "--optimizer", "adam"],
    ],
)
def test_other_options_run(tmp_path: Path, args: List[str]) -> None:
    r = run(CLASSIFIER, *args, "--steps", "5", "--samples", "60", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["steps"] == 5 and 0.0 <= m["test_accuracy"] <= 1.0
    assert m["options"]["dataset"] == args[1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "-3"], "--steps"),
        (["--steps", "0"], "--steps"),
        (["--dataset", "mnist"], "--dataset"),
        (["--hidden", "16,0"], "--hidden"),
        (["--hidden", "a,b"], "--hidden"),
        (["--lr", "-1"], "--lr"),
        (["--optimizer", "rmsprop"], "--optimizer"),
        (["--loss", "mse"], "--loss"),
    ],
)
def test_bad_options_fail_before_training(tmp_path: Path, args: List[str], message: str) -> None:
    out = tmp_path / "out"
    r = run(CLASSIFIER, *args, "--out", str(out))
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr
    assert "step" not in r.stdout  # nothing trained
    assert not (out / "metrics.json").exists()


def test_unwritable_out_fails_before_training(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    r = run(CLASSIFIER, "--out", str(blocker / "sub"))
    assert r.returncode != 0
    assert "--out" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "step" not in r.stdout


def test_without_dot_it_still_trains_and_writes_the_dot_source(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"  # a PATH holding python and nothing else, so no `dot`
    bindir.mkdir()
    os.symlink(sys.executable, bindir / "python")
    env = {**os.environ, "PATH": str(bindir)}
    r = run(CLASSIFIER, "--steps", "3", "--samples", "40", "--out", str(tmp_path / "o"), env=env)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "o"
    assert (out / "metrics.json").exists() and (out / "model.json").exists()
    assert not (out / "neuron_graph.svg").exists()
    assert "digraph" in (out / "neuron_graph.dot").read_text()
    graph_lines = [line for line in r.stdout.splitlines() if line.startswith("graph:")]
    assert len(graph_lines) == 1 and "graphviz" in graph_lines[0].lower()


def test_without_matplotlib_it_still_trains(tmp_path: Path) -> None:
    r = run(
        CLASSIFIER,
        "--steps",
        "3",
        "--samples",
        "40",
        "--out",
        str(tmp_path),
        pre="import sys; sys.modules['matplotlib'] = None",
    )
    assert r.returncode == 0, r.stderr
    assert "matplotlib" in r.stdout and (tmp_path / "metrics.json").exists()
    assert not (tmp_path / "decision_boundary.png").exists()


@pytest.mark.parametrize("activation", ["none", "relu", "tanh", "sigmoid"])
def test_backprop_by_hand_agrees_with_the_engine(tmp_path: Path, activation: str) -> None:
    r = run(BY_HAND, "--activation", activation, "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    diffs = [
        float(line.rsplit(":", 1)[1])
        for line in r.stdout.splitlines()
        if line.startswith("largest difference:")
    ]
    assert len(diffs) == 3 and max(diffs) < 1e-12  # dW, dB, dA_prev
    for name in ("dW = (1/N)·dZ·Aᵀ", "dB = (1/N)·Σ dZ", "dA_prev = Wᵀ·dZ", "dZ = dA ⊙ g'(Z)"):
        assert name in r.stdout
    assert "<svg" in (tmp_path / "layer_graph.svg").read_text()
