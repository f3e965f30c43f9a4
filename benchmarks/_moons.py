"""A tiny pure-Python two-moons generator, used only when autograd_mini.datasets is not there.

>>> X, y = make_moons(4, noise=0.0, seed=0)
>>> len(X), sorted(set(y))
(4, [-1.0, 1.0])
"""

from __future__ import annotations

import math
import random
from typing import List, Tuple


def make_moons(n: int, noise: float, seed: int) -> Tuple[List[List[float]], List[float]]:
    """`n` points on two interleaved half circles, labels +1 (upper) and -1 (lower)."""
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    X: List[List[float]] = []
    y: List[float] = []
    for count, label in ((n_upper, 1.0), (n_lower, -1.0)):
        for i in range(count):
            t = math.pi * i / max(count - 1, 1)
            if label > 0:
                px, py = math.cos(t), math.sin(t)
            else:
                px, py = 1.0 - math.cos(t), 0.5 - math.sin(t)
            X.append([px + rng.gauss(0.0, noise), py + rng.gauss(0.0, noise)])
            y.append(label)
    return X, y
