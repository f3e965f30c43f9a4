"""Forward mode: a tangent pushed through the graph by each operation's one rule.

A node's tangent is t(v) = Σᵢ ∂v/∂pᵢ · t(pᵢ) over its parents pᵢ, computed in topological order
(inputs first). The local derivatives ∂v/∂pᵢ are the very terms the backward pass uses,
``rule.terms(1, out, const, *parents)``, so every operation, built in or user-defined, works in
forward mode with no rule of its own. For a node with one parent the tangent is the term itself,
``rule.terms(t(p), ...)``, since a term is linear in the gradient it is given.

With ``graph=True`` the rules run on the nodes (as for ``grad(..., create_graph=True)``) and the
tangents are Values: forward mode can then be differentiated again, by either mode, to any order.

>>> from autograd_mini import Value
>>> x, y = Value(3.0), Value(2.0)
>>> z = x * y + x.sin()
>>> t = tangents(z, [x, y], [1.0, 0.0])   # dz/dx = y + cos(x)
>>> round(t[z], 6) == round(2.0 + math.cos(3.0), 6)
True
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterable, List, Sequence

from .. import checks
from ..engine import Value, call_text, topological_order
from ..engine.backward import failure
from .passes import note


class _Outputs:
    """A stand-in node whose parents are all the outputs, so that one topological order covers
    every output's graph, each shared node once."""

    __slots__ = ("parents",)

    def __init__(self, outputs: Sequence[Value]) -> None:
        self.parents = tuple(outputs)


def graph_order(outputs: Sequence[Value]) -> List[Value]:
    """Every node the outputs depend on, once, inputs before the nodes made from them."""
    if len(outputs) == 1:
        return topological_order(outputs[0])
    return topological_order(_Outputs(outputs))[:-1]


class Reach:
    """The graph of some outputs, made ready for many forward passes (`jacfwd` makes one per
    input): each pass then visits only the nodes its seeds reach, as a reverse pass visits only
    the nodes its output depends on."""

    def __init__(self, outputs: Sequence[Value]) -> None:
        self.order = graph_order(outputs)
        self.position = {v: i for i, v in enumerate(self.order)}
        self.children: Dict[Value, List[Value]] = {}
        for v in self.order:
            for p in v.parents:
                self.children.setdefault(p, []).append(v)

    def reached(self, seeds: Iterable[Value]) -> List[Value]:
        """The nodes that depend on the seeds (the seeds included), in topological order."""
        seen = {s for s in seeds if s in self.position}
        stack = list(seen)
        children = self.children
        while stack:
            for c in children.get(stack.pop(), ()):
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return sorted(seen, key=self.position.__getitem__)


def push(order: List[Value], seeds: Dict[Value, Any], graph: bool, where: str) -> Dict[Value, Any]:
    """One forward-mode pass: the tangent of every node of `order` that a seed reaches.

    `seeds` gives the tangent of the nodes that move (the inputs); every other node's tangent
    follows from its parents'. A node no seed reaches has no entry (its tangent is 0). On floats
    (``graph=False``) a tangent of exactly 0 is not sent on, as the backward pass does with a
    gradient of 0, so that sqrt(y) at y = 0 does not fail when y does not move; with ``graph=True``
    a Value tangent is kept even at 0, since its graph matters to the derivatives taken of it.
    """
    note("forward")
    seeded = seeds.keys()
    t = {v: d for v, d in seeds.items() if type(d) is Value or d != 0.0}
    get = t.get
    for v in order:
        ps = v.parents
        if len(ps) == 1:  # most nodes: one lookup
            tp = get(ps[0])
            if tp is None or v in seeded:
                continue
            ins = [tp]
        elif not ps:  # an input
            continue
        else:
            ins = [get(p) for p in ps]
            if not any(ins) or v in seeded:  # (a tangent kept is never 0: only None is false)
                continue
        try:
            tv = _tangent(v, ins, graph)
        except (ArithmeticError, ValueError) as e:
            if graph and all(d is None or float(d) == 0.0 for d in ins):
                continue  # a tangent of 0 does not need the derivative that fails here
            raise type(e)(f"{where}: the local derivative of {call_text(v)} {failure(e)}") from e
        if type(tv) is not Value:
            if tv == 0.0:
                continue
            if tv - tv != 0.0:  # NaN or infinite
                _check_finite(v, ins, tv, where)
        t[v] = tv
    return t


def _tangent(v: Value, ins: List[Any], graph: bool) -> Any:
    ps = v.parents
    rule = v.rule
    out: Any = v if graph else v.data
    inputs: Sequence[Any] = ps if graph else [p.data for p in ps]
    if len(ps) == 1:  # a term is linear in its gradient: the tangent's term is the tangent
        return rule.terms(ins[0], out, v.const, *inputs)[0]  # type: ignore[union-attr]
    total = None
    for d, ti in zip(rule.terms(1.0, out, v.const, *inputs), ins):  # type: ignore[union-attr]
        if ti is not None:
            term = d * ti
            total = term if total is None else total + term
    return total


def _check_finite(v: Value, ins: List[Any], tv: float, where: str) -> None:
    numbers = [v.data, *[p.data for p in v.parents], *[d for d in ins if d is not None]]
    if all(math.isfinite(x) for x in numbers):
        error = ValueError if tv != tv else OverflowError
        raise error(f"{where}: the tangent of {call_text(v)} becomes {tv!r} from finite numbers")


def tangents(outputs: Any, primals: Sequence[Value], tangent_values: Sequence[Any]) -> Dict[Value, float]:
    """Each node of the graph of `outputs` (a Value or a list of them) with its tangent (a float):
    how fast it moves when each ``primals[i]`` moves at the speed ``tangent_values[i]``.

    The nodes come in topological order, as the forward pass computes them; a node that does not
    depend on the primals has tangent 0.0. The primals are nodes of the graph (any nodes: a moving
    interior node carries its own tangent and ignores its parents'). One forward-mode pass.
    """
    where = "tangents"
    roots = [outputs] if type(outputs) is Value else list(_values(outputs, f"{where}: outputs"))
    if not roots:
        raise ValueError(f"{where}: outputs is empty")
    nodes = _values(primals, f"{where}: primals")
    if not isinstance(tangent_values, (list, tuple)):
        got = checks.shown(tangent_values)
        raise TypeError(f"{where}: tangent_values must be a list or tuple, got {got}")
    if len(tangent_values) != len(nodes):
        raise ValueError(f"{where}: {len(nodes)} primals but {len(tangent_values)} tangent_values")
    seeds: Dict[Value, float] = {}
    for i, (p, d) in enumerate(zip(nodes, tangent_values)):
        seeds[p] = seeds.get(p, 0.0) + checks.real(d, f"{where}: tangent_values[{i}]")
    order = graph_order(roots)
    moved = push(order, seeds, graph=False, where=where)
    return {v: moved.get(v, 0.0) for v in order}


def _values(xs: Any, where: str) -> List[Value]:
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{where}: expected a list or tuple of Values, got {checks.shown(xs)}")
    for x in xs:
        if type(x) is not Value:
            raise TypeError(f"{where}: expected Values, got {checks.shown(x)}")
    return list(xs)
