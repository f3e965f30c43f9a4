"""`Value`, a scalar in a computation graph, and its operations.

Every operation computes its forward value, then makes the node with one call,
``record(value, parents, rule, const)``: the rule (in `rules.py`, in the same order as here) is
how the node sends gradients back to its parents.

Numbers: an operation on finite numbers gives a finite number or raises (OverflowError when the
result would be too large for a float, ZeroDivisionError or ValueError outside the domain), and
the backward pass does the same. NaN and infinities that you put in yourself flow through as IEEE
arithmetic says (NaN in, NaN out); `detect_anomaly()` makes them raise where they first appear.

>>> x = Value(3.0)
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Optional, Tuple, Union

from .. import checks
from .backward import backward as _run_backward
from .mode import PAUSED, WATCHER, check_recorded, is_anomaly_enabled, is_grad_enabled
from .rules import SUM, Rule
from .text import describe_call

Number = Union[int, float]
Scalar = Union["Value", int, float]


class Value:
    """A scalar in a computation graph: its `data`, its `grad`, and how it was made.

    `parents` are the nodes it was computed from (in order; ``a + a`` lists ``a`` twice), `rule`
    its local-derivative rule (None for a leaf), `const` the constant operand it holds (the c of
    ``x * c``, or the numbers a neuron took as inputs).

    >>> a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)
    """

    __slots__ = ("data", "grad", "label", "parents", "rule", "const", "made_in_no_grad", "__weakref__")

    data: float
    grad: float
    label: str
    parents: Tuple[Value, ...]
    rule: Optional[Rule]
    const: Any
    made_in_no_grad: bool  # set (True) only on the results of operations inside no_grad(): see record
    # what Jupyter shows: set by the package to `viz.jupyter_bundle` (the engine does not import viz)
    _repr_mimebundle_: ClassVar[Callable[..., Dict[str, str]]]

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {checks.shown(label)}")
        self.data = checks.real(data, "Value")
        self.grad = 0.0
        self.label = label
        self.parents = ()
        self.rule = None
        self.const = None

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the data, as PyTorch formats a 0-dim tensor; ``f"{v}"`` is repr.
        (Only shown, never computed with: no warning, and a trace records nothing.)"""
        return format(self.data, spec) if spec else repr(self)

    # Reading the number: float(v), int(v), round(v) and math.exp(v) (which calls float) give a
    # plain number, cut off from the graph. While grad mode is on that is worth a warning (a
    # DetachedNumberWarning, once per line); .item() and .data read it without one. Inside a
    # trace each read becomes a guard of the program (see trace_hooks).
    def __float__(self) -> float:
        _read(self, "float", None, self.data)
        return self.data

    def __int__(self) -> int:
        number = int(self.data)
        _read(self, "int", None, number)
        return number

    def __round__(self, ndigits: Optional[int] = None) -> Any:
        number = round(self.data, ndigits)
        _read(self, "round", ndigits, number)
        return number

    def item(self) -> float:
        """The data as a float, as ``tensor.item()`` in PyTorch (no warning: you asked for it)."""
        watch = WATCHER[0]
        if watch is not None:
            watch(self, "item", None, self.data)
        return self.data

    @property
    def op(self) -> str:
        """The symbol of the operation that made this node ('' for a leaf)."""
        return self.rule.symbol if self.rule is not None else ""

    def is_leaf(self) -> bool:
        return self.rule is None

    def local_derivatives(self) -> Tuple[float, ...]:
        """d(self)/d(parent) for each parent, at the current data (() for a leaf)."""
        if self.rule is None:
            return ()
        return tuple(self.rule.terms(1.0, self.data, self.const, *[p.data for p in self.parents]))

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from the graph."""
        return Value(self.data, self.label)

    # Comparisons look at the data only (no graph is recorded); equality stays identity, so nodes
    # can be kept in sets and dicts. Inside a trace each comparison is a guard (trace_hooks).
    def __lt__(self, other: Scalar) -> bool:
        result = self.data < _data(other, "<")
        if WATCHER[0] is not None:
            WATCHER[0](self, "<", other, result)
        return result

    def __le__(self, other: Scalar) -> bool:
        result = self.data <= _data(other, "<=")
        if WATCHER[0] is not None:
            WATCHER[0](self, "<=", other, result)
        return result

    def __gt__(self, other: Scalar) -> bool:
        result = self.data > _data(other, ">")
        if WATCHER[0] is not None:
            WATCHER[0](self, ">", other, result)
        return result

    def __ge__(self, other: Scalar) -> bool:
        result = self.data >= _data(other, ">=")
        if WATCHER[0] is not None:
            WATCHER[0](self, ">=", other, result)
        return result

    __hash__ = object.__hash__

    # The operations (+ - * / ** and the methods exp, log, tanh, ...) are written from their one
    # definition in ops.py when the engine is imported (methods.py); their signatures, for readers
    # and type checkers:
    if TYPE_CHECKING:
        def __add__(self, other: Scalar) -> Value: ...
        def __radd__(self, other: Scalar) -> Value: ...
        def __sub__(self, other: Scalar) -> Value: ...
        def __rsub__(self, other: Scalar) -> Value: ...
        def __mul__(self, other: Scalar) -> Value: ...
        def __rmul__(self, other: Scalar) -> Value: ...
        def __truediv__(self, other: Scalar) -> Value: ...
        def __rtruediv__(self, other: Scalar) -> Value: ...
        def __pow__(self, other: Scalar) -> Value: ...
        def __rpow__(self, other: Scalar) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def log1p(self) -> Value: ...
        def expm1(self) -> Value: ...
        def erf(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def leaky_relu(self, slope: float = 0.01) -> Value: ...
        def softplus(self) -> Value: ...
        def gelu(self) -> Value: ...
        def elu(self, alpha: float = 1.0) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...

    def __pos__(self) -> Value:
        return self

    def backward(self, gradient: Number = 1.0) -> None:
        """Add d(self)/d(leaf) · gradient to the `.grad` of every leaf this node depends on.

        Leaves accumulate across calls (call `zero_grad()` or set `.grad = 0.0` between steps);
        the nodes in between hold the gradient of the latest pass only. If a step fails (say
        sqrt's derivative at 0, which is infinite), every `.grad` is left as it was.
        """
        if self.rule is None:
            check_recorded(self, "backward")
        _run_backward(self, checks.real(gradient, "backward: gradient"))


# ---- making nodes ----

_new = object.__new__


def record(data: float, parents: Tuple[Value, ...], rule: Rule, const: Any = None) -> Value:
    """The node for `data`, computed from `parents` by `rule` (a leaf while grad mode is off)."""
    if data - data != 0.0:  # inf or NaN: inf - inf and NaN - NaN are NaN
        _check_result(data, [p.data for p in parents], rule, const)
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    if PAUSED[0] and not is_grad_enabled():
        v.parents = ()
        v.rule = None
        v.const = None
        v.made_in_no_grad = True  # the only place it is set: `check_recorded` refuses to differentiate v
    else:
        v.parents = parents
        v.rule = rule
        v.const = const
    return v


def _check_result(data: float, inputs: Any, rule: Rule, const: Any) -> None:
    """Raise if a NaN or an infinity came from finite inputs, or from any inputs in anomaly mode."""
    numbers = [*inputs, *(const if isinstance(const, tuple) else () if const is None else (const,))]
    call = describe_call(rule, inputs, const)
    if is_anomaly_enabled():
        raise ValueError(f"{rule.symbol}: {call} gives {data!r} (detect_anomaly)")
    if all(math.isfinite(x) for x in numbers):
        if data != data:
            raise ValueError(f"{rule.symbol}: {call} gives nan")
        raise overflow(rule, inputs, const)


class DetachedNumberWarning(UserWarning):
    """A Value was read as a plain number while grad mode is on: no gradient flows through it."""


def _read(v: Value, how: str, detail: Any, number: Any) -> None:
    watch = WATCHER[0]
    if watch is not None and watch(v, how, detail, number):
        return  # a trace took it as a guard
    if is_grad_enabled():
        call = "float(v) or math.f(v)" if how == "float" else f"{how}(v)"
        warnings.warn(f"{call} with v = {v!r} gives a plain number, cut off from the graph: no "
                      "gradient flows through it. Stay in the graph with the Value's own method "
                      "(v.exp(), v.sqrt(), ...), or read the number with v.item() or v.data, which do "
                      "not warn (nothing warns inside no_grad()).", DetachedNumberWarning, stacklevel=3)


def overflow(rule: Rule, inputs: Any, const: Any) -> OverflowError:
    """The error for a result too large for a float, naming the computation."""
    return OverflowError(f"{rule.symbol}: {describe_call(rule, inputs, const)} is too large for a float")


def constant(x: object, op: str) -> float:
    """A number an operation takes beside a Value (the c of ``x * c``), as a float."""
    if type(x) is float:  # the common case, without the slower abstract-class check
        return x  # type: ignore[return-value]
    return checks.real(x, op, "a Value or a real number")


def _data(x: object, op: str) -> float:
    return x.data if type(x) is Value else constant(x, op)  # type: ignore[attr-defined]


def total(values: Any) -> Value:
    """One node for the sum of many Values (plain numbers are folded into a constant).

    Cheaper than a chain of ``+`` (one node instead of n - 1); every input gets the upstream
    gradient unchanged.

    >>> total([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    if not isinstance(values, (list, tuple)):
        values = list(values)  # read twice below, so a generator must not run dry
    vs = [v for v in values if type(v) is Value]
    c = sum(constant(v, "total") for v in values if type(v) is not Value)
    if not vs:
        raise ValueError("total: needs at least one Value")
    return record(sum([v.data for v in vs]) + c, tuple(vs), SUM, c)  # const: the numbers' sum

