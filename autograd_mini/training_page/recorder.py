"""`TrainingRecorder`: what a training loop shows it, kept as the frames of the training page."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .. import checks
from ..diagnose import Limits, Monitor, layer_name
from ..diagnose.monitor import Warn
from ..engine import Value, no_grad
from .page import write_training_page

Number = Union[float, Callable[[], float], None]


def _plain(x: Optional[float]) -> Optional[float]:
    """A number as JSON can hold it: inf and NaN become None (the page shows them as such)."""
    return x if x is None or math.isfinite(x) else None


class TrainingRecorder:
    """Records a training loop for `write` (the page) and watches it with a `diagnose.Monitor`.

    Call `observe` at every step, after ``backward()`` and before ``optimizer.step()``: it passes
    the loss and the batch to the monitor, keeps the loss, and on the monitor's measured steps (the
    first, every `every`-th, the last of `steps`) keeps a frame: the step, the loss, `test_loss`,
    (a number, or a function computing it, called under no_grad; the recorder's `test_loss` by
    default),
    each layer's gradient numbers and unit shares, the weights of `neuron` (layer, unit, counted
    from 1) and what `view` (a `Boundary` or a `Confusion`) shows.

    >>> import random
    >>> from autograd_mini import nn, optim, losses
    >>> model = nn.MLP(2, [4, 1], activation='tanh', rng=random.Random(0))
    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> recorder = TrainingRecorder(model, opt, every=2, steps=3)
    >>> X, y = [[1.0, 2.0], [-1.0, 0.5]], [1.0, -1.0]
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     loss = losses.mse_loss(model(X), y)
    ...     loss.backward()
    ...     _ = recorder.observe(loss, X)
    ...     opt.step()
    >>> [f["step"] for f in recorder.frames], len(recorder.losses)
    ([1, 2, 3], 3)
    """

    def __init__(self, model: Any, optimizer: Any = None, *, every: int = 10, steps: Optional[int] = None,
                 view: Any = None, neuron: Tuple[int, int] = (1, 1), image: Optional[Tuple[int, int]] = None,
                 limits: Optional[Limits] = None, warn: Warn = True,
                 test_loss: Optional[Callable[[], float]] = None, title: str = "Training",
                 subtitle: str = "") -> None:
        self.monitor = Monitor(model, optimizer, every=every, steps=steps, limits=limits, warn=warn)
        self.layers = self.monitor.layers
        if view is not None and not (hasattr(view, "frame") and hasattr(view, "static")):
            raise TypeError(f"TrainingRecorder: view must be a Boundary, a Confusion or None, got "
                            f"{checks.shown(view)}")
        self.view = view
        self.test_loss = test_loss
        if not isinstance(title, str) or not isinstance(subtitle, str):
            raise TypeError(f"TrainingRecorder: title and subtitle must be str, got {checks.shown(title)}, "
                            f"{checks.shown(subtitle)}")
        self.title, self.subtitle = title, subtitle
        self.neuron = self._neuron(neuron)
        self.image = self._image(image)
        self.losses: List[Tuple[int, Optional[float]]] = []  # (step, loss) of every step
        self.frames: List[Dict[str, Any]] = []

    def watch(self, optimizer: Any) -> None:
        """Watch `optimizer`'s steps, when it is made after the recorder (`Monitor.watch`)."""
        self.monitor.watch(optimizer)

    def _neuron(self, neuron: Any) -> Tuple[int, int]:
        if not isinstance(neuron, tuple) or len(neuron) != 2:
            raise TypeError(f"TrainingRecorder: neuron must be (layer, unit), got {checks.shown(neuron)}")
        layer = checks.integer(neuron[0], "TrainingRecorder: neuron's layer", minimum=1)
        unit = checks.integer(neuron[1], "TrainingRecorder: neuron's unit", minimum=1)
        if layer > len(self.layers) or unit > len(self.layers[layer - 1].weight):
            raise ValueError(f"TrainingRecorder: the model has no neuron {neuron} (layer, unit)")
        return layer, unit

    def _image(self, image: Any) -> Optional[Tuple[int, int]]:
        if image is None:
            return None
        rows, cols = (checks.integer(n, "TrainingRecorder: image", minimum=1) for n in image)
        inputs = len(self.layers[self.neuron[0] - 1].weight[0])
        if rows * cols != inputs:
            raise ValueError(f"TrainingRecorder: an image of {rows}×{cols} pixels does not hold the "
                             f"neuron's {inputs} weights")
        return rows, cols

    def observe(self, loss: Any, inputs: Any = None, test_loss: Number = None) -> Optional[Dict[str, Any]]:
        """This step's loss and batch; `test_loss` a number or a function giving it (called only on a
        recorded step; default: the recorder's `test_loss` function). Returns the frame kept, if this
        step is recorded."""
        step = self.monitor.step
        stats = self.monitor.observe(loss, inputs)
        value = loss.data if isinstance(loss, Value) else float(loss)
        self.losses.append((step, _plain(value)))
        if stats is None:
            return None
        test_loss = self.test_loss if test_loss is None else test_loss
        frame: Dict[str, Any] = {
            "step": step, "loss": _plain(value),
            "test_loss": _plain(self._number(test_loss)),
            "grad_norms": [_plain(g) for g in stats.grad_norms],
            "grad_ratios": [_plain(r) for r in stats.grad_ratios],
            "dead_fractions": stats.dead_fractions,
            "saturated_fractions": stats.saturated_fractions,
        }
        layer, unit = self.neuron
        frame["neuron"] = [_plain(w.data) for w in self.layers[layer - 1].weight[unit - 1]]
        if self.view is not None:
            shown = self.view.frame(self.layers)
            if "test_loss" in shown and frame["test_loss"] is None:
                frame["test_loss"] = _plain(shown.pop("test_loss"))
            shown.pop("test_loss", None)
            frame["view"] = shown
        self.frames.append(frame)
        return frame

    def run(self, step: Any, batches: Sequence[Sequence[Any]]) -> List[float]:
        """``step.run(batches)`` for a step traced with its optimizer (``trace(fn, *batch,
        optimizer=opt)``, `autograd_mini.tape`), observing every batch (its first argument as the
        inputs); the losses. The run is cut after each recorded step and after the step before it,
        so that each of those is observed with the gradients and weights it left, as in a loop that
        calls `observe` before ``opt.step()`` (the weights are the updated ones); the other steps
        run together. Make the recorder without the optimizer: the program takes no step hooks."""
        if self.monitor.optimizer is not None:
            raise ValueError("TrainingRecorder.run: the recorder watches the optimizer's step hooks, which "
                             "make the program take the optimizer's own step; make it without the optimizer")
        found: List[float] = []
        due, first, start = self.monitor.due, self.monitor.step, 0
        for k in range(len(batches)):
            if k + 1 < len(batches) and not due(first + k) and not due(first + k + 1):
                continue
            part = batches[start : k + 1]
            losses = step.run(part)
            for loss, batch in zip(losses, part):
                self.observe(loss, batch[0])
            found += losses
            start = k + 1
        return found

    @staticmethod
    def _number(given: Number) -> Optional[float]:
        """A number, or what a function gives (called under no_grad: it builds no graph)."""
        if callable(given):
            with no_grad():
                given = given()
        return None if given is None else checks.real(given, "TrainingRecorder: test_loss")

    def data(self) -> Dict[str, Any]:
        """Everything the page shows, as JSON data."""
        layer, unit = self.neuron
        return {
            "title": self.title, "subtitle": self.subtitle,
            "layers": [layer_name(i, lay) for i, lay in enumerate(self.layers, 1)],
            "activations": [lay.activation for lay in self.layers],
            "neuron": {"label": f"L{layer}.N{unit}", "layer": layer, "unit": unit, "image": self.image},
            "view": self.view.static() if self.view is not None else None,
            "losses": self.losses,
            "findings": [{**f.as_dict(), "value": _plain(f.value)} for f in self.monitor.report.findings],
            "frames": self.frames,
        }

    def write(self, path: Union[str, os.PathLike]) -> Path:
        """Write the training page to `path` (atomically) and return the path."""
        return write_training_page(self.data(), path)
