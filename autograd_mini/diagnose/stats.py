"""The numbers the diagnostics measure at a step: per layer, the gradient's size and its ratio to
the weights' size, the share of dead ReLU units and of saturated tanh or sigmoid units."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

from .layers import Rows

# a tanh or sigmoid unit is saturated on a sample where |z| is past this: tanh'(2.5) = 0.027,
# sigmoid'(5) = 0.0066, so less than 3 % of the gradient passes
SATURATED_Z = {"tanh": 2.5, "sigmoid": 5.0}


@dataclass
class StepStats:
    """What the monitor measured at one step (counted from 1, as the optimizer's steps).

    Lists have one entry per layer. ``grad_norms[i]`` is ‖dW‖ of layer i+1 (the weights' gradient,
    Frobenius norm), ``weight_norms[i]`` is ‖W‖ and ``grad_ratios[i]`` their ratio. The unit shares
    are None where they do not apply (no batch given, or another activation).
    """

    step: int
    loss: Optional[float] = None
    grad_norms: List[float] = field(default_factory=list)
    weight_norms: List[float] = field(default_factory=list)
    grad_ratios: List[float] = field(default_factory=list)
    dead_fractions: List[Optional[float]] = field(default_factory=list)
    saturated_fractions: List[Optional[float]] = field(default_factory=list)
    carried: int = 0  # parameters whose gradient was carried over from the previous step

    def as_dict(self) -> dict:
        return {
            "step": self.step,
            "loss": self.loss,
            "grad_norms": self.grad_norms,
            "weight_norms": self.weight_norms,
            "grad_ratios": self.grad_ratios,
            "dead_fractions": self.dead_fractions,
            "saturated_fractions": self.saturated_fractions,
            "carried": self.carried,
        }


def norms(layer: Any) -> Tuple[float, float]:
    """(‖dW‖, ‖W‖) of a layer."""
    g = math.sqrt(math.fsum(w.grad * w.grad for row in layer.weight for w in row))
    w = math.sqrt(math.fsum(w.data * w.data for row in layer.weight for w in row))
    return g, w


def ratio(g: float, w: float) -> float:
    return g / w if w > 0.0 else (0.0 if g == 0.0 else math.inf)


def dead_fraction(z: Rows) -> float:
    """The share of units whose w·x + b is <= 0 on every sample (a ReLU outputs 0 there)."""
    units = len(z[0])
    dead = sum(1 for j in range(units) if all(row[j] <= 0.0 for row in z))
    return dead / units


def saturated_fraction(z: Rows, activation: str, most: float) -> float:
    """The share of units with |z| past `SATURATED_Z` on at least a share `most` of the samples."""
    limit, units, n = SATURATED_Z[activation], len(z[0]), len(z)
    flat = sum(1 for j in range(units) if sum(1 for row in z if abs(row[j]) > limit) > most * n)
    return flat / units


def unit_shares(
    layers: Sequence[Any], zs: Sequence[Rows], most: float
) -> Tuple[List[Optional[float]], List[Optional[float]]]:
    """Per layer, (dead share for ReLU layers, saturated share for tanh and sigmoid layers)."""
    dead: List[Optional[float]] = []
    flat: List[Optional[float]] = []
    for layer, z in zip(layers, zs):
        act = layer.activation
        dead.append(dead_fraction(z) if act == "relu" else None)
        flat.append(saturated_fraction(z, act, most) if act in SATURATED_Z else None)
    return dead, flat
