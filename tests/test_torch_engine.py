"""The engine against PyTorch in float64: every op, and a few hundred random expression graphs.

Skipped where torch is not installed; `.ci/run` installs it so CI runs these comparisons.
"""

from __future__ import annotations

import math
import operator
import random
from typing import Any, Callable, List, Sequence, Tuple

import needs
import pytest

from autograd_mini import Value, dot, grad, total

torch = needs.module("torch", "pip install 'autograd_mini[torch]'")


def tensors(point: Sequence[float]) -> List[Any]:
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]


def torch_dot(ws: Sequence[Any], xs: Sequence[Any], b: Any) -> Any:
    return sum(w * x for w, x in zip(ws, xs)) + b


def any_dot(ws: Sequence[Any], xs: Sequence[Any], b: Any) -> Any:
    return dot(ws, xs, b) if type(b) is Value else torch_dot(ws, xs, b)


def any_total(vs: Sequence[Any]) -> Any:
    return total(vs) if any(type(v) is Value for v in vs) else sum(vs)


# Each f is written once and runs on Values and on torch tensors alike.
OPS: List[Tuple[str, Callable[..., Any], List[Tuple[float, ...]]]] = [
    ("x+y", lambda x, y: x + y, [(0.3, -1.7)]),
    ("x+2", lambda x: x + 2, [(-0.4,)]),
    ("2+x", lambda x: 2 + x, [(-0.4,)]),
    ("x-y", lambda x, y: x - y, [(0.3, -1.7)]),
    ("x-2", lambda x: x - 2, [(-0.4,)]),
    ("2-x", lambda x: 2 - x, [(-0.4,)]),
    ("x*y", lambda x, y: x * y, [(0.3, -1.7)]),
    ("2*x", lambda x: 2 * x, [(-0.4,)]),
    ("x*2", lambda x: x * 2, [(-0.4,)]),
    ("x/y", lambda x, y: x / y, [(0.3, -1.7), (-2.5, 0.8)]),
    ("1/x", lambda x: 1 / x, [(-0.4,), (3.1,)]),
    ("x/3", lambda x: x / 3, [(-0.4,), (3.1,)]),
    ("x**3", lambda x: x**3, [(-1.3,), (0.7,)]),
    ("x**-2", lambda x: x**-2, [(-1.3,), (0.7,)]),
    ("x**0.5", lambda x: x**0.5, [(0.3,), (2.2,)]),
    ("x**0", lambda x: x**0, [(0.0,), (-1.5,)]),
    ("x**y", lambda x, y: x**y, [(0.6, 1.7), (2.3, -0.8)]),
    ("x**y at base 0", lambda x, y: x**y, [(0.0, 2.5), (0.0, 0.0)]),
    ("2**x", lambda x: 2**x, [(-1.3,), (0.7,)]),
    ("0**x at base 0", lambda x: 0.0**x, [(1.5,)]),
    ("-x", lambda x: -x, [(-0.4,)]),
    ("abs", abs, [(-0.4,), (3.1,), (0.0,)]),
    ("exp", lambda x: x.exp(), [(-2.0,), (1.3,), (700.0,)]),
    ("log", lambda x: x.log(), [(0.2,), (7.5,)]),
    ("sqrt", lambda x: x.sqrt(), [(0.2,), (7.5,)]),
    ("tanh", lambda x: x.tanh(), [(-1.1,), (0.4,), (-800.0,), (800.0,)]),
    ("sigmoid", lambda x: x.sigmoid(), [(-1.1,), (2.4,), (-800.0,), (800.0,)]),
    ("relu", lambda x: x.relu(), [(-0.4,), (3.1,), (0.0,)]),
    ("sin", lambda x: x.sin(), [(-2.0,), (0.9,)]),
    ("cos", lambda x: x.cos(), [(-2.0,), (0.9,)]),
    (
        "dot of Values",
        lambda w1, w2, x1, x2, b: any_dot([w1, w2], [x1, x2], b),
        [(0.5, -1.5, 2.0, 0.25, 0.1)],
    ),
    (
        "dot of numbers",
        lambda w1, w2, b: any_dot([w1, w2], [0.75, -2.0], b),
        [(0.5, -1.5, 0.1)],
    ),
    ("total", lambda a, b, c: any_total([a, b, 3.0, c]), [(0.5, -1.5, 2.0)]),
]

def run_engine(f: Callable[..., Any], point: Sequence[float]) -> Tuple[float, List[float], List[float]]:
    """Value, gradient, and the diagonal of the Hessian, from the engine."""
    xs = [Value(x) for x in point]
    out = f(*xs)
    first = grad(out, xs, create_graph=True)
    second = [grad(d, [x])[0] for d, x in zip(first, xs)]
    return out.data, [d.data for d in first], second


def run_torch(f: Callable[..., Any], point: Sequence[float]) -> Tuple[float, List[float], List[float]]:
    xs = tensors(point)
    out = f(*xs)
    first = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    second = []
    for d, x in zip(first, xs):
        if d is None or not d.requires_grad:  # a constant derivative: its derivative is 0
            second.append(0.0)
        else:
            (dd,) = torch.autograd.grad(d, [x], allow_unused=True)
            second.append(0.0 if dd is None else dd.item())
    return out.item(), [0.0 if d is None else d.item() for d in first], second


def assert_close(ours: float, theirs: float, what: str, rel: float = 1e-12, scale: float = 1.0) -> None:
    message = f"{what}: {ours!r} vs torch {theirs!r}"
    assert math.isclose(ours, theirs, rel_tol=rel, abs_tol=rel * scale), message


