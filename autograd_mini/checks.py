"""The checks every module makes of what a user passes in, and their one wording.

Each check returns the value it accepted (converted where that helps) or raises, with the message
``"<where>: expected <what>, got <type> <value>"``: `where` names the operation and the argument.

>>> real(2, "Adam: lr")
2.0
>>> real("2", "Adam: lr")
Traceback (most recent call last):
...
TypeError: Adam: lr: expected a real number (int or float), got str '2'
"""

from __future__ import annotations

import math
import operator
from numbers import Real
from typing import Any, Optional


def shown(x: object, limit: int = 60) -> str:
    """How a message shows a value: its type and a repr cut to `limit` characters."""
    text = repr(x) if not isinstance(x, int) or abs(x) < 10**limit else f"an int of {len(str(abs(x)))} digits"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(x).__name__} {text}"


def real(x: object, where: str, what: str = "a real number (int or float)") -> float:
    """`x` as a float: any real number but a bool (ints, floats, Fractions, numpy floats)."""
    if type(x) is float:  # the common case, without the slower abstract-class check
        return x  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{where}: expected {what}, got {shown(x)}")
    try:
        return float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise OverflowError(f"{where}: {shown(x)} is too large for a float") from None


def finite(x: object, where: str, what: str = "a finite real number") -> float:
    """`x` as a float that is neither infinite nor NaN."""
    value = real(x, where, what)
    if not math.isfinite(value):
        raise ValueError(f"{where}: expected {what}, got {value!r}")
    return value


def positive(x: object, where: str, what: str = "a finite number > 0") -> float:
    value = finite(x, where, what)
    if not value > 0.0:
        raise ValueError(f"{where}: expected {what}, got {value!r}")
    return value


def integer(x: object, where: str, minimum: Optional[int] = None) -> int:
    """`x` as an int: any integral number but a bool (numpy integers too), at least `minimum`."""
    if isinstance(x, bool):
        raise TypeError(f"{where}: expected an int, got {shown(x)}")
    try:
        n = operator.index(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{where}: expected an int, got {shown(x)}") from None
    if minimum is not None and n < minimum:
        raise ValueError(f"{where}: expected an int >= {minimum}, got {n!r}")
    return n


def flag(x: object, where: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{where}: expected True or False, got {shown(x)}")
    return x


def one_of(x: Any, choices: tuple, where: str) -> Any:
    if x not in choices:
        raise ValueError(f"{where}: expected one of {choices}, got {x!r}")
    return x
