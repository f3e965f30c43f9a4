"""Every operation of the op table, as it is when the tests run (the built-ins, the new ones, and
ops defined here with `defop`), through both programs, compared with the interpreter to the bit.

The tape has no list of ops of its own: it prints each op's formula trees (`tape.formulas`), so an
op defined after the tape was written works at once. The random graphs take their ops from
``OPS`` at run time; the C ones are compiled 20 graphs to a program (one compile each).
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable, List

import pytest
import test_tape as T

from autograd_mini import Value, defop, gradcheck, linear, linear_batch, total
from autograd_mini.engine import ACTIVATIONS, OPS
from autograd_mini.engine.methods import BINARY, UNARY
from autograd_mini.tape import source_of, trace

# ops defined in this file, as a user would: one calls a library op that is not a C function
# (softplus), one has a branch, one has two arguments and reads its own output
tape_hypot = defop("tape_hypot(a, b)", value="sqrt(a*a + b*b)", grads=["a / out", "b / out"])
tape_softsq = defop(
    "tape_softsq(x)", value="softplus(x) * softplus(x)", grads=["2 * softplus(x) * sigmoid(x)"]
)
tape_kink = defop("tape_kink(x)", value="where(x > 0, x * x, -0.5 * x)", grads=["where(x > 0, 2 * x, -0.5)"])

_METHOD = {number: method for method, (_, number) in BINARY.items()}
_METHOD.update({value: method for method, (value, _) in BINARY.items() if value})
_METHOD.update({name: method for method, name in UNARY.items()})
CONSTS = [0.5, -1.25, 2.0, 3.0, -0.3]


def safe(x: Value) -> Value:
    """A positive input in [0.5, 1.5]: inside every op's domain."""
    t = x.tanh()
    return t * t + 0.5


def apply(name: str, xs: List[Value], c: float) -> Value:
    """The op `name` on inputs made from `xs`, through the public API (an operator, a method or
    the op itself), its inputs kept where it is defined and no larger than exp can take."""
    op = OPS[name]
    raises = bool(op.raises)
    args = [safe(x) if raises else x.tanh() for x in xs[: len(op.args)]]
    if name in ("pow", "rpow"):
        args = [safe(xs[0]), xs[1].tanh()] if name == "pow" else [xs[0].tanh()]
    if name in _METHOD:
        method = getattr(Value, _METHOD[name])
        if len(op.args) == 2:
            return method(args[0], args[1])  # type: ignore[no-any-return]
        if op.const:
            number = (
                abs(c) + 0.5
                if name in ("rpow", "div_const")
                else c
                if name != "pow_const"
                else [2.0, 3.0, -1.0, 0.5][int(abs(c) * 4) % 4]
            )
            return method(args[0], number)  # type: ignore[no-any-return]
        return method(args[0])  # type: ignore[no-any-return]
    if op.const and op.named:  # leaky_relu's slope, elu's alpha
        return getattr(Value, name)(args[0], abs(c))  # type: ignore[no-any-return]
    for inputs in (args, [safe(x) for x in xs], [-safe(x) for x in xs]):  # an op another test
        try:  # defined may have a domain it does not check: inputs where it is defined
            return op(*inputs[: len(op.args)])
        except (ValueError, ArithmeticError):
            continue
    return xs[0] * 1.0


def recipe(rng: random.Random, size: int, n_ops: int, names: List[str]) -> List[tuple]:
    steps = []
    for k in range(n_ops):
        kind = rng.choice(["op", "op", "op", "op", "total", "layer"])
        pick = [rng.randrange(size) for _ in range(3)]
        c = rng.choice(CONSTS)
        if kind == "op":
            steps.append(("op", names[(k + rng.randrange(len(names))) % len(names)], pick, c))
        elif kind == "total":
            steps.append(("total", "", pick, c))
        else:
            steps.append(("layer", rng.choice([None, *ACTIVATIONS]), pick, c))
        size += 1
    return steps


def build(steps: List[tuple], pool: List[Any]) -> Value:
    pool = list(pool)
    for kind, name, idx, c in steps:
        vs = [pool[i] for i in idx]
        if kind == "op":
            pool.append(apply(name, vs, c))
        elif kind == "total":
            pool.append(total([*vs, c]))
        else:  # two neurons on one observation: a block, whatever the activation
            ws = [[vs[0].tanh(), vs[1] * 0.5], [vs[2].tanh(), vs[0] * -0.25]]
            pool.append(linear(ws, [vs[1].tanh(), c], [vs[2] * 0.1, vs[1] * 0.2], name)[0].tanh())
    return total([v for v in pool[-3:] if type(v) is Value])


def random_case(seed: int) -> tuple:
    rng = random.Random(1000 + seed)
    names = list(OPS)  # every op there is when the test runs, user ops included
    params = [Value(rng.uniform(-1.5, 1.5), label=f"p{k}") for k in range(3)]
    n_args = rng.randint(0, 2)
    steps = recipe(rng, len(params) + n_args, rng.randint(4, 14), names)

    def fn(*xs: Any) -> Value:
        return build(steps, [*params, *[x if type(x) is Value else Value(x) for x in xs]])

    return fn, [rng.uniform(-1.5, 1.5) for _ in range(n_args)], params


def test_the_random_graphs_use_every_op() -> None:
    used = set()
    for seed in range(80):
        fn, args, _ = random_case(seed)
        used |= {v.rule.name for v in _nodes(fn(*args)) if v.rule is not None}
    assert set(OPS) - used == set(), "ops no random graph uses"


def _nodes(root: Value) -> List[Value]:
    from autograd_mini import topological_order

    return topological_order(root)


