"""The engine's behaviour: exact gradients, graph bookkeeping, higher derivatives, and bad input."""

from __future__ import annotations

import gc
import math
import random
import sys
import time
import weakref
from typing import Callable, Iterator, List, Optional, Tuple

import pytest

from autograd_mini import (
    GradcheckError,
    Value,
    dot,
    grad,
    gradcheck,
    is_grad_enabled,
    linear,
    linear_batch,
    no_grad,
    topological_order,
    total,
)

# ---- exact, hand-derived gradients ----


def test_value_basics() -> None:
    x = Value(3, label="x")
    assert x.data == 3.0 and type(x.data) is float
    assert x.grad == 0.0 and x.label == "x"
    assert x.is_leaf() and x.op == "" and x.parents == () and x.local_derivatives() == ()
    assert "3" in repr(x) and "grad=0" in repr(x) and "'x'" in repr(x)


def test_hand_derived_polynomial() -> None:
    # f = a*b + b**2 - 4/a at a=2, b=-3: df/da = b + 4/a**2 = -2, df/db = a + 2b = -4
    a, b = Value(2.0), Value(-3.0)
    f = a * b + b**2 - 4 / a
    assert f.data == -6.0 + 9.0 - 2.0
    f.backward()
    assert a.grad == -2.0
    assert b.grad == -4.0


def test_hand_derived_neuron() -> None:
    # y = tanh(w1*x1 + w2*x2 + b); dy/dw1 = (1 - y**2) * x1
    w1, w2, b = Value(0.5), Value(-1.0), Value(0.25)
    y = dot([w1, w2], [2.0, 0.5], b).tanh()
    z = 0.5 * 2.0 - 1.0 * 0.5 + 0.25
    assert y.data == pytest.approx(math.tanh(z), rel=1e-15)
    y.backward()
    d = 1 - math.tanh(z) ** 2
    assert w1.grad == pytest.approx(d * 2.0, rel=1e-14)
    assert w2.grad == pytest.approx(d * 0.5, rel=1e-14)
    assert b.grad == pytest.approx(d, rel=1e-14)


def test_hand_derived_unary_ops() -> None:
    x = Value(0.5)
    cases: List[tuple] = [
        (lambda v: v.exp(), math.exp(0.5)),
        (lambda v: v.log(), 2.0),
        (lambda v: v.sqrt(), 0.5 / math.sqrt(0.5)),
        (lambda v: v.sin(), math.cos(0.5)),
        (lambda v: v.cos(), -math.sin(0.5)),
        (lambda v: v.relu(), 1.0),
        (lambda v: (-v).relu(), 0.0),
        (lambda v: abs(-v), 1.0),
        (lambda v: 2**v, math.log(2.0) * 2**0.5),
        (lambda v: v**-1, -4.0),
    ]
    for f, expected in cases:
        (d,) = grad(f(x), [x])
        assert d == pytest.approx(expected, rel=1e-14)


def test_kinks_take_the_zero_subgradient() -> None:
    x = Value(0.0)
    assert grad(x.relu(), [x]) == [0.0]
    assert grad(abs(x), [x]) == [0.0]


def test_backward_with_a_seed_gradient() -> None:
    x = Value(3.0)
    (x * x).backward(0.5)
    assert x.grad == 3.0


# ---- the graph: parents, shared subexpressions, repeated backward ----


def test_parents_are_ordered_and_keep_duplicates() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a * a).parents == (a, a)
    assert (a + a).parents == (a, a)
    assert (b - a).parents == (b, a)
    assert (a * 3).parents == (a,)  # a plain number is a constant, not a parent
    assert (a * 3).op == "*" and (a + b).op == "+"


def test_shared_subexpressions() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    a.grad = 0.0
    (a + a).backward()
    assert a.grad == 2.0
    # c = a*b is used twice: d = c*c + c, dd/da = (2c + 1) * b
    a, b = Value(2.0), Value(-1.5)
    c = a * b
    d = c * c + c
    d.backward()
    assert a.grad == (2 * c.data + 1) * b.data
    assert b.grad == (2 * c.data + 1) * a.data
    assert c.grad == 2 * c.data + 1


