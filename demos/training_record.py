"""The demos' training page: a `TrainingRecorder` made from a demo's model and data, and the
page (training.html) written into the output folder at the end, whether training ended well or not.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any, Callable, List, Sequence

from autograd_mini.training_page import Boundary, Confusion, TrainingRecorder

MOONS_EVERY = 10  # the moons demo records every 10th step (and the first and the last)
DIGITS_FRAMES = 30  # the digits demo records about this many steps, spread over the run
Rows = Sequence[Sequence[float]]


def say(line: str) -> None:
    """A diagnostics warning as the demo's own output: on stdout, in lines under 100 characters."""
    print(textwrap.fill(line, 100, initial_indent="diagnose: ", subsequent_indent="    "), flush=True)


def moons(model: Any, opt: Any, args: Any, lr: float, X: Rows, y: Sequence[int],
          test_loss: Callable[[], float]) -> TrainingRecorder:
    """The decision boundary over all the points (`X`, `y`), and a neuron of the second layer."""
    return TrainingRecorder(
        model, opt, every=MOONS_EVERY, steps=args.steps, view=Boundary(X, y),
        neuron=(min(2, len(model.layers)), 1), test_loss=test_loss, warn=say,
        title=f"Watch it learn: {args.dataset}, {model!r}",
        subtitle=f"{args.optimizer} lr={lr:g}, {args.loss} loss, {args.steps} full-batch steps; "
                 f"recorded every {MOONS_EVERY}th step (and the first and the last)")


def digits(model: Any, args: Any, X_test: Rows, y_test: Sequence[int], train_size: int,
           outputs: Any = None) -> TrainingRecorder:
    """The confusion matrix and test loss on the test set (the model's outputs computed by
    `outputs`, the demo's forward-only program, if given), and a first-layer neuron's weights as
    the 8×8 image they multiply. The optimizer, made by the demo's train(), is watched from there."""
    steps = args.epochs * math.ceil(train_size / args.batch_size)
    every = max(1, steps // DIGITS_FRAMES)
    return TrainingRecorder(
        model, every=every, steps=steps, view=Confusion(X_test, y_test, outputs=outputs), neuron=(1, 1),
        image=(8, 8), warn=say,
        title=f"Watch it learn: the 8×8 digits, {model!r}",
        subtitle=f"AdamW lr={args.lr:g} (cosine), batches of {args.batch_size}, {args.epochs} epochs "
                 f"({steps} steps); recorded every {every}th step; test loss and confusion on "
                 f"{len(y_test)} held-out images")


def write(recorder: TrainingRecorder, out: Path, announce: bool = False) -> List[str]:
    """Write training.html into `out` if anything was recorded; the names written."""
    if not recorder.frames:
        return []
    recorder.write(out / "training.html")
    if announce:
        print(f"wrote training.html to {out}/")
    return ["training.html"]
