"""The op table: every operation, at a few sample points, through `gradcheck`.

Each row is (name, f, reference, points): `f` builds the op on Values, `reference` computes the
same value with plain floats (math), and each point is one tuple of inputs. The tests check the
forward value against the reference, the first derivatives against central differences, and the
second derivatives (the gradient of ``grad(f, xs, create_graph=True)[i]``) the same way.
A new op is covered by adding one row. Points stay away from kinks (relu and abs at 0).
"""

from __future__ import annotations

import math
from typing import Callable, List, NamedTuple, Sequence, Tuple

import needs
import pytest

from autograd_mini import Value, dot, grad, gradcheck, linear, topological_order, total
from autograd_mini.engine import NEURON_RULES, RULES


class Op(NamedTuple):
    name: str
    f: Callable[..., Value]
    reference: Callable[..., float]
    points: List[Tuple[float, ...]]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _leaky(x: float) -> float:
    return x if x > 0 else 0.01 * x


def _softplus(x: float) -> float:
    return math.log(1.0 + math.exp(x))


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def _elu(x: float) -> float:
    return x if x > 0 else math.expm1(x)


_ACTIVATIONS = [("relu", lambda z: max(z, 0.0)), ("tanh", math.tanh), ("sigmoid", _sigmoid),
                ("leaky_relu", _leaky), ("softplus", _softplus), ("gelu", _gelu), ("elu", _elu)]