def test_repeated_backward_accumulates_on_leaves_only() -> None:
    a = Value(3.0)
    sq = a * a
    c = sq * 3
    c.backward()
    assert a.grad == 18.0 and sq.grad == 3.0 and c.grad == 1.0
    c.backward()
    assert a.grad == 36.0  # leaves accumulate
    assert sq.grad == 3.0 and c.grad == 1.0  # interior nodes hold the latest pass only


def test_backward_from_an_interior_node_does_not_see_an_old_pass() -> None:
    a = Value(2.0)
    b = a * a
    c = b * 5
    c.backward()
    assert b.grad == 5.0
    b.backward()  # b's own gradient restarts at 1, not 5 + 1
    assert b.grad == 1.0
    assert a.grad == 20.0 + 4.0


def test_backward_on_a_leaf() -> None:
    x = Value(1.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0


def test_deep_chain_without_recursion() -> None:
    """A 100,000-deep chain (100 times the default recursion limit): built, differentiated and freed
    with the recursion limit untouched."""
    limit = sys.getrecursionlimit()
    n = 100_000
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.000001
    y.backward()
    assert sys.getrecursionlimit() == limit
    # dy/dx is 1.000001**n; n roundings in the product keep well within 1e-8
    assert x.grad == pytest.approx(1.000001**n, rel=1e-8)
    assert y.data == pytest.approx(1.000001**n, rel=1e-8)
    assert len(topological_order(y)) == n + 1
    del y  # freeing the chain must not recurse either
    assert sys.getrecursionlimit() == limit
    assert time.perf_counter() - start < 60  # generous: the point is that it finishes


def _weak_graph(root: Value) -> List[weakref.ref]:
    return [weakref.ref(v) for v in topological_order(root)]


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.usefixtures("no_cyclic_gc")
def test_dropped_graph_is_freed_by_reference_counting() -> None:
    x, w = Value(0.5), Value(-2.0)
    y = dot([w, w], [x, 1.5], x).tanh() * x + total([x, w, 2.0]) ** 2 / (x.exp() + 1)
    y.backward()
    refs = _weak_graph(y)
    assert len(refs) > 8
    del y
    assert {id(r()) for r in refs if r() is not None} == {id(x), id(w)}  # only the leaves we hold
    del x, w
    assert all(r() is None for r in refs)


@pytest.mark.usefixtures("no_cyclic_gc")
def test_higher_order_graph_is_freed_by_reference_counting() -> None:
    x = Value(0.7)
    y = (x * x).sin()
    (dy,) = grad(y, [x], create_graph=True)
    (d2y,) = grad(dy, [x], create_graph=True)
    refs = _weak_graph(d2y) + _weak_graph(y)
    del x, y, dy, d2y
    assert all(r() is None for r in refs)


def _build(x: Value, y: Value) -> Value:
    a = x * y
    b = a.tanh() + x
    return total([b * a, (b - y).exp(), dot([a, b], [x, y], a)])


def test_topological_order_is_deterministic_and_inputs_come_first() -> None:
    orders = []
    for _ in range(2):
        x, y = Value(0.3, label="x"), Value(-0.8, label="y")
        order = topological_order(_build(x, y))
        position = {v: i for i, v in enumerate(order)}
        assert len(position) == len(order)  # each node once
        for v in order:
            assert all(position[p] < position[v] for p in v.parents)
        assert order[-1].op == "sum"
        orders.append([(v.op, v.data, v.label, [position[p] for p in v.parents]) for v in order])
    assert orders[0] == orders[1]


def test_topological_order_visits_parents_in_recorded_order() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    assert [v.label for v in topological_order(a + b)[:2]] == ["a", "b"]
    assert [v.label for v in topological_order(b + a)[:2]] == ["b", "a"]


# ---- no_grad and detach ----


def test_no_grad_makes_leaves_and_restores() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3).exp() + x
        assert y.is_leaf() and y.parents == ()
        assert y.data == pytest.approx(math.exp(6.0) + 2.0)
    assert is_grad_enabled()
    assert not (x * 3).is_leaf()


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_nests() -> None:
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()  # the inner block must not switch it back on
        assert (Value(1.0) * 2).is_leaf()
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator() -> None:
    @no_grad()
    def double(v: Value) -> Value:
        return v * 2

    assert double(Value(1.5)).is_leaf()
    assert is_grad_enabled()


