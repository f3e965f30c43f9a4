"""What library code tells a trace that the graph alone cannot: checks on argument values, and
constants computed from the data.

While `trace` runs a function, the arguments arrive as Values (argument leaves) and the graph
records every operation on them. Two things escape the graph, and a loss reports them here:

- a **guard**: a check the function makes on an argument's value (a hinge label must be ±1). The
  program checks it again at every call; where it fails, the call runs in the interpreter, which
  raises exactly as it always does.
- a **derived constant**: a number read from nodes' data and used as a constant, such as the max
  logit that keeps a softmax stable. It changes no gradient, but it must be recomputed from the new
  data at every call, not frozen at its traced value.

Outside a trace each hook costs one attribute lookup and changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .engine import Value

Check = Callable[[List[Any]], bool]


class Recorder:
    """What one trace collects besides the graph: its argument leaves and the hooks' reports."""

    def __init__(self, raw: Dict[Value, Any]) -> None:
        self.raw = raw  # argument leaf -> the number the caller passed
        self.guards: List[Tuple[Tuple[Value, ...], Check, str]] = []
        self.derived: Dict[Value, Tuple[Value, ...]] = {}  # leaf -> the nodes it is the max of


class _State(threading.local):
    recorder: Optional[Recorder] = None


_state = _State()


def recorder() -> Optional[Recorder]:
    """The trace recording in this thread, or None."""
    return _state.recorder


def start(rec: Optional[Recorder]) -> Optional[Recorder]:
    """Make `rec` this thread's recorder; returns the one it replaces (to restore afterwards)."""
    before = _state.recorder
    _state.recorder = rec
    return before


def raw(v: Value) -> Any:
    """The number behind `v`: what the caller passed if `v` is an argument leaf, else its data."""
    rec = _state.recorder
    if rec is not None:
        return rec.raw.get(v, v.data)
    return v.data


def is_argument(v: Value) -> bool:
    """Whether `v` is an argument leaf of the trace recording in this thread."""
    rec = _state.recorder
    return rec is not None and v in rec.raw


def guard(values: Sequence[Value], ok: Check, where: str) -> None:
    """Have the program check ``ok([raw(v) for v in values])`` at every call (see module doc).

    `ok` gets the numbers the caller passed (ints stay ints, a bool stays a bool) and returns
    whether the interpreter would accept them; `where` names the check for messages. The values
    must be the traced function's arguments: a check on a computed value cannot be replayed.
    """
    rec = _state.recorder
    if rec is not None:
        rec.guards.append((tuple(values), ok, where))


def derived_max(sources: Sequence[Value]) -> Any:
    """max(s.data for s in sources): a float outside a trace, inside one a leaf the program
    recomputes from the sources at every call (its gradient is never used)."""
    m = max([s.data for s in sources])
    rec = _state.recorder
    if rec is None:
        return m
    leaf = Value(m, label="max")
    rec.derived[leaf] = tuple(sources)
    return leaf
