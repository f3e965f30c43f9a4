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

And the traced function's own decisions: each comparison of a Value (``x > 0``) and each read of
its number (``float(x)``, ``int(x)``, ``round(x)``, ``x.item()``, ``math.exp(x)``) is seen through
`engine.mode.WATCHER` and becomes a guard: the program itself checks it at every call (in C too),
once it has the value and before any gradient is written, and where it comes out otherwise the
interpreter answers that call (`Step.fallbacks` counts them). A decision on arguments that are no
node of the program (``int(x)`` used as a plain number) is checked on the numbers passed, before
the program runs. Only a decision on a computed value the result does not depend on cannot be
checked: the interpreter answers every call, and the trace says so once, naming the line.
Reading ``x.data`` is plain attribute access, which nothing can see: it is not guarded.

Outside a trace each hook costs one attribute lookup and changes nothing.
"""

from __future__ import annotations

import operator
import os
import sys
import threading
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .engine import Value
from .engine.mode import WATCHER

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_READS: Dict[str, Callable[[Any, Any], Any]] = {
    "float": lambda x, _: float(x), "item": lambda x, _: float(x), "int": lambda x, _: int(x),
    "round": lambda x, n: round(x, n),
}
_HERE = os.path.dirname(os.path.abspath(__file__))

Check = Callable[[List[Any]], bool]


class Recorder:
    """What one trace collects besides the graph: its argument leaves and the hooks' reports."""

    def __init__(self, raw: Dict[Value, Any]) -> None:
        self.raw = raw  # argument leaf -> the number the caller passed
        self.guards: List[Tuple[Tuple[Value, ...], Check, str]] = []
        self.derived: Dict[Value, Tuple[Value, ...]] = {}  # leaf -> the nodes it is the max of
        self.unchecked: List[str] = []  # where a decision could not be checked by the program
        # the function's decisions, which the program checks once it has the values:
        # (the Value, how, the other Value or number (ndigits for round), what it gave, where)
        self.decisions: List[Tuple[Value, str, Any, Any, str]] = []

    def decide(self, v: Value, how: str, other: Any, result: Any) -> None:
        """Record a decision of the traced function on `v` (see the module doc): the program checks
        it at every call, once it has the value."""
        self.decisions.append((v, how, other, result, _user_line()))


class TraceWarning(UserWarning):
    """Something a trace cannot follow, so the interpreter answers instead (see trace_hooks)."""


def _never(nums: List[Any]) -> bool:
    return False


def argument_guard(rec: Recorder, v: Value, how: str, other: Any, result: Any, where: str) -> bool:
    """A decision on arguments that are not nodes of the program (``int(x)`` used as a number):
    a guard on the numbers passed, checked before the program runs. False if it is not one."""
    values = [v] + ([other] if how in _COMPARE and type(other) is Value else [])
    if not all(x in rec.raw for x in values):
        return False
    if how in _COMPARE:
        test, constant = _COMPARE[how], (None if type(other) is Value else float(other))

        def ok(nums: List[Any]) -> bool:
            return test(nums[0], nums[1] if constant is None else constant) == result
    else:
        read = _READS[how]

        def ok(nums: List[Any]) -> bool:
            return read(nums[0], other) == result
    rec.guards.append((tuple(values), ok, f"{where}: {how}"))
    return True


def cannot_check(rec: Recorder, where: str, what: str) -> None:
    """A decision the program cannot check (its value is not in the graph it computes): the
    interpreter answers every call of this trace, and the trace says so once, naming the line."""
    if where not in rec.unchecked:
        rec.unchecked.append(where)
        warnings.warn(f"trace: {where} decides on {what}, which the traced value does not depend on: "
                      "the program cannot check that, so the interpreter answers every call of this "
                      "trace", TraceWarning, stacklevel=3)
    rec.guards.append(((), _never, f"{where}: {what}"))


def _user_line() -> str:
    """file:line of the innermost frame outside this library: the user's decision."""
    frame: Any = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_HERE):
        frame = frame.f_back
    if frame is None:
        return "a line of the library"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


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
    with _lock:
        _tracing[0] += (rec is not None) - (before is not None)
        WATCHER[0] = _watch if _tracing[0] else None
    return before


_lock = threading.Lock()
_tracing = [0]  # threads tracing now: while any is, every Value read goes through _watch


def _watch(v: Value, how: str, other: Any, result: Any) -> bool:
    """The engine's WATCHER while a trace runs: a decision of this thread's trace, if it traces."""
    rec = _state.recorder
    if rec is None:
        return False  # another thread traces: this read is an ordinary one
    rec.decide(v, how, other, result)
    return True


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
