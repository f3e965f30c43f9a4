"""Datasets: shapes, labels, determinism, geometry, splitting and argument checks."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from autograd_mini import datasets

MAKERS = [datasets.make_moons, datasets.make_circles, datasets.make_blobs, datasets.make_spirals]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_labels_and_determinism(make) -> None:  # type: ignore[no-untyped-def]
    X, y = make(101, 0.1, 3)
    assert len(X) == len(y) == 101
    assert all(type(p) is list and len(p) == 2 and all(type(v) is float for v in p) for p in X)
    assert all(type(c) is int for c in y)
    k = 3 if make is datasets.make_blobs else 2
    counts = Counter(y)
    assert sorted(counts) == list(range(k)) and max(counts.values()) - min(counts.values()) <= 1
    assert make(101, 0.1, 3) == (X, y)  # same seed, same data
    assert make(101, 0.1, 4) != (X, y)
    assert y[:20] != sorted(y[:20])  # shuffled, not grouped by class


def test_noise_free_geometry() -> None:
    X, y = datasets.make_moons(50, 0.0, 0)
    for (a, b), c in zip(X, y):  # class 0 on the unit upper arc, class 1 on the shifted lower arc
        cx, cy = (0.0, 0.0) if c == 0 else (1.0, 0.5)
        assert math.hypot(a - cx, b - cy) == pytest.approx(1.0, abs=1e-12)
        assert (b >= -1e-12) if c == 0 else (b <= 0.5 + 1e-12)
    X, y = datasets.make_circles(40, 0.0, 0, factor=0.3)
    assert all(math.hypot(*p) == pytest.approx(1.0 if c == 0 else 0.3, abs=1e-12) for p, c in zip(X, y))
    X, y = datasets.make_blobs(30, 0.0, 0, centers=3)
    assert len({tuple(p) for p in X}) == 3
    X, y = datasets.make_spirals(60, 0.0, 0, classes=3)
    assert sorted(set(y)) == [0, 1, 2] and all(math.hypot(*p) <= 1.0 + 1e-12 for p in X)


def test_noise_is_its_standard_deviation() -> None:
    X0, y0 = datasets.make_blobs(4000, 0.0, 1, centers=1)
    X1, _ = datasets.make_blobs(4000, 0.5, 1, centers=1)
    dx = [a[0] - b[0] for a, b in zip(X1, X0)]
    sd = math.sqrt(sum(d * d for d in dx) / len(dx))
    assert sd == pytest.approx(0.5, rel=0.05)


def test_to_pm1() -> None:
    assert datasets.to_pm1([0, 1, 1, 0]) == [-1, 1, 1, -1]
    with pytest.raises(ValueError, match="labels must be 0 or 1, got 2"):
        datasets.to_pm1([0, 2])
    with pytest.raises(ValueError, match="got True"):
        datasets.to_pm1([True])


def test_train_test_split() -> None:
    X, y = datasets.make_moons(40, 0.1, 0)
    Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(Xte) == 10 and len(Xtr) == 30 and len(ytr) == 30 and len(yte) == 10
    pairs = sorted(zip(map(tuple, Xtr + Xte), ytr + yte))
    assert pairs == sorted(zip(map(tuple, X), y))  # a partition, every point with its own label
    assert datasets.train_test_split(X, y, 0.25, 1) == (Xtr, Xte, ytr, yte)
    assert datasets.train_test_split(X, y, 0.25, 2) != (Xtr, Xte, ytr, yte)
    small = datasets.train_test_split([[0.0], [1.0]], [0, 1], 0.01, 0)
    assert len(small[0]) == 1 and len(small[1]) == 1  # both parts keep at least one sample


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: datasets.make_moons(0, 0.1, 0), ValueError, "make_moons: n: expected an int >= 1, got 0"),
        (lambda: datasets.make_moons(10.0, 0.1, 0), TypeError, "make_moons: n: expected an int, got float"),
        (lambda: datasets.make_circles(10, -0.1, 0), ValueError, "make_circles: noise: expected a finite"),
        (lambda: datasets.make_circles(10, float("nan"), 0), ValueError, "noise"),
        (lambda: datasets.make_circles(10, 0.1, 0, factor=1.0), ValueError, "factor"),
        (lambda: datasets.make_blobs(10, 0.1, "0"), TypeError, "make_blobs: seed: expected an int, got str"),
        (lambda: datasets.make_blobs(10, 0.1, 0, centers=0), ValueError, "centers"),
        (lambda: datasets.make_spirals(10, 0.1, 0, classes=1), ValueError, "classes"),
        (lambda: datasets.train_test_split([[0.0]] * 3, [0, 1], 0.5, 0), ValueError, "3 points but 2 labels"),
        (
            lambda: datasets.train_test_split([[0.0]] * 3, [0] * 3, 1.0, 0),
            ValueError,
            r"test_fraction must be in \(0, 1\)",
        ),
        (lambda: datasets.train_test_split([[0.0]], [0], 0.5, 0), ValueError, "at least 2 samples"),
    ],
)
def test_argument_checks(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()
