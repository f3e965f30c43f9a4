"""The explainer: its rows are the engine's chain-rule steps and add up to its gradients."""

from __future__ import annotations

import math
import random
from typing import Dict, List

import pytest

from autograd_mini import Value, dot, explain, grad, linear, topological_order, total
from autograd_mini.explanation import Explanation, LayerGradients, explain_layer


def mixed_graph():
    """Shared subexpressions, constants, a dot node on numbers and on Values, a sum node."""
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    z = w * x + b
    a = z.tanh()
    s = dot([w, a], [1.5, -2.0], b)
    t = dot([x, w], [a, z], b)
    y = total([a * 0.999, s / (x + 4.0), t.sigmoid(), (a - z) ** 2, 2**x, abs(w).log()])
    return y, [x, w, b]


def sums_by_leaf(table: Explanation) -> Dict[Value, float]:
    sums: Dict[Value, float] = {}
    for step in table:
        for p, c in zip(step.parents, step.contributions):
            if p.is_leaf():
                sums[p] = sums.get(p, 0.0) + c
    return sums


def test_contributions_to_each_leaf_sum_to_the_engines_gradient() -> None:
    y, leaves = mixed_graph()
    table = explain(y)
    y.backward()
    sums = sums_by_leaf(table)
    for v in leaves:
        assert sums[v] == pytest.approx(v.grad, rel=1e-12, abs=1e-15)
        assert table.grad(v) == pytest.approx(v.grad, rel=1e-12, abs=1e-15)


def test_random_graphs_sum_to_the_engines_gradient() -> None:
    rng = random.Random(4)
    unary = ["tanh", "sigmoid", "sin", "cos", "exp"]
    for _ in range(30):
        leaves = [Value(rng.uniform(-1, 1), label=f"p{i}") for i in range(4)]
        pool: List[Value] = list(leaves)
        for _ in range(12):
            a, b = rng.choice(pool), rng.choice(pool)
            k = rng.randrange(5)
            if k == 0:
                v = a * b
            elif k == 1:
                v = a + b * rng.uniform(-2, 2)
            elif k == 2:
                v = getattr(a * 0.5, rng.choice(unary))()
            elif k == 3:
                v = a - b
            else:
                v = dot([a, b], [rng.uniform(-1, 1), 1.0], rng.choice(leaves))
            pool.append(v)
        y = total(pool[-4:])
        table = explain(y)
        y.backward()
        sums = sums_by_leaf(table)
        for v in leaves:
            assert sums.get(v, 0.0) == pytest.approx(v.grad, rel=1e-12, abs=1e-14)


def test_explain_changes_no_grad() -> None:
    y, leaves = mixed_graph()
    nodes = topological_order(y)
    for i, v in enumerate(nodes):
        v.grad = 0.25 * i  # whatever a previous pass left
    before = [v.grad for v in nodes]
    explain(y)
    assert [v.grad for v in nodes] == before


def test_rows_follow_the_engines_order_and_rule() -> None:
    y, _ = mixed_graph()
    table = explain(y)
    interior = [v for v in reversed(topological_order(y)) if not v.is_leaf()]
    assert [s.node for s in table] == interior
    assert [s.index for s in table] == list(range(1, len(interior) + 1))
    assert table[0].upstream == 1.0 and table[0].node is y
    for s in table:
        assert s.parents == s.node.parents
        assert s.local == pytest.approx(s.node.local_derivatives())
        # the chain rule: contribution = upstream × local derivative
        assert s.contributions == pytest.approx(tuple(s.upstream * d for d in s.local), rel=1e-12, abs=1e-15)
        # upstream = dy/d(node), checked against the engine's own grad()
        assert s.upstream == pytest.approx(grad(y, [s.node])[0], rel=1e-12, abs=1e-15)


def test_hand_derived_steps() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a  # dc/da = b + 1 = -2, dc/db = a = 2
    table = explain(c)
    assert len(table) == 2
    plus, times = table
    assert (plus.op, plus.upstream, plus.local, plus.contributions) == ("+", 1.0, (1.0, 1.0), (1.0, 1.0))
    assert plus.parent_names == ("v2", "a")
    assert (times.op, times.upstream) == ("*", 1.0)
    assert (times.local, times.contributions) == ((-3.0, 2.0), (-3.0, 2.0))
    assert times.parent_names == ("a", "b")
    assert (table.grad(a), table.grad(b), table.grad(c)) == (-2.0, 2.0, 1.0)
    assert a.grad == b.grad == 0.0


