"""`Step.check`: run one call both ways, the program and the interpreter, and say where they part.

First the graph: the function runs again on argument leaves, and its nodes are compared one by
one with the traced ones. A different operation, constant or parent means the function took
another path for these numbers (an ``if`` on a value, a number read from a node's data) and the
program would not compute this call. Then the numbers: every value and every gradient the program
keeps is compared with the interpreter's.
"""

from __future__ import annotations

import ctypes
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import trace_hooks as hooks
from ..engine import Value, chain_rule, enable_grad, op_text, topological_order
from . import args as arguments
from .graph import ARG, CONST, DERIVED, PARAM, describe
from .program import Program, load_python

REL_TOL = 1e-12


class TraceMismatch(ValueError):
    """The program and the interpreter differ on a call (see `Step.check`)."""


def check_call(step: Any, prog: Program, args: Sequence[Any]) -> None:
    """Raise TraceMismatch where `prog` and the interpreter differ on ``step.fn(*args)``."""
    _, flat, plain = arguments.read(args)
    wrapped, raw, _ = arguments.wrap(plain, prog.arg_names)
    rec = hooks.Recorder(raw)
    before = hooks.start(rec)
    try:
        with enable_grad():
            out = step.fn(*wrapped)
    finally:
        hooks.start(before)
    if type(out) is not Value:
        raise TypeError(f"trace: fn must return a Value, got {type(out).__name__}")
    order = topological_order(out)
    _same_graph(prog, order, rec)
    if not prog.guards_hold(flat):
        raise TraceMismatch(
            "step.check: a check the function makes on its arguments fails for this call "
            "(the interpreter raises for it; the program hands such calls to the interpreter)"
        )
    grads = chain_rule(out, 1.0).grads
    values, kept = _program_numbers(prog, flat, plain)
    _same_numbers(prog, order, grads, values, kept)


def _where(v: Value, i: int) -> str:
    text = op_text(v) or "leaf"
    return f"node {i} ({v.label + ', ' if v.label else ''}{text})"


def _same_graph(prog: Program, order: List[Value], rec: hooks.Recorder) -> None:
    graph = prog.plan.graph
    nodes = graph.nodes
    index = {v: i for i, v in enumerate(order)}
    hint = (
        "the function took another path for these numbers (control flow is recorded, as in "
        "torch.jit.trace); trace this shape again, or keep the graph the same for every call"
    )
    for i, v in enumerate(order):
        if i >= len(nodes):
            raise TraceMismatch(
                f"step.check: {_where(v, i)} is new: the graph has {len(order)} nodes now, "
                f"{len(nodes)} when traced; {hint}"
            )
        nd = nodes[i]
        rule, act, numbers, const = describe(v)
        why = None
        if nd.kind == PARAM:
            if v is not graph.params[graph.param_of[i]]:
                why = "another Value than the parameter the program reads"
        elif nd.kind == ARG:
            if rec.raw.get(v, None) is None or list(rec.raw).index(v) != nd.flat:
                why = "not the argument number the program reads"
        elif nd.kind == CONST:
            if rule or not _same(v.data, nd.data) or v in rec.raw:
                why = f"a constant {nd.data!r} when traced, now {v.data!r} (a number computed from the data?)"
        elif nd.kind == DERIVED:
            if v not in rec.derived:
                why = "no longer a constant recomputed from the data"
        elif (rule, act, numbers) != (nd.rule, nd.act, nd.numbers):
            why = f"{op_text(v) or 'a leaf'} now, another operation ({nd.rule or nd.kind}) when traced"
        elif not _same_const(const, nd.const):
            why = (
                f"made with a constant {const!r} now, {nd.const!r} when traced (a number read from "
                "the data is frozen in the program)"
            )
        elif tuple(index[p] for p in v.parents) != nd.parents:
            why = "made from other nodes than when traced"
        if why is not None:
            raise TraceMismatch(f"step.check: {_where(v, i)} is {why}; {hint}")
    if len(order) != len(nodes):
        raise TraceMismatch(
            f"step.check: the graph has {len(order)} nodes now, {len(nodes)} when traced; {hint}"
        )


def _same_const(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None or b is None  # a sum's folded constant is read from its value
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return _same(a, b)


def _same(a: float, b: float) -> bool:
    if a != a or b != b:
        return a != a and b != b
    return a == b or abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def _program_numbers(prog: Program, flat: Sequence[Any], plain: Sequence[Any]) -> Tuple[Any, Any]:
    """Run the program with every gradient at 0, keeping what it computed along the way."""
    P = [p.data for p in prog.params]
    G = [0.0] * len(P)
    writer = prog.writer
    if prog.backend == "c":
        keep = ctypes.create_string_buffer(16 * writer.size)
        result = prog.run_program(P, G, flat, plain, keep)
        if result is None:
            raise TraceMismatch(
                "step.check: the program hands this call to the interpreter (a number "
                "that is not finite, or a floating-point exception)"
            )
        return result, memoryview(keep.raw).cast("d").tolist()
    src = prog.source.rsplit("    return ", 1)[0] + "    return locals()\n"
    fn = load_python(src, "check")
    found = fn(P, G, *plain)
    return None, found


def _same_numbers(
    prog: Program, order: List[Value], grads: Dict[Value, float], values: Any, kept: Any
) -> None:
    graph, writer = prog.plan.graph, prog.writer
    for i, v in enumerate(order):
        if graph.nodes[i].kind in (PARAM, ARG, CONST):
            continue
        mine = _value(prog, writer, i, kept, grad=False)
        if mine is not None and not _same(mine, v.data):
            raise TraceMismatch(
                f"step.check: {_where(v, i)} is {mine!r} in the program, {v.data!r} in the interpreter"
            )
    for i in reversed(range(len(order))):
        v = order[i]
        if not (prog.plan.live[i] or graph.nodes[i].kind == PARAM):
            continue
        mine = _value(prog, writer, i, kept, grad=True)
        theirs = grads.get(v, 0.0)
        if mine is not None and not _same(mine, theirs):
            raise TraceMismatch(
                f"step.check: the gradient of {_where(v, i)} is {mine!r} in the program, "
                f"{theirs!r} in the interpreter"
            )


def _value(prog: Program, writer: Any, i: int, kept: Any, grad: bool) -> Optional[float]:
    nd = prog.plan.graph.nodes[i]
    if prog.backend == "c":
        slot = writer.slot[i]
        return float(kept[writer.size + slot] if grad else kept[slot])
    if nd.kind == PARAM and not grad:
        return None
    try:
        expr = writer.grad_ref(i) if grad else writer.val(i)
        return float(eval(expr, {}, kept))  # noqa: S307 - our own program's variable names
    except (KeyError, NameError, IndexError, TypeError):
        return None  # a value the program does not keep (a dA folded into dZ)