def test_create_graph_records_even_under_no_grad() -> None:
    x = Value(2.0)
    y = x**3  # recorded outside the block
    with no_grad():
        (dy,) = grad(y, [x], create_graph=True)  # an explicit request for a graph wins
    assert dy.data == 12.0 and not dy.is_leaf()
    assert grad(dy, [x]) == [12.0]  # d²(x³)/dx² = 6x
    assert is_grad_enabled()


def test_detach_cuts_the_graph() -> None:
    x = Value(3.0, label="x")
    d = (x * x).detach()
    assert d.is_leaf() and d.data == 9.0
    y = d * x
    y.backward()
    assert x.grad == 9.0  # d counts as a constant
    assert d.grad == 3.0


# ---- grad() and higher derivatives ----


def test_grad_leaves_dot_grad_untouched() -> None:
    x, y, unused = Value(2.0), Value(5.0), Value(7.0)
    for v in (x, y, unused):
        v.grad = 0.125
    mid = x * y
    mid.grad = -1.0
    out = mid + x
    gx, gy, gu = grad(out, [x, y, unused])
    assert (gx, gy, gu) == (6.0, 2.0, 0.0)
    assert all(type(g) is float for g in (gx, gy, gu))
    assert x.grad == y.grad == unused.grad == 0.125 and mid.grad == -1.0 and out.grad == 0.0


def test_grad_with_create_graph_gives_values() -> None:
    x, unused = Value(2.0), Value(1.0)
    gx, gu = grad(x**3, [x, unused], create_graph=True)
    assert type(gx) is Value and gx.data == 12.0 and not gx.is_leaf()
    assert type(gu) is Value and gu.data == 0.0
    assert x.grad == 0.0


def test_grad_accepts_any_iterable_of_inputs() -> None:
    x, y = Value(2.0), Value(3.0)
    assert grad(x * y, (v for v in (x, y))) == [3.0, 2.0]


def test_grad_of_an_input_with_respect_to_itself() -> None:
    x = Value(2.0)
    assert grad(x, [x]) == [1.0]
    (g,) = grad(x, [x], create_graph=True)
    assert g.data == 1.0


@pytest.mark.parametrize("x0", [-1.5, 0.5, 2.0])
def test_third_derivative_of_x_to_the_fourth(x0: float) -> None:
    x = Value(x0)
    y = x**4
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    assert d1.data == pytest.approx(4 * x0**3, rel=1e-14)
    assert d2.data == pytest.approx(12 * x0**2, rel=1e-14)
    assert d3.data == pytest.approx(24 * x0, rel=1e-14)
    assert grad(d3, [x]) == [pytest.approx(24.0, rel=1e-14)]
    # the same through x*x*x*x, a product of shared nodes
    (e1,) = grad(x * x * x * x, [x], create_graph=True)
    (e2,) = grad(e1, [x], create_graph=True)
    (e3,) = grad(e2, [x], create_graph=True)
    assert e3.data == pytest.approx(24 * x0, rel=1e-14)


