"""autograd_mini.func: forward mode and the transforms, by hand-derived values, finite differences
and each other; nesting to the third order; passes counted as they run; one-line errors.
(`test_func_torch.py` holds the comparisons with torch.func.)"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, List, Sequence

import pytest
from func_programs import function, programs

from autograd_mini import Value, func, grad, no_grad
from autograd_mini.engine import Rule, record
from autograd_mini.forward_table import explain_forward

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = programs(40)


def near(a: Any, b: Any, tol: float = 1e-12) -> bool:
    """Equal to `tol`, relative to the size of the numbers (absolutely below 1), nested alike."""
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(near(x, y, tol) for x, y in zip(a, b))
    return type(a) is float and abs(a - b) <= tol * max(1.0, abs(b))


def f_xy(x: Any, y: Any) -> Value:  # f = x·y + sin(x)
    return x * y + x.sin()


# ---- values derived by hand ----


def test_jvp_vjp_and_jacobians_by_hand() -> None:
    x, y = 2.0, 3.0
    out, tangent = func.jvp(f_xy, (x, y), (1.0, 0.5))  # (y + cos x)·1 + x·0.5
    assert out == x * y + math.sin(x) and near(tangent, y + math.cos(x) + x * 0.5)
    assert type(out) is float and type(tangent) is float
    gx, gy = y + math.cos(x), x
    assert near(func.jacrev(f_xy)(x, y), [gx, gy]) and near(func.jacfwd(f_xy)(x, y), [gx, gy])
    out, vjp_fn = func.vjp(f_xy, x, y)
    assert near(vjp_fn(2.0), (2.0 * gx, 2.0 * gy))
    assert func.grad(f_xy)(x, y) == func.jacrev(f_xy)(x, y)[0]


def test_several_outputs_keep_their_container() -> None:
    def f(x: Value, y: Value) -> Any:
        return [x * y, (x + y, x / y)]

    out, tangents = func.jvp(f, (2.0, 4.0), (1.0, 0.0))
    assert out == [8.0, (6.0, 0.5)] and tangents == [4.0, (1.0, 0.25)]
    expected = [[4.0, 2.0], ([1.0, 1.0], [0.25, -0.125])]
    assert func.jacrev(f)(2.0, 4.0) == expected == func.jacfwd(f)(2.0, 4.0)
    _, vjp_fn = func.vjp(f, 2.0, 4.0)
    assert vjp_fn([1.0, (0.0, 8.0)]) == (4.0 + 2.0, 2.0 - 1.0)


def test_hessian_and_hvp_by_hand() -> None:
    def f(x: Value, y: Value) -> Value:  # x³y: H = [[6xy, 3x²], [3x², 0]]
        return x**3 * y

    assert func.hessian(f)(2.0, 5.0) == [[60.0, 12.0], [12.0, 0.0]]
    assert func.hvp(f, (2.0, 5.0), (1.0, -2.0)) == [60.0 - 24.0, 12.0]


def test_argnums_as_torch_func_shapes_them() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return x * y * z

    assert func.jacrev(f)(1.0, 2.0, 3.0) == [6.0, 3.0, 2.0]
    assert func.jacrev(f, argnums=1)(1.0, 2.0, 3.0) == 3.0
    assert func.jacfwd(f, argnums=(2, 0))(1.0, 2.0, 3.0) == (2.0, 6.0)
    assert func.jacfwd(f, argnums=-1)(1.0, 2.0, 3.0) == 2.0
    assert func.grad(f)(1.0, 2.0, 3.0) == 6.0 and func.grad(f, argnums=(0, 1))(1.0, 2.0, 3.0) == (6.0, 3.0)
    assert func.hessian(f, argnums=(0, 1))(1.0, 2.0, 3.0) == ((0.0, 3.0), (3.0, 0.0))
    assert func.hessian(f, argnums=0)(1.0, 2.0, 3.0) == 0.0
    # the arguments not differentiated are passed on as they are: here an int exponent
    assert func.grad(lambda x, n: x**n)(2.0, 3) == 12.0


def test_inputs_and_results_are_left_alone() -> None:
    x = Value(2.0)
    with no_grad():  # the transforms record their graph all the same
        assert func.jacfwd(f_xy)(x, 3.0) == func.jacrev(f_xy)(x, 3.0) == [3.0 + math.cos(2.0), 2.0]
    assert x.grad == 0.0 and x.parents == ()
    assert type(func.hessian(f_xy)(x, 3.0)[0][0]) is float


# ---- finite differences, and the transforms against each other ----


def central(f: Callable[..., Any], point: Sequence[float], i: int, h: float = 1e-6) -> List[float]:
    """d(outputs)/dx_i by central differences, outputs flattened."""
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return [(a - b) / (2 * h) for a, b in zip(_floats(f(*map(Value, up))), _floats(f(*map(Value, down))))]


def _floats(out: Any) -> List[float]:
    return [v.data for v in out] if isinstance(out, list) else [out.data]


def function_gradient(g: Callable[..., Value]) -> Callable[..., List[Value]]:
    """The engine's gradient of g, as a function giving Values."""
    return lambda *xs: grad(g(*xs), list(xs), create_graph=True)


