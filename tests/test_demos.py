"""The demos, run as a user runs them: in a fresh Python, into a temporary folder. The runs that need no
environment of their own (bad options, short runs on other datasets) share one Python, each with its
own argv, folder and output (one_process.py)."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import needs
import pytest
from one_process import a_file, run_cases

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


def python_only_path(tmp_path: Path) -> Dict[str, str]:
    """The environment with a PATH holding python and nothing else, so no `dot`."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(sys.executable, bindir / "python")
    return {**os.environ, "PATH": str(bindir)}


NO_GRAPHVIZ_PACKAGE = "import sys; sys.modules['graphviz'] = None"
Ran = Dict[Any, Tuple[subprocess.CompletedProcess, Path]]


# The runs that need no environment of their own are made together, in one Python per demo
# (one_process.py), each with a new folder of its own ({tmp}, holding a_file): Python, the library
# and matplotlib are imported once, not once a run.


@pytest.fixture(scope="module")
def moons_runs(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """The moons demo with the README's options, trained for 15 steps by the engine and by each compiled
    backend (their C compiled into a new cache), trained briefly on the other datasets, and refusing
    each bad option."""
    cases: Dict[Any, List[str]] = {"default": ["--out", "{tmp}"]}
    cases.update({("compiled", mode): ["--steps", "15", "--out", "{tmp}", "--compile", mode]
                  for mode in ("off", *BACKENDS)})
    cases.update({tuple(args): [*args, "--steps", "5", "--samples", "60", "--out", "{tmp}"]
                  for args in OTHER_OPTIONS})
    cases.update({tuple(args): [*args, "--out", "{tmp}/out"] for args, _ in BAD_OPTIONS})
    cases["unwritable"] = ["--out", "{tmp}/a_file/sub"]
    cases["compile"] = ["--compile", "fast"]
    cache = {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}
    return run_cases(cases, tmp_path_factory, a_file, cwd=ROOT, program=[str(CLASSIFIER)], env=cache)


@pytest.fixture(scope="module")
def by_hand_runs(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """backprop_by_hand refusing each bad option, and run with each activation."""
    cases: Dict[Any, List[str]] = {tuple(args): [*args, "--out", "{tmp}"] for args in BY_HAND_BAD}
    cases["file"] = ["--out", "{tmp}/a_file"]
    cases["below a file"] = ["--out", "{tmp}/a_file/sub"]
    cases.update({activation: ["--activation", activation, "--out", "{tmp}"] for activation in ACTIVATIONS})
    return run_cases(cases, tmp_path_factory, a_file, cwd=ROOT, program=[str(BY_HAND)])


def test_default_run_learns_moons(moons_runs: Ran, dot_program) -> None:
    """The README's first command, with only --out changed: ≥ 97 % held out, every file written."""
    r, tmp_path = moons_runs["default"]
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
    model = nn.MLP(2, [*o["hidden"], 1], fused=True)  # the demo trains fused neurons; load checks that
    model.load(tmp_path / "model.json")
    with no_grad():
        acc = sum((model(x).data > 0.0) == (t == 1) for x, t in zip(X_test, y_test)) / len(y_test)
    assert acc == m["test_accuracy"]


OTHER_OPTIONS = [
    ["--dataset", "circles", "--optimizer", "adam", "--loss", "bce", "--hidden", "8"],
    ["--dataset", "spirals", "--hidden", "8,8,8"],
    ["--dataset", "blobs", "--optimizer", "adam"],
]


@pytest.mark.parametrize("args", OTHER_OPTIONS)
def test_other_options_run(moons_runs: Ran, args: List[str]) -> None:
    r, tmp_path = moons_runs[tuple(args)]
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["steps"] == 5 and 0.0 <= m["test_accuracy"] <= 1.0
    assert m["options"]["dataset"] == args[1]


BAD_OPTIONS = [
    (["--steps", "-3"], "--steps"),
    (["--steps", "0"], "--steps"),
    (["--dataset", "mnist"], "--dataset"),
    (["--hidden", "16,0"], "--hidden"),
    (["--hidden", "a,b"], "--hidden"),
    (["--lr", "-1"], "--lr"),
    (["--lr", "0"], "--lr"),
    (["--lr", "inf"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--lr=-inf"], "--lr"),
    (["--lr", "fast"], "--lr"),
    (["--steps", "1.5"], "--steps"),
    (["--noise", "nan"], "--noise"),
    (["--optimizer", "rmsprop"], "--optimizer"),
    (["--loss", "mse"], "--loss"),
]


@pytest.mark.parametrize("args, message", BAD_OPTIONS)
def test_bad_options_fail_before_training(moons_runs: Ran, args: List[str], message: str) -> None:
    r, tmp_path = moons_runs[tuple(args)]
    out = tmp_path / "out"
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr
    assert "step" not in r.stdout  # nothing trained
    assert not (out / "metrics.json").exists()


def test_unwritable_out_fails_before_training(moons_runs: Ran) -> None:
    r, _ = moons_runs["unwritable"]
    assert r.returncode != 0
    assert "--out" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "step" not in r.stdout


@pytest.mark.parametrize("package", ["with", "without"])
def test_without_dot_it_still_trains_and_writes_the_dot_source(tmp_path: Path, package: str) -> None:
    pre = NO_GRAPHVIZ_PACKAGE if package == "without" else ""
    out = tmp_path / "o"
    r = run(CLASSIFIER, "--steps", "3", "--samples", "40", "--out", str(out), env=python_only_path(tmp_path),
            pre=pre)
    assert r.returncode == 0, r.stderr
    assert (out / "metrics.json").exists() and (out / "model.json").exists()
    assert not (out / "neuron_graph.svg").exists()
    assert "digraph" in (out / "neuron_graph.dot").read_text()  # the source needs neither dot nor graphviz
    graph_lines = [line for line in r.stdout.splitlines() if line.startswith("graph:")]
    assert len(graph_lines) == 1 and "graphviz" in graph_lines[0].lower()
    assert "Wrote neuron_graph.dot instead" in graph_lines[0]
    assert r.stdout.splitlines()[-1].startswith("wrote metrics.json, model.json,")
    assert r.stdout.splitlines()[-1].endswith(f"neuron_graph.dot to {out}/")


def test_without_the_graphviz_package_the_picture_is_drawn_by_dot(tmp_path: Path, dot_program) -> None:
    r = run(CLASSIFIER, "--steps", "3", "--samples", "40", "--out", str(tmp_path), pre=NO_GRAPHVIZ_PACKAGE)
    assert r.returncode == 0, r.stderr
    assert "<svg" in (tmp_path / "neuron_graph.svg").read_text()
    assert not (tmp_path / "neuron_graph.dot").exists()
    assert r.stdout.splitlines()[-1].endswith(f"neuron_graph.svg, backprop_stepper.html to {tmp_path}/")


@pytest.mark.parametrize("samples", ["60", "40"])  # (40: losses near the float's limit, which broke the plot)
def test_a_diverging_run_stops_with_one_line_and_keeps_the_loss_curve(tmp_path: Path, samples: str) -> None:
    r = run(CLASSIFIER, "--lr", "100", "--samples", samples, "--out", str(tmp_path))  # diverges at step 41
    assert r.returncode == 1 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("moons_classifier.py: error: training diverged at step ")
    assert "lower --lr (it is 100; try 10)" in lines[0]
    assert (tmp_path / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "metrics.json").exists() and not (tmp_path / "model.json").exists()
    # every progress line stays short: no 300-digit losses
    assert all(len(line) < 120 for line in r.stdout.splitlines())
    assert f"wrote loss_curve.png to {tmp_path}/" in r.stdout


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


ACTIVATIONS = ["none", "relu", "tanh", "sigmoid"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backprop_by_hand_agrees_with_the_engine(by_hand_runs: Ran, activation: str, dot_program) -> None:
    r, tmp_path = by_hand_runs[activation]
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


def test_backprop_by_hand_skips_a_picture_too_big_to_draw(tmp_path: Path) -> None:
    r = run(BY_HAND, "--inputs", "100", "--neurons", "10", "--batch", "10", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "dW = (1/N)·dZ·Aᵀ, by the formula (10×100)" in r.stdout  # the matrices are printed
    picture, page = r.stdout.splitlines()[-2:]
    assert picture.startswith("picture skipped: the graph has ") and "more than the 2000" in picture
    assert page.startswith("stepper page skipped: the graph has ") and "more than the 2000" in page
    assert list(tmp_path.iterdir()) == []


BY_HAND_BAD = [["--inputs", "0"], ["--batch", "many"], ["--activation", "swish"]]


@pytest.mark.parametrize("kind", ["file", "below a file"])
def test_backprop_by_hand_out_must_be_a_folder(by_hand_runs: Ran, kind: str) -> None:
    r, tmp_path = by_hand_runs[kind]
    blocker = tmp_path / "a_file"
    out = blocker if kind == "file" else blocker / "sub"
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"backprop_by_hand.py: error: --out {str(out)!r}")
    assert blocker.read_text() == "not a folder"


def test_backprop_by_hand_says_it_wrote_the_dot_source(tmp_path: Path) -> None:
    out = tmp_path / "o"
    r = run(BY_HAND, "--out", str(out), env=python_only_path(tmp_path), pre=NO_GRAPHVIZ_PACKAGE)
    assert r.returncode == 0, r.stderr
    picture, page = r.stdout.splitlines()[-2:]
    assert picture.startswith("picture skipped: render: the Graphviz program 'dot' was not found on PATH")
    assert f"Wrote {out / 'layer_graph.dot'} instead" in picture
    assert page.startswith("stepper page skipped: stepper: the Graphviz program 'dot' was not found")
    assert "Wrote" not in page  # the page has no .dot of its own to fall back on
    assert (out / "layer_graph.dot").read_text("utf-8").startswith("digraph")
    assert sorted(p.name for p in out.iterdir()) == ["layer_graph.dot"]


def test_backprop_by_hand_sigmoid_formulas_never_overflow() -> None:
    spec = importlib.util.spec_from_file_location("backprop_by_hand", BY_HAND)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    g, g_prime = demo.ACTIVATIONS["sigmoid"]
    assert g(-800.0) == 0.0 and g_prime(-800.0) == 0.0 and g(800.0) == 1.0
    for z in (-3.0, -0.5, 0.0, 2.0):
        s = 1.0 / (1.0 + math.exp(-z))
        assert abs(g(z) - s) < 1e-15 and abs(g_prime(z) - s * (1 - s)) < 1e-15


@pytest.mark.parametrize("args", BY_HAND_BAD)
def test_backprop_by_hand_bad_options_are_one_line(by_hand_runs: Ran, args: List[str]) -> None:
    r, _ = by_hand_runs[tuple(args)]
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop_by_hand.py: error: ") and args[0] in lines[0]


def test_backprop_by_hand_into_a_reader_that_stops_early(tmp_path: Path) -> None:
    # matrices of 200×20 and 20×200: far more text than a pipe holds
    shell = (f"{sys.executable} {BY_HAND} --inputs 200 --neurons 20 --batch 20 --out {tmp_path} | head -1; "
             "exit ${PIPESTATUS[0]}")
    r = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert r.stdout.startswith("One Linear layer: n=20 neurons × m=200 inputs")
    assert r.stderr == "" and r.returncode == 141


def test_ctrl_c_while_training_is_one_line(tmp_path: Path) -> None:
    p = subprocess.Popen([sys.executable, str(CLASSIFIER), "--steps", "100000", "--out", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().startswith("moons: ")  # the model is built: training starts
        assert p.stdout.readline().startswith("step    1/100000")
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130
    assert err.strip() == "moons_classifier.py: interrupted"


BACKENDS = ["python", "c"]


def trained_weights(ran: Tuple[subprocess.CompletedProcess, Path], mode: str) -> List[float]:
    """Every weight the moons demo saved after its 15 steps with --compile `mode`, in order."""
    r, out = ran
    assert r.returncode == 0, r.stderr
    assert "one training step (forward, backward, update) took" in r.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["step_ms"] > 0.0 and metrics["options"]["compile"] == mode
    state = json.loads((out / "model.json").read_text())["state_dict"]
    return [x for tensor in state.values() for row in tensor
            for x in (row if isinstance(row, list) else [row])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_moons_compiled_trains_to_the_same_weights_as_the_engine(moons_runs: Ran, backend: str) -> None:
    if backend == "c":
        needs.c_compiler()
    engine = trained_weights(moons_runs["compiled", "off"], "off")
    compiled = trained_weights(moons_runs["compiled", backend], backend)
    assert compiled == pytest.approx(engine, rel=1e-12, abs=1e-15)


def test_moons_compile_option_is_checked(moons_runs: Ran) -> None:
    r, _ = moons_runs["compile"]
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "--compile" in r.stderr
