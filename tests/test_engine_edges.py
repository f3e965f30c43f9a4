"""The engine at its edges: threads, zero upstream gradients, NaN, overflow, detect_anomaly."""

from __future__ import annotations

import math
import random
import threading
from typing import Callable, List

import pytest

from autograd_mini import (
    DetachedNumberWarning,
    Value,
    detect_anomaly,
    explain,
    grad,
    is_grad_enabled,
    linear,
    no_grad,
    total,
)
from autograd_mini.engine import topological_order

# ---- grad mode belongs to a thread ----


def test_no_grad_in_one_thread_does_not_stop_another_from_recording() -> None:
    inside, other_recorded = threading.Event(), []
    release = threading.Event()

    def quiet() -> None:
        with no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(5)

    def loud() -> None:
        other_recorded.append(not (Value(1.0) * 2).is_leaf())

    u = threading.Thread(target=loud)
    u.start()
    u.join(5)
    assert not (Value(1.0) * 2).is_leaf()  # this thread records too
    release.set()
    t.join(5)
    assert other_recorded == [True]


def test_interleaved_no_grad_blocks_in_two_threads_leave_grad_mode_on() -> None:
    # A enters, B enters, A exits, B exits: a process-wide flag ended up False for good
    steps = [threading.Event() for _ in range(4)]

    def a() -> None:
        with no_grad():
            steps[0].set()
            steps[1].wait(5)
        steps[2].set()

    def b() -> None:
        steps[0].wait(5)
        with no_grad():
            steps[1].set()
            steps[2].wait(5)
        steps[3].set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert all(s.is_set() for s in steps)
    assert is_grad_enabled()
    assert not (Value(2.0) * 3).is_leaf()


def test_a_no_grad_object_can_be_entered_again_and_nested() -> None:
    block = no_grad()
    with block:
        assert (Value(1.0) + 1).is_leaf()
    with block:
        with block:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled() and not (Value(1.0) + 1).is_leaf()


def test_no_grad_decorates_a_plain_function() -> None:
    @no_grad()
    def double(v: Value) -> Value:
        return v * 2

    assert double(Value(1.5)).is_leaf() and double.__name__ == "double"
    assert is_grad_enabled()


# ---- one rule for backward, grad, create_graph and explain ----


def _four_ways(y: Value, leaves: List[Value]) -> List[List[float]]:
    for v in leaves:
        v.grad = 0.0
    y.backward()
    by_backward = [v.grad for v in leaves]
    by_grad = grad(y, leaves)
    by_graph = [g.data for g in grad(y, leaves, create_graph=True)]
    table = explain(y)
    by_explain = [table.grad(v) for v in leaves]
    return [by_backward, by_grad, by_graph, by_explain]


def test_a_zero_upstream_gradient_sends_nothing_in_all_four_passes() -> None:
    x = Value(0.0)
    y = x.sqrt() * 0.0  # sqrt'(0) is infinite, but nothing flows back through it
    assert _four_ways(y, [x]) == [[0.0]] * 4
    z = Value(0.0)
    w = (z.sqrt() - 1.0).relu()  # an off relu in front of sqrt(0)
    assert _four_ways(w, [z]) == [[0.0]] * 4


def test_create_graph_keeps_the_path_through_a_zero_valued_gradient() -> None:
    x = Value(0.0)
    y = x**4  # y'''' = 24, though y', y'' and y''' are 0 at x = 0
    d = y
    for _ in range(4):
        d = grad(d, x, create_graph=True)
    assert d.data == 24.0