OPS: List[Op] = [
    Op("x+y", lambda x, y: x + y, lambda x, y: x + y, [(0.3, -1.7), (2.0, 2.0)]),
    Op("x+2", lambda x: x + 2, lambda x: x + 2, [(-0.4,), (3.1,)]),
    Op("2+x", lambda x: 2 + x, lambda x: 2 + x, [(-0.4,), (3.1,)]),
    Op("x-y", lambda x, y: x - y, lambda x, y: x - y, [(0.3, -1.7), (1.5, 4.0)]),
    Op("x-2", lambda x: x - 2, lambda x: x - 2, [(-0.4,), (3.1,)]),
    Op("2-x", lambda x: 2 - x, lambda x: 2 - x, [(-0.4,), (3.1,)]),
    Op("x*y", lambda x, y: x * y, lambda x, y: x * y, [(0.3, -1.7), (-2.5, 4.0)]),
    Op("2*x", lambda x: 2 * x, lambda x: 2 * x, [(-0.4,), (3.1,)]),
    Op("x*2", lambda x: x * 2, lambda x: x * 2, [(-0.4,), (3.1,)]),
    Op("x/y", lambda x, y: x / y, lambda x, y: x / y, [(0.3, -1.7), (-2.5, 0.8)]),
    Op("1/x", lambda x: 1 / x, lambda x: 1 / x, [(-0.4,), (3.1,)]),
    Op("x/2", lambda x: x / 2, lambda x: x / 2, [(-0.4,), (3.1,)]),
    Op("x**3", lambda x: x**3, lambda x: x**3, [(-1.3,), (0.7,)]),
    Op("x**-2", lambda x: x**-2, lambda x: x**-2, [(-1.3,), (0.7,)]),
    Op("x**0.5", lambda x: x**0.5, lambda x: x**0.5, [(0.3,), (2.2,)]),
    Op("x**y", lambda x, y: x**y, lambda x, y: x**y, [(0.6, 1.7), (2.3, -0.8)]),
    Op("2**x", lambda x: 2**x, lambda x: 2**x, [(-1.3,), (0.7,)]),
    Op("-x", lambda x: -x, lambda x: -x, [(-0.4,), (3.1,)]),
    Op("abs", abs, abs, [(-0.4,), (3.1,)]),
    Op("exp", Value.exp, math.exp, [(-2.0,), (1.3,)]),
    Op("log", Value.log, math.log, [(0.2,), (7.5,)]),
    Op("sqrt", Value.sqrt, math.sqrt, [(0.2,), (7.5,)]),
    Op("tanh", Value.tanh, math.tanh, [(-1.1,), (0.4,)]),
    Op("sigmoid", Value.sigmoid, _sigmoid, [(-1.1,), (2.4,)]),
    Op("relu", Value.relu, lambda x: max(x, 0.0), [(-0.4,), (3.1,)]),
    Op("sin", Value.sin, math.sin, [(-2.0,), (0.9,)]),
    Op("cos", Value.cos, math.cos, [(-2.0,), (0.9,)]),
    Op("log1p", Value.log1p, math.log1p, [(-0.5,), (2.5,)]),
    Op("expm1", Value.expm1, math.expm1, [(-0.7,), (1.2,)]),
    Op("erf", Value.erf, math.erf, [(-0.7,), (1.2,)]),
    Op("leaky_relu", Value.leaky_relu, _leaky, [(-0.4,), (3.1,)]),
    Op("leaky_relu 0.2", lambda x: x.leaky_relu(0.2), lambda x: x if x > 0 else 0.2 * x, [(-0.4,), (3.1,)]),
    Op("softplus", Value.softplus, _softplus, [(-1.1,), (2.4,)]),
    Op("gelu", Value.gelu, _gelu, [(-1.1,), (0.4,)]),
    Op("elu", Value.elu, _elu, [(-1.1,), (0.4,)]),
    Op("elu 0.5", lambda x: x.elu(0.5), lambda x: x if x > 0 else 0.5 * math.expm1(x), [(-1.1,), (0.4,)]),
    *[
        Op(
            f"{name} neuron of Values",  # one node a = g(w·x + b)
            lambda w1, w2, x1, x2, b, name=name: linear([[w1, w2]], [x1, x2], [b], name)[0],
            lambda w1, w2, x1, x2, b, g=g: g(w1 * x1 + w2 * x2 + b),
            [(0.5, -1.5, 2.0, 0.25, 0.1), (-0.5, 1.5, 2.0, 0.25, -0.3)],  # z = 0.725 and -0.925
        )
        for name, g in _ACTIVATIONS
    ],
    *[
        Op(
            f"{name} neuron of numbers",
            lambda w1, w2, b, name=name: linear([[w1, w2]], [0.75, -2.0], [b], name)[0],
            lambda w1, w2, b, g=g: g(w1 * 0.75 + w2 * -2.0 + b),
            [(0.5, -1.5, 0.1), (0.5, 1.5, 0.1)],  # z = 3.475 and -2.525
        )
        for name, g in _ACTIVATIONS
    ],
    Op(
        "dot of Values",
        lambda w1, w2, x1, x2, b: dot([w1, w2], [x1, x2], b),
        lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
        [(0.5, -1.5, 2.0, 0.25, 0.1)],
    ),
    Op(
        "dot of numbers",
        lambda w1, w2, b: dot([w1, w2], [0.75, -2.0], b),
        lambda w1, w2, b: w1 * 0.75 + w2 * -2.0 + b,
        [(0.5, -1.5, 0.1)],
    ),
    Op(
        "dot mixed",
        lambda w1, w2, x1, b: dot([w1, w2], [x1, 3], b),
        lambda w1, w2, x1, b: w1 * x1 + w2 * 3 + b,
        [(0.5, -1.5, 2.0, 0.1)],
    ),
    Op(
        "dot with a shared node",  # w·w + b: the same Value as weight and as input
        lambda w, b: dot([w], [w], b),
        lambda w, b: w * w + b,
        [(-1.2, 0.3)],
    ),
    Op(
        "total",
        lambda a, b, c: total([a, b, 3.0, c]),
        lambda a, b, c: a + b + 3.0 + c,
        [(0.5, -1.5, 2.0)],
    ),
    Op("total with repeats", lambda a, b: total([a, a, b]), lambda a, b: 2 * a + b, [(0.5, -1.5)]),
    # a few compositions, so second derivatives meet more than one rule
    Op(
        "tanh(x*y)+exp(y)",
        lambda x, y: (x * y).tanh() + y.exp(),
        lambda x, y: math.tanh(x * y) + math.exp(y),
        [(0.3, -1.2)],
    ),
    Op(
        "sigmoid(x)/(1+x*x)",
        lambda x: x.sigmoid() / (1 + x * x),
        lambda x: _sigmoid(x) / (1 + x * x),
        [(0.8,), (-2.1,)],
    ),
    Op(
        "log(x)*sin(y)**2",
        lambda x, y: x.log() * y.sin() ** 2,
        lambda x, y: math.log(x) * math.sin(y) ** 2,
        [(1.7, 0.6)],
    ),
]

