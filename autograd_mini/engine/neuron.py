"""Neurons: z = w·x + b as one node (`dot`), a layer Z = W·A + B (`linear`) and its batch form.

A neuron's node has 2m+1 inputs, so where micrograd makes 2m+1 nodes we make one, whose rule
hands each input its term of the chain rule: dW += dZ·A (x_i to w_i), dA_prev += W·dZ (w_i to
x_i), dB += dZ. With an activation, the node is the whole neuron a = g(w·x + b) and its rule
first applies dZ = dA ⊙ g'(Z) (from the one activation table), then those three.
"""

from __future__ import annotations

from operator import mul
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import checks
from .activations import ACTIVATIONS, Activation
from .rules import Rule
from .value import Scalar, Value, record

_FLOATS = {float}
_VALUES = {Value}


class NeuronRule(Rule):
    """The rule of a neuron node, with Value inputs (parents w1..wm, x1..xm, b) or with number
    inputs (parents w1..wm, b; the numbers x in the node's `const`).

    `terms` serves grad(), create_graph and explain; `add_into` adds the very same terms to the
    ``.grad``s in one walk, which is what makes the backward pass of a layer fast.
    """

    __slots__ = ("activation", "number_inputs")

    def __init__(self, activation: Optional[Activation], number_inputs: bool) -> None:
        symbol = f"{activation.name}(w·x+b)" if activation else "w·x+b"
        add_into = self._activated_into if activation else _numbers_into if number_inputs else _values_into
        super().__init__("neuron", symbol, self._terms, add_into)
        self.activation = activation
        self.number_inputs = number_inputs

    def _terms(self, g: Any, a: Any, const: Any, *args: Any) -> List[Any]:
        if self.number_inputs:
            ws, xs = args[:-1], const
        else:
            m = len(args) // 2
            ws, xs = args[:m], args[m:-1]
        act = self.activation  # dZ = dA ⊙ g'(Z)
        dz = g if act is None else act.grad(g, _z(ws, xs, args[-1]) if act.needs_z else None, a)
        if type(dz) is float and dz == 0.0:  # nothing flows into z, as in the backward walk
            return [0.0] * len(args)
        dws = [dz * x for x in xs]  # dW += dZ·A
        if self.number_inputs:
            return [*dws, dz]
        return [*dws, *[dz * w for w in ws], dz]  # dA_prev += W·dZ, dB += dZ

    def _activated_into(self, g: float, v: Value) -> None:
        act = self.activation  # dZ = dA ⊙ g'(Z), then the terms of z
        dz = act.grad(g, _z_of(v) if act.needs_z else None, v.data)  # type: ignore[union-attr]
        if dz != 0.0:  # 0 for a relu that is off: nothing flows into z
            (_numbers_into if self.number_inputs else _values_into)(dz, v)


def _numbers_into(dz: float, v: Value) -> None:
    ps = v.parents
    for w, x in zip(ps, v.const):  # dW += dZ·A
        w.grad += dz * x
    ps[-1].grad += dz  # dB += dZ


def _values_into(dz: float, v: Value) -> None:
    ps = v.parents
    m = len(ps) // 2
    for w, x in zip(ps[:m], ps[m:-1]):
        w.grad += dz * x.data  # dW += dZ·A
        x.grad += dz * w.data  # dA_prev += W·dZ
    ps[-1].grad += dz  # dB += dZ


def _z_of(v: Value) -> float:
    ps = v.parents
    if v.rule.number_inputs:  # type: ignore[union-attr]
        return _z([w.data for w in ps[:-1]], v.const, ps[-1].data)  # type: ignore[no-any-return]
    m = len(ps) // 2
    return _z([w.data for w in ps[:m]], [x.data for x in ps[m:-1]], ps[-1].data)  # type: ignore[no-any-return]


def _z(ws: Sequence[Any], xs: Sequence[Any], b: Any) -> Any:
    """w·x + b again, for an activation whose derivative needs z (as the forward pass made it)."""
    if type(b) is float:
        return sum(map(mul, ws, xs)) + b
    return dot(list(ws), list(xs), b)  # Values: the derivative is differentiated again


NEURON_RULES: Dict[Tuple[Optional[str], bool], NeuronRule] = {
    (name, numbers): NeuronRule(ACTIVATIONS[name] if name else None, numbers)
    for name in (None, *ACTIVATIONS)
    for numbers in (False, True)
}


def dot(weights: Sequence[Value], inputs: Sequence[Scalar], bias: Value) -> Value:
    """One node for ``sum(w_i * x_i) + b``: a neuron's pre-activation z, as in Z = W·A + B.

    The inputs may be Values or plain numbers (a data sample, which needs no gradient).

    >>> w, b = [Value(2.0), Value(-1.0)], Value(0.5)
    >>> dot(w, [3.0, 4.0], b).data
    2.5
    """
    return _layer([weights], [inputs], [bias], None, "dot")[0][0]


