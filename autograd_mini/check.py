"""Check a function's engine gradients against central finite differences."""

from __future__ import annotations

from typing import Callable, Sequence, Union

from . import checks
from .engine import Value, grad

Number = Union[int, float]


class GradcheckError(ValueError):
    """The engine's gradient and the finite difference disagree beyond the tolerance."""


def _tolerances(eps: object, atol: object, rtol: object) -> tuple:
    eps, atol, rtol = (checks.real(t, f"gradcheck: {name}")
                       for name, t in (("eps", eps), ("atol", atol), ("rtol", rtol)))
    if not eps > 0.0:  # `not` also catches NaN
        raise ValueError(f"gradcheck: eps must be > 0, got {eps!r}")
    if not (atol >= 0.0 and rtol >= 0.0):
        raise ValueError(f"gradcheck: atol and rtol must be >= 0, got atol={atol!r}, rtol={rtol!r}")
    return eps, atol, rtol


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Union[Number, Value]],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> bool:
    """True if ``grad(f(*xs), xs)`` matches ``(f(x+eps) - f(x-eps)) / 2eps`` for every input.

    `f` takes one `Value` per input and returns a `Value`. An input passes when
    ``|engine - numeric| <= atol + rtol * |numeric|``; otherwise `GradcheckError` says which input
    failed and by how much. Pick inputs away from kinks (relu and abs at 0).

    >>> gradcheck(lambda x, y: (x * y).tanh() + y.exp(), [0.3, -1.2])
    True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {checks.shown(f)}")
    eps, atol, rtol = _tolerances(eps, atol, rtol)
    point = [x.data if type(x) is Value else checks.real(x, "gradcheck: input") for x in inputs]

    def run(xs: Sequence[float]) -> Value:
        out = f(*[Value(x) for x in xs])
        if type(out) is not Value:
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__} {out!r}")
        return out

    xs = [Value(x) for x in point]
    out = f(*xs)
    if type(out) is not Value:
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__} {out!r}")
    analytic = grad(out, xs)
    for i, x in enumerate(point):
        up = run([*point[:i], x + eps, *point[i + 1 :]]).data
        down = run([*point[:i], x - eps, *point[i + 1 :]]).data
        numeric = (up - down) / (2.0 * eps)
        diff = abs(analytic[i] - numeric)
        if not diff <= atol + rtol * abs(numeric):  # `not <=` also catches NaN
            raise GradcheckError(
                f"gradcheck: input {i} (x={x!r}): engine gradient {analytic[i]!r} but finite "
                f"difference {numeric!r}; they differ by {diff:.3g}, more than "
                f"atol + rtol*|numeric| = {atol + rtol * abs(numeric):.3g}"
            )
    return True
