"""Reading a recorded graph into plain records the code generators can walk.

Every node becomes a `Node`: its kind (an operation, a parameter, an argument, a constant, or a
constant derived from the data), the rule that made it and the indices of its parents. The order
is the engine's `topological_order`, and `Graph.backward` is the engine's own `backward_order`:
the program applies the rules in the very order `backward()` does, so the sums that build each
gradient are added up in the same order and give the same floats.

`describe(v)` is the one place that reads what a node is.
"""

from __future__ import annotations

import weakref
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..engine import Value, backward_order, topological_order
from ..trace_hooks import Recorder, argument_guard, cannot_check

OP, PARAM, ARG, CONST, DERIVED = "op", "param", "arg", "const", "derived"


def describe(v: Value) -> Tuple[str, Optional[str], bool, Any]:
    """(rule name, activation name or None, whether a neuron's inputs are numbers, constant).

    The rule names are the engine's: add, add_const, sub, mul, mul_const, div, rdiv, neg, abs,
    pow, pow_const, rpow, exp, log, sqrt, tanh, sigmoid, relu, sin, cos, sum, neuron; '' for a leaf.
    """
    rule = v.rule
    if rule is None:
        return "", None, False, None
    act = getattr(rule, "activation", None)
    return (
        rule.name,
        (act.name if act is not None else None),
        bool(getattr(rule, "number_inputs", False)),
        v.const,
    )


class Node:
    """One node of the graph, as the generators see it."""

    __slots__ = ("kind", "rule", "op", "act", "numbers", "const", "parents", "label", "data", "flat", "path")

    def __init__(
        self,
        kind: str,
        rule: str,
        act: Optional[str],
        numbers: bool,
        const: Any,
        parents: Tuple[int, ...],
        label: str,
        data: float,
    ) -> None:
        self.kind = kind
        self.rule = rule
        self.op: Any = None  # the engine's rule object (an Op, for the operations)
        self.act = act
        self.numbers = numbers
        self.const = const
        self.parents = parents
        self.label = label
        self.data = data
        self.flat = -1  # an argument leaf: its position among the call's numbers
        self.path: Tuple[Any, ...] = ()  # an argument leaf: (argument name, index path)

    def weights(self) -> Tuple[int, ...]:
        """A neuron's weights w1..wm (then come the inputs, if they are Values, and the bias)."""
        return self.parents[:-1] if self.numbers else self.parents[: len(self.parents) // 2]

    def inputs(self) -> Tuple[int, ...]:
        """A neuron's inputs x1..xm when they are Values (else () and the numbers are `const`)."""
        return () if self.numbers else self.parents[len(self.parents) // 2 : -1]

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.rule or self.label!r}, parents={self.parents})"


class Graph:
    """The nodes in topological order, the order the backward pass applies their rules, and the
    leaves the program reads at every call: `params` (Values) and the call's numbers."""

    def __init__(
        self,
        nodes: List[Node],
        root: int,
        backward: List[int],
        params: List[Value],
        guards: List[Tuple[Tuple[int, ...], Any, str]],
    ) -> None:
        self.nodes = nodes
        self.root = root
        self.backward = backward
        self.params = params  # Values, in the order their nodes come (see `param_of`)
        self.param_of: Dict[int, int] = {}  # node index -> index into params
        self.guards = guards  # (positions among the call's numbers, check, where)
        self.extent: Dict[Tuple[str, Tuple[int, ...]], int] = {}  # (argument, index path) -> length
        self.n_numbers = 0  # how many numbers a call passes
        self.starts: Dict[str, int] = {}  # argument -> the position of its first number
        # the traced function's decisions on computed nodes: (node, how, ("node", index) or
        # ("number", x) it was compared with, what it gave, where), which the program checks
        self.decisions: List[Tuple[int, str, Any, Any, str]] = []