def rows(jac: Any, m: int) -> List[List[float]]:
    return jac if m > 1 else [jac]


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_jacfwd_jacrev_and_finite_differences_agree(seed: int) -> None:
    for steps, outputs, point in PROGRAMS[seed : seed + 4]:
        f = function(steps, outputs)
        m, n = len(outputs), len(point)
        fwd, rev = rows(func.jacfwd(f)(*point), m), rows(func.jacrev(f)(*point), m)
        assert near(fwd, rev)
        for i in range(n):
            fd = central(f, point, i)
            for k in range(m):
                assert math.isclose(fwd[k][i], fd[k], rel_tol=1e-5, abs_tol=1e-6), (seed, k, i)
        g = function(steps, outputs[:1])
        hess = func.hessian(g)(*point)
        v = [math.cos(3.0 * i) for i in range(n)]
        assert near(func.hvp(g, point, v), [sum(h * vj for h, vj in zip(row, v)) for row in hess], 1e-11)
        gradient = function_gradient(g)
        for i in range(n):  # the Hessian's column i: the finite difference of the gradient
            fd = central(gradient, point, i)
            assert all(math.isclose(row[i], d, rel_tol=1e-5, abs_tol=1e-6) for row, d in zip(hess, fd))


def test_every_nesting_of_the_two_modes_gives_the_hessian() -> None:
    for steps, outputs, point in PROGRAMS[:12]:
        f = function(steps, outputs[:1])
        h = func.hessian(f)(*point)
        for outer in (func.jacfwd, func.jacrev):
            for inner in (func.jacfwd, func.jacrev):
                assert near(outer(inner(f))(*point), h, 1e-11)


def test_third_derivatives_any_way_round() -> None:
    x = 0.7
    for a in (func.jacfwd, func.jacrev):
        for b in (func.jacfwd, func.jacrev):
            for c in (func.jacfwd, func.jacrev):
                assert near(a(b(c(lambda x: x**4)))(2.0), [[[48.0]]])
                assert near(a(b(c(lambda x: x.sin())))(x), [[[-math.cos(x)]]])


def test_tangents_cotangents_and_the_helpers_themselves_can_be_differentiated() -> None:
    def surface(x: Value, y: Value) -> Value:  # sin(xy) + x³
        return (x * y).sin() + x**3

    dx, dy = 2.0 * math.cos(2.0) + 3.0, math.cos(2.0)  # the partials at (1, 2)
    # a jvp is linear in its tangent and a vjp in its cotangent: the slopes are the partials
    assert near(func.jacfwd(lambda v: func.jvp(surface, (1.0, 2.0), (v, 0.0))[1])(1.0), [dx])
    assert near(func.jacrev(lambda c: func.vjp(surface, 1.0, 2.0)[1](c)[1])(1.0), [dy])
    x = 2.0  # d/dx of x⁴'s Hessian, and the Hessian of x⁵'s Hessian
    hessian = func.hessian(lambda x: x**4)
    assert func.jacfwd(hessian)(x) == [[[24.0 * x]]] == func.jacrev(hessian)(x)
    assert func.jacrev(lambda x: func.hvp(lambda y: y**4, (x,), (1.0,))[0])(x) == [24.0 * x]
    assert func.hessian(func.hessian(lambda x: x**5))(1.0) == [[[[120.0]]]]