def _random_graph(rng: random.Random) -> tuple:
    leaves = [Value(rng.choice([0.0, rng.uniform(-2, 2)]), label=f"x{i}") for i in range(3)]
    nodes = list(leaves)
    for _ in range(12):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(9)
        if kind == 0:
            v = a + b
        elif kind == 1:
            v = a * b
        elif kind == 2:
            v = a * 0.0
        elif kind == 3:
            v = a.relu()
        elif kind == 4:
            v = abs(a).sqrt() if abs(a).data > 0 or rng.random() < 0.5 else a.tanh()
        elif kind == 5:
            v = a - b
        elif kind == 6:
            v = linear([[a, b]], [1.5, -0.5], [Value(0.1)], rng.choice([None, "relu", "tanh", "sigmoid"]))[0]
        elif kind == 7:
            v = total([a, b, 2.0])
        else:
            v = a.sigmoid()
        nodes.append(v)
    return total(nodes[3:]), leaves


@pytest.mark.parametrize("seed", range(40))
def test_backward_grad_create_graph_and_explain_agree_on_random_graphs(seed: int) -> None:
    y, leaves = _random_graph(random.Random(seed))
    try:
        ways = _four_ways(y, leaves)
    except ZeroDivisionError:  # sqrt'(0) reached with a non-zero upstream: every way must say so
        for f in (lambda: grad(y, leaves), lambda: explain(y), lambda: grad(y, leaves, create_graph=True)):
            with pytest.raises(ZeroDivisionError, match="the local derivative of sqrt"):
                f()
        return
    for other in ways[1:]:
        assert other == pytest.approx(ways[0], rel=1e-12, abs=1e-300)


# ---- errors name the op, the same way everywhere ----


def test_explain_and_grad_say_what_failed_as_backward_does() -> None:
    messages = []
    for run in (lambda y: y.backward(), lambda y: grad(y, y.parents[0]), lambda y: explain(y)):
        with pytest.raises(ZeroDivisionError) as info:
            run(Value(0.0).sqrt())
        messages.append(str(info.value).split(": ", 1)[1])
    assert messages == ["the local derivative of sqrt(0.0) is infinite (division by zero)"] * 3


# ---- NaN in, NaN out ----

UNARY: List[Callable[[Value], Value]] = [
    Value.relu, Value.tanh, Value.sigmoid, Value.exp, Value.log, Value.sqrt, Value.sin, Value.cos, abs,
    lambda v: -v, lambda v: v * 2, lambda v: v + 1, lambda v: v**2, lambda v: 2**v, lambda v: 1 / v,
    lambda v: v / 3, lambda v: linear([[Value(1.0)]], [v], [Value(0.0)], "relu")[0],
    lambda v: linear([[v]], [1.0], [Value(0.0)], "tanh")[0], lambda v: total([v, 1.0]),
]


@pytest.mark.parametrize("f", UNARY)
def test_nan_in_gives_nan_out(f: Callable[[Value], Value]) -> None:
    x = Value(float("nan"))
    y = f(x)
    assert math.isnan(y.data)
    y.backward()  # NaN flows back where the derivative reads it; nothing raises outside detect_anomaly
    with detect_anomaly(), pytest.raises(ValueError, match="gives nan"):
        f(x)


def test_relu_of_nan_is_nan_as_in_pytorch() -> None:
    assert math.isnan(Value(float("nan")).relu().data)
    assert Value(-0.0).relu().data == 0.0 and Value(-3.0).relu().data == 0.0


# ---- finite numbers in: finite numbers out, or an error ----


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda: Value(1e308) * 10, r"\*: 1e\+308 \* 10\.0 is too large for a float"),
        (lambda: Value(1e308) + Value(1e308), r"\+: 1e\+308 \+ 1e\+308 is too large"),
        (lambda: Value(1e308) ** 2, r"\*\*: 1e\+308 \*\* 2\.0 is too large"),
        (lambda: Value(710.0).exp(), r"exp: exp\(710\.0\) is too large"),
        (lambda: total([Value(1e308), Value(1e308)]), r"sum: sum of 2 inputs is too large"),
        (lambda: linear([[Value(1e308)]], [10.0], [Value(0.0)])[0], r"w·x\+b of 1 input is too large"),
        (lambda: linear([[Value(1e308)] * 3], [Value(10.0)] * 3, [Value(0.0)])[0],
         r"w·x\+b of 3 inputs is too large"),  # (its parents: 3 weights, 3 inputs and the bias)
    ],
)
def test_overflow_from_finite_numbers_raises_naming_the_op(f: Callable[[], Value], message: str) -> None:
    with pytest.raises(OverflowError, match=message):
        f()


