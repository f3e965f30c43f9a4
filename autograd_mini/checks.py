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


def brief(x: object, limit: int = 60) -> str:
    """A value for a message, short whatever it is: its repr cut to `limit` characters; a container
    by its length when its repr would be long or too deep to build; a huge int by its size (Python
    refuses to print one of 4,300 digits or more)."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 10**limit:
        return f"an int of about {int(x.bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(x)
    except (RecursionError, ValueError):  # nested too deeply, or holding a huge int
        text = ""
    if isinstance(x, (list, tuple, dict, set)) and not 0 < len(text) <= limit:
        return f"a {type(x).__name__} of {len(x)}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(x: object, limit: int = 60) -> str:
    """How a message shows a value: its type, then `brief(x)`."""
    text = brief(x, limit)
    return text if text.startswith(("a ", "an ")) and not isinstance(x, str) else f"{type(x).__name__} {text}"


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


def nonnegative(x: object, where: str, what: str = "a finite number >= 0") -> float:
    value = finite(x, where, what)
    if not value >= 0.0:
        raise ValueError(f"{where}: expected {what}, got {value!r}")
    return value


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