def read(
    root: Value, rec: Optional[Recorder], places: Sequence[Tuple[str, Tuple[int, ...]]]
) -> Tuple[Graph, list]:
    """The graph of `root`, and weak references to the leaves that are parameters or constants.

    A leaf is an argument if the trace made it, derived if a hook did; the others are sorted out by
    `settle` once the caller has dropped the graph: a leaf that something else still holds (a
    model's weight) is a parameter, read at every call; one that died with the graph (a zero made
    inside a loss) was a constant.
    """
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    raw = rec.raw if rec is not None else {}
    flat_of = {v: k for k, v in enumerate(raw)}  # wrap() made them in flat order
    derived = rec.derived if rec is not None else {}
    nodes, loose = [], []
    for i, v in enumerate(order):
        rule, act, numbers, const = describe(v)
        parents = tuple(map(index.__getitem__, v.parents))
        node = Node(OP, rule, act, numbers, const, parents, v.label, v.data)
        node.op = v.rule
        if not rule:
            if v in raw:
                node.kind, node.flat = ARG, flat_of[v]
                node.path = places[node.flat]
            elif v in derived:
                node.kind, node.rule = DERIVED, "max"
                node.parents = tuple(_index_of(s, index, "a max's source") for s in derived[v])
            else:
                node.kind = CONST
                loose.append((i, weakref.ref(v)))
        nodes.append(node)
    backward = [index[v] for v in backward_order(root)]
    decisions = _decisions(rec, index)  # (first: one the program cannot check adds a guard)
    guards = [
        (tuple(flat_of[v] if v in flat_of else _not_argument(where) for v in vs), ok, where)
        for vs, ok, where in (rec.guards if rec is not None else [])
    ]
    graph = Graph(nodes, index[root], backward, [], guards)
    graph.decisions = decisions
    graph.n_numbers = len(places)
    for k, (name, path) in enumerate(places):
        graph.starts.setdefault(name, k)
        for d in range(len(path)):
            key = (name, path[:d])
            graph.extent[key] = max(graph.extent.get(key, 0), path[d] + 1)
    return graph, loose


def settle(graph: Graph, loose: list) -> None:
    """Sort the loose leaves into parameters (still alive elsewhere) and constants (see `read`)."""
    for i, ref in loose:
        v = ref()
        if v is not None:
            node = graph.nodes[i]
            node.kind = PARAM
            graph.param_of[i] = len(graph.params)
            graph.params.append(v)


def _index_of(v: Value, index: Dict[Value, int], what: str) -> int:
    if v not in index:
        raise ValueError(f"trace: {what} is not part of the function's result, so it cannot be recomputed")
    return index[v]


def _not_argument(where: str) -> int:
    raise TypeError(
        f"trace: {where} checks a Value that is not one of the traced function's arguments; "
        "pass the labels as arguments (numbers), so the program can check them at every call"
    )


def argument_rows(graph: Graph, rows: Sequence[Sequence[int]]) -> Optional[str]:
    """`X` if `rows` are exactly the rows of the argument X, in order (`X[2]` if they are the rows
    of X[2]); None otherwise."""
    found = [argument_row(graph, row) for row in rows]
    if not found or found[0] is None or not found[0].endswith("[0]"):
        return None
    whole = found[0][: -len("[0]")]
    name, path = graph.nodes[rows[0][0]].path
    every = found == [f"{whole}[{i}]" for i in range(len(rows))]
    return whole if every and graph.extent.get((name, path[:-2])) == len(rows) else None


def argument_row(graph: Graph, vs: Sequence[int]) -> Optional[str]:
    """`X[i]` if `vs` is exactly row i of the argument X, in order."""
    nodes = graph.nodes
    if not vs or nodes[vs[0]].kind != ARG or not nodes[vs[0]].path[1]:
        return None
    name, path = nodes[vs[0]].path
    prefix = path[:-1]
    want = [(name, (*prefix, k)) for k in range(len(vs))]
    if graph.extent.get((name, prefix)) != len(vs):
        return None
    if [nodes[v].path if nodes[v].kind == ARG else None for v in vs] != want:
        return None
    return name + "".join(f"[{i}]" for i in prefix)


def _decisions(rec: Optional[Recorder], index: Dict[Value, int]) -> List[Tuple[int, str, Any, Any, str]]:
    """The recorded decisions on computed nodes, by node index; one on a Value outside the graph
    cannot be checked by the program (trace_hooks.cannot_check)."""
    found = []
    for v, how, other, result, where in (rec.decisions if rec is not None else []):
        if v not in index or (type(other) is Value and other not in index):
            if not argument_guard(rec, v, how, other, result, where):  # type: ignore[arg-type]
                cannot_check(rec, where, f"{how} of {v!r}")  # type: ignore[arg-type]
            continue
        found.append((index[v], how, ("node", index[other]) if type(other) is Value else ("number", other),
                      result, where))
    return found
