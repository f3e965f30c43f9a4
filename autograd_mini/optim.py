"""Optimizers: they read each parameter's `.grad` and change its `.data`, with PyTorch's formulas.

`SGD`, `Adam` and `AdamW` give the numbers of ``torch.optim.SGD``, ``Adam`` and ``AdamW`` (the tests
compare them step by step in float64). The learning rate `lr` is a positive number or a schedule: a
callable taking the step number and returning the rate. Steps count from 0: the first `step()` uses
``lr(0)``, the next ``lr(1)``, ...

`state_dict()` is plain JSON data (the step count, the numeric hyperparameters and one buffer entry
per parameter), so training can stop and resume exactly with `load_state_dict()`. A schedule is a
function and cannot be saved: it is stored as ``None`` and the step count is kept, so pass the same
schedule again when you build the optimizer that loads the state.

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
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .checks import finite, integer, positive, shown
from .engine import Value
from .optim_rules import Rule

LR = Union[float, Callable[[int], float]]
Check = Callable[[Any, str], Any]

MAX_STEPS = 2**53  # a step count beyond this is not an exact float: b**t would be meaningless


def check_lr(lr: object, where: str) -> LR:
    """A schedule (any callable) or a finite number > 0."""
    return lr if callable(lr) else positive(lr, where)  # type: ignore[return-value]


def check_decay(x: object, where: str) -> float:
    """A weight decay: a finite number >= 0."""
    value = finite(x, where, "a finite number >= 0")
    if value < 0.0:
        raise ValueError(f"{where}: expected a finite number >= 0, got {value!r}")
    return value


def check_unit(x: object, where: str) -> float:
    """A momentum or a beta: a number in [0, 1)."""
    value = finite(x, where, "a number in [0, 1)")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where}: expected a number in [0, 1), got {value!r}")
    return value


def check_betas(betas: object, where: str) -> Tuple[float, float]:
    """A pair (b1, b2), each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{where}: expected a pair (b1, b2), got {shown(betas)}")
    return check_unit(betas[0], where), check_unit(betas[1], where)


def _param_list(params: Iterable[Value], where: str) -> List[Value]:
    if isinstance(params, Value) or not hasattr(params, "__iter__"):
        raise TypeError(
            f"{where}: expected an iterable of Values (e.g. model.parameters()), got {shown(params)}"
        )
    ps = list(params)
    if not ps:
        raise ValueError(f"{where}: params is empty")
    seen = set()
    for p in ps:
        if type(p) is not Value:
            raise TypeError(f"{where}: params must be Values, got {shown(p)}")
        if p in seen:  # it would be updated twice per step
            raise ValueError(f"{where}: parameter {p!r} appears more than once")
        seen.add(p)
    return ps


