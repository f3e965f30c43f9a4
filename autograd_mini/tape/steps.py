"""The program as data: its statements, built once from the plan; `pyprint` and `cprint` write them.

Each statement is a tuple whose first item says what it is:

- forward: ``let`` (a node's value, a formula tree), ``check`` (a condition under which the
  interpreter raises), ``sum``, ``max``, ``neuron``, ``block`` (a layer over the batch), ``map``
  (one formula over every element of an array), ``rows`` (each sample's statements: `rows`);
- backward: ``seed``, ``about`` (the node whose rule follows: printed as its forward line),
  ``grad`` (a term added to a gradient), ``sink`` (a term computed only to fail where the
  interpreter fails), ``neuron_back``, ``block_back``, ``map_back``, ``sum_back``, ``rows_back``.

In the trees a Name ``v12`` is node 12's value, ``d12`` its gradient; a map's element formulas
read ``e0, e1, ...`` (the arrays it runs over), ``o`` (its own value) and ``g`` (its gradient);
an activation's read z, a and g. The trees are the interpreter's own (`formulas`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from ..engine import OPS
from ..engine.expr import Compare, Expr, Logic, Name, Num, Where
from . import formulas
from .graph import CONST, DERIVED, PARAM
from .maps import Map
from .plan import Plan
from .rows import Column, Rows

Statement = Tuple[Any, ...]


def activation(name: Optional[str]) -> Optional[Tuple[Expr, Expr]]:
    """(a = g(z), dz = da · g'(z)) of a layer's activation, or None for none."""
    return formulas.activation(OPS[name]) if name else None


def arrays(m: Map) -> List[Any]:
    """The arrays a map runs over, each once, in the order of its slots (its e0, e1, ...)."""
    seen: List[Any] = []
    for kind, a in m.slots:
        if kind == "same" and all(a is not b for b in seen):
            seen.append(a)
    return seen


class Refs(dict):  # type: ignore[type-arg]
    """The text of a tree's names for a printer: ``v12`` and ``d12`` from its `ref`, others as given."""

    def __init__(self, printer: Any, local: Dict[str, str]) -> None:
        super().__init__(local)
        self.printer = printer

    def __missing__(self, key: str) -> str:
        return str(self.printer.ref(int(key[1:]), key[0] == "d"))


class Steps:
    """The statements of a plan's program: `forward`, `backward` (see the module doc)."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.nodes = plan, plan.graph.nodes
        self.set: Set[int] = set()  # scalar gradients that have a value already
        self.lines: Dict[int, Statement] = {}  # node -> its forward statement
        self.forward: List[Statement] = [("comment", "forward")]
        self.backward: List[Statement] = []
        for u in plan.forward:
            self.forward.append(self._forward_of(u))
        for decision in plan.graph.decisions:
            self.forward.append(self._decision(*decision))
        root = plan.graph.root
        if plan.outputs is not None:  # forward only
            return
        self.backward.append(("comment", "backward, in the order backward() takes the steps"))
        if self.target(root):
            self.set.add(root)
            self.backward.append(("seed", root))
        for u in plan.backward:
            self._backward_of(u)

    def _decision(self, v: int, how: str, other: Any, result: Any, where: str) -> Statement:
        """A check that the traced function's decision on node v comes out as when traced: a
        comparison gives the same answer, a number read is the same number (trace_hooks)."""
        if how in ("<", "<=", ">", ">="):
            kind, x = other
            right = self.val(x) if kind == "node" else Num(float(x))
            test: Expr = Compare(how, self.val(v), right)
            fails = Where(test, Num(0.0), Num(1.0)) if result else Where(test, Num(1.0), Num(0.0))
        else:  # float(v), int(v), round(v), v.item(): the number read must be the same
            fails = Where(_reads(self.val(v), how, other[1], result, self.nodes[v].data), Num(0.0), Num(1.0))
        return ("check", v, fails, ValueError, f"the decision at {where} comes out otherwise", {})

    def val(self, p: int) -> Expr:
        nd = self.nodes[p]
        return Num(nd.data) if nd.kind == CONST else Name(f"v{p}")

    def target(self, v: int) -> bool:
        """Whether the program keeps node v's gradient."""
        return self.plan.live[v] or self.nodes[v].kind == PARAM

    def scalar(self, v: int) -> bool:
        return self.nodes[v].kind != PARAM and v not in self.plan.block_of

    def first(self, v: int) -> bool:
        """Whether this is the first term node v's gradient gets (a scalar's: it is then set)."""
        if not self.scalar(v) or v in self.set:
            return False
        self.set.add(v)
        return True

    def whole_map(self, v: int) -> Any:
        """The map or the rows' `Column` a sum node adds up, whole and in order, if that is what
        it does."""
        nd = self.nodes[v]
        found = self.plan.places.get(nd.parents[0]) if nd.parents else None
        if nd.rule != "sum" or found is None or not isinstance(found[0], (Map, Column)) or not found[0].flat:
            return None
        return found[0] if list(nd.parents) == found[0].members() else None

    def each(self, r: Rows, backward: bool) -> List[Tuple[int, List[Statement]]]:
        """(i, the statements of group i) for each group of `r`, in the order the pass takes them."""
        found = []
        keep = self.forward, self.backward
        order = range(r.N - 1, -1, -1) if backward and r.desc else range(r.N)
        for i in order:
            self.forward = self.backward = lines = []
            for v in [r.groups[i][k] for k in r.order] if backward else r.groups[i]:
                if backward:
                    self._backward_of(v)
                else:
                    lines.append(self._forward_of(v))
            found.append((i, lines))
        self.forward, self.backward = keep
        return found

    def element(self, m: Map) -> List[Expr]:
        """The parents of a map's element, as trees."""
        places = arrays(m)
        return [
            Name(f"e{next(k for k, b in enumerate(places) if b is a)}")
            if kind == "same"
            else self.val(a)
            if kind == "node"
            else Num(a)
            for kind, a in m.slots
        ]

    def _forward_of(self, u: int) -> Statement:
        """Unit u's forward statement (the checks it needs go into `forward` before it)."""
        if u < 0:
            b = self.plan.block(u)
            if isinstance(b, Rows):
                return ("rows", b, self.each(b, False))
            if isinstance(b, Map):
                return ("map", b, formulas.value(b.template.op, self.element(b), b.template.const))
            return ("block", b, activation(b.act))
        nd = self.nodes[u]
        if nd.rule == "neuron":
            line: Statement = ("neuron", u, activation(nd.act))
        elif nd.kind == DERIVED:
            line = ("max", u)
        elif nd.rule == "sum":
            line = ("sum", u, self.whole_map(u))
        else:
            parents = [self.val(p) for p in nd.parents]
            for check in formulas.checks(nd.op, parents, nd.const):
                self.forward.append(("check", u, *check))
            line = ("let", u, formulas.value(nd.op, parents, nd.const))
        self.lines[u] = line
        return line

    def _backward_of(self, u: int) -> None:
        """Unit u's backward statements, added to `backward`."""
        out = self.backward
        if u < 0:
            b = self.plan.block(u)
            if isinstance(b, Rows):
                out.append(("rows_back", b, self.each(b, True)))
                return
            if isinstance(b, Map):
                each = formulas.terms(b.template.op, self.element(b), b.template.const, Name("o"), Name("g"))
                shared = [a for kind, a in b.slots if kind == "node" and self.target(a)]
                out.append(("map_back", b, each, {a for a in shared if self.first(a)}))
            else:
                inputs = [x for row in b.inputs for x in row if self.target(x)]
                out.append(("block_back", b, activation(b.act), {x for x in inputs if self.first(x)}))
            return
        nd = self.nodes[u]
        out.append(("about", u))
        g = Name(f"d{u}")
        whole = self.whole_map(u)
        if nd.rule == "neuron":
            targets = [p for p in nd.parents if self.target(p)]
            out.append(("neuron_back", u, activation(nd.act), {p for p in targets if self.first(p)}))
            return
        if whole is not None and whole.live:
            out.append(("sum_back", u, whole, {p for p in whole.members() if self.first(p)}))
            return
        if nd.rule == "sum":
            terms: List[Expr] = [g] * len(nd.parents)
        else:
            terms = formulas.terms(nd.op, [self.val(p) for p in nd.parents], nd.const, self.val(u), g)
        unsafe = formulas.kind(nd)[0]
        for p, term in zip(nd.parents, terms):
            if self.target(p):
                out.append(("grad", p, term, self.first(p)))
            elif unsafe:
                out.append(("sink", term))


def _reads(x: Expr, how: str, ndigits: Any, result: Any, data: float) -> Expr:
    """When reading x as `how` gives `result` again: int truncates (3 for 3 <= x < 4, -3 for
    -4 < x <= -3), round goes to the nearest, ties to even (2 for 1.5 <= x <= 2.5, 3 for
    2.5 < x < 3.5); any other read, the very same number."""
    def within(lo: float, lo_op: str, hi_op: str, hi: float) -> Expr:
        return Logic("and", Compare(lo_op, x, Num(lo)), Compare(hi_op, x, Num(hi)))

    if how == "int":
        r = float(result)
        return within(r, ">=", "<", r + 1) if r > 0 else within(r - 1, ">", "<=", r) if r < 0 else \
            within(-1.0, ">", "<", 1.0)
    if how == "round" and ndigits is None:
        r = float(result)
        even = r % 2 == 0
        return within(r - 0.5, ">=" if even else ">", "<=" if even else "<", r + 0.5)
    return Compare("==", x, Num(data))
