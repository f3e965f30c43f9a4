"""`Monitor`: watches a training loop through the optimizer's step hooks and the batches it is shown."""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Set, Tuple, Union

from .. import checks
from ..engine import Value
from . import carried, findings
from .categories import CATEGORIES
from .findings import Finding, Limits
from .layers import as_rows, forward, layer_parameters, layers_of
from .stats import StepStats, norms, ratio, unit_shares

Warn = Union[bool, Callable[[str], Any]]


@dataclass
class Report:
    """The numbers for programs: every measured step and every finding, in order."""

    steps: List[StepStats] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)

    def kinds(self) -> Set[str]:
        """The kinds found (keys of `CATEGORIES`)."""
        return {f.kind for f in self.findings}

    def __str__(self) -> str:
        if not self.findings:
            return f"{len(self.steps)} steps measured, nothing found"
        return "\n".join(f.message for f in self.findings)


class Monitor:
    """Diagnostics for a training loop, cheap enough to leave on.

    Give it the model (an `nn.MLP`, an `nn.Linear` or a list of layers) and the optimizer; show it
    each step's loss and batch with `observe` (after ``backward()``, before ``step()``). On the
    measured steps (the first, every `every`-th and the last of `steps`) it measures each layer's
    gradient and units (a pass over the batch in plain floats); it checks the loss at every step. The
    default, every 10th step, costs a few per cent of a training step. Gradients carried over without
    ``zero_grad()`` are looked for on the measured steps too (the step before one is marked).

    Each problem is warned once per layer, as a `TrainingWarning` subclass (``warn=False``: not at
    all; ``warn=print``: the line is passed to that function instead, for a program's own output);
    `report` holds every number and finding.

    >>> import random
    >>> from autograd_mini import nn, optim, losses
    >>> model = nn.MLP(2, [4, 1], activation='tanh', rng=random.Random(0))
    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> monitor = Monitor(model, opt, every=1)
    >>> X, y = [[1.0, 2.0], [-1.0, 0.5]], [1.0, -1.0]
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = losses.mse_loss(model(X), y)
    ...     loss.backward()
    ...     _ = monitor.observe(loss, X)
    ...     opt.step()
    >>> [s.step for s in monitor.report.steps], monitor.report.findings
    ([1, 2, 3], [])

    Without an optimizer, call `observe` once per step: it counts the steps itself, and marks the
    gradients as the step's after measuring them.
    """

    def __init__(self, model: Any, optimizer: Any = None, *, every: int = 10, steps: Optional[int] = None,
                 limits: Optional[Limits] = None, max_samples: int = 256, warn: Warn = True) -> None:
        self.layers = layers_of(model, "Monitor")
        self.every = checks.integer(every, "Monitor: every", minimum=1)
        self.steps = None if steps is None else checks.integer(steps, "Monitor: steps", minimum=1)
        self.max_samples = checks.integer(max_samples, "Monitor: max_samples", minimum=1)
        self.limits = limits or Limits()
        if not isinstance(warn, bool) and not callable(warn):
            raise TypeError(f"Monitor: warn must be True, False or a function of one line, got "
                            f"{checks.shown(warn)}")
        self.warn = warn
        self.report = Report()
        self.params = [p for layer in self.layers for p in layer_parameters(layer)]
        self.optimizer: Any = None
        self.first_loss: Optional[Tuple[int, float]] = None  # (step, loss) of the first observe
        self._counted = 0  # steps seen without an optimizer
        self._current: Optional[StepStats] = None  # the step being measured now
        self._warned: Set[Tuple[str, Optional[int]]] = set()
        self._remove: List[Callable[[], None]] = []
        if optimizer is not None:
            self.watch(optimizer)

    def watch(self, optimizer: Any) -> None:
        """Watch `optimizer`'s steps (when it is made after the monitor; before the first `observe`)."""
        if not hasattr(optimizer, "register_step_pre_hook"):
            raise TypeError(f"Monitor: optimizer must be an autograd_mini optimizer, got "
                            f"{checks.shown(optimizer)}")
        if self.optimizer is not None or self._counted:
            raise ValueError("Monitor.watch: the monitor already counts steps; give it the optimizer first")
        self.optimizer = optimizer
        self._remove = [optimizer.register_step_pre_hook(self._before_step),
                        optimizer.register_step_post_hook(self._after_step)]

    # ---- the step numbers ----
    @property
    def step(self) -> int:
        """The step being prepared now (counted from 1): the one the next ``optimizer.step()`` takes."""
        return (self.optimizer.steps if self.optimizer is not None else self._counted) + 1

    def due(self, step: Optional[int] = None) -> bool:
        """Whether `step` (default: this one) is a measured step."""
        s = self.step if step is None else step
        return s == 1 or s % self.every == 0 or s == self.steps

    def _lr(self) -> Optional[float]:
        try:
            return float(self.optimizer.current_lr()) if self.optimizer is not None else None
        except (TypeError, ValueError):
            return None

    # ---- what the loop calls ----
    def observe(self, loss: Any, inputs: Any = None) -> Optional[StepStats]:
        """This step's loss (a Value or a number) and, optionally, its batch (the model's inputs).

        Checks the loss; on a measured step also the gradients (call it after ``backward()``) and,
        with `inputs`, the units of each layer. Returns the step's numbers on a measured step."""
        value = float(loss.data if isinstance(loss, Value) else checks.real(loss, "Monitor.observe: loss"))
        step, due, rows = self.step, self.due(), None
        if due and inputs is not None:  # checked before anything changes
            width = len(self.layers[0].weight[0])
            rows = as_rows(inputs, "Monitor.observe: inputs", width)[: self.max_samples]
        if self.first_loss is None:
            self.first_loss = (step, value)  # the scale the divergence check compares with
        found = findings.divergence(step, value, self.first_loss, self._lr(), self.limits)
        if found and (due or ("divergence", None) not in self._warned):
            self._emit([found])
        stats = None
        if due:
            stats = self._measure(step, value)
            if rows is not None:
                zs = [z for z, _ in forward(self.layers, rows)]
                shares = unit_shares(self.layers, zs, self.limits.most)
                stats.dead_fractions, stats.saturated_fractions = shares
                if len(rows) >= self.limits.min_samples:  # "on every sample" of 2 samples means little
                    self._emit(findings.units(stats, self.layers, self.limits))
        if self.optimizer is None:
            self._after_step(None)
        return stats

    def close(self) -> None:
        """Stop watching: remove the hooks, and leave every gradient a plain float."""
        for remove in self._remove:
            remove()
        self._remove = []
        carried.unmark(self.params)

    # ---- the hooks ----
    def _before_step(self, optimizer: Any) -> None:
        if self.due():
            self._measure(self.step)

    def _after_step(self, optimizer: Any) -> None:
        self._current = None
        if optimizer is None:
            self._counted += 1
        if self.due(self.step):  # the next step is measured: mark the gradients, to see if they are reset
            carried.mark(self.params)

    # ---- measuring ----
    def _measure(self, step: int, loss: Optional[float] = None) -> StepStats:
        """The gradient numbers of this step, once (observe and the pre-step hook both ask)."""
        if self._current is not None and self._current.step == step:
            return self._current
        stats = StepStats(step, loss)
        self._current = stats
        for layer in self.layers:
            g, w = norms(layer)
            stats.grad_norms.append(g)
            stats.weight_norms.append(w)
            stats.grad_ratios.append(ratio(g, w))
        left = carried.carried(self.params)
        stats.carried = len(left)
        first = self.report.steps[0] if self.report.steps else None
        self.report.steps.append(stats)
        found = findings.between_layers(stats, self.layers, self.limits)
        if first is not None and first.grad_norms:
            found += findings.over_steps(stats, first, self.layers, self.limits)
        if left:
            index = {id(p): i for i, p in enumerate(self.params)}
            names = [p.label or f"parameter {index[id(p)]}" for p in left[:3]]
            found.append(findings.accumulation(step, names, len(left), len(self.params)))
        self._emit(found)
        return stats

    def _emit(self, found: List[Finding]) -> None:
        for f in found:
            self.report.findings.append(f)
            key = (f.kind, f.layer)
            if key in self._warned:
                continue
            self._warned.add(key)
            if callable(self.warn):
                self.warn(f.message)
            elif self.warn:
                warnings.warn(f.message, CATEGORIES[f.kind], stacklevel=_first_outside())


def _first_outside() -> int:
    """The `stacklevel` of the first caller outside autograd_mini: the user's line that called
    ``observe`` or ``optimizer.step()``, however deep inside the package the warning is made."""
    frame, level = inspect.currentframe(), 0  # this function's frame: the caller of warn() is level 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("autograd_mini"):
        frame, level = frame.f_back, level + 1
    return max(1, level)