def test_an_inner_transform_never_confuses_its_variable_with_the_outer_one() -> None:
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1; a forward mode that shares one tangent gives 2
    def outer(x: Value) -> Value:
        return x * func.jvp(lambda y: x + y, (1.0,), (1.0,))[1]

    assert func.jacfwd(outer)(3.0) == [1.0] == func.jacrev(outer)(3.0)
    # the inner function uses the outer x beside its own y: d/dx [d/dy (x·y²) at y = x] = 4x
    assert func.jacfwd(lambda x: func.jacfwd(lambda y: x * y * y)(x)[0])(3.0) == [12.0]
    assert func.jacrev(lambda x: func.grad(lambda y: x * y)(x))(3.0) == [1.0]


# ---- passes, counted as they run ----


class CountingMul(Rule):
    """x·y whose local-derivative rule counts how often a pass asks it for its terms."""

    def __init__(self) -> None:
        super().__init__("counting_mul", "*", self.count)
        self.calls = 0

    def count(self, g: Any, out: Any, const: Any, a: Any, b: Any) -> Any:
        self.calls += 1
        return g * b, g * a


def test_jacfwd_makes_n_forward_passes_and_jacrev_m_reverse_passes() -> None:
    rule = CountingMul()

    def f(*xs: Value) -> List[Value]:  # 3 inputs, 2 outputs, both through the counting node
        core = record(xs[0].data * xs[1].data, (xs[0], xs[1]), rule) + xs[2]
        return [core.sin(), core * 2.0]

    def passes(run: Callable[[], Any]) -> Any:
        rule.calls = 0
        with func.count_passes() as counted:
            run()
        return counted.forward, counted.reverse, rule.calls

    point = (0.5, -1.0, 2.0)
    assert passes(lambda: func.jacfwd(f)(*point)) == (3, 0, 2)  # x0 and x1 reach the node, x2 does not
    assert passes(lambda: func.jacrev(f)(*point)) == (0, 2, 2)
    assert passes(lambda: func.jvp(f, point, (1.0, 1.0, 1.0))) == (1, 0, 1)
    assert passes(lambda: func.vjp(f, *point)[1]([1.0, 1.0])) == (0, 1, 1)
    g = lambda *xs: f(*xs)[0]  # noqa: E731
    assert passes(lambda: func.hvp(g, point, (1.0, 0.0, 0.0))) == (1, 1, 2)
    assert passes(lambda: func.hessian(g)(*point))[:2] == (3, 1)
    assert passes(lambda: func.jacfwd(func.jacfwd(g))(*point))[:2] == (3 + 3, 0)


# ---- a user's op ----


def test_a_defop_op_works_in_jvp_jacfwd_and_hessian() -> None:
    from autograd_mini import defop

    softplus = defop("softplus_of_test_func(x)", value="log(1 + exp(x))", grads=["sigmoid(x)"])

    def f(x: Value, y: Value) -> Value:
        return softplus(x * y) + x

    x, y = 0.5, -1.2
    s = 1.0 / (1.0 + math.exp(-x * y))
    ds = s * (1.0 - s)  # sigmoid' = s(1 - s)
    out, tangent = func.jvp(f, (x, y), (1.0, 0.3))
    assert near(out, math.log1p(math.exp(x * y)) + x) and near(tangent, s * (y + 0.3 * x) + 1.0)
    assert near(func.jacfwd(f)(x, y), [s * y + 1.0, s * x])
    assert near(func.hessian(f)(x, y), [[ds * y * y, ds * x * y + s], [ds * x * y + s, ds * x * x]])


# ---- the tangent of every node, and the forward table ----


def test_tangents_gives_every_node_its_tangent() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    p = x * y
    s = p.sin()
    z = s + y
    t = func.tangents(z, [x, y], [1.0, -1.0])
    assert list(t) == [x, y, p, s, z]  # in the order computed
    assert t[x] == 1.0 and t[y] == -1.0 and t[p] == 3.0 - 2.0
    assert t[s] == math.cos(6.0) * 1.0 and t[z] == math.cos(6.0) - 1.0
    assert t[z] == func.jvp(lambda a, b: (a * b).sin() + b, (2.0, 3.0), (1.0, -1.0))[1]