def test_a_gradient_that_overflows_raises_and_changes_nothing() -> None:
    x = Value(1e-100)
    x.grad = 0.5
    y = x**-3  # 1e300 is fine, but dy/dx = -3e400 is not a float
    with pytest.raises(OverflowError, match=r"backward: the local derivative of 1e-100 \*\* -3\.0"):
        y.backward()
    assert x.grad == 0.5 and y.grad == 0.0
    w = Value(1e300)
    z = (w * 1.0) * Value(1e-300)  # z = 1, dz/dw = 1e-300, dz/d(1e-300) = 1e300
    s = z * 1e10  # d s / d(1e-300 leaf) = 1e310: too large
    leaf = z.parents[1]
    with pytest.raises(OverflowError, match="backward: the gradient through"):
        s.backward()
    assert leaf.grad == 0.0 and w.grad == 0.0


def test_inputs_that_are_already_infinite_flow_through() -> None:
    x = Value(float("inf"))
    y = x * 2.0 + 1.0
    assert y.data == float("inf")
    y.backward()
    assert x.grad == 2.0


def test_detect_anomaly_names_the_first_op_that_makes_nan_or_inf() -> None:
    with detect_anomaly():
        with pytest.raises(ValueError, match=r"\*: inf \* 0\.0 gives nan \(detect_anomaly\)"):
            Value(float("inf")) * 0.0
        x = Value(float("inf"))
        with pytest.raises(ValueError, match=r"\+: inf \+ 1\.0 gives inf"):
            x + 1.0
    a, b = Value(float("inf")), Value(2.0)
    q = a * b  # made outside detect_anomaly: an infinity you put in flows through
    with detect_anomaly(), pytest.raises(OverflowError, match=r"backward: .* becomes inf \(detect_anomaly\)"):
        q.backward()  # dq/db = a = inf
    assert a.grad == 0.0 and b.grad == 0.0 and q.grad == 0.0
    q.backward()
    assert (a.grad, b.grad) == (2.0, float("inf"))


def test_grad_of_a_single_input_returns_one_result() -> None:
    x = Value(3.0)
    assert grad(x * x, x) == 6.0
    assert grad(x * x, [x]) == [6.0]
    assert topological_order(x * x)[0] is x


def test_float_and_item_give_the_data_as_in_pytorch() -> None:
    y = Value(1.5) * 3
    with pytest.warns(DetachedNumberWarning):  # float(v) is also what math.exp(v) calls: it warns
        assert float(y) == y.item() == 4.5 and type(float(y)) is float and type(y.item()) is float
        assert f"{float(y):.1f}" == "4.5"


def test_a_grad_set_to_none_counts_as_zero_as_in_pytorch() -> None:
    """PyTorch's way of zeroing (``p.grad = None``) then backward(): the pass adds to 0.0 (it was a
    raw TypeError naming nothing); the others' gradients as they would be."""
    w, b = Value(1.5, label="w"), Value(2.0, label="b")
    b.grad = 0.25
    w.grad = None
    (w * w * b).backward()
    assert (w.grad, b.grad) == (2 * 1.5 * 2.0, 0.25 + 1.5 * 1.5)
    b.grad = None  # the root itself, a leaf
    b.backward()
    assert b.grad == 1.0


def test_a_value_formats_its_data_as_a_pytorch_scalar_does() -> None:
    v = Value(1.23456, label="v")
    assert f"{v:.3f}" == "1.235" and f"{v:>8.2e}" == "1.23e+00" and f"{v}" == repr(v) == str(v)
    with pytest.raises(ValueError):  # a spec no float takes, as float says
        format(v, "d")
