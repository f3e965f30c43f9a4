"""What the page shows beside the curves, at each recorded step: a classifier's decision
boundary over its 2-D inputs (`Boundary`) or its confusion matrix on a test set (`Confusion`).

A view is made once with the data it needs; `frame(layers)` computes what the model does now
(in plain floats, through `diagnose.forward`, so recording costs little), and `static()` is what
stays the same in every frame (the points, the class names), kept once on the page.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

from .. import checks
from ..diagnose import forward
from ..diagnose.layers import as_rows


def _labels(labels: Any, n: int, where: str) -> List[int]:
    if not isinstance(labels, (list, tuple)) or len(labels) != n:
        raise ValueError(f"{where}: expected {n} labels (one per point), got {checks.shown(labels)}")
    return [checks.integer(t, f"{where}: a label", minimum=0) for t in labels]


class Boundary:
    """The decision boundary of a model with one output (a score: class 1 where it is > 0) over
    2-D points: a `size` × `size` grid of scores, drawn as a map under the points.

    >>> view = Boundary([[0.0, 0.0], [1.0, 1.0]], [0, 1], size=3)
    >>> view.static()["bounds"]
    [-0.5, 1.5, -0.5, 1.5]
    """

    kind = "boundary"

    def __init__(self, points: Sequence[Sequence[float]], labels: Sequence[int], size: int = 20,
                 margin: float = 0.5) -> None:
        self.points = as_rows(points, "Boundary: points")
        if any(len(p) != 2 for p in self.points):
            raise ValueError("Boundary: points must be 2-D (two numbers each)")
        self.labels = _labels(labels, len(self.points), "Boundary")
        self.size = checks.integer(size, "Boundary: size", minimum=2)
        m = checks.nonnegative(margin, "Boundary: margin")
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        self.bounds = [min(xs) - m, max(xs) + m, min(ys) - m, max(ys) + m]
        x0, x1, y0, y1 = self.bounds
        n = self.size - 1
        # row by row from the top (largest y), as an image is drawn
        self.grid = [[x0 + (x1 - x0) * i / n, y1 - (y1 - y0) * j / n]
                     for j in range(n + 1) for i in range(n + 1)]

    def static(self) -> Dict[str, Any]:
        return {"kind": self.kind, "size": self.size, "bounds": self.bounds,
                "points": [[round(x, 4), round(y, 4)] for x, y in self.points], "labels": self.labels}

    def frame(self, layers: Sequence[Any]) -> Dict[str, Any]:
        scores = [row[0] for row in forward(layers, self.grid)[-1][1]]
        return {"scores": [round(s, 3) if math.isfinite(s) else 0.0 for s in scores]}


class Confusion:
    """The confusion matrix of a classifier (the class of its largest output) on a test set:
    ``matrix[t][p]`` counts the points of class t it predicts as p. `names` label the classes.

    Its frame also has the test loss, the mean softmax cross-entropy of the outputs (the same
    number as `losses.softmax_cross_entropy`), and the test accuracy.
    """

    kind = "confusion"

    def __init__(self, inputs: Sequence[Sequence[float]], labels: Sequence[int],
                 names: Optional[Sequence[str]] = None) -> None:
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
        logits = forward(layers, self.inputs)[-1][1]
        k = len(self.names)
        if len(logits[0]) != k:
            raise ValueError(f"Confusion: the model has {len(logits[0])} outputs for {k} class names")
        matrix = [[0] * k for _ in range(k)]
        losses = []
        for row, t in zip(logits, self.labels):
            top = max(row)
            matrix[t][row.index(top)] += 1
            losses.append(top + math.log(math.fsum(math.exp(v - top) for v in row)) - row[t])
        right = sum(matrix[c][c] for c in range(k))
        return {"matrix": matrix, "test_loss": math.fsum(losses) / len(losses),
                "test_accuracy": right / len(self.labels)}
