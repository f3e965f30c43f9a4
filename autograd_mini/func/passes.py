"""Counting the passes the transforms make: the cost of a Jacobian is a number of passes.

Each forward-mode pass (one tangent pushed through the graph) and each reverse-mode pass (one
gradient pulled back) calls `note` once, where it runs; `count_passes()` reads them.

>>> from autograd_mini.func import count_passes, jacfwd, jacrev
>>> f = lambda x, y, z: x * y + z
>>> with count_passes() as passes:
...     _ = jacfwd(f)(1.0, 2.0, 3.0)
>>> passes.forward, passes.reverse
(3, 0)
>>> with count_passes() as passes:
...     _ = jacrev(f)(1.0, 2.0, 3.0)
>>> passes.forward, passes.reverse
(0, 1)
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator, List


class Passes:
    """How many forward-mode and reverse-mode passes were made while it was counting."""

    __slots__ = ("forward", "reverse")

    def __init__(self) -> None:
        self.forward = 0
        self.reverse = 0

    def __repr__(self) -> str:
        return f"Passes(forward={self.forward}, reverse={self.reverse})"


_counting = threading.local()  # the counters open in this thread


def _open() -> List[Passes]:
    if not hasattr(_counting, "counters"):
        _counting.counters = []
    return _counting.counters  # type: ignore[no-any-return]


@contextmanager
def count_passes() -> Iterator[Passes]:
    """Count the passes made in this thread inside the ``with`` block (counters may be nested)."""
    counters = _open()
    passes = Passes()
    counters.append(passes)
    try:
        yield passes
    finally:
        counters.remove(passes)


def note(kind: str) -> None:
    """One pass of `kind` ('forward' or 'reverse') has been made."""
    for passes in getattr(_counting, "counters", ()):
        setattr(passes, kind, getattr(passes, kind) + 1)
