"""The traced program (Python backend) against the interpreter: every op, random graphs, the moons
MLP and a softmax model give the same loss and gradients; bad arguments the same errors; a graph
that depends on values is caught by check(); the program is valid, ruff-clean Python.

The helpers here serve tests/test_tape_c.py too, which runs the same comparisons on the C program.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Sequence

import needs
import pytest
from test_ops import OPS

from autograd_mini import Value, datasets, dot, linear, linear_batch, losses, nn, total
from autograd_mini.tape import TraceMismatch, source_of, trace

REL = 1e-12
README = Path(__file__).resolve().parent.parent / "README.md"


def close(a: float, b: float, rel: float = REL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def interpreted(fn: Callable[..., Value], args: Sequence[Any], params: Sequence[Value]) -> tuple:
    """(loss, gradients) as backward() gives them, the parameters' .grad restored afterwards."""
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    out = fn(*args)
    out.backward()
    grads = [p.grad for p in params]
    for p, g in zip(params, saved):
        p.grad = g
    return out.data, grads


def stepped(step: Any, args: Sequence[Any], params: Sequence[Value]) -> tuple:
    """(loss, gradients) as the traced step gives them, .grad restored afterwards."""
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    loss = step(*args)
    grads = [p.grad for p in params]
    for p, g in zip(params, saved):
        p.grad = g
    return loss, grads


def assert_same(
    fn: Callable[..., Value],
    args: Sequence[Any],
    params: Sequence[Value],
    backend: str = "python",
    exact: bool = False,
    step: Any = None,
) -> Any:
    """The step's loss and every gradient equal the interpreter's (to 1e-12, or to the bit)."""
    step = step or trace(fn, *args, backend=backend)
    before = step.fallbacks
    loss, grads = stepped(step, args, params)
    want_loss, want = interpreted(fn, args, params)
    assert step.fallbacks == before, "the interpreter answered: the program did not run"
    if exact:
        assert loss == want_loss and grads == want
    assert close(loss, want_loss), (loss, want_loss)
    bad = [(k, g, w) for k, (g, w) in enumerate(zip(grads, want)) if not close(g, w)]
    assert not bad, bad[:5]
    return step


# ---- every op of the op table ----

OP_CASES = [pytest.param(op, point, id=f"{op.name}@{point}") for op in OPS for point in op.points]


@pytest.mark.parametrize("op, point", OP_CASES)
def test_every_op_as_parameters(op: Any, point: Sequence[float]) -> None:
    params = [Value(x, label=f"p{k}") for k, x in enumerate(point)]
    assert_same(lambda: op.f(*params), [], params, exact=True)


@pytest.mark.parametrize("op, point", OP_CASES)
def test_every_op_on_arguments(op: Any, point: Sequence[float]) -> None:
    """The op's inputs are the call's numbers: the value flows; a weight keeps a gradient."""
    w = Value(0.75, label="w")

    def fn(*xs: Any) -> Value:  # the interpreter gets numbers, the trace argument leaves
        return op.f(*[x if type(x) is Value else Value(x) for x in xs]) * w

    step = assert_same(fn, list(point), [w], exact=True)
    moved = [x * 0.9 + 0.01 for x in point]  # another call, same shape: the same program
    assert_same(fn, moved, [w], exact=True, step=step)


# ---- random graphs ----

UNARY = [
    "neg",
    "abs",
    "tanh",
    "sigmoid",
    "relu",
    "sin",
    "cos",
    "exp_t",
    "log_s",
    "sqrt_s",
    "pow2",
    "pow3",
    "rpow",
    "cdiv",
]
BINARY = ["add", "sub", "mul", "div_s", "pow_v", "addc", "caddl", "csub", "mulc", "divc"]


def recipe(rng: random.Random, n_in: int, n_ops: int) -> List[tuple]:
    """A random graph as a list of steps over a growing pool of nodes (shared freely)."""
    steps = []
    size = n_in
    for _ in range(n_ops):
        kind = rng.choice(["unary", "binary", "binary", "total", "dot", "layer"])
        pick = [rng.randrange(size) for _ in range(4)]
        c = rng.choice([0.5, -1.25, 2.0, 3.0, -0.3])
        if kind == "unary":
            steps.append((rng.choice(UNARY), pick[:1], c))
        elif kind == "binary":
            steps.append((rng.choice(BINARY), pick[:2], c))
        elif kind == "total":
            steps.append(("total", pick[: rng.randint(1, 4)], c))
        elif kind == "dot":
            steps.append(("dot", pick[:3], c))
        else:
            steps.append((rng.choice(["linear", "relu", "tanh", "sigmoid"]), pick[:3], c))
        size += 1
    return steps