def linear(
    weight: Sequence[Sequence[Value]], inputs: Sequence[Scalar], bias: Sequence[Value],
    activation: Optional[str] = None,
) -> List[Value]:
    """Z = W·A + B for one observation A: a `dot` node per row of W (n rows of m weights).

    With an `activation` ('relu', 'tanh' or 'sigmoid') each neuron is instead one node
    a = g(w·x + b): the same gradients from half the nodes, but no z node to look at.

    >>> W = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    >>> [z.data for z in linear(W, [3.0, 4.0], [Value(0.5), Value(0.0)])]
    [11.5, -4.0]
    >>> [(a.data, a.op) for a in linear(W, [3.0, 4.0], [Value(0.5), Value(0.0)], 'relu')]
    [(11.5, 'relu(w·x+b)'), (0.0, 'relu(w·x+b)')]
    """
    return _layer(weight, [inputs], bias, activation, "linear")[0]


def linear_batch(
    weight: Sequence[Sequence[Value]], batch: Sequence[Sequence[Scalar]], bias: Sequence[Value],
    activation: Optional[str] = None,
) -> List[List[Value]]:
    """`linear` for a batch of N observations: N lists of n nodes, one list per observation.

    W and B are checked and read once for the whole batch.

    >>> W = [[Value(1.0), Value(2.0)]]
    >>> [[z.data for z in zs] for zs in linear_batch(W, [[3.0, 4.0], [0.0, 1.0]], [Value(0.5)])]
    [[11.5], [2.5]]
    """
    return _layer(weight, batch, bias, activation, "linear_batch")


def _layer(weight: Sequence[Sequence[Value]], batch: Sequence[Sequence[Scalar]], bias: Sequence[Value],
           activation: Optional[str], where: str) -> List[List[Value]]:
    checks.one_of(activation, (None, *ACTIVATIONS), f"{where}: activation")
    rows, bias = _weights(weight, bias, where)
    if not rows:  # no neurons: nothing to make, whatever the inputs
        return [[] for _ in batch]
    m = len(rows[0])
    g = ACTIVATIONS[activation].function if activation else float  # (float of a float is itself)
    with_values, with_numbers = NEURON_RULES[activation, False], NEURON_RULES[activation, True]
    # each row's weights and bias as Values and as floats, read once for the batch
    table = list(zip(rows, [[w.data for w in row] for row in rows], bias, [b.data for b in bias]))
    out = []
    for inputs in batch:
        xs, xd = _observation(inputs, m, where)
        rule, const = (with_values, None) if xs else (with_numbers, xd)
        out.append([record(g(sum(map(mul, wd, xd)) + bd), (*ws, *xs, b), rule, const)
                    for ws, wd, b, bd in table])
    return out


def _weights(weight: Any, bias: Any, where: str) -> Tuple[List[Any], Any]:
    rows = [row if isinstance(row, (list, tuple)) else list(row) for row in weight]
    bias = bias if isinstance(bias, (list, tuple)) else list(bias)
    if len(rows) != len(bias):
        raise ValueError(f"{where}: {len(rows)} rows of weights but {len(bias)} biases")
    m = len(rows[0]) if rows else 0
    for row in rows:
        if len(row) != m:
            raise ValueError(f"{where}: rows of weights have different lengths {[len(r) for r in rows]}")
        if m and set(map(type, row)) != _VALUES:  # (a set of types: one pass at C speed)
            w = next(w for w in row if type(w) is not Value)
            raise TypeError(f"{where}: weights must be Values, got {checks.shown(w)}")
    for b in bias:
        if type(b) is not Value:
            raise TypeError(f"{where}: bias must be a Value, got {checks.shown(b)}")
    return rows, bias


def _observation(inputs: Any, m: int, where: str) -> Tuple[Tuple[Value, ...], Sequence[float]]:
    """One observation's inputs: (the Values, their floats), or ((), the numbers) for a sample."""
    if not isinstance(inputs, (list, tuple)):
        if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
            got = checks.shown(inputs)
            raise TypeError(f"{where}: an observation must be a sequence of {m} inputs, got {got}")
        inputs = list(inputs)
    if len(inputs) != m:
        raise ValueError(f"{where}: {m} weights but {len(inputs)} inputs")
    kinds = set(map(type, inputs))
    if kinds <= _FLOATS:
        return (), tuple(inputs)
    if Value not in kinds:
        return (), tuple([checks.real(x, where, "a Value or a real number") for x in inputs])
    if kinds != _VALUES:  # a mix: the numbers become constant leaves
        inputs = [x if type(x) is Value else Value(checks.real(x, where, "a Value or a real number"))
                  for x in inputs]
    return tuple(inputs), [x.data for x in inputs]
