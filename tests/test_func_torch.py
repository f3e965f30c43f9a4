"""autograd_mini.func against torch.func in float64: 200 random functions built from every op the
engine defines (read from the engine at run time, so a new op is drawn as soon as it exists), with
one to three outputs, and the Hessian of an MLP's loss with respect to its 13 parameters.

Skipped where torch is not installed (failed under CI=true, see needs.py).
"""

from __future__ import annotations

import math
import operator
import random
from typing import Any, Callable, Dict, List, NamedTuple, Sequence, Tuple

import needs
import pytest

from autograd_mini import Value, engine, func, linear, nn, total

torch = needs.module("torch", "pip install 'autograd_mini[torch]'")
TF = torch.func
F = torch.nn.functional


class Op(NamedTuple):
    kind: str  # 'binary' (two Values), 'const' (Value op c), 'rconst' (c op Value), 'unary', 'sum', 'neuron'
    ours: Callable[..., Any]
    theirs: Callable[..., Any]


# The ops that are not methods of a Value, by the engine's rule names; every other rule the engine
# defines must be a Value method with a torch (or torch.nn.functional) function of the same name.
OPERATORS: Dict[str, Op] = {
    "add": Op("binary", operator.add, operator.add),
    "sub": Op("binary", operator.sub, operator.sub),
    "mul": Op("binary", operator.mul, operator.mul),
    "div": Op("binary", operator.truediv, operator.truediv),
    "pow": Op("binary", operator.pow, operator.pow),
    "add_const": Op("const", operator.add, operator.add),
    "sub_const": Op("const", operator.sub, operator.sub),
    "mul_const": Op("const", operator.mul, operator.mul),
    "div_const": Op("const", operator.truediv, operator.truediv),
    "pow_const": Op("const", operator.pow, operator.pow),
    "rsub": Op("rconst", lambda a, c: c - a, lambda a, c: c - a),
    "rdiv": Op("rconst", lambda a, c: c / a, lambda a, c: c / a),
    "rpow": Op("rconst", lambda a, c: c**a, lambda a, c: c**a),
    "neg": Op("unary", operator.neg, operator.neg),
    "abs": Op("unary", abs, torch.abs),
    "sum": Op("sum", lambda *xs: total(xs), lambda *xs: sum(xs)),
    "neuron": Op("neuron", lambda *a: linear(*a)[0], None),
}
CONSTANTS = {"pow_const": [2.0, 3.0, -1.0, 0.5, 1.5], "rpow": [0.5, 2.0, 3.0]}


def torch_function(name: str) -> Callable[..., Any]:
    found = getattr(torch, name, None) or getattr(F, name, None)
    if found is None:
        raise LookupError(f"the engine's op {name!r} has no torch function of that name: add it to OPERATORS")
    return found  # type: ignore[no-any-return]


def engine_ops() -> Dict[str, Op]:
    """Every op of the engine, as the test draws it: its rule names, and the neuron."""
    names = set(engine.RULES) | {rule.name for rule in engine.NEURON_RULES.values()}
    ops = {}
    for name in sorted(names):
        if name in OPERATORS:
            ops[name] = OPERATORS[name]
        elif callable(getattr(Value, name, None)):
            ops[name] = Op("unary", getattr(Value, name), torch_function(name))
        else:
            raise LookupError(f"the engine's op {name!r} is neither a Value method nor in OPERATORS")
    return ops


OPS = engine_ops()


class Step(NamedTuple):
    op: str
    args: Tuple[int, ...]  # positions in the pool of nodes
    const: Any  # the constant, the neuron's (numbers, activation), or None


def run(steps: Sequence[Step], outputs: Sequence[int], xs: Sequence[Any], ours: bool) -> List[Any]:
    """The program on Values (ours) or on torch scalars; the nodes at the `outputs` positions."""
    pool = list(xs)
    for s in steps:
        op = OPS[s.op]
        args = [pool[i] for i in s.args]
        if op.kind == "neuron":
            pool.append(neuron(args, s.const, ours))
            continue
        fn = op.ours if ours else op.theirs
        pool.append(fn(*args, s.const) if op.kind in ("const", "rconst") else fn(*args))
    return [pool[i] for i in outputs]


