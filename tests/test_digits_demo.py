"""The digits demo, run as a user runs it (a fresh process, a temporary --out), on a small setting; the
runs that stop at their options share one Python (one_process.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import needs
import pytest
from one_process import a_file, run_cases

from autograd_mini import nn

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demos" / "digits_classifier.py"
PNG = b"\x89PNG\r\n\x1a\n"
PICTURES = ["confusion_matrix.png", "misclassified.png", "weights.png", "loss_curve.png"]
SMALL = ["--limit", "400", "--epochs", "6", "--hidden", "16"]

sys.path.insert(0, str(ROOT / "demos"))
import digits_data  # noqa: E402


def need(module: str, extra: str) -> None:
    """`module`, or a skip (a failure under CI=true) that says which extra brings it."""
    needs.module(module, f"pip install -e '.[{extra}]'")


HIDE = """import sys
class Hide:  # an import finder that refuses one package, as if it were not installed
    def find_spec(self, name, path=None, target=None):
        if name == {name!r} or name.startswith({name!r} + "."):
            raise ImportError("No module named " + repr(name))
sys.meta_path.insert(0, Hide())
"""


def run(*args: str, hide: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run the demo in a fresh interpreter; `hide` names a package made unimportable first."""
    pre = HIDE.format(name=hide) if hide else ""
    argv = [str(DEMO), *args]
    code = f"{pre}import runpy, sys\nsys.argv = {argv!r}\nrunpy.run_path(sys.argv[0], run_name='__main__')"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=ROOT)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    need("sklearn", "demo")
    out = tmp_path_factory.mktemp("digits")
    r = run(*SMALL, "--out", str(out))
    assert r.returncode == 0, r.stderr
    return {
        "out": out,
        "stdout": r.stdout,
        "stderr": r.stderr,
        "metrics": json.loads((out / "metrics.json").read_text()),
    }


def test_small_run_learns_and_reports_consistent_metrics(small_run: Dict[str, Any]) -> None:
    m = small_run["metrics"]
    assert "Traceback" not in small_run["stderr"]
    matrix: List[List[int]] = m["confusion_matrix"]
    assert len(matrix) == 10 and all(len(row) == 10 for row in matrix)
    _, y = digits_data.load_data(400, 0)
    quarter = sum(round(0.25 * y.count(c)) for c in range(10))  # a quarter of each digit
    assert sum(map(sum, matrix)) == m["test_size"] == quarter and 95 <= quarter <= 105
    assert [sum(row) for row in matrix] == [round(0.25 * y.count(c)) for c in range(10)]
    assert m["train_size"] == 400 - quarter and m["epochs"] == 6 and m["seconds"] > 0.0
    right = sum(matrix[c][c] for c in range(10))
    assert m["test_accuracy"] == right / m["test_size"]
    assert m["test_accuracy"] >= 0.6 and m["train_accuracy"] >= 0.7  # chance is 0.1
    for c in range(10):
        predicted_c = sum(matrix[t][c] for t in range(10))
        actual_c = sum(matrix[c])
        assert m["precision"][c] == pytest.approx(matrix[c][c] / predicted_c if predicted_c else 0.0)
        assert m["recall"][c] == pytest.approx(matrix[c][c] / actual_c)
    assert len(m["history"]["loss"]) == 6 and m["history"]["loss"][-1] < m["history"]["loss"][0]
    assert m["options"]["hidden"] == [16] and m["options"]["limit"] == 400


def test_progress_lines_one_per_epoch(small_run: Dict[str, Any]) -> None:
    lines = [line for line in small_run["stdout"].splitlines() if line.startswith("epoch ")]
    assert len(lines) == 6
    for line in lines:
        assert "loss" in line and "train" in line and "test" in line and line.endswith("s")
    assert lines[-1].startswith("epoch   6/6 [####################]")


def test_pictures_and_model_file(small_run: Dict[str, Any]) -> None:
    need("matplotlib", "demo")
    out: Path = small_run["out"]
    for name in PICTURES:
        assert (out / name).read_bytes()[:8] == PNG, name
    # model.json reloads into a fresh MLP that scores the same on the same split
    o = small_run["metrics"]["options"]
    X, y = digits_data.load_data(o["limit"], o["seed"])
    _, test = digits_data.stratified_split(y, 0.25, o["seed"])
    model = nn.MLP(64, [*o["hidden"], 10], fused=True)  # as the demo trains it; load checks that
    model.load(out / "model.json")
    predicted = [max(range(10), key=lambda k: out_[k].data) for out_ in model([X[i] for i in test])]
    assert digits_data.accuracy(predicted, [y[i] for i in test]) == small_run["metrics"]["test_accuracy"]
    assert digits_data.confusion(predicted, [y[i] for i in test]) == small_run["metrics"]["confusion_matrix"]


