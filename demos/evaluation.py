"""The demos' evaluation passes (accuracy, a decision-boundary grid): the model's outputs on many
rows, through a forward-only program (``trace(..., backward=False)``) or the engine.

The program is traced once for chunks of `CHUNK` rows: the rows go through it a chunk at a time, the
last chunk padded with rows of zeros whose outputs are dropped, so one program (and one compile)
serves every number of rows, and the trace (which records one chunk through the engine) stays cheap.

>>> import random
>>> from autograd_mini import nn
>>> model = nn.MLP(2, [3, 1], rng=random.Random(0))
>>> rows = [[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]]
>>> Outputs(model, "python")(rows) == Outputs(model, "off")(rows)
True
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from autograd_mini import Value, no_grad

CHUNK = 64
Rows = Sequence[Sequence[float]]


class Outputs:
    """``outputs(rows)``: the model's outputs for each row, as lists of floats (of one float for
    a model with one output); `compile` is 'off' (the engine, under no_grad), 'python', 'c' or
    'auto' (the program of `autograd_mini.tape`)."""

    def __init__(self, model: Any, compile: str = "auto", chunk: int = CHUNK) -> None:
        self.model, self.compile, self.chunk = model, compile, chunk
        self.step: Any = None

    @property
    def backend(self) -> Optional[str]:
        """What runs the pass: 'python' or 'c' (the program), or None (the engine, or nothing yet)."""
        return self.step.backend_used if self.step is not None else None

    def __call__(self, rows: Rows) -> List[List[float]]:
        if self.compile == "off":
            with no_grad():
                return [_row(out.data if type(out) is Value else [v.data for v in out])
                        for out in self.model(rows)]
        rows = [list(r) for r in rows]
        if not rows:
            return []
        width, out = len(rows[0]), []  # type: ignore[var-annotated]
        for start in range(0, len(rows), self.chunk):
            part = rows[start : start + self.chunk]
            n = len(part)
            part += [[0.0] * width for _ in range(self.chunk - n)]
            if self.step is None:
                from autograd_mini.tape import trace

                self.step = trace(self.model, part, backend=self.compile, backward=False)
            out += map(_row, self.step(part)[:n])
        return out


def _row(out: Any) -> List[float]:
    """A row's outputs as a list (a model with one output gives one number a row)."""
    return out if type(out) is list else [out]


def classes(outputs: Sequence[Sequence[float]]) -> List[int]:
    """The class with the largest output, for each row (the first, on a tie)."""
    return [max(range(len(row)), key=row.__getitem__) for row in outputs]
