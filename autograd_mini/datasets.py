"""Small 2-D classification data sets, in pure Python and deterministic for a seed.

Each ``make_*(n, noise, seed)`` returns ``(X, y)``: X a list of n points ``[x1, x2]`` (floats) and y
a list of n class indices ``0..k-1`` (ints), in shuffled order. `noise` is the standard deviation of
the Gaussian noise added to each coordinate. Use ``to_pm1(y)`` for the ±1 labels of the hinge loss.

>>> X, y = make_moons(6, noise=0.1, seed=0)
>>> len(X), len(X[0]), sorted(set(y))
(6, 2, [0, 1])
"""

from __future__ import annotations

import math
import random
from typing import List, Sequence, Tuple, TypeVar

from . import checks

Points = List[List[float]]
T = TypeVar("T")


def _check(
    n: object, noise: object, seed: object, where: str, min_n: int = 1
) -> Tuple[int, float, random.Random]:
    n = checks.integer(n, f"{where}: n", minimum=min_n)
    std = checks.finite(noise, f"{where}: noise", "a finite number >= 0")
    if std < 0.0:
        raise ValueError(f"{where}: noise: expected a finite number >= 0, got {std!r}")
    return n, std, random.Random(checks.integer(seed, f"{where}: seed"))


def _split(n: int, k: int) -> List[int]:
    """n samples over k classes, as evenly as possible (the first classes get the extra ones)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _finish(
    points: List[Tuple[float, float, int]], noise: float, rng: random.Random
) -> Tuple[Points, List[int]]:
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y] for x, y, _ in points]
    return X, [c for _, _, c in points]


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Tuple[Points, List[int]]:
    """Two interleaving half circles: class 0 the upper arc, class 1 the lower one, shifted."""
    n, noise, rng = _check(n, noise, seed, "make_moons")
    points = []
    for c, count in enumerate(_split(n, 2)):
        for i in range(count):
            t = math.pi * i / max(count - 1, 1)
            if c == 0:
                points.append((math.cos(t), math.sin(t), 0))
            else:
                points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(points, noise, rng)


def make_circles(
    n: int = 100, noise: float = 0.05, seed: int = 0, factor: float = 0.5
) -> Tuple[Points, List[int]]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius `factor` (0 < factor < 1)."""
    n, noise, rng = _check(n, noise, seed, "make_circles")
    if not 0.0 < checks.real(factor, "make_circles: factor") < 1.0:
        raise ValueError(f"make_circles: factor: expected a number in (0, 1), got {factor!r}")
    points = []
    for c, count in enumerate(_split(n, 2)):
        r = 1.0 if c == 0 else float(factor)
        for i in range(count):
            t = 2.0 * math.pi * i / count
            points.append((r * math.cos(t), r * math.sin(t), c))
    return _finish(points, noise, rng)


def make_blobs(n: int = 100, noise: float = 0.5, seed: int = 0, centers: int = 3) -> Tuple[Points, List[int]]:
    """`centers` Gaussian clusters (std `noise`) around points spread evenly on a circle of radius 3."""
    centers = checks.integer(centers, "make_blobs: centers", minimum=1)
    n, noise, rng = _check(n, noise, seed, "make_blobs")
    points: List[Tuple[float, float, int]] = []
    for c, count in enumerate(_split(n, centers)):
        angle = 2.0 * math.pi * c / centers
        cx, cy = 3.0 * math.cos(angle), 3.0 * math.sin(angle)
        points.extend((cx, cy, c) for _ in range(count))
    return _finish(points, noise, rng)


def make_spirals(
    n: int = 100, noise: float = 0.1, seed: int = 0, classes: int = 2
) -> Tuple[Points, List[int]]:
    """`classes` interleaved spiral arms from the origin, each turning 1.5 times (radius up to 1)."""
    classes = checks.integer(classes, "make_spirals: classes", minimum=2)
    n, noise, rng = _check(n, noise, seed, "make_spirals")
    points = []
    for c, count in enumerate(_split(n, classes)):
        for i in range(count):
            r = (i + 1) / count
            t = 3.0 * math.pi * r + 2.0 * math.pi * c / classes
            points.append((r * math.cos(t), r * math.sin(t), c))
    return _finish(points, noise, rng)


def to_pm1(y: Sequence[int]) -> List[int]:
    """Class labels 0/1 as -1/+1, the labels of `hinge_loss`.

    >>> to_pm1([0, 1, 1])
    [-1, 1, 1]
    """
    out = []
    for v in y:
        if isinstance(v, bool) or v not in (0, 1):
            raise ValueError(f"to_pm1: labels must be 0 or 1, got {v!r}")
        out.append(1 if v == 1 else -1)
    return out


def train_test_split(
    X: Sequence[T], y: Sequence[int], test_fraction: float = 0.25, seed: int = 0
) -> Tuple[List[T], List[T], List[int], List[int]]:
    """Shuffle the samples (with `seed`) and hold out round(test_fraction·n) of them for testing.

    Returns ``(X_train, X_test, y_train, y_test)``; both parts get at least one sample.

    >>> Xtr, Xte, ytr, yte = train_test_split([[0.0]] * 8, [0, 1] * 4, test_fraction=0.25, seed=1)
    >>> len(Xtr), len(Xte)
    (6, 2)
    """
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} points but {len(y)} labels")
    if len(X) < 2:
        raise ValueError(f"train_test_split: needs at least 2 samples, got {len(X)}")
    if not 0.0 < checks.real(test_fraction, "train_test_split: test_fraction") < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), got {test_fraction!r}")
    seed = checks.integer(seed, "train_test_split: seed")
    n_test = min(max(1, round(test_fraction * len(X))), len(X) - 1)
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]