def build(steps: List[tuple], pool: List[Any]) -> Value:
    pool = list(pool)
    for kind, idx, c in steps:
        a, b = pool[idx[0]], pool[idx[-1]]
        pool.append(_apply(kind, idx, c, a, b, pool))
    return total([v for v in pool[-4:] if type(v) is Value] or [pool[-1] * 1.0])


def _apply(kind: str, idx: List[int], c: float, a: Any, b: Any, pool: List[Any]) -> Any:
    squash = {
        "exp_t": lambda: a.tanh().exp(),
        "log_s": lambda: (a * a + 0.5).log(),
        "sqrt_s": lambda: (a * a + 0.25).sqrt(),
        "pow2": lambda: a**2,
        "pow3": lambda: a.tanh() ** 3,
        "rpow": lambda: 2.0 ** a.tanh(),
        "cdiv": lambda: c / (a * a + 1.0),
    }
    if kind in squash:
        return squash[kind]()
    if kind in ("neg", "abs", "tanh", "sigmoid", "relu", "sin", "cos"):
        return -a if kind == "neg" else abs(a) if kind == "abs" else getattr(a, kind)()
    binary = {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div_s": lambda: a / (b * b + 1.0),
        "pow_v": lambda: (a * a + 0.5) ** b.tanh(),
        "addc": lambda: a + c,
        "caddl": lambda: c + a,
        "csub": lambda: c - a,
        "mulc": lambda: c * a,
        "divc": lambda: a / c,
    }
    if kind in binary:
        return binary[kind]()
    vs = [pool[i] for i in idx]
    if kind == "total":
        return total([*vs, c])
    if kind == "dot":
        return dot(vs[:2], [vs[2], c], vs[0]).tanh()
    act = None if kind == "linear" else kind
    return linear([[vs[0], vs[1]], [vs[2], vs[0]]], [vs[1], c], [vs[2], vs[1]], act)[0].tanh()


def random_case(seed: int) -> tuple:
    rng = random.Random(seed)
    params = [Value(rng.uniform(-1.5, 1.5), label=f"p{k}") for k in range(3)]
    n_args = rng.randint(0, 2)
    steps = recipe(rng, len(params) + n_args, rng.randint(3, 14))

    def fn(*xs: Any) -> Value:
        return build(steps, [*params, *[x if type(x) is Value else Value(x) for x in xs]])

    return fn, [rng.uniform(-1.5, 1.5) for _ in range(n_args)], params


@pytest.mark.parametrize("seed", range(80))
def test_random_graphs(seed: int) -> None:
    fn, args, params = random_case(seed)
    step = assert_same(fn, args, params)
    if args:  # new numbers, the same program
        assert_same(fn, [x * 0.7 - 0.1 for x in args], params, step=step)


def grouped(cases: List[tuple]) -> tuple:
    """Many (fn, args, params) cases as one function (one program, one compile): their sum."""
    params = [p for _, _, ps in cases for p in ps]
    sizes = [len(args) for _, args, _ in cases]

    def fn(*xs: Any) -> Value:
        parts, k = [], 0
        for (f, _, _), n in zip(cases, sizes):
            parts.append(f(*xs[k : k + n]))
            k += n
        return total(parts)

    return fn, [x for _, a, _ in cases for x in a], params


# ---- models ----


def moons_model(fused: bool) -> tuple:
    X, y = datasets.make_moons(40, noise=0.1, seed=3)
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=random.Random(5), fused=fused)
    params = model.parameters()

    def loss_of(X: Any, y: Any) -> Value:
        return losses.hinge_loss(model(X), y) + losses.l2_regularization(params, 1e-4)

    return loss_of, [[list(map(float, row)) for row in X], datasets.to_pm1(y)], params


def softmax_model(activation: str = "tanh") -> tuple:
    X, y = datasets.make_blobs(30, seed=2, centers=3)
    model = nn.MLP(2, [8, 3], activation=activation, rng=random.Random(1))
    params = model.parameters()

    def loss_of(X: Any, y: Any) -> Value:
        return losses.softmax_cross_entropy(model(X), y)

    return loss_of, [[list(map(float, row)) for row in X], list(y)], params