def neuron(args: List[Any], const: Any, ours: bool) -> Any:
    numbers, activation = const
    k = len(args) // 2 if numbers is None else len(args) - 1
    ws, xs, b = args[:k], (args[k:-1] if numbers is None else numbers), args[-1]
    if ours:
        return linear([ws], xs, [b], activation)[0]
    z = sum(w * x for w, x in zip(ws, xs)) + b
    return z if activation is None else torch_function(activation)(z)


def random_program(rng: random.Random) -> Tuple[List[Step], List[int], List[float]]:
    """A random function of 1-4 inputs and 1-3 outputs, each op drawn from `OPS` alike, kept where
    every node is of moderate size, away from kinks and from where a derivative is steep."""
    point = [rng.uniform(-1.5, 1.5) for _ in range(rng.randint(1, 4))]
    pool = [Value(x) for x in point]
    steps: List[Step] = []
    names = sorted(OPS)
    while len(steps) < 10:
        name = rng.choice(names)
        step = draw(name, len(pool), rng)
        try:
            node = run([step], [len(pool)], pool, ours=True)[0]  # one step, on the pool so far
        except (ArithmeticError, ValueError):  # outside the op's domain
            continue
        if tame(node):
            pool.append(node)
            steps.append(step)
    n = len(point)
    m = rng.randint(1, 3)
    outputs = [n + len(steps) - 1, *rng.sample(range(n, n + len(steps) - 1), m - 1)]
    return steps, outputs, point


def draw(name: str, size: int, rng: random.Random) -> Step:
    kind = OPS[name].kind

    def pick() -> int:  # mostly recent nodes (deep functions), any node sometimes (shared ones)
        return max(0, size - 1 - int(rng.expovariate(0.8))) if rng.random() < 0.7 else rng.randrange(size)

    if kind == "binary":
        return Step(name, (pick(), pick()), None)
    if kind in ("const", "rconst"):
        c = rng.choice(CONSTANTS.get(name, [-1.5, -0.5, 0.75, 2.0]))
        return Step(name, (pick(),), c)
    if kind == "unary":
        return Step(name, (pick(),), None)
    if kind == "sum":
        return Step(name, tuple(pick() for _ in range(rng.randint(2, 4))), None)
    k = rng.randint(1, 3)
    activation = rng.choice([None, *engine.ACTIVATIONS])
    if rng.random() < 0.5:  # number inputs: k weights and a bias
        numbers = [rng.uniform(-1.0, 1.0) for _ in range(k)]
        return Step(name, tuple(pick() for _ in range(k + 1)), (numbers, activation))
    return Step(name, tuple(pick() for _ in range(2 * k + 1)), (None, activation))


def tame(v: Value) -> bool:
    if not abs(v.data) < 20.0 or any(abs(p.data) < 1e-3 for p in v.parents):  # (kinks sit at 0)
        return False
    return all(abs(d) < 20.0 for d in v.local_derivatives())


def ours_and_theirs(steps: List[Step], outputs: List[int]) -> Tuple[Callable[..., Any], Callable[..., Any]]:
    single = len(outputs) == 1

    def f(*xs: Any) -> Any:
        out = run(steps, outputs, xs, ours=True)
        return out[0] if single else out

    def f_torch(x: Any) -> Any:
        return torch.stack(run(steps, outputs, list(x.unbind()), ours=False))

    return f, f_torch


def t64(x: Any) -> Any:
    return torch.tensor(x, dtype=torch.float64)


def close(ours: Any, theirs: Any, what: str) -> None:
    """Equal to 1e-12, relative to the size of the numbers (and absolutely below 1)."""
    a = torch.as_tensor(ours, dtype=torch.float64)
    b = theirs.detach().reshape(a.shape)
    err = (a - b).abs().max().item() if a.numel() else 0.0
    assert err <= 1e-12 * max(1.0, b.abs().max().item()), f"{what}: {ours} vs torch.func {b.tolist()}"


def test_every_op_of_the_engine_is_drawn() -> None:
    counts = {name: 0 for name in OPS}
    for seed in range(200):
        for step in random_program(random.Random(seed))[0]:
            counts[step.op] += 1
    assert min(counts.values()) >= 20, counts
    assert {"exp", "log", "tanh", "relu", "pow", "neuron", "sum"} <= set(OPS)


def output(f: Callable[..., Any], k: int, m: int) -> Callable[..., Value]:
    """Output k of an f of m outputs, as a function."""
    return f if m == 1 else lambda *xs: f(*xs)[k]


