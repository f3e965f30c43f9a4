"""The activation functions, in one table that the engine, `nn`, the pictures and the tape all read.

Each `Activation` has its function on floats and its derivative, written as g·g'(z) from the
output a = g(z) (and, for sigmoid, z itself) with operators only, so the same formula runs on
floats and, for higher derivatives, on Values.

>>> ACTIVATIONS['tanh'].function(0.5) == math.tanh(0.5)
True
>>> sorted(ACTIVATIONS)
['relu', 'sigmoid', 'tanh']
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, NamedTuple


def relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # NaN is not <= 0, so NaN stays NaN (as in PyTorch)


def sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # never overflows for x < 0
    return e / (1.0 + e)


def _sigmoid_of(x: Any) -> Any:  # for floats and Values alike
    return sigmoid(x) if type(x) is float else x.sigmoid()


def relu_grad(g: Any, z: Any, a: Any) -> Any:
    # relu'(z) = 1 where z > 0, which is where a > 0; 0 elsewhere (0 * a keeps a NaN)
    return g if a > 0.0 else 0.0 * a


def tanh_grad(g: Any, z: Any, a: Any) -> Any:
    return g * (1.0 - a * a)


def sigmoid_grad(g: Any, z: Any, a: Any) -> Any:
    # s(z)·(1 - s(z)) with 1 - s(z) written as s(-z): it keeps its digits as s(z) -> 1
    return g * a * _sigmoid_of(-z)


class Activation(NamedTuple):
    name: str
    function: Callable[[float], float]
    grad: Callable[[Any, Any, Any], Any]  # (g, z, a) -> g·g'(z)
    needs_z: bool  # whether `grad` reads z (else z may be passed as None)


ACTIVATIONS: Dict[str, Activation] = {
    "relu": Activation("relu", relu, relu_grad, False),
    "tanh": Activation("tanh", math.tanh, tanh_grad, False),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_grad, True),
}