def train_alongside(
    fn: Callable[..., Value], args: Sequence[Any], params: Sequence[Value], backend: str, steps: int = 3
) -> Any:
    """A few SGD steps driven by the program: at each, the same numbers as the interpreter."""
    step = trace(fn, *args, backend=backend)
    for _ in range(steps):
        assert_same(fn, args, params, exact=True, step=step)
        _, grads = stepped(step, args, params)
        for p, g in zip(params, grads):
            p.data -= 0.1 * g
    return step


@pytest.mark.parametrize("fused", [True, False])
def test_moons_mlp_to_the_bit(fused: bool) -> None:
    fn, args, params = moons_model(fused)
    step = train_alongside(fn, args, params, "python")
    assert f"L1_{'a' if fused else 'z'} = [[" in step.source  # the layers run as loops over the batch
    assert "L2_W = [P[k : k + 16]" in step.source


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_softmax_model_to_the_bit(activation: str) -> None:
    fn, args, params = softmax_model(activation)
    train_alongside(fn, args, params, "python")


def test_bce_model_whatever_the_signs() -> None:
    model = nn.MLP(2, [4, 1], activation="sigmoid", rng=random.Random(0), fused=True)
    params = model.parameters()

    def loss_of(X: Any, y: Any) -> Value:
        return losses.bce_with_logits(model(X), y)

    X = [[0.5, -1.0], [2.0, 1.5], [-3.0, 0.25]]
    step = assert_same(loss_of, [X, [1, 0, 1]], params)
    for scale in (-4.0, 0.0, 9.0):  # the logits change sign: no branch was recorded
        assert_same(loss_of, [[[a * scale, b] for a, b in X], [0, 1, 1]], params, step=step)


def test_parameters_are_read_at_every_call() -> None:
    w = Value(2.0, label="w")
    step = trace(lambda x: w * x * x, 3.0)
    assert step.parameters == [w] and step.parameters[0] is w
    assert step(3.0) == 18.0 and w.grad == 9.0
    w.data = -1.0
    assert step(2.0) == -4.0 and w.grad == 13.0  # gradients add up, as backward() does


def test_another_shape_traces_again() -> None:
    w = Value(0.5)
    step = trace(lambda xs: total([w * x for x in xs]), [1.0, 2.0])
    assert step([1.0, 2.0]) == 1.5
    assert step([1.0, 2.0, 3.0]) == 3.0 and len(step.programs) == 2
    assert step([4.0, 4.0]) == 4.0 and len(step.programs) == 2


def test_labels_and_class_indices_are_arguments() -> None:
    """The labels change from call to call; the program follows them (no label is frozen)."""
    fn, (X, y), params = softmax_model()
    step = trace(fn, X, y)
    for shift in (1, 2):
        assert_same(fn, [X, [(t + shift) % 3 for t in y]], params, step=step, exact=True)
    hinge, (Xm, ym), pm = moons_model(True)
    step = trace(hinge, Xm, ym)
    assert_same(hinge, [Xm, [-t for t in ym]], pm, step=step, exact=True)


def test_softmax_recomputes_its_max_from_the_new_logits() -> None:
    w = Value(1.0)
    step = trace(
        lambda z, c: losses.softmax_cross_entropy([w * z[0], w * z[1], w * z[2]], c), [0.1, 0.2, 0.3], 0
    )
    assert_same(
        lambda z, c: losses.softmax_cross_entropy([w * z[0], w * z[1], w * z[2]], c),
        [[1000.0, -1000.0, 999.0], 1],
        [w],
        step=step,
    )  # finite: the max moved to z_0


# ---- bad arguments: the interpreter's errors ----


def same_error(fn: Callable[..., Value], step: Any, args: Sequence[Any]) -> None:
    with pytest.raises(Exception) as theirs:
        fn(*args).backward()
    grads_before = [p.grad for p in step.parameters]
    with pytest.raises(type(theirs.value)) as mine:
        step(*args)
    assert str(mine.value) == str(theirs.value)
    assert [p.grad for p in step.parameters] == grads_before  # nothing half applied


BAD_CHANGES = [
    lambda X, y: (X, y[:-1]),  # one label short
    lambda X, y: ([*X[:-1], [0.5, "a"]], y),  # a string
    lambda X, y: (X, [0, *y[1:]]),  # a label that is not ±1
    lambda X, y: (X, [float("nan"), *y[1:]]),
    lambda X, y: (X, [True, *y[1:]]),
    lambda X, y: ([*X[:-1], [0.5]], y),  # a row too short
]