def test_torch_predicts_the_same_classes(small_run: Dict[str, Any]) -> None:
    need("torch", "torch")
    assert small_run["metrics"]["torch_same_predictions"] is True
    n = small_run["metrics"]["test_size"]
    assert f"PyTorch (to_torch) predicts the same class for all {n} test images" in small_run["stdout"]


@pytest.mark.parametrize(
    "hidden, message", [("matplotlib", "pictures skipped: matplotlib"), ("torch", "torch check skipped")]
)
def test_runs_without_the_optional_packages(tmp_path: Path, hidden: str, message: str) -> None:
    need("sklearn", "demo")
    r = run("--limit", "100", "--epochs", "1", "--out", str(tmp_path), hide=hidden)
    assert r.returncode == 0, r.stderr
    assert message in r.stdout
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert (tmp_path / "model.json").exists()
    if hidden == "matplotlib":
        assert not any((tmp_path / name).exists() for name in PICTURES)
        assert all(name in r.stdout for name in PICTURES)  # it says which pictures it skipped
    else:
        assert m["torch_same_predictions"] is None


def test_without_scikit_learn_one_line_names_the_extra(tmp_path: Path) -> None:
    r = run("--out", str(tmp_path), hide="sklearn")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "scikit-learn" in lines[0] and ".[demo]" in lines[0]


BAD_OPTIONS = [
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--epochs", "x"], "argument --epochs: invalid int value: 'x'"),
    (["--lr", "0"], "--lr must be a finite number > 0"),
    (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),
    (["--lr", "inf"], "--lr must be a finite number > 0, got inf"),
    (["--weight-decay", "-1"], "--weight-decay must be"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["--hidden", "16,0"], "--hidden sizes must be at least 1"),
    (["--hidden", "a"], "--hidden must be comma-separated whole numbers"),
    (["--limit", "10"], "--limit must be between 40 and 1797"),
    (["--seed", "-1"], "--seed must be >= 0"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> Dict[Any, Tuple[subprocess.CompletedProcess, Path]]:
    """The demo refusing each of BAD_OPTIONS (--out a folder not made yet), an --out below a file, and
    --help: all in one Python (one_process.py), as nothing here gets past the options. {case: (result,
    its folder)}"""
    cases: Dict[Any, List[str]] = {tuple(args): [*args, "--out", "{tmp}/out"] for args, _ in BAD_OPTIONS}
    cases["unwritable"] = ["--out", "{tmp}/a_file/sub"]
    cases["help"] = ["--help"]
    return run_cases(cases, tmp_path_factory, a_file, cwd=ROOT, program=[str(DEMO)])


@pytest.mark.parametrize("args, message", BAD_OPTIONS)
def test_bad_options_exit_2_with_one_line(refusals: Dict[Any, Any], args: List[str], message: str) -> None:
    r, tmp_path = refusals[tuple(args)]
    out = tmp_path / "out"
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digits_classifier.py: error: ") and message in lines[0]
    assert "epoch" not in r.stdout and not (out / "metrics.json").exists()


def test_unwritable_out_and_help(refusals: Dict[Any, Any]) -> None:
    r, _ = refusals["unwritable"]
    assert r.returncode == 2 and "--out" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r, _ = refusals["help"]
    assert r.returncode == 0
    for option in ("--hidden", "--epochs", "--lr", "--batch-size", "--seed", "--out", "--limit"):
        assert option in r.stdout


def test_stratified_split_and_scores_by_hand() -> None:
    y = [0] * 8 + [1] * 4 + [2] * 12
    train, test = digits_data.stratified_split(y, 0.25, seed=3)
    assert sorted(train + test) == list(range(24))
    assert [sum(y[i] == c for i in test) for c in range(3)] == [2, 1, 3]  # a quarter of each class
    assert digits_data.stratified_split(y, 0.25, seed=3) == (train, test)  # the seed fixes it
    matrix = digits_data.confusion([0, 1, 1, 2, 0], [0, 1, 2, 2, 1], k=3)
    assert matrix == [[1, 0, 0], [1, 1, 0], [0, 1, 1]]
    precision, recall = digits_data.precision_recall(matrix)
    assert precision == [0.5, 0.5, 1.0] and recall == [1.0, 0.5, 0.5]
    assert digits_data.precision_recall([[0, 0], [0, 2]]) == ([0.0, 1.0], [0.0, 1.0])  # nothing: 0