class Optimizer:
    """What every optimizer shares: the parameters, the step counter, the rate, `zero_grad()` and
    the state dict. A subclass names its hyperparameters with their checks (`HYPERPARAMETERS`) and
    its per-parameter buffers (`BUFFERS`, lists of floats), writes its update as formulas (a
    `Rule`) and gives, in `step_rule()`, the rule of the next step and the numbers it shares."""

    HYPERPARAMETERS: ClassVar[Dict[str, Check]] = {"lr": check_lr}
    BUFFERS: ClassVar[Tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], **hyperparameters: Any) -> None:
        where = type(self).__name__
        self.params: List[Value] = _param_list(params, where)
        for name, check in self.HYPERPARAMETERS.items():
            setattr(self, name, check(hyperparameters[name], f"{where}: {name}"))
        for name in self.BUFFERS:
            setattr(self, name, [0.0] * len(self.params))
        self.steps = 0  # how many step() calls have been made
        # called with the optimizer before and after each step() (diagnose.Monitor watches through them)
        self.step_pre_hooks: List[Callable[[Optimizer], None]] = []
        self.step_post_hooks: List[Callable[[Optimizer], None]] = []

    lr: LR

    def current_lr(self) -> float:
        """The rate the next `step()` will use: `lr`, or ``lr(self.steps)`` for a schedule."""
        if not callable(self.lr):
            return self.lr
        rate = self.lr(self.steps)
        if isinstance(rate, bool) or not isinstance(rate, Real) or not (rate >= 0.0 and math.isfinite(rate)):
            raise ValueError(
                f"{type(self).__name__}: the schedule gave lr {rate!r} at step {self.steps}; "
                "need a finite number >= 0"
            )
        return float(rate)

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0, ready for the next `backward()`."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Change each parameter by the subclass's rule (`update`), the step hooks run before and after."""
        for hook in tuple(self.step_pre_hooks):
            hook(self)
        self.update()
        for hook in tuple(self.step_post_hooks):
            hook(self)

    def update(self) -> None:
        """Change each parameter's `.data` from its `.grad` by the rule of `step_rule()`, and
        count the step."""
        rule, numbers = self.step_rule()
        try:
            rule.run(self, numbers)
        except KeyError as e:  # (raised before any parameter changes: the numbers are read first)
            raise ValueError(
                f"{type(self).__name__}.step_rule: no number {e.args[0]!r} for the rule {rule.name}, "
                f"which reads {rule.scalars}"
            ) from None
        self.steps += 1

    def step_rule(self) -> Tuple[Rule, Dict[str, float]]:
        """The rule of the next step and the numbers it shares (lr, ...), by name."""
        raise NotImplementedError(f"{type(self).__name__}: an optimizer gives step_rule() or writes update()")

    def register_step_pre_hook(self, hook: Callable[[Optimizer], None]) -> Callable[[], None]:
        """Call ``hook(optimizer)`` before every `step()` (as PyTorch's hook of the same name);
        returns a function that removes it."""
        return _registered(self.step_pre_hooks, hook, "register_step_pre_hook")

    def register_step_post_hook(self, hook: Callable[[Optimizer], None]) -> Callable[[], None]:
        """Call ``hook(optimizer)`` after every `step()`; returns a function that removes it."""
        return _registered(self.step_post_hooks, hook, "register_step_post_hook")

    def hyperparameters(self) -> Dict[str, Any]:
        """The hyperparameters as JSON data: a schedule shows as None (it cannot be saved)."""
        out: Dict[str, Any] = {}
        for name in self.HYPERPARAMETERS:
            value = getattr(self, name)
            out[name] = None if callable(value) else list(value) if isinstance(value, tuple) else value
        return out

    def state_dict(self) -> Dict[str, Any]:
        """Everything needed to resume: plain JSON data (`json.dumps` works on it).

        ``{"optimizer": class name, "steps": n, "hyperparameters": {...}, "buffers": {name: [one
        float per parameter, in the order of params]}}``. A schedule is stored as ``"lr": None``.
        """
        return {
            "optimizer": type(self).__name__,
            "steps": self.steps,
            "hyperparameters": self.hyperparameters(),
            "buffers": {name: list(getattr(self, name)) for name in self.BUFFERS},
        }

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restore what `state_dict` gave, for the same parameters in the same order.

        Numeric hyperparameters replace the optimizer's own; ``"lr": None`` (a schedule was saved)
        keeps this optimizer's `lr`, so pass the schedule again when you build it. Everything is
        checked before anything changes: a problem raises `ValueError` naming the key, and the
        optimizer is left as it was.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{where}: expected a dict made by state_dict(), got {shown(state)}")
        _same_keys(state, ("optimizer", "steps", "hyperparameters", "buffers"), where, "")
        if state["optimizer"] != type(self).__name__:
            raise ValueError(
                f"{where}: 'optimizer' is {shown(state['optimizer'])}, expected {type(self).__name__!r}"
            )
        steps = _checked(integer, state["steps"], f"{where}: 'steps'", 0)
        if steps > MAX_STEPS:
            raise ValueError(f"{where}: 'steps' must be at most 2**53, got {shown(steps)}")
        hyper = self._checked_hyperparameters(state["hyperparameters"], where)
        buffers = self._checked_buffers(state["buffers"], where)
        for name, value in hyper.items():  # all checked: now write
            setattr(self, name, value)
        for name, values in buffers.items():
            setattr(self, name, values)
        self.steps = steps

    def _checked_hyperparameters(self, given: Any, where: str) -> Dict[str, Any]:
        _same_keys(given, tuple(self.HYPERPARAMETERS), where, "hyperparameters.")
        out = {}
        for name, check in self.HYPERPARAMETERS.items():
            if name == "lr" and given[name] is None:
                continue  # a schedule was saved: keep this optimizer's lr
            if name == "lr" and callable(given[name]):
                raise ValueError(
                    f"{where}: 'hyperparameters.lr' must be a number or None, got {shown(given[name])}"
                )
            out[name] = _checked(check, given[name], f"{where}: 'hyperparameters.{name}'")
        return out

    def _checked_buffers(self, given: Any, where: str) -> Dict[str, List[float]]:
        _same_keys(given, self.BUFFERS, where, "buffers.")
        out = {}
        n = len(self.params)
        for name in self.BUFFERS:
            values = given[name]
            key = f"{where}: 'buffers.{name}'"
            if not isinstance(values, list) or len(values) != n:
                got = shown(values)
                raise ValueError(f"{key}: expected a list of {n} numbers (one per parameter), got {got}")
            out[name] = [_checked(finite, x, f"{key}[{i}]") for i, x in enumerate(values)]
        return out


