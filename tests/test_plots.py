"""The demos' plots as a teacher projects them: every axis says its quantity, classes and colour scales
have their legend or bar, accuracy is in percent as the console prints it."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import needs
import pytest

from autograd_mini import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "demos"))
import digits_plots  # noqa: E402
import moons_classifier  # noqa: E402


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tuple[Any, List[Any]]]:
    """pyplot, and the figures the demos draw: its close() keeps them for the test to read."""
    needs.module("matplotlib", "pip install matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    close = plt.close
    kept: List[Any] = []
    monkeypatch.setattr(plt, "close", kept.append)
    yield plt, kept
    monkeypatch.undo()
    close("all")


def labelled(ax: Any) -> bool:
    return bool(ax.get_xlabel().strip()) and bool(ax.get_ylabel().strip())


def test_the_moons_plots_label_every_axis_and_name_the_classes(
    figures: Tuple[Any, List[Any]], tmp_path: Path
) -> None:
    model = nn.MLP(2, [4, 1], activation="relu", rng=random.Random(0))
    X = [[0.1 * i, -0.05 * i] for i in range(8)]
    y = [i % 2 for i in range(8)]
    data = {"X_train": X[:6], "y_train": y[:6], "X_test": X[6:], "y_test": y[6:], "test_accuracy": 0.5}
    assert moons_classifier.plot(model, data, [1.0, 0.5, 0.25], tmp_path) == ["decision_boundary.png",
                                                                                "loss_curve.png"]
    boundary, loss = figures[1]
    ax = boundary.axes[0]
    assert labelled(ax) and labelled(loss.axes[0])
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("class 0" in n for n in names) and any("class 1" in n for n in names)
    assert any("boundary" in n for n in names)


def test_the_digits_plots_have_colour_bars_labels_and_percent(
    figures: Tuple[Any, List[Any]], tmp_path: Path
) -> None:
    plt, kept = figures
    model = nn.MLP(64, [4, 10], activation="relu", rng=random.Random(0))
    digits_plots.weights(plt, model, tmp_path / "w.png")
    digits_plots.confusion_matrix(plt, [[3, 1], [0, 4]], 0.875, tmp_path / "c.png")
    history = {"batch_loss": [2.0, 1.5, 1.0, 0.8], "loss": [1.6, 0.9], "train_accuracy": [0.5, 0.875],
               "test_accuracy": [0.5, 0.75]}
    digits_plots.curves(plt, history, tmp_path / "l.png")
    weights, confusion, curves = kept
    for fig in (weights, confusion):  # an image's colours are read against its bar
        bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
        assert len(bars) == 1 and bars[0].get_ylabel().strip()
    left, right = curves.axes
    assert labelled(left) and labelled(right) and "%" in right.get_ylabel()
    shown = [list(line.get_ydata()) for line in right.get_lines()]
    assert shown == [[50.0, 87.5], [50.0, 75.0]]  # percent, as the console prints it