def test_200_random_functions_match_torch_func() -> None:
    several = 0
    for seed in range(200):
        steps, outputs, point = random_program(random.Random(seed))
        f, f_torch = ours_and_theirs(steps, outputs)
        rng = random.Random(1000 + seed)
        m, n = len(outputs), len(point)
        several += m > 1
        x = t64(point)
        tangent = [rng.uniform(-1, 1) for _ in range(n)]
        cotangent = [rng.uniform(-1, 1) for _ in range(m)]
        where = f"seed {seed} ({m} outputs, {n} inputs)"

        out, jv = func.jvp(f, point, tangent)
        t_out, t_jv = TF.jvp(f_torch, (x,), (t64(tangent),))
        close(out, t_out, f"{where} jvp value")
        close(jv, t_jv, f"{where} jvp")

        out, vjp_fn = func.vjp(f, *point)
        t_out, t_vjp_fn = TF.vjp(f_torch, x)
        close(vjp_fn(cotangent[0] if m == 1 else cotangent), t_vjp_fn(t64(cotangent))[0], f"{where} vjp")

        t_jac = TF.jacrev(f_torch)(x)
        close(func.jacrev(f)(*point), t_jac, f"{where} jacrev")
        close(func.jacfwd(f)(*point), TF.jacfwd(f_torch)(x), f"{where} jacfwd")

        t_hess = TF.hessian(f_torch)(x)
        close(func.hessian(f)(*point), t_hess, f"{where} hessian")
        for k in range(m):
            f_k = output(f, k, m)
            close(func.hvp(f_k, point, tangent), t_hess[k] @ t64(tangent), f"{where} hvp of output {k}")
            close(func.grad(f_k, argnums=tuple(range(n)))(*point), t_jac[k], f"{where} grad of output {k}")
    assert several >= 100


# ---- an MLP's loss as a function of its parameters ----

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 2.0]]
Y = [0.3, -0.2, 0.9, -0.6]


def mlp_loss(activation: str, fused: bool) -> Callable[..., Value]:
    """The mean squared error of a 2-3-1 `nn.MLP` whose 13 parameters are the arguments."""

    def loss(*params: Value) -> Value:
        model = nn.MLP(2, [3, 1], activation=activation, fused=fused)
        assert len(params) == len(model.parameters()) == 13
        given = iter(params)
        for layer in model.layers:  # W row by row, then B, layer by layer
            for row in layer.weight:
                row[:] = [next(given) for _ in row]
            layer.bias[:] = [next(given) for _ in layer.bias]
        return nn.mse_loss([model(x) for x in X], Y)

    return loss


def mlp_loss_torch(activation: str) -> Callable[[Any], Any]:
    def loss(p: Any) -> Any:
        w1, b1, w2, b2 = p[:6].reshape(3, 2), p[6:9], p[9:12].reshape(1, 3), p[12:]
        h = getattr(torch, activation)(t64(X) @ w1.T + b1)
        return ((h @ w2.T + b2).reshape(-1) - t64(Y)).pow(2).mean()

    return loss


@pytest.mark.parametrize("activation, fused", [("tanh", False), ("tanh", True), ("sigmoid", True)])
def test_hessian_of_an_mlp_loss_matches_torch_func(activation: str, fused: bool) -> None:
    params = [random.Random(i).gauss(0.0, 0.8) for i in range(13)]
    p = t64(params)
    loss, loss_torch = mlp_loss(activation, fused), mlp_loss_torch(activation)
    t_hess = TF.hessian(loss_torch)(p)
    hess = func.hessian(loss)(*params)
    assert len(hess) == 13 and all(len(row) == 13 for row in hess)
    close(hess, t_hess, f"MLP 2-3-1 {activation} Hessian")
    close(func.jacrev(loss)(*params), TF.grad(loss_torch)(p), "MLP gradient by jacrev")
    close(func.jacfwd(loss)(*params), TF.grad(loss_torch)(p), "MLP gradient by jacfwd")
    v = [math.sin(i) for i in range(13)]
    close(func.hvp(loss, params, v), t_hess @ t64(v), "MLP hvp")
    assert max(abs(h) for row in hess for h in row) > 0.1  # the Hessian is not trivially 0
