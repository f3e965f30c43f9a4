"""The digits demo's data and scores, in plain Python: the images, a stratified split, accuracy,
the confusion matrix, and per-class precision and recall."""

from __future__ import annotations

import gzip
import importlib.util
import random
from pathlib import Path
from typing import List, Optional, Tuple

Rows = List[List[float]]


def load_data(limit: Optional[int], seed: int) -> Tuple[Rows, List[int]]:
    """The images as rows of 64 pixels in [0, 1], and their digits. `limit` keeps a random subset.

    They are the file scikit-learn's ``load_digits`` reads (64 pixels from 0 to 16 and the digit,
    a line each), read here without importing scikit-learn (a second of the demo's run)."""
    found = importlib.util.find_spec("sklearn")
    places = list(found.submodule_search_locations or []) if found is not None else []
    path = Path(places[0], "datasets", "data", "digits.csv.gz") if places else None
    if path is None or not path.is_file():
        raise ImportError("scikit-learn's digits (sklearn/datasets/data/digits.csv.gz) are not installed")
    with gzip.open(path, "rt") as f:
        rows = [[int(n) for n in line.split(",")] for line in f if line.strip()]
    X = [[p / 16.0 for p in row[:-1]] for row in rows]
    y = [row[-1] for row in rows]
    if limit is not None:
        keep = sorted(random.Random(seed).sample(range(len(y)), limit))
        X, y = [X[i] for i in keep], [y[i] for i in keep]
    return X, y


def stratified_split(y: List[int], test_fraction: float, seed: int) -> Tuple[List[int], List[int]]:
    """Indices of the training and test sets: `test_fraction` of each class, drawn at random."""
    rng = random.Random(seed)
    train: List[int] = []
    test: List[int] = []
    for c in sorted(set(y)):
        members = [i for i, t in enumerate(y) if t == c]
        rng.shuffle(members)
        n_test = round(test_fraction * len(members))
        test += members[:n_test]
        train += members[n_test:]
    return sorted(train), sorted(test)


def accuracy(predicted: List[int], y: List[int]) -> float:
    """The share of predictions that are right."""
    return sum(p == t for p, t in zip(predicted, y)) / len(y)


def confusion(predicted: List[int], y: List[int], k: int = 10) -> List[List[int]]:
    """matrix[t][p]: how many test images of digit t were predicted as p."""
    matrix = [[0] * k for _ in range(k)]
    for p, t in zip(predicted, y):
        matrix[t][p] += 1
    return matrix


def precision_recall(matrix: List[List[int]]) -> Tuple[List[float], List[float]]:
    """Per class: precision = right / predicted as it, recall = right / truly it (0 where nothing is)."""
    k = len(matrix)
    predicted = [sum(matrix[t][c] for t in range(k)) for c in range(k)]
    actual = [sum(row) for row in matrix]
    precision = [matrix[c][c] / predicted[c] if predicted[c] else 0.0 for c in range(k)]
    recall = [matrix[c][c] / actual[c] if actual[c] else 0.0 for c in range(k)]
    return precision, recall
