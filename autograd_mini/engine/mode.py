"""Grad mode and anomaly mode: switches that hold per thread, as in PyTorch.

`no_grad()` turns recording off in the thread that enters it, and only there; `detect_anomaly()`
makes the first operation or backward step that produces a NaN or an infinity raise. Both can be
entered again, nested, and used as decorators (``@no_grad()``).

Recording is checked once per new node, so the check must cost next to nothing while no thread is
inside `no_grad()`: `PAUSED[0]` counts the threads that have recording off, and only when it is
not 0 does a new node look up its own thread's mode.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, List, Optional, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

PAUSED = [0]  # how many threads have grad mode off right now
# Who wants to hear of a Value read as a number (a comparison, float(v)): a running trace sets it
# (trace_hooks), so that each decision the traced function takes becomes a guard of the program.
WATCHER: List[Optional[Callable[..., bool]]] = [None]
_count_lock = threading.Lock()


class _ThreadModes(threading.local):
    def __init__(self) -> None:
        self.grad = True
        self.anomaly = False
        self.saved: List[tuple] = []  # what each open block will restore, innermost last


_modes = _ThreadModes()


def is_grad_enabled() -> bool:
    """Whether operations in this thread record a graph (True unless inside `no_grad()`)."""
    return _modes.grad


def is_anomaly_enabled() -> bool:
    """Whether this thread is inside `detect_anomaly()`."""
    return _modes.anomaly


def _set_grad(enabled: bool) -> None:
    if enabled != _modes.grad:
        with _count_lock:
            PAUSED[0] += -1 if enabled else 1
        _modes.grad = enabled


class _Mode:
    """A block (or decorator) that sets this thread's modes and restores them when it ends."""

    def __init__(self, grad: Optional[bool] = None, anomaly: Optional[bool] = None) -> None:
        self._grad = grad
        self._anomaly = anomaly

    def __enter__(self) -> None:
        _modes.saved.append((_modes.grad, _modes.anomaly))
        if self._grad is not None:
            _set_grad(self._grad)
        if self._anomaly is not None:
            _modes.anomaly = self._anomaly

    def __exit__(self, *exc: object) -> None:
        grad, anomaly = _modes.saved.pop()
        _set_grad(grad)
        _modes.anomaly = anomaly

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return run  # type: ignore[return-value]


def no_grad() -> _Mode:
    """Within this block (or decorated function) operations record no graph: results are leaves.

    Per thread: other threads keep recording. The object can be entered again and nested.

    >>> from autograd_mini import Value
    >>> x = Value(1.0)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.is_leaf()
    True
    """
    return _Mode(grad=False)


def check_recorded(output: Any, where: str) -> None:
    """Refuse to differentiate `output` if an operation made it inside `no_grad()`: no graph was
    recorded, so every derivative would silently be 0 (PyTorch raises too: "element 0 of tensors
    does not require grad and does not have a grad_fn"). A leaf made by ``Value(...)`` or
    ``detach()`` is differentiated as ever; only the results of operations carry the mark."""
    if getattr(output, "made_in_no_grad", False):  # unset (False) on every other node
        raise ValueError(f"{where}: the output {output!r} was computed under no_grad(), so no graph "
                         "was recorded to differentiate; compute it outside the no_grad() block (or "
                         "inside an enable_grad() block)")


def enable_grad() -> _Mode:
    """Record a graph within this block, even inside `no_grad()`."""
    return _Mode(grad=True)


def detect_anomaly() -> _Mode:
    """Within this block the first op or backward step that makes a NaN or an infinity raises.

    Outside it, NaN and infinities that you put in flow through as IEEE arithmetic says (NaN in,
    NaN out); an operation on finite numbers that would overflow raises in any case.

    >>> from autograd_mini import Value
    >>> with detect_anomaly():
    ...     Value(float('inf')) * 0.0
    Traceback (most recent call last):
    ...
    ValueError: *: inf * 0.0 gives nan (detect_anomaly)
    """
    return _Mode(anomaly=True)
