"""Optimizers: they read each parameter's `.grad` and change its `.data`.

The learning rate `lr` is a positive number or a schedule: a callable taking the step number and
returning the rate. Steps count from 0: the first `step()` uses ``lr(0)``, the next ``lr(1)``, ...

>>> from autograd_mini import Value
>>> w = Value(3.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward(); opt.step(); opt.zero_grad()
>>> round(w.data, 12)    # 3 - 0.1 · 6
2.4
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Callable, Iterable, List, Tuple, Union

from .engine import Value

LR = Union[float, Callable[[int], float]]


def _real(x: object, name: str, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{where}: {name} must be a real number, got {type(x).__name__} {x!r}")
    return float(x)


class Optimizer:
    """What SGD and Adam share: the parameter list, the step counter, the rate and `zero_grad()`."""

    def __init__(self, params: Iterable[Value], lr: LR, weight_decay: float, where: str) -> None:
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            raise TypeError(f"{where}: params must be an iterable of Values (e.g. model.parameters())")
        ps = list(params)
        if not ps:
            raise ValueError(f"{where}: params is empty")
        seen = set()
        for p in ps:
            if type(p) is not Value:
                raise TypeError(f"{where}: params must be Values, got {type(p).__name__} {p!r}")
            if p in seen:  # it would be updated twice per step
                raise ValueError(f"{where}: parameter {p!r} appears more than once")
            seen.add(p)
        if not callable(lr):
            lr = _real(lr, "lr", where)
            if not (lr > 0.0 and math.isfinite(lr)):
                raise ValueError(f"{where}: lr must be a finite number > 0, got {lr!r}")
        wd = _real(weight_decay, "weight_decay", where)
        if not (wd >= 0.0 and math.isfinite(wd)):
            raise ValueError(f"{where}: weight_decay must be a finite number >= 0, got {weight_decay!r}")
        self.params: List[Value] = ps
        self.lr = lr
        self.weight_decay = wd
        self.steps = 0  # how many step() calls have been made
        self._where = where

    def current_lr(self) -> float:
        """The rate the next `step()` will use: `lr`, or ``lr(self.steps)`` for a schedule."""
        if not callable(self.lr):
            return self.lr
        rate = self.lr(self.steps)
        if isinstance(rate, bool) or not isinstance(rate, Real) or not (rate >= 0.0 and math.isfinite(rate)):
            raise ValueError(
                f"{self._where}: the schedule gave lr {rate!r} at step {self.steps}; "
                "need a finite number >= 0"
            )
        return float(rate)

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0, ready for the next `backward()`."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and L2 weight decay.

    For each parameter p with gradient g: ``g += weight_decay·p``; with momentum,
    ``v = momentum·v + g`` and ``p -= lr·v``; without, ``p -= lr·g``.

    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.5, momentum=0.9)
    >>> w.grad = 1.0; opt.step(); w.grad = 1.0; opt.step()
    >>> round(w.data, 12)    # 1 - 0.5·1 - 0.5·(0.9 + 1)
    -0.45
    """

    def __init__(
        self, params: Iterable[Value], lr: LR, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr, weight_decay, "SGD")
        mu = _real(momentum, "momentum", "SGD")
        if not 0.0 <= mu < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = mu
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.current_lr(), self.momentum, self.weight_decay
        if mu == 0.0 and wd == 0.0:  # the plain update, kept cheap
            for p in self.params:
                p.data -= lr * p.grad
        else:
            vel = self.velocity
            for i, p in enumerate(self.params):
                g = p.grad + wd * p.data
                v = mu * vel[i] + g
                vel[i] = v
                p.data -= lr * v
        self.steps += 1

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} params, lr={self.lr!r}, momentum={self.momentum}, "
            f"weight_decay={self.weight_decay})"
        )


class Adam(Optimizer):
    """Adam with decoupled weight decay (AdamW).

    With g the gradient and t the step counted from 1 (for the bias correction):
    ``m = b1·m + (1-b1)·g``, ``v = b2·v + (1-b2)·g²``, ``m̂ = m/(1-b1^t)``, ``v̂ = v/(1-b2^t)``, then
    ``p -= lr·(m̂/(sqrt(v̂) + eps) + weight_decay·p)``: the decay shrinks p directly and does not pass
    through m and v, as in AdamW.

    >>> w = Value(1.0)
    >>> opt = Adam([w], lr=0.1)
    >>> w.grad = 5.0; opt.step()
    >>> round(w.data, 6)     # the first step moves by about lr, whatever the gradient's size
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LR = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, "Adam")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (b1, b2), got {betas!r}")
        b1, b2 = (_real(b, "betas", "Adam") for b in betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {tuple(betas)!r}")
        e = _real(eps, "eps", "Adam")
        if not (e > 0.0 and math.isfinite(e)):
            raise ValueError(f"Adam: eps must be a finite number > 0, got {eps!r}")
        self.betas = (b1, b2)
        self.eps = e
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        lr = self.current_lr()
        b1, b2 = self.betas
        t = self.steps + 1
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        eps, wd, m, v = self.eps, self.weight_decay, self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = mi = b1 * m[i] + (1.0 - b1) * g
            v[i] = vi = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * ((mi / c1) / (math.sqrt(vi / c2) + eps) + wd * p.data)
        self.steps = t

    def __repr__(self) -> str:
        return (
            f"Adam({len(self.params)} params, lr={self.lr!r}, betas={self.betas}, eps={self.eps}, "
            f"weight_decay={self.weight_decay})"
        )
