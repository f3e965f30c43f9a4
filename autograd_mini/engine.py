"""The scalar engine: `Value` nodes, their operations, and reverse-mode differentiation.

Read it top to bottom: the node, then each operation with its local derivative beside it,
then the topological order and the backward pass that applies the chain rule node by node.

Every operation's local derivative is a *rule*: a plain module-level function
``rule(g, out, aux, *inputs) -> tuple`` that returns what the upstream gradient ``g`` contributes
to each input. A node stores its rule in ``_backward``. The backward pass calls it with floats
(``out`` and ``inputs`` are the ``.data`` of the nodes); ``grad(..., create_graph=True)`` calls the
very same rule with the `Value` nodes themselves, so the gradients it returns are graphs that can be
differentiated again. Rules are shared by every node of their kind and never hold a node, so a graph
has no reference cycles and is freed by reference counting as soon as it is dropped. The neuron
nodes (`dot`, `linear`), which have 2m+1 inputs, also have an in-place version of their rule that
the backward pass uses to add the same terms to the inputs' gradients in one walk (see `_INTO`).

>>> x = Value(3.0)
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from numbers import Real
from operator import mul
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional, Sequence, Tuple, Union

Number = Union[int, float]
Scalar = Union["Value", int, float]
Rule = Callable[..., Sequence[Any]]  # a rule returns one term per input (a tuple or a list)

_grad_enabled = True
_OP_NAMES: Dict[Rule, str] = {}


def _rule(symbol: str) -> Callable[[Rule], Rule]:
    """Register a local-derivative rule under the symbol that pictures and tables show."""

    def register(fn: Rule) -> Rule:
        _OP_NAMES[fn] = symbol
        return fn

    return register


def _real(x: object, where: str, expected: str = "a real number (int or float)") -> float:
    """`x` as a float, or a TypeError naming `where` and what was given."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{where}: expected {expected}, got {type(x).__name__} {x!r}")
    try:
        return float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise OverflowError(f"{where}: {x!r:.40} is too large for a float") from None


