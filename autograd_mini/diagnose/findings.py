"""From the numbers to findings: each check compares a `StepStats` with a limit of `Limits` and,
past it, writes one line naming the step, the layer, the number and the usual fix."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from .. import checks
from .layers import layer_name
from .stats import SATURATED_Z, StepStats


@dataclass(frozen=True)
class Limits:
    """Where a number becomes a warning. The defaults stay quiet on the demos' healthy runs."""

    growth: float = 10.0  # divergence: the loss this many times its first value
    dead: float = 0.5  # this share of a ReLU layer's units dead
    saturated: float = 0.5  # this share of a tanh/sigmoid layer's units saturated ...
    most: float = 0.5  # ... each on more than this share of the samples
    min_samples: int = 10  # fewer samples in the batch: the unit shares are measured, not warned

    def __post_init__(self) -> None:
        for name in ("growth", "between_layers", "over_steps"):
            if checks.positive(getattr(self, name), f"Limits: {name}") <= 1.0:
                raise ValueError(f"Limits: {name} must be a factor > 1, got {getattr(self, name)!r}")
        for name in ("dead", "saturated", "most"):
            value = checks.finite(getattr(self, name), f"Limits: {name}", "a share in [0, 1]")
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Limits: {name} must be a share in [0, 1], got {value!r}")
        checks.integer(self.min_samples, "Limits: min_samples", minimum=1)
    between_layers: float = 1e3  # ‖dW‖/‖W‖ of a layer vs the last layer's, either way
    over_steps: float = 1e3  # ‖dW‖ of a layer vs its first measured value: growth


@dataclass(frozen=True)
class Finding:
    """One thing found: its `kind` (a key of `CATEGORIES`), step, layer (counted from 1; None for
    the whole model), the number that crossed its limit, and the line the warning shows."""

    kind: str
    step: int
    layer: Optional[int]
    value: float
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "step": self.step, "layer": self.layer, "value": self.value,
                "message": self.message}


def divergence(step: int, loss: float, first: Tuple[int, float], lr: Optional[float],
               limits: Limits) -> Optional[Finding]:
    """The loss not finite, or `limits.growth` times its first value (`first`: (step, loss))."""
    fix = "the learning rate is too large: lower it" + (f" (it is {lr:g}; try {lr / 10:g})" if lr else "")
    first_step, first_loss = first
    if not math.isfinite(loss):
        return Finding("divergence", step, None, loss, f"step {step}: the loss is {loss} (it was "
                       f"{first_loss:.4g} at step {first_step}): training diverged; {fix}")
    if not first_loss > 0.0 or loss < limits.growth * first_loss:
        return None
    times = loss / first_loss
    return Finding("divergence", step, None, times,
                   f"step {step}: the loss {loss:.4g} is {times:.3g}× its value at step {first_step} "
                   f"({first_loss:.4g}): training is diverging; {fix}")


def accumulation(step: int, names: Sequence[str], count: int, total: int) -> Finding:
    """`count` of the `total` parameters carried their gradient over; `names`: the first of them."""
    shown = ", ".join(names) + (", …" if count > len(names) else "")
    return Finding("accumulation", step, None, float(count),
                   f"step {step}: the gradients of {count} of {total} parameters ({shown}) still hold "
                   f"the previous step's: backward() added to them without zero_grad(); call "
                   f"optimizer.zero_grad() before each backward()")


def units(stats: StepStats, layers: Sequence[Any], limits: Limits) -> List[Finding]:
    """Dead ReLU layers and saturated tanh/sigmoid layers."""
    out = []
    for i, (layer, dead, flat) in enumerate(zip(layers, stats.dead_fractions, stats.saturated_fractions), 1):
        n, name = len(layer.weight), layer_name(i, layer)
        if dead is not None and dead >= limits.dead:
            out.append(Finding(
                "dead", stats.step, i, dead,
                f"step {stats.step}: {name}: {round(dead * n)} of {n} units ({dead:.0%}) output 0 on every "
                f"sample of the batch (dead ReLUs): no gradient flows through them; lower the learning "
                f"rate, start the biases at 0 and the weights with He's scale (nn.init_std)"))
        if flat is not None and flat >= limits.saturated:
            out.append(Finding(
                "saturated", stats.step, i, flat,
                f"step {stats.step}: {name}: {round(flat * n)} of {n} units ({flat:.0%}) have "
                f"|z| > {SATURATED_Z[layer.activation]:g} on over {limits.most:.0%} of the samples "
                f"(saturated {layer.activation}: its derivative is ~0 there); start with smaller weights "
                f"(nn.init_std) or scale the inputs"))
    return out


def between_layers(stats: StepStats, layers: Sequence[Any], limits: Limits) -> List[Finding]:
    """The layer whose ‖dW‖/‖W‖ is furthest from the last layer's, if by `limits.between_layers`."""
    ratios = stats.grad_ratios
    last = ratios[-1]
    if len(ratios) < 2 or not (0.0 < last < math.inf):
        return []
    rel = [r / last for r in ratios[:-1]]
    low = min(range(len(rel)), key=rel.__getitem__)
    high = max(range(len(rel)), key=rel.__getitem__)
    top = f"layer {len(ratios)}'s ({last:.2g})"
    out = []
    if rel[low] <= 1.0 / limits.between_layers:
        out.append(Finding(
            "vanishing", stats.step, low + 1, rel[low],
            f"step {stats.step}: {layer_name(low + 1, layers[low])}: its gradient relative to its weights, "
            f"‖dW‖/‖W‖ = {ratios[low]:.2g}, is {rel[low]:.2g} times {top} (vanishing gradients): "
            f"check for saturated tanh/sigmoid or dead ReLU layers; start with smaller weights "
            f"(nn.init_std), use relu, or fewer layers"))
    if rel[high] >= limits.between_layers:
        out.append(Finding(
            "exploding", stats.step, high + 1, rel[high],
            f"step {stats.step}: {layer_name(high + 1, layers[high])}: ‖dW‖/‖W‖ = {ratios[high]:.2g} is "
            f"{rel[high]:.2g} times {top} (exploding gradients): start with smaller weights "
            f"(nn.init_std), lower the learning rate"))
    return out


def over_steps(stats: StepStats, first: StepStats, layers: Sequence[Any], limits: Limits) -> List[Finding]:
    """A layer whose ‖dW‖ grew `limits.over_steps` times since the first measured step, or fell as
    many times while the loss did not fall even 2 times (a stall, not the end of a good run)."""
    out = []
    stalled = stats.loss is not None and first.loss is not None and stats.loss > 0.5 * first.loss
    for i, (g, g0) in enumerate(zip(stats.grad_norms, first.grad_norms), 1):
        name = layer_name(i, layers[i - 1])
        if g0 > 0.0 and g >= limits.over_steps * g0:
            out.append(Finding(
                "exploding", stats.step, i, g / g0,
                f"step {stats.step}: {name}: ‖dW‖ = {g:.3g} is {g / g0:.3g}× its value at step "
                f"{first.step} (exploding gradients): lower the learning rate"))
        elif stalled and g0 > 0.0 and g * limits.over_steps <= g0:
            out.append(Finding(
                "vanishing", stats.step, i, g / g0,
                f"step {stats.step}: {name}: ‖dW‖ = {g:.3g} is {g / g0:.3g} times its value at step "
                f"{first.step} while the loss is still {stats.loss:.4g} (it was {first.loss:.4g}): "
                f"training has stalled (vanishing gradients): check for dead ReLU or saturated layers"))
    return out