@pytest.mark.parametrize("x0", [-2.0, -0.3, 0.0, 1.1])
def test_second_derivative_of_tanh(x0: float) -> None:
    x = Value(x0)
    (d1,) = grad(x.tanh(), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    t = math.tanh(x0)
    assert d1.data == pytest.approx(1 - t * t, rel=1e-14)
    assert d2 == pytest.approx(-2 * t * (1 - t * t), rel=1e-13, abs=1e-15)


def test_mixed_second_derivative() -> None:
    # f = x**2 * y**3 + sin(x*y): d2f/dxdy = 6 x y**2 + cos(xy) - xy sin(xy), in either order
    x0, y0 = 0.7, -1.3
    x, y = Value(x0), Value(y0)
    f = x**2 * y**3 + (x * y).sin()
    fx, fy = grad(f, [x, y], create_graph=True)
    fxx, fxy = grad(fx, [x, y])
    fyx, fyy = grad(fy, [x, y])
    p = x0 * y0
    assert fxy == pytest.approx(6 * x0 * y0**2 + math.cos(p) - p * math.sin(p), rel=1e-13)
    assert fyx == pytest.approx(fxy, rel=1e-13)
    assert fxx == pytest.approx(2 * y0**3 - y0**2 * math.sin(p), rel=1e-13)
    assert fyy == pytest.approx(6 * x0**2 * y0 - x0**2 * math.sin(p), rel=1e-13)


def test_gradient_of_a_gradient_can_use_backward() -> None:
    x = Value(1.5)
    (d1,) = grad(x.exp() * x, [x], create_graph=True)  # (1 + x) e^x
    d1.backward()  # d2 = (2 + x) e^x lands in x.grad
    assert x.grad == pytest.approx(3.5 * math.exp(1.5), rel=1e-14)


# ---- gradcheck ----


def test_gradcheck_passes_a_right_function() -> None:
    assert gradcheck(lambda x, y: (x * y).sin() / (1 + y * y), [0.4, Value(-2.0)]) is True


def test_gradcheck_names_the_input_of_a_wrong_function() -> None:
    # y enters through a detached copy, so the engine's d/dy misses that term
    def wrong(x: Value, y: Value) -> Value:
        return x * y.detach() + y

    assert issubclass(GradcheckError, ValueError)
    with pytest.raises(GradcheckError, match=r"input 1 \(x=-2\.0\).*differ by 0\.4"):
        gradcheck(wrong, [0.4, -2.0])
    # the first input is right, so a function wrong only in its second passes for the first
    assert gradcheck(lambda x: wrong(x, Value(-2.0)), [0.4])


def test_gradcheck_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="gradcheck.*callable"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gradcheck.*str 'a'"):
        gradcheck(lambda x: x, ["a"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="gradcheck.*return a Value.*float"):
        gradcheck(lambda x: 1.0, [1.0])  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="gradcheck: eps.*0"):
        gradcheck(lambda x: x * x, [1.0], eps=0.0)
    with pytest.raises(ValueError, match="gradcheck: atol and rtol.*-1"):
        gradcheck(lambda x: x * x, [1.0], atol=-1.0)


# ---- bad input ----


@pytest.mark.parametrize(
    "data, what",
    [
        ("1", "str '1'"),
        (None, "NoneType None"),
        ([1], r"list \[1\]"),
        ({}, r"dict \{\}"),
        (1j, "complex 1j"),
        (True, "bool True"),
        (Value(1.0), "Value"),
    ],
)
def test_value_rejects_what_is_not_a_real_number(data: object, what: str) -> None:
    with pytest.raises(TypeError, match=f"Value: .*{what}"):
        Value(data)  # type: ignore[arg-type]


def test_value_rejects_a_label_that_is_not_a_str() -> None:
    with pytest.raises(TypeError, match="label.*int 3"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_value_accepts_any_real() -> None:
    from fractions import Fraction

    assert Value(Fraction(1, 4)).data == 0.25
    assert Value(-7).data == -7.0


def test_int_too_large_for_a_float() -> None:
    with pytest.raises(OverflowError, match="Value"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"\+"):
        Value(1.0) + 10**400


BAD_OPERANDS: List[tuple] = [
    (lambda x: x + "a", r"\+.*str 'a'"),
    (lambda x: "a" + x, r"\+.*str 'a'"),
    (lambda x: x - "a", r"-.*str 'a'"),
    (lambda x: "a" - x, r"-.*str 'a'"),
    (lambda x: x * "a", r"\*.*str 'a'"),
    (lambda x: "a" * x, r"\*.*str 'a'"),
    (lambda x: x / "a", r"/.*str 'a'"),
    (lambda x: "a" / x, r"/.*str 'a'"),
    (lambda x: x ** None, r"\*\*.*NoneType None"),
    (lambda x: None ** x, r"\*\*.*NoneType None"),
    (lambda x: x * [2], r"\*.*list \[2\]"),
    (lambda x: x + True, r"\+.*bool True"),
    (lambda x: x + 1j, r"\+.*complex 1j"),
    (lambda x: x < "a", r"<.*str 'a'"),
    (lambda x: x >= None, r">=.*NoneType None"),
    (lambda x: dot([x], ["a"], x), r"dot.*str 'a'"),
    (lambda x: dot([1.0], [x], x), r"dot: weights.*float 1\.0"),
    (lambda x: dot([x], [x], 0.5), r"dot: bias.*float 0\.5"),
    (lambda x: total([x, "a"]), r"total.*str 'a'"),
    (lambda x: x.backward("a"), r"backward.*str 'a'"),
    (lambda x: x.backward(Value(1.0)), r"backward.*Value"),
    (lambda x: grad(1.0, [x]), r"grad: output.*float 1\.0"),
    (lambda x: grad(x, [x, 2.0]), r"grad: inputs.*float 2\.0"),
]


@pytest.mark.parametrize("f, message", BAD_OPERANDS)
def test_bad_operands_raise_type_error(f: Callable[[Value], object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        f(Value(2.0))


BAD_VALUES: List[tuple] = [
    (lambda: Value(0.0).log(), ValueError, r"log.*0\.0"),
    (lambda: Value(-1.0).log(), ValueError, r"log.*-1\.0"),
    (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt.*-1\.0"),
    (lambda: Value(3.0) / 0, ZeroDivisionError, r"/.*3\.0.*0"),
    (lambda: Value(3.0) / 0.0, ZeroDivisionError, r"/.*3\.0.*0"),
    (lambda: Value(3.0) / Value(0.0), ZeroDivisionError, r"/.*3\.0.*0\.0"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, r"/.*1\.0.*0\.0"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, r"\*\*.*0\.0.*-1"),
    (lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, r"\*\*.*0\.0.*-2"),
    (lambda: Value(-8.0) ** 0.5, ValueError, r"\*\*.*-8\.0.*0\.5"),
    (lambda: Value(-8.0) ** (1 / 3), ValueError, r"\*\*.*-8\.0"),
    (lambda: Value(-2.0) ** Value(2.0), ValueError, r"\*\*.*-2\.0"),
    (lambda: (-2) ** Value(2.0), ValueError, r"\*\*.*-2"),
    (lambda: Value(800.0).exp(), OverflowError, r"exp.*800\.0"),
    (lambda: Value(10.0) ** 400, OverflowError, r"\*\*.*10\.0.*400"),
    (lambda: 10 ** Value(400.0), OverflowError, r"\*\*.*10\.0.*400"),
    (lambda: dot([Value(1.0)], [], Value(0.0)), ValueError, r"dot: 1 weights but 0 inputs"),
    (lambda: total([1.0, 2.0]), ValueError, r"total.*Value"),
]


@pytest.mark.parametrize("f, error, message", BAD_VALUES)
def test_out_of_domain_values_raise(f: Callable[[], object], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        f()


def test_negative_base_with_a_whole_exponent_is_fine() -> None:
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0


# ---- large inputs stay finite and accurate ----


@pytest.mark.parametrize("x0", [-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])
def test_sigmoid_is_finite_and_accurate(x0: float) -> None:
    x = Value(x0)
    y = x.sigmoid()
    y.backward()
    # exact: s = 1 / (1 + e^-x), s' = e^-|x| / (1 + e^-|x|)**2 (written so nothing overflows)
    e = math.exp(-abs(x0))
    expected = 1 / (1 + e) if x0 >= 0 else e / (1 + e)
    assert y.data == pytest.approx(expected, rel=1e-15, abs=0)
    assert x.grad == pytest.approx(e / (1 + e) ** 2, rel=1e-14, abs=0)


@pytest.mark.parametrize("x0", [-800.0, -20.0, -1.0, 0.0, 1.0, 20.0, 800.0])
def test_tanh_is_finite_and_accurate(x0: float) -> None:
    x = Value(x0)
    y = x.tanh()
    y.backward()
    assert y.data == math.tanh(x0) and abs(y.data) <= 1.0
    # 1 - tanh^2 = 4 / (e^|x| + e^-|x|)^2 = 4 e^-2|x| / (1 + e^-2|x|)^2, tiny but finite
    e2 = math.exp(-2 * abs(x0))
    assert math.isfinite(x.grad)
    assert x.grad == pytest.approx(4 * e2 / (1 + e2) ** 2, rel=1e-12, abs=1e-16)


def test_exp_near_the_float_limit() -> None:
    x = Value(700.0)
    y = x.exp()
    y.backward()
    assert y.data == math.exp(700.0) and x.grad == math.exp(700.0)
    assert Value(-800.0).exp().data == 0.0


# ---- a failed backward changes nothing ----


def test_failed_backward_leaves_every_grad_as_it_was() -> None:
    x, a = Value(0.0, label="x"), Value(3.0, label="a")
    sq = x.sqrt()  # d sqrt / dx is infinite at 0
    y = ((a * a) + sq * a).tanh()
    y.backward(0.0)  # a zero seed stops before any rule runs, so this pass succeeds
    nodes = topological_order(y)
    for i, v in enumerate(nodes):
        v.grad = 0.5 + i  # distinct, so a half-applied pass would show
    before = [v.grad for v in nodes]
    with pytest.raises(ZeroDivisionError, match=r"backward.*sqrt\(0\.0\)"):
        y.backward()
    assert [v.grad for v in nodes] == before
    # and the graph still works once the bad part is gone
    z = (a * a).tanh()
    z.backward()
    assert a.grad == pytest.approx(before[nodes.index(a)] + 6 * (1 - math.tanh(9.0) ** 2))


def test_failed_backward_through_a_power() -> None:
    x = Value(0.0)
    x.grad = 4.0
    y = x**0.5 + x
    with pytest.raises(ZeroDivisionError, match=r"backward.*\*\*"):
        y.backward()
    assert x.grad == 4.0 and y.grad == 0.0


def test_zero_to_the_zero_has_a_finite_gradient() -> None:
    # d/da a**b at a = 0, b = 0 is 0 (the limit along a), as in PyTorch; d/db is 0 as well
    a, b = Value(0.0), Value(0.0)
    y = a**b
    assert y.data == 1.0
    y.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_any_exception_in_a_rule_rolls_back() -> None:
    """Not only arithmetic: whatever a rule raises, the pass is undone and the error re-raised."""
    from autograd_mini.engine import Rule, record

    def broken(g: float, out: float, const: object, a: float) -> tuple:
        raise RuntimeError("broken rule")

    x = Value(2.0)
    x.grad = 1.25
    y = record(5.0, (x,), Rule("broken", "?", broken)) * 3 + x * x  # x * x runs first in the backward pass
    with pytest.raises(RuntimeError, match="^broken rule$"):
        y.backward()
    assert x.grad == 1.25 and y.grad == 0.0


# ---- linear and linear_batch: Z = W·A + B, one observation or a batch ----


def _layer(n: int, m: int, seed: int) -> Tuple[List[List[Value]], List[Value]]:
    rng = random.Random(seed)
    W = [[Value(rng.uniform(-1, 1)) for _ in range(m)] for _ in range(n)]
    return W, [Value(rng.uniform(-1, 1)) for _ in range(n)]


@pytest.mark.parametrize("inputs", ["numbers", "values", "mixed"])
def test_linear_batch_is_linear_on_each_observation(inputs: str) -> None:
    W, B = _layer(3, 2, seed=1)
    rows = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5], [0.0, 3]]
    if inputs == "values":
        rows = [[Value(x) for x in row] for row in rows]  # type: ignore[misc]
    elif inputs == "mixed":
        rows = [[Value(row[0]), row[1]] for row in rows]  # type: ignore[misc]
    batch = linear_batch(W, rows, B)
    assert len(batch) == len(rows) and all(len(zs) == 3 for zs in batch)
    one_by_one = [linear(W, row, B) for row in rows]
    for zs, expected in zip(batch, one_by_one):
        assert [z.data for z in zs] == [z.data for z in expected]
    # and the gradients: every weight sums one term per observation, dW = dZ·Aᵀ
    total([z * (j + 1) for zs in batch for j, z in enumerate(zs)]).backward()
    data = [[x.data if isinstance(x, Value) else x for x in row] for row in rows]
    for j in range(3):
        for k in range(2):
            assert W[j][k].grad == pytest.approx((j + 1) * sum(row[k] for row in data), rel=1e-14)
        assert B[j].grad == pytest.approx((j + 1) * len(rows), rel=1e-14)


LINEAR_ERRORS = [
    (lambda W, B: linear_batch(W, [[1.0, 2.0], [1]], B), ValueError, r"linear_batch: 2 weights but 1 input"),
    (lambda W, B: linear_batch(W, [[1.0, 2.0], 3.0], B), TypeError, r"linear_batch: an obs.*float 3\.0"),
    (lambda W, B: linear_batch(W, [[1.0, "x"]], B), TypeError, r"linear_batch.*'x'"),
    (lambda W, B: linear_batch(W[:2], [[1.0, 2.0]], B), ValueError, r"linear_batch: 2 rows.* but 3 biases"),
    (lambda W, B: linear_batch([W[0], W[1][:1], W[2]], [[1, 2]], B), ValueError, r"lengths \[2, 1, 2\]"),
    (lambda W, B: linear_batch([W[0], [1.0, W[1][1]], W[2]], [[1, 2]], B), TypeError, r"weights.*float 1\.0"),
    (lambda W, B: linear(W, [1.0, 2.0], [B[0], 0.5, B[2]]), TypeError, r"linear: bias.*float 0\.5"),
    (lambda W, B: linear(W, [1.0, 2.0, 3.0], B), ValueError, r"linear: 2 weights but 3 inputs"),
]


@pytest.mark.parametrize("f, error, message", LINEAR_ERRORS)
def test_linear_errors_name_the_problem(f: Callable[..., object], error: type, message: str) -> None:
    W, B = _layer(3, 2, seed=2)
    with pytest.raises(error, match=message):
        f(W, B)


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid"])
def test_backward_applies_the_neuron_rules_exactly_as_grad_does(activation: Optional[str]) -> None:
    # backward() applies a neuron node's rule in place, in one walk over its inputs; grad() calls
    # the rule itself. Both must give the same numbers, with shared inputs and neurons that are off.
    W, B = _layer(4, 3, seed=2)
    x = [Value(0.7), Value(-1.3), W[0][0]]  # a weight that is also an input
    hidden = linear(W, x, B, activation)
    second = [[W[1][2], W[2][1], W[3][0], B[0]]]  # 4 inputs: a batch of the hidden layer and numbers
    out = linear_batch(second, [hidden, [1.5, -0.5, 2.0, 0.25]], [B[1]], activation)
    y = total([out[0][0] * 1.7, out[1][0].tanh()])
    if activation == "relu":  # two hidden neurons are off, the two outputs are on
        assert [a.data == 0.0 for a in hidden + out[0] + out[1]] == [True, True, False, False, False, False]
    leaves = [v for v in topological_order(y) if v.is_leaf()]
    expected = grad(y, leaves)
    y.backward()
    assert [v.grad for v in leaves] == pytest.approx(expected, rel=1e-15, abs=1e-300)
