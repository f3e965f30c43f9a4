"""What the program computes for a node, as formula trees: the very trees the interpreter runs.

The interpreter's term for parent i is ``g · op.grads[i]`` (`expr.times`), printed by
`expr.PYTHON`; a fused neuron's dz is its activation's ``g · grads[0]`` with x -> z, out -> a.
Here the same trees get the node's constant as a number and are folded where both sides are
numbers (``0.5 < 0 or 0.5 > 0`` is ``True``, which picks the branch the interpreter picks), so
each printer prints a tree that computes the interpreter's floats, to the bit.
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from ..engine import OPS, Op, expr
from ..engine.expr import BinOp, Call, Expr, Name, Num, calls_in, children, times
from ..engine.op import PREDICATES, PRIMITIVES


def fold(e: Expr, names: Dict[str, Expr]) -> Expr:
    """`e` with `names` put in and the operations on numbers computed (`expr.fold`)."""
    return expr.fold(e, names, PREDICATES)


def scope(op: Op, parents: List[Expr], const: Any) -> Dict[str, Expr]:
    """The op's names bound: each argument to its parent's tree, the constant to its number."""
    names = dict(zip(op.args, parents))
    if op.const:
        names[op.const] = Num(float(op.default if const is None else const))  # type: ignore[arg-type]
    return names


def value(op: Op, parents: List[Expr], const: Any) -> Expr:
    return fold(op.value, scope(op, parents, const))


def terms(op: Op, parents: List[Expr], const: Any, out: Expr, g: Expr) -> List[Expr]:
    """What g sends to each parent: g · d out / d parent, as the interpreter computes it."""
    names = {**scope(op, parents, const), "out": out, "g": g}
    return [fold(times(Name("g"), d), names) for d in op.grads]


def checks(op: Op, parents: List[Expr], const: Any) -> List[Tuple[Expr, Any, str, Dict[str, Expr]]]:
    """The op's checks that may fail here: (condition, the interpreter's error, its message with
    {names}, the trees of those names)."""
    found = []
    names = scope(op, parents, const)
    for cond, error, message in op.raises:
        c = fold(cond, names)
        if not (isinstance(c, Num) and not c.value):
            found.append((c, error, f"{op.symbol}: {message}", names))
    return found


def may_fail(e: Expr) -> bool:
    """Whether computing `e` on finite floats can raise: a division or a power by something
    that is not a number, or a function with a domain (an op with checks, log's x > 0), or one
    whose formula can raise."""
    if isinstance(e, BinOp) and e.op in ("/", "**"):
        n = e.right.value if isinstance(e.right, Num) else None
        if n is None or (e.op == "**" and not (n >= 0.0 and n.is_integer())):
            return True
    op = OPS.get(e.fn) if isinstance(e, Call) else None
    if isinstance(e, Call) and (op is None or op.raises or not op.primitive() and may_fail(op.value)):
        if not all(isinstance(a, Num) for a in e.args) or e.fn not in PRIMITIVES:
            return True
        try:
            PRIMITIVES[e.fn](*[a.value for a in e.args])  # type: ignore[union-attr]
        except (ValueError, ArithmeticError):
            return True
    return any(may_fail(c) for c in children(e))


def activation(op: Op) -> Tuple[Expr, Expr]:
    """(a = g(z), dz = da · g'(z)) of a layer's activation, in the names z, a and g."""
    z, a, g = Name("z"), Name("a"), Name("g")
    return value(op, [z], None), terms(op, [z], None, a, g)[0]


def helpers(trees: List[Expr]) -> Tuple[Set[str], List[Tuple[str, Op]]]:
    """(the primitives the trees call, the ops they call that need a function of their own, each
    after the ones it calls)."""
    primitives: Set[str] = set()
    ops: List[Tuple[str, Op]] = []
    todo = list(trees)
    while todo:
        for fn in sorted(set().union(*map(calls_in, [todo.pop()]))):
            op = OPS.get(fn)
            if fn in PRIMITIVES and (op is None or op.primitive()) or fn in PREDICATES:
                primitives.add(fn)
            elif op is not None and all(n != fn for n, _ in ops):
                ops.insert(0, (fn, op))
                todo.append(op.value)
    return primitives, ops


def helper_body(op: Op) -> Expr:
    """An op a formula calls, as a function of its arguments (its constant at its default)."""
    return value(op, [Name(a) for a in op.args], None)


_KINDS: Dict[Tuple[Any, str], Tuple[bool, bool]] = {}


def kind(nd: Any) -> Tuple[bool, bool]:
    """(whether the node's local derivatives can fail where its value did not, as sqrt' at 0;
    whether it can be an element of a loop: an op with no check left to make at run time)."""
    op = nd.op
    if not isinstance(op, Op):
        return False, False
    key = (op, repr(nd.const))
    if key not in _KINDS:
        xs: List[Expr] = [Name(f"x{k}") for k in range(len(op.args))]
        fails = any(may_fail(t) for t in terms(op, xs, nd.const, Name("out"), Name("g")))
        _KINDS[key] = (fails, not checks(op, xs, nd.const))
    return _KINDS[key]