@pytest.mark.parametrize("change", BAD_CHANGES)
def test_bad_arguments_raise_as_the_interpreter_does(change: Callable, backend: str = "python") -> None:
    fn, (X, y), _ = moons_model(True)
    step = trace(fn, X, y, backend=backend)
    same_error(fn, step, change(X, y))


def test_bad_class_index_raises_as_the_interpreter_does() -> None:
    fn, (X, y), _ = softmax_model()
    step = trace(fn, X, y)
    for bad in ([3, *y[1:]], [-1, *y[1:]], [1.0, *y[1:]]):
        same_error(fn, step, [X, bad])


def test_domain_errors_raise_as_the_interpreter_does(backend: str = "python") -> None:
    w = Value(1.5, label="w")
    cases = [
        (lambda x: (w * x).log(), 1.0, -2.0),
        (lambda x: (w * x).sqrt() * w, 1.0, 0.0),
        (lambda x: (w * x).exp(), 1.0, 1000.0),
        (lambda x: w / x, 1.0, 0.0),
        (lambda x: (w * x) ** 0.5, 1.0, -1.0),
    ]
    for fn, good, bad in cases:
        step = trace(fn, good, backend=backend)
        same_error(fn, step, [bad])
        assert_same(fn, [good], [w], step=step)


def test_a_gradient_of_zero_skips_the_derivative() -> None:
    """sqrt(x)·0 at x = 0: backward() gives 0 (it never evaluates sqrt' there); so does the step."""
    w = Value(0.0, label="w")
    step = trace(lambda x: (w * x).sqrt() * 0.0 + w, 1.0)
    assert step(1.0) == 0.0 and w.grad == 1.0


def test_nan_in_gives_nan_out_as_in_the_interpreter() -> None:
    fn, (X, y), params = moons_model(True)
    step = trace(fn, X, y)
    bad = [[float("nan"), 0.5], *X[1:]]
    loss, grads = stepped(step, [bad, y], params)
    want_loss, want = interpreted(fn, [bad, y], params)
    assert math.isnan(loss) and math.isnan(want_loss)
    assert [math.isnan(g) for g in grads] == [math.isnan(g) for g in want]


# ---- what a trace cannot see, check() finds ----


def test_check_names_the_node_where_control_flow_differs() -> None:
    w = Value(2.0, label="w")

    def fn(x: Value) -> Value:
        return (w * x).relu() if x.data > 0 else (w * x).tanh()

    step = trace(fn, 1.0)
    step.check(3.0)  # the same path: fine
    with pytest.raises(TraceMismatch, match=r"node 3 .*tanh.*another path"):
        step.check(-1.0)


def test_check_finds_a_number_read_from_the_data() -> None:
    w = Value(2.0, label="w")
    step = trace(lambda x: w * x - (w * x).data, 1.0)
    with pytest.raises(TraceMismatch, match="a constant"):
        step.check(5.0)


@pytest.mark.parametrize("make", [lambda: moons_model(True), softmax_model])
def test_check_passes_where_the_program_is_right(make: Callable) -> None:
    fn, args, _ = make()
    trace(fn, *args).check(*args)
    trace(fn, *args, check=True)(*args)


# ---- the program as text ----


def tanh_program() -> str:
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    return source_of((w * x + b).tanh(), "tanh(w*x + b)")


def test_the_program_reads_like_the_formulas() -> None:
    src = tanh_program()
    assert "    w, x, b = P\n" in src and "    v5 = tanh(v4)\n" in src
    assert "    d_v4 = d_v5 * (1.0 - v5 * v5)\n" in src  # tanh' = 1 - tanh²
    assert src.index("# forward") < src.index("# backward")
    namespace: dict = {}
    exec(compile(src, "tanh.py", "exec"), namespace)
    G = [0.0, 0.0, 0.0]
    y = namespace["program"]([-3.0, 0.5, 2.0], G)
    assert y == math.tanh(0.5) and G == [(1 - y * y) * 0.5, (1 - y * y) * -3.0, 1 - y * y]


def test_the_readme_shows_the_program_it_generates() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The program autodiff writes") : text.index("## How the engine maps")]
    shown = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert tanh_program() in shown


def test_a_neuron_block_says_the_rule_it_applies() -> None:
    fn, args, _ = moons_model(True)
    src = trace(fn, *args).source
    for rule in ("Z = W·A + B", "A = relu(Z)", "dZ = dA * relu'(Z)", "dW += dZ * A", "dA_prev += W * dZ"):
        assert rule in src