def _registered(hooks: List[Callable[[Optimizer], None]], hook: Any, where: str) -> Callable[[], None]:
    if not callable(hook):
        raise TypeError(f"{where}: hook must be callable, got {shown(hook)}")
    hooks.append(hook)
    return lambda: hooks.remove(hook) if hook in hooks else None


def _checked(check: Callable[..., Any], value: Any, where: str, *args: Any) -> Any:
    """Run a check and report every kind of failure as a ValueError: it is bad data, not bad code."""
    try:
        return check(value, where, *args)
    except (TypeError, ValueError, OverflowError) as e:
        message = str(e)
    except RecursionError:  # the check's message tried to show a list nested thousands deep
        message = ""
    if not message.startswith(where):  # the check failed while describing the value
        message = f"{where}: expected a number, got {shown(value)}"
    raise ValueError(message) from None


def _same_keys(given: Any, expected: Sequence[str], where: str, prefix: str) -> None:
    if not isinstance(given, dict):
        raise ValueError(f"{where}: {prefix.rstrip('.') or 'state'!r} must be a dict, got {shown(given)}")
    for key in expected:
        if key not in given:
            raise ValueError(f"{where}: missing key {prefix + key!r}")
    for key in given:
        if key not in expected:
            name = f"{prefix + key!r:.80}" if isinstance(key, str) else shown(key)
            raise ValueError(f"{where}: unexpected key {name} (expected {list(expected)})")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay, as torch.optim.SGD
    (dampening 0, no Nesterov).

    Its rule is `RULE`, with mu = momentum and wd = weight_decay (the decay enters the gradient,
    then the momentum); without momentum and decay, `PLAIN`.

    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.5, momentum=0.9)
    >>> w.grad = 1.0; opt.step(); w.grad = 1.0; opt.step()
    >>> round(w.data, 12)    # 1 - 0.5·1 - 0.5·(0.9 + 1)
    -0.45
    """

    HYPERPARAMETERS = {"lr": check_lr, "momentum": check_unit, "weight_decay": check_decay}
    BUFFERS = ("velocity",)
    RULE = Rule("sgd", {"v": "velocity"}, v="mu * v + (g + wd * p)", p="p - lr * v")
    PLAIN = Rule("sgd_plain", {}, p="p - lr * g")  # no momentum, no decay: the cheap update
    momentum: float
    weight_decay: float
    velocity: List[float]

    def __init__(
        self, params: Iterable[Value], lr: LR, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)

    def step_rule(self) -> Tuple[Rule, Dict[str, float]]:
        lr, mu, wd = self.current_lr(), self.momentum, self.weight_decay
        if mu == 0.0 and wd == 0.0:
            return self.PLAIN, {"lr": lr}
        return self.RULE, {"lr": lr, "mu": mu, "wd": wd}

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} params, lr={self.lr!r}, momentum={self.momentum}, "
            f"weight_decay={self.weight_decay})"
        )


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: `weight_decay` adds ``weight_decay·p`` to the gradient (L2), so the
    decay passes through m and v. (Earlier versions of autograd_mini applied it to p directly, as
    `AdamW` does: use `AdamW` for that.)

    Its rule is `RULE`, with (b1, b2) = betas, c1 = 1 - b1, c2 = 1 - b2 and, for the step t counted
    from 1, step_size = lr / (1 - b1^t) and root_c2 = sqrt(1 - b2^t); l2 = weight_decay and
    shrink = 1 (in `AdamW`: l2 = 0 and shrink = 1 - lr·weight_decay).

    >>> w = Value(1.0)
    >>> opt = Adam([w], lr=0.1)
    >>> w.grad = 5.0; opt.step()
    >>> round(w.data, 6)     # the first step moves by about lr, whatever the gradient's size
    0.9
    """

    HYPERPARAMETERS = {"lr": check_lr, "betas": check_betas, "eps": positive, "weight_decay": check_decay}
    BUFFERS = ("m", "v")
    RULE = Rule(
        "adam", {"m": "m", "v": "v"}, g="g + l2 * p", m="b1 * m + c1 * g", v="b2 * v + c2 * g * g",
        p="p * shrink - step_size * (m / (sqrt(v) / root_c2 + eps))",
    )
    DECOUPLED: ClassVar[bool] = False  # AdamW: the decay shrinks p instead of entering g
    DEFAULT_WEIGHT_DECAY: ClassVar[float] = 0.0
    betas: Tuple[float, float]
    eps: float
    weight_decay: float
    m: List[float]
    v: List[float]

    def __init__(
        self,
        params: Iterable[Value],
        lr: LR = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: Optional[float] = None,  # None: 0 for Adam, 0.01 for AdamW, as in PyTorch
    ) -> None:
        if weight_decay is None:
            weight_decay = self.DEFAULT_WEIGHT_DECAY
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def step_rule(self) -> Tuple[Rule, Dict[str, float]]:
        lr = self.current_lr()
        b1, b2 = self.betas
        t = self.steps + 1
        l2, shrink = (0.0, 1.0 - lr * self.weight_decay) if self.DECOUPLED else (self.weight_decay, 1.0)
        return self.RULE, {
            "b1": b1, "c1": 1.0 - b1, "b2": b2, "c2": 1.0 - b2, "l2": l2, "shrink": shrink,
            "step_size": lr / (1.0 - b1**t), "root_c2": math.sqrt(1.0 - b2**t), "eps": self.eps,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self.params)} params, lr={self.lr!r}, betas={self.betas}, "
            f"eps={self.eps}, weight_decay={self.weight_decay})"
        )


class AdamW(Adam):
    """Adam with decoupled weight decay, as torch.optim.AdamW (default weight_decay 0.01): each step
    first shrinks p to ``p·(1 - lr·weight_decay)``, then takes Adam's step; the decay does not pass
    through m and v.

    >>> w = Value(1.0)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = 0.0; opt.step()
    >>> w.data               # no gradient: only the decay, 1 - 0.1·0.5
    0.95
    """

    DECOUPLED = True
    DEFAULT_WEIGHT_DECAY = 0.01  # torch.optim.AdamW's


RULES = (SGD.RULE, SGD.PLAIN, Adam.RULE)  # every rule, for the traced programs (autograd_mini.tape)
