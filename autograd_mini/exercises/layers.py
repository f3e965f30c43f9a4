"""Exercises 2 to 4: one neuron, one layer with one observation, a layer with a batch of N.

Each case is drawn from the seeded `rng` (numbers with two decimals, none near 0, so that every
known mistake gives a different answer), in fixed sizes: a non-square layer first (shapes that are
wrong show as shapes), a square one (where W and Wᵀ, dW and dWᵀ have the same shape but other
numbers), each activation at least once.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List, Optional, Tuple

from .grading import Case, Mistake, Output, Verdict, judge
from .mistakes import layer_mistakes, neuron_mistakes
from .reference import forward, layer_answer

# (n, m, activation) per case; N is 1 for the layer exercise
SIZES = ((3, 2, "tanh"), (3, 3, "sigmoid"), (2, 3, "relu"), (2, 2, "tanh"))
BATCHES = (4, 2, 3, 3)
NEURONS = ((3, "tanh"), (2, "sigmoid"), (3, "relu"))

LAYER_FORMULAS = {
    "dZ": "dZ = dA ⊙ g'(Z)",
    "dW": "dW = dZ·A_prevᵀ",
    "dB": "dB = dZ (a list: dB[i] = dZ[i][0])",
    "dA_prev": "dA_prev = Wᵀ·dZ",
}
BATCH_FORMULAS = {
    "dZ": "dZ = dA ⊙ g'(Z)",
    "dW": "dW = (1/N)·dZ·A_prevᵀ",
    "dB": "dB = (1/N)·Σ_k dZ[:, k] (the mean of each row of dZ)",
    "dA_prev": "dA_prev = Wᵀ·dZ",
}
NEURON_FORMULAS = {
    "dz": "dz = da·g'(z)", "dw": "dw_j = dz·a_j", "db": "db = dz", "da_prev": "da_prev_j = w_j·dz",
}
DIMS = {"dZ": "n×N", "dW": "n×m", "dB": "n", "dA_prev": "m×N", "dz": "", "dw": "m", "db": "", "da_prev": "m"}


def value(rng: random.Random, high: float) -> float:
    """A number in [-high, high] with two decimals, at least 0.05 away from 0."""
    while True:
        x = round(rng.uniform(-high, high), 2)
        if abs(x) >= 0.05:
            return x


def matrix(rng: random.Random, rows: int, columns: int, high: float) -> List[List[float]]:
    return [[value(rng, high) for _ in range(columns)] for _ in range(rows)]


def draw_layer(rng: random.Random, n: int, m: int, N: int, activation: str) -> Tuple[Any, ...]:
    """W, A_prev, B, dA, and the forward pass's Z and A; no Z near 0 (where relu' jumps)."""
    W, A_prev, dA = matrix(rng, n, m, 1.0), matrix(rng, m, N, 2.0), matrix(rng, n, N, 1.0)
    while True:
        B = [value(rng, 0.5) for _ in range(n)]
        ahead = forward(W, A_prev, B, activation)
        if all(abs(z) > 0.01 for row in ahead["Z"] for z in row):
            return W, A_prev, B, dA, ahead["Z"], ahead["A"]


def layer_cases(rng: random.Random, batch: bool) -> List[Case]:
    cases = []
    formulas = BATCH_FORMULAS if batch else LAYER_FORMULAS
    for (n, m, activation), N in zip(SIZES, BATCHES if batch else (1,) * len(SIZES)):
        W, A_prev, B, dA, Z, A = draw_layer(rng, n, m, N, activation)
        right = layer_answer(W, A_prev, B, dA, activation)
        outputs = [Output(name, right[name], DIMS[name], formulas[name]) for name in formulas]
        found = layer_mistakes(W, A_prev, B, dA, activation, Z, A, right, formulas)
        mistakes = [Mistake(*f) for f in found]
        label = f"n={n}, m={m}, N={N}, {activation}"
        cases.append(Case((W, A_prev, Z, dA, activation), label, _judging(outputs, mistakes)))
    return cases


def neuron_cases(rng: random.Random) -> List[Case]:
    cases = []
    for m, activation in NEURONS:
        W, A_prev, B, dA, Z, A = draw_layer(rng, 1, m, 1, activation)
        layer = layer_answer(W, A_prev, B, dA, activation)
        right: Dict[str, Any] = {
            "dz": layer["dZ"][0][0], "dw": layer["dW"][0], "db": layer["dB"][0],
            "da_prev": [row[0] for row in layer["dA_prev"]],
        }
        w, a_prev, z, da = W[0], [row[0] for row in A_prev], Z[0][0], dA[0][0]
        outputs = [Output(name, right[name], DIMS[name], NEURON_FORMULAS[name]) for name in NEURON_FORMULAS]
        mistakes = [Mistake(*f) for f in neuron_mistakes(w, a_prev, activation, z, A[0][0], da, right)]
        label = f"m={m}, {activation}"
        cases.append(Case((w, a_prev, z, da, activation), label, _judging(outputs, mistakes)))
    return cases


def _judging(outputs: List[Output], mistakes: List[Mistake]) -> Callable[[Any], Optional[Verdict]]:
    return lambda returned: judge(returned, outputs, mistakes)