def test_seed_gradient_scales_every_row() -> None:
    x = Value(0.3, label="x")
    y = (x * 3.0).tanh()
    one, two = explain(y), explain(y, gradient=2.0)
    for s1, s2 in zip(one, two):
        assert s2.upstream == 2.0 * s1.upstream
        assert s2.contributions == tuple(2.0 * c for c in s1.contributions)
    assert two.grad(x) == pytest.approx(2 * 3.0 * (1 - math.tanh(0.9) ** 2))
    with pytest.raises(TypeError, match="explain: gradient"):
        explain(y, gradient=Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="explain: root must be a Value"):
        explain(1.0)  # type: ignore[arg-type]


def test_no_gradient_through_a_dead_relu_still_gets_rows() -> None:
    x, w = Value(1.0, label="x"), Value(-2.0, label="w")
    y = (w * x).relu() + x
    table = explain(y)
    by_op = {s.op: s for s in table}
    assert by_op["relu"].local == (0.0,) and by_op["relu"].contributions == (0.0,)
    assert by_op["*"].upstream == 0.0 and by_op["*"].contributions == (0.0, 0.0)
    assert table.grad(x) == 1.0 and table.grad(w) == 0.0


def test_undefined_local_derivative_is_nan_where_no_gradient_flows() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0  # the engine skips sqrt (upstream 0), whose derivative at 0 is infinite
    table = explain(y)
    sqrt_step = table[1]
    assert sqrt_step.op == "sqrt" and math.isnan(sqrt_step.local[0]) and sqrt_step.contributions == (0.0,)
    y.backward()
    assert table.grad(x) == x.grad == 0.0


def test_leaf_root_has_no_steps() -> None:
    x = Value(4.0, label="x")
    table = explain(x)
    assert len(table) == 0 and table.grad(x) == 1.0
    assert "no steps" in str(table)


def test_table_text() -> None:
    x, w = Value(0.5, label="x"), Value(-3.0, label="w")
    y = (w * x).tanh()
    text = str(explain(y))
    lines = text.splitlines()
    head = ["step", "node", "op", "upstream", "parent", "local", "contribution", "formula"]
    assert lines[2].split() == head
    t = math.tanh(-1.5)
    row = lines[4].split()  # the tanh step: node v3, op tanh, upstream 1, parent v2
    assert row[:5] == ["1", "v3", "tanh", "1", "v2"]
    assert float(row[5]) == pytest.approx(1 - t * t, rel=1e-5)
    # the derivative as ops.py defines it, with the node's name, then its value, put in
    assert t < 0 and " ".join(row[7:]) == f"1 - v3 * v3 = 1 - ({t:.4g}) * ({t:.4g})"
    assert "Gradients of the leaves:" in text
    leaves = lines[lines.index("Gradients of the leaves:") + 1 :]
    leaf_line = next(ln for ln in leaves if ln.strip().startswith("x "))
    assert float(leaf_line.split()[-1]) == pytest.approx(-3.0 * (1 - t * t), rel=1e-5)
    assert repr(explain(y)) == "Explanation(2 steps back from v3, 2 leaves)"
    assert "tanh" in repr(explain(y)[0])


def test_duplicate_labels_get_their_position() -> None:
    a, b = Value(1.0, label="p"), Value(2.0, label="p")
    table = explain(a * b)
    assert table[0].parent_names == ("p[1]", "p[2]")  # numbered in the order they come


class FakeLinear:
    """The duck type explain_layer reads: weight (n rows of m Values) and bias (n Values)."""

    def __init__(self, weight: List[List[float]], bias: List[float]) -> None:
        self.weight = [[Value(w) for w in row] for row in weight]
        self.bias = [Value(b) for b in bias]

    def __call__(self, inputs: List[float]) -> List[Value]:
        return linear(self.weight, inputs, self.bias)


