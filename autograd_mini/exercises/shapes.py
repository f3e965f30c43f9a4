"""What a learner's answer is made of: plain numbers and lists, their shapes said in words, and
the first element where two answers differ.

A learner may answer with lists, tuples, numpy arrays or numbers; `plain` turns any of them into
floats and lists (and anything else into an `Other` that says what it was), so that answers can be
sent between processes and compared the same way.

>>> plain((1, [2.5, 3]))
[1.0, [2.5, 3.0]]
>>> said(shape_of([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
'2×3'
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple, Union

from ..checks import brief

RELATIVE, ABSOLUTE = 1e-6, 1e-9  # how close a learner's number must be to the engine's


class Other(NamedTuple):
    """Something in an answer that is neither a number nor a list: its type and its text."""

    kind: str
    text: str


Shape = Union[Tuple[int, ...], str]  # (), (k,), (rows, columns); or the words for anything else


def plain(x: Any) -> Any:
    """`x` as floats, strings, None, lists and dicts; an `Other` for anything else."""
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    if x is None or isinstance(x, str):
        return x
    if hasattr(x, "tolist") and callable(x.tolist):  # numpy arrays and numbers
        try:
            return plain(x.tolist())
        except Exception:  # a tolist that is not numpy's: say what it was
            pass
    if isinstance(x, dict):
        return {plain(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return Other(type(x).__name__, brief(x))


def shape_of(x: Any) -> Shape:
    """() for a number, (k,) for a list of k numbers, (r, c) for r rows of c numbers; otherwise
    words saying what `x` is."""
    if isinstance(x, float):
        return ()
    if isinstance(x, Other):
        return f"a {x.kind} {x.text}"
    if x is None:
        return "None"
    if not isinstance(x, list):
        return f"a {type(x).__name__} {brief(x)}"
    if all(isinstance(v, float) for v in x):
        return (len(x),)
    if x and all(isinstance(row, list) and all(isinstance(v, float) for v in row) for row in x):
        lengths = sorted({len(row) for row in x})
        if len(lengths) == 1:
            return (len(x), lengths[0])
        return f"a list of rows of different lengths {[len(row) for row in x]}"
    return f"a list holding {', '.join(sorted({describe_item(v) for v in x}))}"


def describe_item(x: Any) -> str:
    if isinstance(x, float):
        return "numbers"
    if isinstance(x, list):
        return "lists"
    return x.kind if isinstance(x, Other) else type(x).__name__


def said(shape: Shape) -> str:
    """A shape in words: 'a number', 'a list of 3 numbers', '2×3'."""
    if isinstance(shape, str):
        return shape
    if shape == ():
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]} number{'s' if shape[0] != 1 else ''}"
    return f"{shape[0]}×{shape[1]}"


def close(a: float, b: float) -> bool:
    return abs(a - b) <= RELATIVE * abs(b) + ABSOLUTE if math.isfinite(a) else False


def elements(x: Any) -> List[Tuple[str, float]]:
    """(index text, number) for each number of a number, list or matrix, row by row."""
    if isinstance(x, float):
        return [("", x)]
    out = []
    for i, v in enumerate(x):
        out += [(f"[{i}]{index}", y) for index, y in elements(v)]
    return out


def first_difference(got: Any, right: Any) -> Optional[Tuple[str, float, float]]:
    """(index text, learner's number, engine's number) of the first element that differs, or None;
    `got` and `right` have the same shape."""
    for (index, g), (_, r) in zip(elements(got), elements(right)):
        if not close(g, r):
            return index, g, r
    return None


def same(got: Any, right: Any) -> bool:
    return shape_of(got) == shape_of(right) and first_difference(got, right) is None


def factor(got: Any, right: Any) -> Optional[float]:
    """c when `got` is c times `right` in every element (c ≠ 1, judged where `right` is not 0)."""
    pairs = [(g, r) for (_, g), (_, r) in zip(elements(got), elements(right))]
    big = [(g, r) for g, r in pairs if abs(r) > 1e-6]
    if not big:
        return None
    c = big[0][0] / big[0][1]
    if close(c, 1.0) or not all(close(g, c * r) for g, r in pairs):
        return None
    return c


def number(x: float) -> str:
    """A number as a hint shows it: six significant digits."""
    return f"{x:.6g}"


def scaled(x: Any, c: float) -> Any:
    """c times every number of a number, list or matrix."""
    if isinstance(x, float):
        return c * x
    return [scaled(v, c) for v in x]


def transposed(x: Sequence[Sequence[float]]) -> List[List[float]]:
    return [list(column) for column in zip(*x)]


def product(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> List[List[float]]:
    """a·b for matrices as lists of rows (to build a known wrong answer, never a right one)."""
    return [[sum(x * y for x, y in zip(row, column)) for column in zip(*b)] for row in a]