@pytest.mark.parametrize(
    "name, f, point", [pytest.param(n, f, p, id=f"{n}@{p}") for n, f, ps in OPS for p in ps]
)
def test_op_matches_torch(name: str, f: Callable[..., Any], point: Sequence[float]) -> None:
    value, first, second = run_engine(f, point)
    t_value, t_first, t_second = run_torch(f, point)
    assert_close(value, t_value, f"{name} value")
    for i in range(len(point)):
        assert_close(first[i], t_first[i], f"{name} d/dx{i}")
        # at base 0 torch's second derivative is nan (0 times log 0); the engine gives 0, the
        # derivative of the constant 0 ** y = 0 (y > 0), so only first derivatives are compared
        if not name.endswith(" at base 0"):
            assert_close(second[i], t_second[i], f"{name} d2/dx{i}2", rel=1e-10)


# ---- random expression graphs ----

UNARY = ["neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos",
         "add_c", "c_sub", "mul_c", "div_c", "c_div", "pow_n", "c_pow"]
BINARY = ["+", "-", "*", "/", "**"]


def _apply_unary(op: str, v: Any, c: float, n: int) -> Any:
    if op == "neg":
        return -v
    if op == "abs":
        return abs(v)
    if op == "add_c":
        return v + c
    if op == "c_sub":
        return c - v
    if op == "mul_c":
        return c * v
    if op == "div_c":
        return v / c
    if op == "c_div":
        return c / v
    if op == "pow_n":
        return v**n
    if op == "c_pow":
        return abs(c) ** v
    return getattr(v, op)()


_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}


def _apply_binary(op: str, a: Any, b: Any) -> Any:
    return _BINARY[op](a, b)


def _allowed(op: str, x: float, y: float = 1.0, c: float = 1.0) -> bool:
    """Keep every node inside its op's domain, away from kinks, and of moderate size."""
    if op in ("log", "sqrt"):
        return x > 0.05
    if op in ("abs", "relu"):
        return abs(x) > 1e-3
    if op == "exp":
        return abs(x) < 5
    if op == "c_div":
        return abs(x) > 0.1
    if op == "/":
        return abs(y) > 0.1
    if op == "**":
        return x > 0.05 and abs(y) < 3
    if op == "c_pow":
        return abs(x) < 3
    if op == "pow_n":
        return abs(x) < 3 and (abs(x) > 0.1 or c > 0)
    return True


def random_graph(rng: random.Random) -> Tuple[Value, List[Value], Any, List[Any]]:
    """The same random expression built with the engine and with torch, node for node."""
    point = [rng.uniform(-2.0, 2.0) for _ in range(rng.randint(1, 4))]
    leaves = [Value(x) for x in point]
    t_leaves = tensors(point)
    pool: List[Tuple[Value, Any]] = list(zip(leaves, t_leaves))
    for _ in range(rng.randint(5, 25)):
        # prefer recent nodes (deep graphs) but reuse any, so subexpressions are shared
        a, ta = pool[-1 - min(len(pool) - 1, int(rng.expovariate(0.7)))]
        kind = rng.random()
        if kind < 0.55:
            op = rng.choice(UNARY)
            c = rng.choice([-2.5, -0.5, 0.5, 1.5, 3.0])
            n = rng.choice([-2, -1, 2, 3])
            if not _allowed(op, a.data, c=n):
                continue
            new, t_new = _apply_unary(op, a, c, n), _apply_unary(op, ta, c, n)
        elif kind < 0.9:
            op = rng.choice(BINARY)
            b, tb = rng.choice(pool)  # may be `a` itself
            if not _allowed(op, a.data, b.data):
                continue
            new, t_new = _apply_binary(op, a, b), _apply_binary(op, ta, tb)
        else:
            k = rng.randint(1, min(3, len(pool)))
            ws = rng.sample(pool, k)
            xs = rng.sample(pool, k)
            bias = rng.choice(pool)
            if rng.random() < 0.5:
                consts = [rng.uniform(-1, 1) for _ in range(k)]
                new = dot([w for w, _ in ws], consts, bias[0])
                t_new = torch_dot([t for _, t in ws], consts, bias[1])
            else:
                new = dot([w for w, _ in ws], [x for x, _ in xs], bias[0])
                t_new = torch_dot([t for _, t in ws], [t for _, t in xs], bias[1])
        if abs(new.data) > 1e4:
            continue
        pool.append((new, t_new))
    # the output sums a few nodes, so several branches (and the last node) feed it
    picks = rng.sample(pool, min(3, len(pool))) + [pool[-1]]
    out = total([v for v, _ in picks])
    t_out = sum(t for _, t in picks)
    return out, leaves, t_out, t_leaves


@pytest.mark.parametrize("seed", range(300))
def test_random_graph_matches_torch(seed: int) -> None:
    rng = random.Random(seed)
    out, leaves, t_out, t_leaves = random_graph(rng)
    assert_close(out.data, t_out.item(), "value", rel=1e-12, scale=1 + abs(out.data))
    if not t_out.requires_grad:  # pragma: no cover - every graph has its leaves in it
        pytest.fail("torch output has no graph")
    t_grads = torch.autograd.grad(t_out, t_leaves, allow_unused=True)
    expected = [0.0 if g is None else g.item() for g in t_grads]
    out.backward()
    scale = 1 + max(abs(e) for e in expected)
    for i, (leaf, e) in enumerate(zip(leaves, expected)):
        assert_close(leaf.grad, e, f"seed {seed}: d/dx{i}", rel=1e-9, scale=scale)
    assert grad(out, leaves) == [leaf.grad for leaf in leaves]