@pytest.mark.parametrize("seed", range(80))
def test_random_graphs_over_every_op_python(seed: int) -> None:
    fn, args, params = random_case(seed)
    step = T.assert_same(fn, args, params, exact=True)
    if args:
        T.assert_same(fn, [x * 0.7 - 0.1 for x in args], params, exact=True, step=step)


@pytest.mark.parametrize("group", range(4))
def test_random_graphs_over_every_op_c(group: int, c_cache: None) -> None:
    fn, args, params = T.grouped([random_case(seed) for seed in range(20 * group, 20 * group + 20)])
    step = T.assert_same(fn, args, params, backend="c", exact=True)
    assert step.backend_used == "c"
    T.assert_same(fn, [x * 0.7 - 0.1 for x in args], params, backend="c", exact=True, step=step)


@pytest.fixture
def c_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    import needs

    needs.c_compiler()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "tape_ops_cache"))


# ---- ops defined in this file ----

USER: List[Callable[..., Value]] = [tape_hypot, tape_softsq, tape_kink]


def user_loss(w: Value, v: Value) -> Callable[..., Value]:
    def fn(x: Any, xs: Any) -> Value:
        h = tape_hypot(w * x, v + 1.0)
        parts = [tape_softsq(h - x), tape_kink(w - v), tape_kink(v * x - 2.0)]
        return total([*parts, *[tape_kink(w * e) * tape_softsq(e) for e in xs]])  # maps over the list xs

    return fn


@pytest.mark.parametrize("backend", ["python", "c"])
def test_user_ops_traced_equal_the_interpreter_to_the_bit(backend: str, c_cache: Any) -> None:
    w, v = Value(0.8, label="w"), Value(-0.3, label="v")
    fn = user_loss(w, v)
    step = T.assert_same(fn, [1.5, [0.25, -1.0, 2.0]], [w, v], backend=backend, exact=True)
    for x, xs in [(-0.75, [1.0, 0.5, -0.25]), (3.0, [-2.0, -1.0, 0.0])]:  # both branches of where
        T.assert_same(fn, [x, xs], [w, v], backend=backend, exact=True, step=step)
    assert "tape_softsq" in step.source and "softplus" in step.source  # the helpers the formulas call
    if backend == "c":
        assert "static double softplus(double x)" in step.source and "log1p(" in step.source


def test_user_ops_have_the_gradients_of_their_formulas() -> None:
    """The definitions above are right (the comparison to the bit would pass with wrong ones)."""
    for op, n in ((tape_hypot, 2), (tape_softsq, 1), (tape_kink, 1)):
        for point in ([0.7, -1.2], [-0.4, 0.9]):
            assert gradcheck(lambda *xs, op=op: op(*xs), [Value(x) for x in point[:n]])


def test_activations_in_layers_and_in_loops() -> None:
    """Every activation in a layer over a batch (the blocks' loops, each activation's formula
    printed in them), both programs, to the bit."""
    rng = random.Random(3)
    W = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    B = [Value(rng.uniform(-0.5, 0.5)) for _ in range(4)]
    params = [w for row in W for w in row] + B

    def fn(X: Any) -> Value:
        out = []
        for act in ACTIVATIONS:
            A = linear_batch(W, X, B, act)
            out += [a * (k + 1.0) for k, row in enumerate(A) for a in row]
        return total(out)

    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(5)]
    for backend in ("python", "c"):
        if backend == "c":
            pytest.importorskip("ctypes")
        T.assert_same(fn, [X], params, backend=backend, exact=True)


# ---- the two programs read alike ----


def test_the_c_program_reads_like_the_python_one() -> None:
    """The same statements under the same names, in the same order: each line of the Python
    program's body (a value, a gradient, the forward line above a backward step) is a line of
    the C one that sets (or adds to) the same name; only the formulas' syntax differs."""
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    y = (w * x + b).tanh().softplus()
    py, c = source_of(y, "y"), source_of(y, "y", backend="c")
    body = py.split("def program(P, G):\n")[1].splitlines()[2:-2]  # after w, x, b = P and d_w, ... = G
    lines = [line.strip() for line in c.splitlines()]
    at = 0
    for s in (line.strip() for line in body):
        comment, name = s.startswith("#"), s.lstrip("# ").split(" ")[0]
        heads = (
            [f"/* {s[2:]}"]
            if comment and " = " not in s
            else [f"/* {name} = "]
            if comment
            else [f"{name} = ", f"{name} += "]
        )
        found = [k for k in range(at, len(lines)) if any(lines[k].startswith(h) for h in heads)]
        assert found, (s, heads)
        at = found[0] + 1
    assert "#define v4 v[" in c and "#define d_v4 d[" in c  # names from the labels and the order
    assert "static double sigmoid(" in c and "log1p(" in c  # softplus' = sigmoid: the helper it calls
    plain = source_of((w * x + b).tanh(), "t", backend="c")  # and only those: tanh, no helper
    assert "tanh(" in plain and "sigmoid" not in plain and "exp" not in plain and "log1p" not in plain
    assert c.count("malloc") == 1 and "work != NULL ? work : malloc" in c  # the caller's workspace


def test_a_domain_error_in_a_user_op_raises_as_the_interpreter_does() -> None:
    w = Value(1.0, label="w")
    fn = lambda x: tape_hypot(w * x, 0.0).log()  # noqa: E731  (log(0) at x = 0)
    for backend in ("python",):
        step = trace(fn, 1.0, backend=backend)
        T.same_error(fn, step, [0.0])
        assert math.isclose(step(2.0), math.log(2.0))
