"""What the page shows beside the curves, at each recorded step: a classifier's decision
boundary over its 2-D inputs (`Boundary`) or its confusion matrix on a test set (`Confusion`).

A view is made once with the data it needs; `frame(layers)` keeps what the page needs of the model
now (the boundary: its weights, from which the page computes the map; the confusion matrix: counted
here in plain floats, through `diagnose.forward`), and `static()` is what stays the same in every
frame (the points, the class names), kept once on the page.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence

from .. import checks
from ..diagnose import forward
from ..diagnose.layers import as_rows


def _labels(labels: Any, n: int, where: str) -> List[int]:
    if not isinstance(labels, (list, tuple)) or len(labels) != n:
        raise ValueError(f"{where}: expected {n} labels (one per point), got {checks.shown(labels)}")
    return [checks.integer(t, f"{where}: a label", minimum=0) for t in labels]


class Boundary:
    """The decision boundary of a model with one output (a score: class 1 where it is > 0) over
    2-D points, drawn as a map of the score under the points.

    A frame keeps the model's weights and biases; the page computes the score on a `size` × `size`
    grid from them (the same sums, in the same order, as `diagnose.forward`), so recording a frame
    costs a copy of the weights, and the map can be fine.

    >>> view = Boundary([[0.0, 0.0], [1.0, 1.0]], [0, 1])
    >>> view.static()["bounds"]
    [-0.5, 1.5, -0.5, 1.5]
    """

    kind = "boundary"

    def __init__(self, points: Sequence[Sequence[float]], labels: Sequence[int], size: int = 64,
                 margin: float = 0.5) -> None:
        self.points = as_rows(points, "Boundary: points")
        if any(len(p) != 2 for p in self.points):
            raise ValueError("Boundary: points must be 2-D (two numbers each)")
        self.labels = _labels(labels, len(self.points), "Boundary")
        self.size = checks.integer(size, "Boundary: size", minimum=2)
        m = checks.nonnegative(margin, "Boundary: margin")
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        self.bounds = [min(xs) - m, max(xs) + m, min(ys) - m, max(ys) + m]

    def static(self) -> Dict[str, Any]:
        return {"kind": self.kind, "size": self.size, "bounds": self.bounds,
                "points": [[round(x, 4), round(y, 4)] for x, y in self.points], "labels": self.labels}

    def frame(self, layers: Sequence[Any]) -> Dict[str, Any]:
        if len(layers[0].weight[0]) != 2 or len(layers[-1].weight) != 1:
            raise ValueError("Boundary: the model must take 2 inputs and give 1 score")
        return {"weights": [[[_finite(w.data) for w in row] for row in layer.weight] for layer in layers],
                "biases": [[_finite(b.data) for b in layer.bias] for layer in layers]}


def _finite(x: float) -> float:
    """A weight as JSON holds it: an overflowed one (the run diverged) drawn as 0."""
    return x if math.isfinite(x) else 0.0


class Confusion:
    """The confusion matrix of a classifier (the class of its largest output) on a test set:
    ``matrix[t][p]`` counts the points of class t it predicts as p. `names` label the classes.

    Its frame also has the test loss, the mean softmax cross-entropy of the outputs (the same
    number as `losses.softmax_cross_entropy`), and the test accuracy. `outputs`, if given, computes
    the model's outputs for the inputs (rows of floats for rows of numbers: a forward-only program
    of `autograd_mini.tape`, say); by default `diagnose.forward` does, in plain floats.
    """

    kind = "confusion"

    def __init__(self, inputs: Sequence[Sequence[float]], labels: Sequence[int],
                 names: Optional[Sequence[str]] = None,
                 outputs: Optional[Callable[[List[List[float]]], Sequence[Sequence[float]]]] = None) -> None:
        if outputs is not None and not callable(outputs):
            raise TypeError(
                f"Confusion: outputs must be a function of the inputs, got {checks.shown(outputs)}")
        self.outputs = outputs
        self.inputs = as_rows(inputs, "Confusion: inputs")
        self.labels = _labels(labels, len(self.inputs), "Confusion")
        k = max(self.labels) + 1
        if names is None:
            names = [str(c) for c in range(k)]
        strings = isinstance(names, (list, tuple)) and all(isinstance(s, str) for s in names)
        if not strings or len(names) < k:
            raise ValueError(f"Confusion: names must be a list of at least {k} strings (one per class), "
                             f"got {checks.shown(names)}")
        self.names = list(names)

    def static(self) -> Dict[str, Any]:
        return {"kind": self.kind, "names": self.names}

    def frame(self, layers: Sequence[Any]) -> Dict[str, Any]:
        logits = forward(layers, self.inputs)[-1][1] if self.outputs is None else self.outputs(self.inputs)
        k = len(self.names)
        if len(logits[0]) != k:
            raise ValueError(f"Confusion: the model has {len(logits[0])} outputs for {k} class names")
        matrix = [[0] * k for _ in range(k)]
        losses = []
        for row, t in zip(logits, self.labels):
            top = max(row)
            matrix[t][row.index(top)] += 1
            losses.append(math.log(math.fsum(math.exp(v - top) for v in row)) - (row[t] - top))  # as the loss
        right = sum(matrix[c][c] for c in range(k))
        return {"matrix": matrix, "test_loss": math.fsum(losses) / len(losses),
                "test_accuracy": right / len(self.labels)}
