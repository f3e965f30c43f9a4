"""The steps a batch loss takes once per sample, run as one loop over the samples: **rows**.

The softmax cross-entropy of sample i reads row i of the logits, takes their max, the exps, their
sum and its log. Those nodes are neither elementwise (a map) nor the neurons of a layer (a block):
each reads a whole row, or the nodes before it in its own sample. They are found here as N
groups of nodes, one per sample, that do the same thing: the k-th node of group i has the rule,
activation and constant of the k-th node of group 0, and reads

- where group 0 reads row 0 of an array (a layer's outputs, a map, a list argument), row i of it;
- where group 0 reads its own k'-th node, its own k'-th node;
- where group 0 reads a constant, a constant of the same value;
- elsewhere, the very same node (a parameter, a number shared by all samples).

The k-th nodes of all groups form a `Column`. The C program runs group 0's statements in a loop
over i, its size the same for any batch; the Python program writes every group out.

The backward pass must take the groups one after the other, all ascending or all descending,
each in the same order of its nodes: then the loop adds every gradient's terms in the order
`backward()` does. `fits` checks that; where it fails, the nodes stay scalar steps.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .graph import CONST, DERIVED, OP, Graph

Place = Tuple[Any, int, int]  # (array, i, j)


class Column:
    """The k-th node of every group: an N × 1 array (`nodes[i][0]`), kept side by side in C."""

    def __init__(self, members: List[int]) -> None:
        self.nodes = [[v] for v in members]
        self.N, self.n, self.flat, self.live = len(members), 1, True, True
        self.uid = 0  # (not a step of its own: its `Rows` is)

    def members(self) -> List[int]:
        return [row[0] for row in self.nodes]


class Rows:
    """N groups of nodes doing the same steps, one group per sample (see the module doc)."""

    def __init__(self, groups: List[List[int]]) -> None:
        self.groups = groups
        self.N = len(groups)
        self.columns = [Column([g[k] for g in groups]) for k in range(len(groups[0]))]
        self.desc = True  # the backward pass takes the groups from the last to the first
        self.order: List[int] = []  # the backward pass's order of a group's (live) nodes
        self.uid = -1

    def members(self) -> List[int]:
        return [v for g in self.groups for v in g]


def find_rows(graph: Graph, placed: Dict[int, Place]) -> List[Rows]:
    """The rows over the arrays of `placed` (node -> (array, i, j)): for each batch size N, one
    for each piece of a sample's steps that hangs together."""
    nodes = graph.nodes
    sample: Dict[int, Tuple[int, int]] = {}  # node -> (N, i): the one sample it belongs to
    for v, nd in enumerate(nodes):
        if nd.kind not in (OP, DERIVED) or v in placed:
            continue
        found = {
            (placed[p][0].N, placed[p][1]) if p in placed else sample.get(p) for p in nd.parents
        } - {None}
        if len(found) == 1:
            sample[v] = found.pop()  # type: ignore[assignment]
    by_size: Dict[int, List[List[int]]] = {}
    for v, (N, i) in sample.items():  # (in topological order)
        by_size.setdefault(N, [[] for _ in range(N)])[i].append(v)
    found_rows = []
    for N, groups in by_size.items():
        parts = [_pieces(g, nodes) for g in groups]  # each sample's steps that hang together
        if N < 2 or any(len(p) != len(parts[0]) for p in parts):
            continue
        for c in range(len(parts[0])):
            piece = [p[c] for p in parts]
            if all(len(g) == len(piece[0]) for g in piece) and _alike(piece, graph, placed):
                found_rows.append(Rows(piece))
    return found_rows


def _pieces(group: List[int], nodes: Sequence[Any]) -> List[List[int]]:
    """The group's nodes split where they do not read each other (two terms of a loss, each
    computed on its own), in the order of their first nodes."""
    root = {v: v for v in group}

    def find(v: int) -> int:
        while root[v] != v:
            root[v] = root[root[v]]
            v = root[v]
        return v

    for v in group:
        for p in nodes[v].parents:
            if p in root:
                root[find(p)] = find(v)
    pieces: Dict[int, List[int]] = {}
    for v in group:
        pieces.setdefault(find(v), []).append(v)
    return sorted(pieces.values(), key=lambda piece: piece[0])


def _alike(groups: List[List[int]], graph: Graph, placed: Dict[int, Place]) -> bool:
    """Whether every group does what group 0 does, reading the same places of its own sample."""
    nodes = graph.nodes
    local = {v: (i, k) for i, g in enumerate(groups) for k, v in enumerate(g)}

    def role(p: int, i: int) -> Optional[Tuple[Any, ...]]:
        if p in local:
            gi, k = local[p]
            return ("own", k) if gi == i else None
        if p in placed:
            arr, pi, j = placed[p]
            return ("row", id(arr), j) if pi == i else None
        if nodes[p].kind == CONST:
            return ("lit", repr(nodes[p].data))
        return ("same", p)

    for k, v0 in enumerate(groups[0]):
        first = nodes[v0]
        shape = (first.kind, first.rule, first.act, first.numbers, repr(first.const), len(first.parents))
        roles = [role(p, 0) for p in first.parents]
        if None in roles:
            return False
        for i, g in enumerate(groups):
            nd = nodes[g[k]]
            if (nd.kind, nd.rule, nd.act, nd.numbers, repr(nd.const), len(nd.parents)) != shape:
                return False
            if [role(p, i) for p in nd.parents] != roles:
                return False
    return True


def fits(r: Rows, backward: Sequence[int], live: Sequence[bool]) -> bool:
    """Whether a loop over the groups can take the backward steps in the engine's order (see the
    module doc); sets `r.desc` and `r.order`, and each column's `live`."""
    for col in r.columns:
        states = {live[v] for v in col.members()}
        if len(states) > 1:
            return False
        col.live = states.pop()
    where = {v: (i, k) for i, g in enumerate(r.groups) for k, v in enumerate(g)}
    runs: List[Tuple[int, List[int]]] = []
    for v in backward:
        if v in where and live[v]:
            i, k = where[v]
            if runs and runs[-1][0] == i:
                runs[-1][1].append(k)
            else:
                runs.append((i, [k]))
    if not runs:
        return True
    order = [i for i, _ in runs]
    if len(runs) != r.N or any(ks != runs[0][1] for _, ks in runs):
        return False
    r.desc = all(a > b for a, b in zip(order, order[1:]))
    r.order = runs[0][1]
    return r.desc or all(a < b for a, b in zip(order, order[1:]))