def test_layer_gradients_are_dz_times_a_transposed() -> None:
    layer = FakeLinear([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], [0.05, -0.1])
    A = [1.0, -2.0, 0.5]
    c = [0.7, -1.3]
    Z = layer(A)
    loss = total([ci * z.tanh() for ci, z in zip(c, Z)])
    # by hand: dZ_i = c_i (1 - tanh(z_i)^2); dW = dZ·Aᵀ, dB = dZ
    dZ = [ci * (1 - math.tanh(z.data) ** 2) for ci, z in zip(c, Z)]
    table = explain(loss)
    from_table = table.layer(layer, "L1")
    assert all(w.grad == 0.0 for row in layer.weight for w in row)  # nothing was written
    loss.backward()
    from_grads = explain_layer(layer, "L1")
    for g in (from_table, from_grads):
        assert isinstance(g, LayerGradients) and g.shape == (2, 3)
        for i in range(2):
            assert g.dB[i] == pytest.approx(dZ[i])
            for j in range(3):
                assert g.dW[i][j] == pytest.approx(dZ[i] * A[j])
    text = str(from_grads)
    lines = text.splitlines()
    assert lines[0].split() == ["L1:", "dW", "(2×3)", "dB", "(2×1)"] and len(lines) == 3
    assert f"{dZ[1] * A[2]:.6g}" in text
    # each heading stands above its matrix
    assert lines[0].index("dW") == lines[1].index("[") and lines[0].index("dB") == lines[1].rindex("[")
    assert "every gradient is 0" in str(explain_layer(FakeLinear([[0.5]], [0.0])))


def test_layer_with_a_batch_adds_up_over_samples() -> None:
    layer = FakeLinear([[0.2, -0.4]], [0.1])
    batch = [[1.0, 2.0], [-1.0, 0.5], [0.3, 0.3]]
    zs = [layer(a)[0] for a in batch]
    loss = total([z * z for z in zs]) / len(batch)  # dZ_k = 2 z_k / N
    g = explain(loss).layer(layer)
    n = len(batch)
    for j in range(2):  # dW = (1/N)·Σ_k dZ_k a_k
        assert g.dW[0][j] == pytest.approx(sum(2 * z.data * a[j] for z, a in zip(zs, batch)) / n)
    assert g.dB[0] == pytest.approx(sum(2 * z.data for z in zs) / n)


def test_explain_layer_bad_input() -> None:
    with pytest.raises(TypeError, match="explain_layer: expected a layer with .weight and .bias"):
        explain_layer(object())
    bad = FakeLinear([[0.1, 0.2]], [0.0, 1.0])
    with pytest.raises(ValueError, match="1 rows of weights but 2 biases"):
        explain_layer(bad)
    ragged = FakeLinear([[0.1, 0.2], [0.3]], [0.0, 1.0])
    with pytest.raises(ValueError, match="different lengths"):
        explain_layer(ragged)
    numbers = FakeLinear([[0.1]], [0.0])
    numbers.weight = [[0.1]]  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must be Values"):
        explain_layer(numbers)


def test_ipython_shows_the_table() -> None:
    class Printer:  # the part of IPython's pretty printer that _repr_pretty_ uses
        def __init__(self) -> None:
            self.out = ""

        def text(self, s: str) -> None:
            self.out += s

    table = explain(Value(2.0, label="a") * 3)
    p = Printer()
    table._repr_pretty_(p, False)
    assert p.out == str(table) and "contribution" in p.out


def test_a_power_by_a_number_shows_the_rule_with_that_number_in() -> None:
    """x ** c is defined by where(c != 0, c * x ** (c - 1), 0); with c known, its row reads as a
    teacher writes it, and the number it shows is the local derivative it reports."""
    x = Value(1.5, label="x")
    cases = {2: "2 * x = 2 * 1.5", 3: "3 * x ** 2 = 3 * 1.5 ** 2", 0.5: "0.5 * x ** -0.5 = 0.5 * 1.5 ** -0.5",
             0: "0"}
    for c, text in cases.items():
        (step,) = explain(x**c).steps
        assert step.derivatives == (text,)
        assert step.local[0] == (c * 1.5 ** (c - 1) if c else 0.0)