class Value:
    """A scalar in a computation graph: its `data`, its `grad`, and how it was made.

    >>> a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)
    """

    __slots__ = ("data", "grad", "label", "_parents", "_backward", "_aux", "__weakref__")

    data: float
    grad: float
    label: str
    _parents: Tuple[Value, ...]
    _backward: Optional[Rule]
    _aux: Any

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r}")
        self.data = _real(data, "Value")
        self.grad = 0.0
        self.label = label
        self._parents = ()
        self._backward = None
        self._aux = None

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"

    @property
    def op(self) -> str:
        """The symbol of the operation that made this node ('' for a leaf)."""
        return _OP_NAMES.get(self._backward, "") if self._backward else ""  # type: ignore[arg-type]

    @property
    def parents(self) -> Tuple[Value, ...]:
        """The inputs this node was computed from, in order (``a + a`` lists ``a`` twice)."""
        return self._parents

    def is_leaf(self) -> bool:
        return self._backward is None

    def local_derivatives(self) -> Tuple[float, ...]:
        """d(self)/d(parent) for each parent, at the current data (() for a leaf).

        The backward pass multiplies each of these by the upstream gradient `self.grad`.
        """
        if self._backward is None:
            return ()
        return tuple(self._backward(1.0, self.data, self._aux, *[p.data for p in self._parents]))

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from the graph."""
        return Value(self.data, self.label)

    def _repr_svg_(self) -> Optional[str]:  # Jupyter shows the graph inline
        from .viz import _repr_svg_for

        return _repr_svg_for(self)

    # Comparisons look at the data only (no graph is recorded); equality stays identity, so nodes
    # can be kept in sets and dicts.
    def __lt__(self, other: Scalar) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Scalar) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Scalar) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Scalar) -> bool:
        return self.data >= _data(other, ">=")

    __hash__ = object.__hash__

    # ---- operations: the forward value and the local derivative side by side ----

    def __add__(self, other: Scalar) -> Value:
        if type(other) is Value:
            return _node(self.data + other.data, (self, other), _add)
        c = _const(other, "+")
        return _node(self.data + c, (self,), _add_const, c)

    __radd__ = __add__

    def __sub__(self, other: Scalar) -> Value:
        if type(other) is Value:
            return _node(self.data - other.data, (self, other), _sub)
        c = -_const(other, "-")
        return _node(self.data + c, (self,), _add_const, c)

    def __rsub__(self, other: Scalar) -> Value:  # c - x = (-x) + c
        return (-self) + _const(other, "-")

    def __mul__(self, other: Scalar) -> Value:
        if type(other) is Value:
            return _node(self.data * other.data, (self, other), _mul)
        c = _const(other, "*")
        return _node(self.data * c, (self,), _mul_const, c)

    __rmul__ = __mul__

    def __truediv__(self, other: Scalar) -> Value:
        if type(other) is Value:
            if other.data == 0.0:
                raise ZeroDivisionError(f"/: division by zero ({self.data!r} / {other.data!r})")
            return _node(self.data / other.data, (self, other), _div)
        c = _const(other, "/")
        if c == 0.0:
            raise ZeroDivisionError(f"/: division by zero ({self.data!r} / {other!r})")
        return _node(self.data / c, (self,), _mul_const, 1.0 / c)

    def __rtruediv__(self, other: Scalar) -> Value:
        c = _const(other, "/")
        if self.data == 0.0:
            raise ZeroDivisionError(f"/: division by zero ({c!r} / {self.data!r})")
        return _node(c / self.data, (self,), _rdiv)

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), _neg)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _node(abs(self.data), (self,), _abs)

    def __pow__(self, other: Scalar) -> Value:
        if type(other) is Value:
            if self.data < 0.0:
                raise ValueError(f"**: a Value exponent needs a base >= 0, got base {self.data!r}")
            return _node(_power(self.data, other.data), (self, other), _pow)
        n = _const(other, "**")
        return _node(_power(self.data, n), (self,), _pow_const, n)

    def __rpow__(self, other: Scalar) -> Value:  # c ** x
        c = _const(other, "**")
        if c < 0.0:
            raise ValueError(f"**: a Value exponent needs a base >= 0, got base {c!r}")
        return _node(_power(c, self.data), (self,), _rpow, c)

    def exp(self) -> Value:
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: exp({self.data!r}) is too large for a float") from None
        return _node(out, (self,), _exp)

    def log(self) -> Value:
        if self.data <= 0.0:
            raise ValueError(f"log: needs a positive input, got {self.data!r}")
        return _node(math.log(self.data), (self,), _log)

    def sqrt(self) -> Value:
        if self.data < 0.0:
            raise ValueError(f"sqrt: needs a non-negative input, got {self.data!r}")
        return _node(math.sqrt(self.data), (self,), _sqrt)

    def tanh(self) -> Value:
        return _node(math.tanh(self.data), (self,), _tanh)

    def sigmoid(self) -> Value:
        return _node(_sigmoid_float(self.data), (self,), _sigmoid)

    def relu(self) -> Value:
        x = self.data
        return _node(x if x > 0.0 else 0.0, (self,), _relu)

    def sin(self) -> Value:
        return _node(math.sin(self.data), (self,), _sin)

    def cos(self) -> Value:
        return _node(math.cos(self.data), (self,), _cos)

    # ---- differentiation ----

    def backward(self, gradient: Number = 1.0) -> None:
        """Add d(self)/d(leaf) * gradient to the `.grad` of every leaf this node depends on.

        Leaves accumulate across calls (call `zero_grad()` or set `.grad = 0.0` between steps);
        the nodes in between hold the gradient of the latest pass only. If a local derivative
        fails (say sqrt's at 0, where it is infinite), every `.grad` is left as it was.
        """
        _backward_pass(self, _real(gradient, "backward: gradient"))


# ---- the local-derivative rules: rule(g, out, aux, *inputs) -> contribution to each input ----
# They are written with operators and the generic helpers below, so the same rule runs on floats
# (first derivatives) and on Values (create_graph=True: derivatives of derivatives).


@_rule("+")
def _add(g: Any, out: Any, aux: Any, a: Any, b: Any) -> Tuple[Any, ...]:
    return g, g


@_rule("+")
def _add_const(g: Any, out: Any, c: float, a: Any) -> Tuple[Any, ...]:
    return (g,)


@_rule("-")
def _sub(g: Any, out: Any, aux: Any, a: Any, b: Any) -> Tuple[Any, ...]:
    return g, -g


@_rule("*")
def _mul(g: Any, out: Any, aux: Any, a: Any, b: Any) -> Tuple[Any, ...]:
    return g * b, g * a


@_rule("*")
def _mul_const(g: Any, out: Any, c: float, a: Any) -> Tuple[Any, ...]:
    return (g * c,)


@_rule("/")
def _div(g: Any, out: Any, aux: Any, a: Any, b: Any) -> Tuple[Any, ...]:  # out = a / b
    return g / b, -g * out / b


@_rule("/")
def _rdiv(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:  # out = c / a
    return (-g * out / a,)


@_rule("neg")
def _neg(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (-g,)


@_rule("abs")
def _abs(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (g if a > 0.0 else -g if a < 0.0 else 0.0 * g,)  # 0 at the kink, as PyTorch


@_rule("**")
def _pow(g: Any, out: Any, aux: Any, a: Any, b: Any) -> Tuple[Any, ...]:  # out = a ** b
    # at b == 0 the first term is 0 even where a ** (b - 1) is not defined (a == 0), as PyTorch
    da = g * b * a ** (b - 1.0) if b > 0.0 or b < 0.0 else 0.0 * g  # `!=` is identity for Values
    return da, (g * out * _fn_log(a) if a > 0.0 else 0.0 * g)


@_rule("**")
def _pow_const(g: Any, out: Any, n: float, a: Any) -> Tuple[Any, ...]:  # out = a ** n
    return (g * n * a ** (n - 1.0) if n != 0.0 else 0.0 * g,)


@_rule("**")
def _rpow(g: Any, out: Any, c: float, a: Any) -> Tuple[Any, ...]:  # out = c ** a
    return (g * out * math.log(c) if c > 0.0 else 0.0 * g,)


@_rule("exp")
def _exp(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (g * out,)


@_rule("log")
def _log(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (g / a,)


@_rule("sqrt")
def _sqrt(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (g * 0.5 / out,)


# g·g'(z) written with the output a = g(z) alone, for the activations a neuron node can take in (see
# `linear`); the activation nodes' own rules use them too, except sigmoid's (below).
def _relu_grad(g: Any, out: Any) -> Any:
    return g if out > 0.0 else 0.0 * g  # relu'(z) = 1 where z > 0, which is where a > 0


def _tanh_grad(g: Any, out: Any) -> Any:
    return g * (1.0 - out * out)


def _sigmoid_grad(g: Any, out: Any) -> Any:
    return g * out * (1.0 - out)  # exact to 1e-16 absolute; 1 - a loses digits when a is near 1


@_rule("tanh")
def _tanh(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (_tanh_grad(g, out),)


@_rule("sigmoid")
def _sigmoid(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    # s(x)(1 - s(x)), with 1 - s(x) written as s(-x) so it keeps its precision for large x
    return (g * out * _fn_sigmoid(-a),)


@_rule("relu")
def _relu(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (_relu_grad(g, out),)


@_rule("sin")
def _sin(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (g * _fn_cos(a),)


@_rule("cos")
def _cos(g: Any, out: Any, aux: Any, a: Any) -> Tuple[Any, ...]:
    return (-g * _fn_sin(a),)


@_rule("w·x+b")
def _dot(g: Any, out: Any, m: int, *args: Any) -> List[Any]:
    # args are w_1..w_m, x_1..x_m, b: d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    return [g * d for d in (*args[m : 2 * m], *args[:m], 1.0)]


@_rule("w·x+b")
def _dot_const(g: Any, out: Any, xs: Tuple[float, ...], *args: Any) -> List[Any]:
    # the inputs x are plain numbers (a data sample): args are w_1..w_m, b
    return [*[g * x for x in xs], g]


# The dot rules, applied in place. A neuron's node has 2m+1 inputs, and the backward pass's general
# path walks them three times (read their data, compute the rule's terms, add each term to a
# .grad); these add the very same terms to the .grads in one walk. They serve the backward pass
# on floats only: the rules above stay the reference for grad(), create_graph and explain, and
# tests/test_engine.py checks that both give the same gradients.
def _dot_into(g: float, v: Value) -> None:
    ps, m = v._parents, v._aux
    for w, x in zip(ps[:m], ps[m : 2 * m]):
        w.grad += g * x.data
        x.grad += g * w.data
    ps[-1].grad += g


def _dot_const_into(g: float, v: Value) -> None:
    ps = v._parents
    for w, x in zip(ps, v._aux):
        w.grad += g * x
    ps[-1].grad += g


_INTO: Dict[Rule, Callable[[float, Value], None]] = {_dot: _dot_into, _dot_const: _dot_const_into}


def _neuron_rules(name: str, act_grad: Callable[[Any, Any], Any]) -> Tuple[Rule, Rule]:
    """The rules of a neuron node a = g(w·x + b): dz = da·g'(z), then the dot rule with dz."""

    def values(g: Any, out: Any, m: int, *args: Any) -> Sequence[Any]:
        return _dot(act_grad(g, out), out, m, *args)

    def constants(g: Any, out: Any, xs: Tuple[float, ...], *args: Any) -> Sequence[Any]:
        return _dot_const(act_grad(g, out), out, xs, *args)

    def values_into(g: float, v: Value) -> None:
        dz = act_grad(g, v.data)
        if dz != 0.0:  # 0 for a relu neuron that is off: its 2m+1 terms are all 0
            _dot_into(dz, v)

    def constants_into(g: float, v: Value) -> None:
        dz = act_grad(g, v.data)
        if dz != 0.0:
            _dot_const_into(dz, v)

    _INTO[values], _INTO[constants] = values_into, constants_into
    return _rule(f"{name}(w·x+b)")(values), _rule(f"{name}(w·x+b)")(constants)


def _relu_float(z: float) -> float:
    return z if z > 0.0 else 0.0


def _sigmoid_float(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # never overflows for x < 0
    return e / (1.0 + e)


# activation -> (its function on floats, the neuron rule for Value inputs, the rule for numbers)
_NEURONS: Dict[Optional[str], Tuple[Callable[[float], float], Rule, Rule]] = {
    None: (float, _dot, _dot_const),  # (float of a float is the float itself)
    "relu": (_relu_float, *_neuron_rules("relu", _relu_grad)),
    "tanh": (math.tanh, *_neuron_rules("tanh", _tanh_grad)),
    "sigmoid": (_sigmoid_float, *_neuron_rules("sigmoid", _sigmoid_grad)),
}


def dot(weights: Sequence[Value], inputs: Sequence[Scalar], bias: Value) -> Value:
    """One node for ``sum(w_i * x_i) + b``: a neuron's pre-activation z, as in Z = W·A + B.

    micrograd builds 2m+1 nodes for this sum; here it is one node whose rule hands each of its
    2m+1 inputs its own term of the chain rule (x_i to w_i, w_i to x_i, 1 to b). The inputs may
    be Values or plain numbers (a data sample, which needs no gradient).

    >>> w, b = [Value(2.0), Value(-1.0)], Value(0.5)
    >>> z = dot(w, [3.0, 4.0], b)
    >>> z.data
    2.5
    """
    return _linear([weights], [inputs], [bias], None, "dot")[0][0]


def linear(
    weight: Sequence[Sequence[Value]],
    inputs: Sequence[Scalar],
    bias: Sequence[Value],
    activation: Optional[str] = None,
) -> List[Value]:
    """Z = W·A + B for one observation A: a `dot` node per row of W (n rows of m weights).

    The inputs are checked and read once for all n rows. With an `activation` ('relu', 'tanh' or
    'sigmoid') each neuron is instead one node a = g(w·x + b), whose rule applies dZ = dA ⊙ g'(Z)
    and then the dot rule with dz: the same gradients, half the nodes, but no z node to look at.

    >>> W = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    >>> [z.data for z in linear(W, [3.0, 4.0], [Value(0.5), Value(0.0)])]
    [11.5, -4.0]
    >>> [(a.data, a.op) for a in linear(W, [3.0, 4.0], [Value(0.5), Value(0.0)], 'relu')]
    [(11.5, 'relu(w·x+b)'), (0.0, 'relu(w·x+b)')]
    """
    return _linear(weight, [inputs], bias, activation, "linear")[0]


def linear_batch(
    weight: Sequence[Sequence[Value]],
    batch: Sequence[Sequence[Scalar]],
    bias: Sequence[Value],
    activation: Optional[str] = None,
) -> List[List[Value]]:
    """`linear` for a batch of N observations: N lists of n nodes, one list per observation.

    The same nodes as N calls of `linear`, but W and B are checked and read once for the whole
    batch, which is what makes a layer of scalar neurons fast on a full batch.

    >>> W = [[Value(1.0), Value(2.0)]]
    >>> [[z.data for z in zs] for zs in linear_batch(W, [[3.0, 4.0], [0.0, 1.0]], [Value(0.5)])]
    [[11.5], [2.5]]
    """
    return _linear(weight, batch, bias, activation, "linear_batch")


def _linear(
    weight: Sequence[Sequence[Value]],
    batch: Sequence[Sequence[Scalar]],
    bias: Sequence[Value],
    activation: Optional[str],
    where: str,
) -> List[List[Value]]:
    if activation not in _NEURONS:
        raise ValueError(f"{where}: activation must be one of {tuple(_NEURONS)}, got {activation!r}")
    act, rule_values, rule_constants = _NEURONS[activation]
    rows = [row if isinstance(row, (list, tuple)) else list(row) for row in weight]
    bias = bias if isinstance(bias, (list, tuple)) else list(bias)
    if len(rows) != len(bias):
        raise ValueError(f"{where}: {len(rows)} rows of weights but {len(bias)} biases")
    if not rows:  # no neurons: nothing to make, whatever the inputs (as before batches)
        return [[] for _ in batch]
    m = len(rows[0])
    for row in rows:
        if len(row) != m:
            raise ValueError(f"{where}: rows of weights have different lengths {[len(r) for r in rows]}")
        if m and set(map(type, row)) != _ONLY_VALUES:  # (a set of types: one pass at C speed)
            w = next(w for w in row if type(w) is not Value)
            raise TypeError(f"{where}: weights must be Values, got {type(w).__name__} {w!r}")
    for b in bias:
        if type(b) is not Value:
            raise TypeError(f"{where}: bias must be a Value, got {type(b).__name__} {b!r}")
    # each row's weights and bias, as Values and as floats read once for the batch (the inputs of
    # each observation are read once too)
    table = list(zip(rows, [[w.data for w in row] for row in rows], bias, [b.data for b in bias]))
    out = []
    for inputs in batch:
        if not isinstance(inputs, (list, tuple)):
            if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
                got = f"{type(inputs).__name__} {inputs!r:.40}"
                raise TypeError(f"{where}: an observation must be a sequence of {m} inputs, got {got}")
            inputs = list(inputs)
        if len(inputs) != m:
            raise ValueError(f"{where}: {m} weights but {len(inputs)} inputs")
        kinds = set(map(type, inputs))
        if Value in kinds and kinds != _ONLY_VALUES:  # a mix: the numbers become constant leaves
            inputs = [x if type(x) is Value else Value(x) for x in inputs]  # type: ignore[arg-type]
        aux: Any
        if Value in kinds:
            xd: Sequence[float] = [x.data for x in inputs]  # type: ignore[union-attr]
            xs: Tuple[Value, ...] = tuple(inputs)  # type: ignore[arg-type]
            rule, aux = rule_values, m
        else:  # a data sample: the numbers are constants kept in the node, not parents
            xd = tuple(inputs) if kinds <= _ONLY_FLOATS else tuple(_const(x, where) for x in inputs)  # type: ignore[arg-type]
            xs, rule, aux = (), rule_constants, xd
        out.append([_node(act(sum(map(mul, w, xd)) + c), (*ws, *xs, b), rule, aux) for ws, w, b, c in table])
    return out


_ONLY_VALUES = {Value}
_ONLY_FLOATS = {float}


@_rule("sum")
def _total(g: Any, out: Any, aux: Any, *args: Any) -> Tuple[Any, ...]:
    return (g,) * len(args)


def total(values: Sequence[Scalar]) -> Value:
    """One node for the sum of many Values (plain numbers are folded into a constant).

    Cheaper than a chain of ``+`` (one node instead of n - 1) and the rule is plain: every
    input gets the upstream gradient unchanged.

    >>> total([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    if not isinstance(values, (list, tuple)):
        values = list(values)  # read twice below, so a generator must not run dry
    vs = [v for v in values if type(v) is Value]
    c = sum(_const(v, "total") for v in values if type(v) is not Value)
    if not vs:
        raise ValueError("total: needs at least one Value")
    return _node(sum([v.data for v in vs]) + c, tuple(vs), _total)


# ---- helpers ----


def _node(data: float, parents: Tuple[Value, ...], rule: Rule, aux: Any = None) -> Value:
    """Make an interior node (or, under `no_grad`, a leaf) without re-checking `data`."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    if _grad_enabled:
        v._parents = parents
        v._backward = rule
    else:
        v._parents = ()
        v._backward = None
    v._aux = aux
    return v


_new = object.__new__


def _const(x: object, op: str) -> float:
    if type(x) is float:  # the common case, without the slower abstract-class check
        return x  # type: ignore[return-value]
    return _real(x, op, "a Value or a real number")


def _data(x: object, op: str) -> float:
    return x.data if type(x) is Value else _const(x, op)  # type: ignore[attr-defined]


def _power(a: float, n: float) -> float:
    if a < 0.0 and not n.is_integer():
        raise ValueError(f"**: a negative base {a!r} needs a whole exponent, got {n!r}")
    if a == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"**: 0.0 cannot be raised to the negative power {n!r}")
    try:
        return a**n
    except OverflowError:
        raise OverflowError(f"**: {a!r} ** {n!r} is too large for a float") from None


# Functions the rules call, for floats and Values alike.
def _fn_log(x: Any) -> Any:
    return x.log() if type(x) is Value else math.log(x)


def _fn_sin(x: Any) -> Any:
    return x.sin() if type(x) is Value else math.sin(x)


def _fn_cos(x: Any) -> Any:
    return x.cos() if type(x) is Value else math.cos(x)


def _fn_sigmoid(x: Any) -> Any:
    return x.sigmoid() if type(x) is Value else _sigmoid_float(x)


# ---- order and the backward pass ----


def topological_order(root: Value) -> List[Value]:
    """Every node `root` depends on, each once, inputs before the nodes made from them.

    Iterative depth-first search (no recursion limit), visiting parents in their recorded order,
    so the same graph always gives the same order. The backward pass runs it in reverse.
    """
    order: List[Value] = []
    seen = {root}
    placed = seen.issuperset  # of a node's parents; a seen node is placed once its parents are
    # A depth-first walk with two stacks: the nodes being visited, and for each an iterator over
    # its parents not looked at yet. A node is placed (appended) when its iterator runs out, so
    # every edge is looked at once.
    nodes, parents = [root], [iter(root._parents)]
    while parents:
        for p in parents[-1]:
            if p not in seen:
                seen.add(p)
                if placed(p._parents):  # a leaf, or a node whose inputs are all placed: no visit
                    order.append(p)
                    continue
                nodes.append(p)
                parents.append(iter(p._parents))
                break  # go down into p; the iterator resumes after p when p is placed
        else:
            parents.pop()
            order.append(nodes.pop())
    return order


def _backward_pass(root: Value, seed: float) -> None:
    topo = topological_order(root)
    saved = [v.grad for v in topo]
    try:
        for v in topo:
            if v._backward is not None:
                v.grad = 0.0  # interior nodes hold this pass's gradient only
        root.grad += seed
        for v in reversed(topo):
            rule = v._backward
            g = v.grad
            if rule is None or g == 0.0:  # a leaf, or nothing flows back through here
                continue
            ps = v._parents
            if len(ps) == 1:
                a = ps[0]
                a.grad += rule(g, v.data, v._aux, a.data)[0]
            elif len(ps) == 2:
                a, b = ps
                ga, gb = rule(g, v.data, v._aux, a.data, b.data)
                a.grad += ga
                b.grad += gb
            else:
                into = _INTO.get(rule)  # a neuron's node: its rule applied in place, in one walk
                if into is not None:
                    into(g, v)
                    continue
                for p, c in zip(ps, rule(g, v.data, v._aux, *[p.data for p in ps])):
                    p.grad += c
    except BaseException as e:  # even KeyboardInterrupt must not leave half a pass behind
        for node, old in zip(topo, saved):  # (`v` still names the node whose rule failed)
            node.grad = old
        if isinstance(e, (ArithmeticError, ValueError)):
            raise type(e)(f"backward: the local derivative of {_where(v)} failed: {e}") from e
        raise


def _where(v: Value) -> str:
    return f"{v.op}({', '.join(f'{p.data!r}' for p in v._parents)})"


def grad(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> List[Any]:
    """d(output)/d(input) for each input, leaving every `.grad` untouched.

    With ``create_graph=False`` the results are floats. With ``create_graph=True`` they are
    `Value`s, built by running the same derivative rules on the graph's nodes, so they can be
    differentiated again (second and third derivatives, Hessian entries). An input the output
    does not depend on gets 0.

    >>> x = Value(2.0)
    >>> y = x ** 4
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x], create_graph=True)
    >>> dy.data, d2y.data, grad(d2y, [x])[0]
    (32.0, 48.0, 48.0)
    """
    if type(output) is not Value:
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__} {output!r}")
    inputs = list(inputs)  # read twice below, so a generator must not run dry
    for x in inputs:
        if type(x) is not Value:
            raise TypeError(f"grad: inputs must be Values, got {type(x).__name__} {x!r}")
    if create_graph and not _grad_enabled:  # asked for a graph: record it even under no_grad
        with _grad_mode(True):
            return grad(output, inputs, create_graph)
    grads: Dict[Value, Any] = {output: Value(1.0) if create_graph else 1.0}
    for v in reversed(topological_order(output)):
        rule = v._backward
        g = grads.get(v)
        if rule is None or g is None:
            continue
        ps = v._parents
        if create_graph:
            contributions = rule(g, v, v._aux, *ps)
        else:
            contributions = rule(g, v.data, v._aux, *[p.data for p in ps])
        for p, c in zip(ps, contributions):
            old = grads.get(p)
            grads[p] = c if old is None else old + c
    zero: Any = 0.0
    results = [grads.get(x, zero) for x in inputs]
    if create_graph:
        results = [r if type(r) is Value else Value(r) for r in results]
    return results


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    global _grad_enabled
    before = _grad_enabled
    _grad_enabled = enabled
    try:
        yield
    finally:
        _grad_enabled = before


def no_grad() -> ContextManager[None]:
    """Within this block (or decorated function) operations record no graph: results are leaves.

    >>> x = Value(1.0)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.is_leaf()
    True
    """
    return _grad_mode(False)


def is_grad_enabled() -> bool:
    return _grad_enabled