def ruff() -> List[str]:
    found = shutil.which("ruff")
    if found:
        return [found]
    try:
        import ruff as _  # noqa: F401
    except ImportError:
        needs.missing("ruff is not installed (CI installs it)")
    return [sys.executable, "-m", "ruff"]


def test_programs_are_ruff_clean(tmp_path: Path) -> None:
    sources = {
        "tanh": tanh_program(),
        "moons": trace(*_flat(moons_model(False))).source,
        "softmax": trace(*_flat(softmax_model("sigmoid"))).source,
    }
    for op in OPS:
        params = [Value(x) for x in op.points[0]]
        sources[re.sub(r"\W", "_", op.name)] = trace(lambda op=op, params=params: op.f(*params)).source
    for name, src in sources.items():
        compile(src, name, "exec")
        (tmp_path / f"{name}.py").write_text(src)
    r = subprocess.run(
        [*ruff(), "check", "--isolated", "--no-cache", str(tmp_path)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout[-3000:]


def _flat(case: tuple) -> tuple:
    fn, args, _ = case
    return (fn, *args)


# ---- scale ----


def test_a_64_32_10_mlp_on_a_batch_of_64_traces_in_seconds() -> None:
    rng = random.Random(0)
    model = nn.MLP(64, [32, 10], activation="relu", rng=rng, fused=True)
    X = [[rng.random() for _ in range(64)] for _ in range(64)]
    y = [rng.randrange(10) for _ in range(64)]

    def loss_of(X: Any, y: Any) -> Value:
        return losses.softmax_cross_entropy(model(X), y)

    t0 = time.perf_counter()
    step = trace(loss_of, X, y)
    seconds = time.perf_counter() - t0
    assert seconds < 5.0 and len(step.source) < 5_000_000
    assert_same(loss_of, [X, y], model.parameters(), exact=True, step=step)


def test_linear_batch_with_scalar_nodes_between_layers() -> None:
    """Blocks whose inputs are gathered from scalar nodes, and weights that are not in P's order."""
    rng = random.Random(4)
    W1 = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    B1 = [Value(0.1 * k) for k in range(4)]
    W2 = [[W1[k][0] * 1.0 for k in range(4)]]  # weights computed from others: not a block
    params = [w for row in W1 for w in row] + B1

    def fn(X: Any) -> Value:
        A = linear_batch(W1, X, B1, "tanh")
        A = [[a.sin() for a in row] for row in A]
        Z = linear_batch(W1[::-1], [[a * 2.0 for a in row[:3]] for row in A], B1[::-1], "sigmoid")
        return total([z for row in Z for z in row] + [dot(W2[0], row, B1[0]) for row in A])

    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(5)]
    assert_same(fn, [X], params)


# ---- edge cases ----


def test_functions_without_parameters_or_returning_a_leaf() -> None:
    w = Value(2.0, label="w")
    step = trace(lambda: w)
    assert step() == 2.0 and w.grad == 1.0  # d w / d w
    assert trace(lambda x: x * 3.0, 1.0)(2.0) == 6.0
    assert trace(lambda x: x, 1.0)(5.0) == 5.0


def test_numpy_arrays_and_tuples_as_arguments() -> None:
    np = pytest.importorskip("numpy")
    fn, (X, y), params = softmax_model()
    step = trace(fn, np.array(X), np.array(y))  # read as the lists they hold
    assert stepped(step, [np.array(X), np.array(y)], params) == interpreted(fn, [X, y], params)
    assert_same(fn, [tuple(map(tuple, X)), tuple(y)], params, step=step, exact=True)


def test_a_check_on_a_value_that_is_no_argument_is_refused() -> None:
    """A label that is a Value made inside the function: its check cannot be replayed."""
    w = Value(0.5)
    with pytest.raises(TypeError, match="not one of the traced function's arguments"):
        trace(lambda x: losses.hinge_loss([w * x], [Value(1.0)]), 1.0)


def test_a_function_that_only_works_on_numbers_says_so() -> None:
    with pytest.raises(TypeError, match="works on numbers but fails when its arguments are Values"):
        trace(lambda y: total([Value(1.0) * float(t) for t in datasets.to_pm1(y)]), [0, 1])


def test_mse_between_two_computed_values_traces() -> None:
    """A target that is a computed Value (not a label): nothing to check, so nothing refused."""
    w, v = Value(0.5, label="w"), Value(-1.5, label="v")
    fn = lambda x: losses.mse_loss([w * x], [(v * x).tanh()])  # noqa: E731
    assert_same(fn, [2.0], [w, v], exact=True)
