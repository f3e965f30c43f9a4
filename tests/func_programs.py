"""Random functions of a few scalars, drawn from every op the engine defines, as programs that run
on Values and, step for step, on torch scalars: for the tests of `autograd_mini.func`.

The ops are read from the engine when this module is imported (its rule names and the neuron), so
a new op is drawn as soon as the engine has it; an op that is neither a Value method nor one of the
`OPERATORS` below stops the tests with a message saying so.
"""

from __future__ import annotations

import operator
import random
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from autograd_mini import Value, engine, linear, total

Unary = Callable[[str, Any], Any]  # (op name, x) -> the op applied to x


class Step(NamedTuple):
    op: str
    args: Tuple[int, ...]  # positions in the pool of nodes (the inputs first)
    const: Any  # the constant, the neuron's (numbers or None, activation), or None


# The ops that are not Value methods, by the engine's rule names, as (kind, function). The functions
# run on Values and on torch tensors alike; every other op is a method of the same name on a Value.
OPERATORS: Dict[str, Tuple[str, Callable[..., Any]]] = {
    "add": ("binary", operator.add),
    "sub": ("binary", operator.sub),
    "mul": ("binary", operator.mul),
    "div": ("binary", operator.truediv),
    "pow": ("binary", operator.pow),
    "add_const": ("const", operator.add),
    "sub_const": ("const", operator.sub),
    "mul_const": ("const", operator.mul),
    "div_const": ("const", operator.truediv),
    "pow_const": ("const", operator.pow),
    "rsub": ("const", lambda a, c: c - a),
    "rdiv": ("const", lambda a, c: c / a),
    "rpow": ("const", lambda a, c: c**a),
    "neg": ("unary", operator.neg),
    "abs": ("unary", abs),
    "sum": ("sum", None),
    "neuron": ("neuron", None),
}
CONSTANTS = {"pow_const": [2.0, 3.0, -1.0, 0.5, 1.5], "rpow": [0.5, 2.0, 3.0]}


def engine_ops() -> Dict[str, str]:
    """Every op of the engine, by name, with its kind ('method' for a Value method)."""
    names = set(engine.RULES) | {rule.name for rule in engine.NEURON_RULES.values()}
    kinds = {}
    for name in sorted(names):
        if name in OPERATORS:
            kinds[name] = OPERATORS[name][0]
        elif callable(getattr(Value, name, None)):
            kinds[name] = "method"
        else:
            raise LookupError(f"the engine's op {name!r} is neither a Value method nor in OPERATORS")
    return kinds


OPS = engine_ops()


def method(name: str, x: Any) -> Any:
    return getattr(x, name)()


def run(steps: Sequence[Step], outputs: Sequence[int], xs: Sequence[Any], unary: Unary = method) -> List[Any]:
    """The program on `xs` (Values, or torch scalars with torch's `unary` functions); the nodes at
    the `outputs` positions."""
    pool = list(xs)
    for s in steps:
        kind = OPS[s.op]
        args = [pool[i] for i in s.args]
        if kind == "method":
            pool.append(unary(s.op, args[0]))
        elif kind == "sum":
            pool.append(total(args) if unary is method else sum(args))
        elif kind == "neuron":
            pool.append(neuron(args, s.const, unary))
        else:
            fn = OPERATORS[s.op][1]
            pool.append(fn(*args, s.const) if kind == "const" else fn(*args))
    return [pool[i] for i in outputs]


def neuron(args: List[Any], const: Any, unary: Unary) -> Any:
    numbers, activation = const
    k = len(args) // 2 if numbers is None else len(args) - 1
    ws, xs, b = args[:k], (args[k:-1] if numbers is None else numbers), args[-1]
    if unary is method:
        return linear([ws], xs, [b], activation)[0]
    z = sum(w * x for w, x in zip(ws, xs)) + b
    return z if activation is None else unary(activation, z)


def random_program(rng: random.Random) -> Tuple[List[Step], List[int], List[float]]:
    """(steps, output positions, a point): a function of 1-4 inputs and 1-3 outputs, ten ops each
    drawn from `OPS` alike, kept where every node is of moderate size, away from kinks (at 0) and
    from where a derivative is steep."""
    point = [rng.uniform(-1.5, 1.5) for _ in range(rng.randint(1, 4))]
    pool = [Value(x) for x in point]
    steps: List[Step] = []
    names = sorted(OPS)
    while len(steps) < 10:
        step = draw(rng.choice(names), len(pool), rng)
        try:
            node = run([step], [len(pool)], pool)[0]  # one step, on the pool so far
        except (ArithmeticError, ValueError):  # outside the op's domain
            continue
        if tame(node):
            pool.append(node)
            steps.append(step)
    n, m = len(point), rng.randint(1, 3)
    outputs = [n + len(steps) - 1, *rng.sample(range(n, n + len(steps) - 1), m - 1)]
    return steps, outputs, point


def draw(name: str, size: int, rng: random.Random) -> Step:
    kind = OPS[name]

    def pick() -> int:  # mostly recent nodes (deep functions), any node sometimes (shared ones)
        return max(0, size - 1 - int(rng.expovariate(0.8))) if rng.random() < 0.7 else rng.randrange(size)

    if kind == "binary":
        return Step(name, (pick(), pick()), None)
    if kind == "const":
        return Step(name, (pick(),), rng.choice(CONSTANTS.get(name, [-1.5, -0.5, 0.75, 2.0])))
    if kind in ("unary", "method"):
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
    if not abs(v.data) < 20.0 or any(abs(p.data) < 1e-3 for p in v.parents):
        return False
    return all(abs(d) < 20.0 for d in v.local_derivatives())


def function(steps: List[Step], outputs: List[int], unary: Optional[Unary] = None) -> Callable[..., Any]:
    """The program as a function of scalars: one Value, or a list of them (several outputs)."""
    single = len(outputs) == 1

    def f(*xs: Any) -> Any:
        out = run(steps, outputs, xs, unary or method)
        return out[0] if single else out

    return f


def programs(count: int) -> List[Tuple[List[Step], List[int], List[float]]]:
    """The same `count` random programs on every call (seeds 0, 1, ...)."""
    return [random_program(random.Random(seed)) for seed in range(count)]