def test_explain_forward_shows_each_node_its_local_derivatives_and_tangent() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = (x * y).tanh()
    table = explain_forward(z, [x, y], [1.0, 0.5])
    assert [r.name for r in table] == ["x", "y", "v2", "v3"]
    mul, th = table[2], table[3]
    assert mul.local == (3.0, 2.0) and mul.parent_tangents == (1.0, 0.5) and mul.tangent == 4.0
    assert th.local == (1.0 - math.tanh(6.0) ** 2,) and th.tangent == table.tangent(z) == th.local[0] * 4.0
    text = str(table)
    assert "x moves at 1, y moves at 0.5" in text and text.endswith(f"Tangent of v3: {th.tangent:.6g}")


# ---- errors: one line, naming the function and the argument ----

ERRORS = [
    (lambda: func.jvp(3, (1.0,), (1.0,)), TypeError, "jvp: f must be callable, got int 3"),
    (lambda: func.jvp(f_xy, 1.0, (1.0,)), TypeError, "jvp: primals: expected a tuple or list, got float 1.0"),
    (lambda: func.jvp(f_xy, (1.0, 2.0), (1.0,)), ValueError, "jvp: tangents has 1 value but primals has 2"),
    (lambda: func.jvp(f_xy, (1.0, 2.0), (1.0, "a")), TypeError, "jvp: tangents[1]: expected a real number"),
    (lambda: func.jvp(lambda x: 3.0, (1.0,), (1.0,)), TypeError,
     "jvp: f must return a Value or a list or tuple of Values, got float 3.0"),
    (lambda: func.jacfwd(lambda x: [x, 2.0])(1.0), TypeError,
     "jacfwd: f must return a Value or a list or tuple of Values, got list"),
    (lambda: func.jacrev(lambda x: [])(1.0), ValueError,
     "jacrev: f must return a Value or a list or tuple of Values, got an empty list"),
    (lambda: func.jacrev(f_xy, argnums=2)(1.0, 2.0), ValueError,
     "jacrev: argnums 2 is out of range for 2 arguments"),
    (lambda: func.jacfwd(f_xy, argnums=(0, -2))(1.0, 2.0), ValueError,
     "jacfwd: argnums (0, -2) names an argument twice"),
    (lambda: func.jacfwd(f_xy, argnums="0"), TypeError, "jacfwd: argnums: expected an int, got str '0'"),
    (lambda: func.jacfwd(f_xy, argnums=[0]), TypeError, "jacfwd: argnums must be an int or a tuple of ints"),
    (lambda: func.jacfwd(f_xy, argnums=()), ValueError, "jacfwd: argnums must name at least one argument"),
    (lambda: func.jacfwd(lambda: Value(1.0))(), ValueError, "jacfwd: f was called with no arguments"),
    (lambda: func.hessian(f_xy)("a", 1.0), TypeError,
     "hessian: argument 0: expected a real number or a Value, got str 'a'"),
    (lambda: func.hessian(lambda x: 1.0)(1.0), TypeError, "hessian: f must return a Value or a list"),
    (lambda: func.grad(lambda x: [x, x])(1.0), TypeError, "grad: f must return one Value, got list"),
    (lambda: func.hvp(f_xy, (1.0, 2.0), (1.0,)), ValueError, "hvp: v has 1 value but primals has 2"),
    (lambda: func.vjp(f_xy, 1.0, 2.0)[1]([1.0, 2.0]), TypeError,
     "vjp_fn: cotangents: expected a real number or a Value, got list"),
    (lambda: func.vjp(lambda x: [x, x], 1.0)[1]([1.0]), ValueError,
     "vjp_fn: f returned 2 Values but cotangents has 1"),
    (lambda: func.vjp(f_xy), ValueError, "vjp: no primals"),
    (lambda: func.jvp(lambda x: x.sqrt(), (0.0,), (1.0,)), ZeroDivisionError,
     "jvp: the local derivative of sqrt(0.0) is infinite (division by zero)"),
    (lambda: func.jvp(lambda x: x * 1e300, (1.0,), (1e300,)), OverflowError,
     "jvp: the tangent of 1.0 * 1e+300 becomes inf from finite numbers"),
    (lambda: func.jacrev(lambda x: (x * 1e10) * 1e300)(1e-20), OverflowError,
     "jacrev: the gradient through 1e-20 * 10000000000.0 becomes inf from finite numbers"),
    (lambda: func.vjp(lambda x, y: [x * 1e300, y], 1.0, 1.0)[1]([1e10, 1.0]), OverflowError,
     "vjp_fn: cotangents[0] × output 0 is too large for a float"),
    (lambda: func.tangents(Value(1.0), [1.0], [1.0]), TypeError,
     "tangents: primals: expected Values, got float 1.0"),
    (lambda: func.tangents(Value(1.0), [Value(1.0)], [1.0, 2.0]), ValueError,
     "tangents: 1 primals but 2 tangent_values"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[m[:40] for _, _, m in ERRORS])
def test_bad_input_is_one_line_naming_the_function_and_the_argument(call: Callable[[], Any], error: type,
                                                                    message: str) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_infinities_put_in_flow_through_as_ieee_says() -> None:
    inf = float("inf")
    assert func.jacrev(lambda x: x * 2.0)(inf) == [2.0] and func.jacfwd(lambda x: x * x)(inf) == [inf]
    assert math.isnan(func.jvp(lambda x: x * 0.0, (1.0,), (math.nan,))[1])


def test_a_tangent_of_zero_does_not_need_a_derivative_that_is_infinite() -> None:
    # y does not move, so sqrt's infinite derivative at 0 is never asked for (as in backward())
    assert func.jvp(lambda x, y: x + y.sqrt(), (1.0, 0.0), (1.0, 0.0)) == (1.0, 1.0)
    assert func.jacfwd(lambda x, y: x + y.sqrt(), argnums=0)(1.0, Value(0.0)) == 1.0
    with pytest.raises(ZeroDivisionError, match=r"^jacfwd: the local derivative of sqrt\(0.0\) is infinite"):
        func.jacfwd(lambda x, y: x + y.sqrt())(1.0, 0.0)  # y moves


# ---- the demo ----


def test_the_demo_counts_n_forward_and_m_reverse_passes() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "demos" / "forward_or_reverse.py"), "--sizes", "1x7,4x2",
                          "--hidden", "3", "--repeats", "1"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [line.split() for line in run.stdout.splitlines() if line.strip()[:1].isdigit()]
    # n, m, f ms, jacfwd passes, jacfwd ms, jacrev passes, jacrev ms, faster, |fwd - rev|
    assert [(r[0], r[1], r[3], r[5]) for r in lines] == [("1", "7", "1", "7"), ("4", "2", "4", "2")]
    assert all(float(r[8]) < 1e-12 for r in lines)
    bad = subprocess.run([sys.executable, str(ROOT / "demos" / "forward_or_reverse.py"), "--sizes", "3by4"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--sizes: expected pairs like 1x50" in bad.stderr


def test_the_graph_picture_shows_each_nodes_tangent() -> None:
    """draw_dot/dot_source(..., tangents=func.tangents(...)): a tangent cell per box, the jvp's numbers."""
    import re

    from autograd_mini import Value, func
    from autograd_mini.graph_source import dot_source

    x, w = Value(0.5, label="x"), Value(-3.0, label="w")
    y = (w * x).tanh()
    source = dot_source(y, tangents=func.tangents(y, [x], [1.0]))
    cells = dict(re.findall(r"<B>([^<]+)</B></TD><TD>data [^<]+</TD><TD>tangent ([^<]+)</TD>", source))
    _, out_tangent = func.jvp(lambda a: (w * a).tanh(), (0.5,), (1.0,))
    assert cells == {"w": "0", "x": "1", "v2": "-3", "v3": f"{out_tangent:.4g}"}
    with pytest.raises(TypeError, match="tangents must be a dict"):
        dot_source(y, tangents=[1.0])