CASES = [pytest.param(op, point, id=f"{op.name}@{point}") for op in OPS for point in op.points]


def _second(f: Callable[..., Value], i: int) -> Callable[..., Value]:
    """xs -> d f / d xs[i], as a Value that can be differentiated again."""

    def df(*xs: Value) -> Value:
        return grad(f(*xs), xs, create_graph=True)[i]

    return df


@pytest.mark.parametrize("op, point", CASES)
def test_forward_value_matches_math(op: Op, point: Sequence[float]) -> None:
    out = op.f(*[Value(x) for x in point])
    assert isinstance(out, Value)
    assert out.data == pytest.approx(op.reference(*point), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("op, point", CASES)
def test_first_derivatives(op: Op, point: Sequence[float]) -> None:
    assert gradcheck(op.f, point)


@pytest.mark.parametrize("op, point", CASES)
def test_second_derivatives(op: Op, point: Sequence[float]) -> None:
    for i in range(len(point)):
        assert gradcheck(_second(op.f, i), point)


@pytest.mark.parametrize("op, point", CASES)
def test_backward_agrees_with_grad(op: Op, point: Sequence[float]) -> None:
    """`.backward()` on fresh leaves and `grad()` run the same rules; they must agree exactly."""
    xs = [Value(x) for x in point]
    expected = grad(op.f(*xs), xs)
    op.f(*xs).backward()
    assert [x.grad for x in xs] == expected


def _one_node(op: Op, point: Sequence[float]) -> bool:
    xs = [Value(x) for x in point]
    out = op.f(*xs)
    return not out.is_leaf() and all(p in xs for p in out.parents)


ONE_NODE_CASES = [c for c in CASES if _one_node(*c.values)]


@pytest.mark.parametrize("op, point", ONE_NODE_CASES)
def test_local_derivatives_match_grad_for_one_node(op: Op, point: Sequence[float]) -> None:
    """For a node made directly from the leaves, local_derivatives() is its gradient."""
    xs = [Value(x) for x in point]
    out = op.f(*xs)
    expected = grad(out, list(out.parents))
    # grad() sums the contributions of a repeated parent; local_derivatives() lists each one
    local = out.local_derivatives()
    assert len(local) == len(out.parents)
    for p, d in zip(out.parents, expected):
        summed = sum(ld for q, ld in zip(out.parents, local) if q is p)
        assert summed == pytest.approx(d, rel=1e-12, abs=1e-15)


def test_the_table_covers_every_rule() -> None:
    """Adding a rule to the engine without a row that uses it fails this test."""
    seen = set()
    for op in OPS:
        for point in op.points:
            seen.update(v.rule for v in topological_order(op.f(*[Value(x) for x in point])))
    every = [*RULES.values(), *NEURON_RULES.values()]
    missing = [f"{rule.name} ({rule.symbol})" for rule in every if rule not in seen]
    assert not missing


@pytest.mark.parametrize("slope", [-0.3, -1.0, -2.5, 0.0, 0.2, 1.7])
def test_leaky_relu_of_any_slope_has_the_derivative_of_its_input_side(slope: float) -> None:
    """d leaky_relu / dx is 1 where x > 0 and the slope elsewhere, whatever the slope's sign. It was
    written on the output's side (out > 0), which a negative slope makes positive where x < 0:
    the gradient at x = -1.5 came out 1, not -0.3, in backward, forward mode and the programs."""
    from autograd_mini import func
    from autograd_mini.tape import trace

    for x0 in (-1.5, -0.2, 0.7, 3.0):
        x = Value(x0)
        x.leaky_relu(slope).backward()
        want = 1.0 if x0 > 0 else slope
        assert x.grad == want
        assert func.jvp(lambda v: v.leaky_relu(slope), (x0,), (1.0,))[1] == want
    assert gradcheck(lambda a: a.leaky_relu(slope) * a.leaky_relu(slope), [-1.5])
    needs.c_compiler()
    for x0 in (-1.5, 0.7):
        w = Value(x0, label="w")
        for backend in ("python", "c"):
            w.grad = 0.0
            trace(lambda w=w: (w * 1.0).leaky_relu(slope), backend=backend)()
            assert w.grad == (1.0 if x0 > 0 else slope)
