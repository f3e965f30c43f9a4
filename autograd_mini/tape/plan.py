"""The layout of the program: which neurons run as one layer over the batch, which gradients are
computed, and the order of the forward and backward steps.

A **block** is what `linear_batch` makes: N observations times n neurons, node (i, j) computing
g(W_j·x_i + b_j) with the same weights W_j for every observation. The program runs a block as one
loop (a list comprehension, a C loop) instead of N·n separate lines; a **map** (`maps`) applies one
operation to every element of an array, and **rows** (`rows`) are the steps a loss takes once per
sample, a loop over the samples in C. Everything else is a **scalar** step, one line per node.

The backward pass must add up every gradient in the order `backward()` does, so that the floats
are the same. For each gradient, `backward_order` gives the sequence of steps that add to it; a
block may run as one unit only if its terms come in one piece of that sequence, in an order the
loops can follow (observations and neurons each ascending or each descending). The plan checks
this for every gradient, and where a block does not fit, its nodes become scalar steps.

Which gradients: a node's gradient is needed if a parameter lies below it; the others are not
computed, except those a derivative that can fail (sqrt, ** at 0) needs, so that the program
fails where the interpreter does.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .formulas import kind
from .graph import CONST, DERIVED, OP, PARAM, Graph
from .maps import Map, argument_arrays, argument_places, find_maps, order_of
from .rows import Rows, find_rows, fits


@dataclass(eq=False)
class Block:
    """Neuron nodes[i][j] = act(W_j · inputs[i] + biases[j]) for N observations and n neurons."""

    act: Optional[str]
    nodes: List[List[int]]
    weights: List[Tuple[int, ...]]
    biases: List[int]
    inputs: List[Tuple[int, ...]]

    def __post_init__(self) -> None:
        self.N, self.n, self.m = len(self.nodes), len(self.weights), len(self.weights[0])
        self.obs_desc = self.neu_desc = True  # the order the backward pass takes them in
        self.offset: Optional[int] = None  # where W (row by row) and then B lie in P, if together
        self.uid = -1
        self.live = False

    def members(self) -> Iterable[int]:
        for row in self.nodes:
            yield from row


class Plan:
    """Everything the code generators need besides the graph (see the module doc)."""

    def __init__(self, graph: Graph, outputs: Optional[List[int]] = None) -> None:
        self.graph = graph
        self.train = False  # whether the program carries the optimizers' steps (tape.update)
        # forward only: the nodes the program returns (the root is only their sum, never computed)
        self.outputs = outputs
        n = len(graph.nodes)
        self.wants, self.live = _gradients(graph) if outputs is None else ([False] * n, [False] * n)
        pos = {v: k for k, v in enumerate(graph.backward)}
        blocks = [b for b in _find_blocks(graph) if _fits(b, self.live)]
        blocks = [b for b in blocks if not b.live or _directions(b, pos)]
        banned: Set[int] = set()  # nodes that stay scalar steps
        no_rows: Set[int] = set()  # rows that did not fit (by their first node)
        while True:
            maps = self._maps(blocks, pos, banned)
            self.blocks: List[Any] = [*blocks, *maps]  # the steps that are arrays: blocks, then maps
            self.block_of: Dict[int, Tuple[Any, int, int]] = {
                v: (b, i, j) for b in self.blocks for i, row in enumerate(b.nodes) for j, v in enumerate(row)
            }
            self.places = {**argument_places(graph), **self.block_of}  # every element of an array
            self.rows = [r for r in find_rows(graph, self.places)
                         if r.groups[0][0] not in no_rows and fits(r, graph.backward, self.live)]
            for k, b in enumerate([*self.blocks, *self.rows]):
                b.uid = -(k + 1)
            self.row_of: Dict[int, Tuple[Rows, int, int]] = {
                v: (r, i, k) for r in self.rows for i, g in enumerate(r.groups) for k, v in enumerate(g)
            }
            self.places.update((v, (r.columns[k], i, 0)) for v, (r, i, k) in self.row_of.items())
            bad: Set[int] = set()
            self.forward = self._forward_units(bad)
            self.backward = self._backward_units(pos, bad)
            if not bad:
                break
            no_rows.update(r.groups[0][0] for r in self.rows if r.uid in bad)
            blocks = [b for b in blocks if b.uid not in bad]  # run those line by line
            banned.update(v for m in maps if m.uid in bad for v in m.members())
        if outputs is not None:
            self.forward = [u for u in self.forward if u != graph.root]
        self.layout, self.p_pos = self._layout()

    def _maps(self, blocks: List[Block], pos: Dict[int, int], banned: Set[int]) -> List[Map]:
        """The maps over the blocks' outputs and the list arguments, each checked as blocks are."""
        while True:
            placed: Dict[int, Any] = argument_arrays(self.graph)
            for b in blocks:
                placed.update({v: (b, i, j) for i, row in enumerate(b.nodes) for j, v in enumerate(row)})
            maps = find_maps(self.graph, placed, banned)
            rejected = [m for m in maps if not self._map_fits(m, pos)]
            if not rejected:
                return maps
            banned.update(v for m in rejected for v in m.members())

    def _map_fits(self, m: Map, pos: Dict[int, int]) -> bool:
        states = {self.live[v] for v in m.members()}
        m.live = states == {True}
        if len(states) > 1:
            return False
        if m.live:
            order = order_of(m, pos)
            m.desc = order if order is not None else True
            shared = [p for kind, p in m.slots if kind == "node" and (self.live[p] or self.wants[p])]
            return order is not None or not shared  # a shared parent's sum needs the engine's order
        return True

    def unit(self, v: int) -> int:
        """The step node `v` belongs to: its block's, map's or rows' uid (< 0) or its own index."""
        found = self.block_of.get(v) or self.row_of.get(v)
        return found[0].uid if found is not None else v

    def block(self, uid: int) -> Any:
        """The block, map or rows whose uid is `uid`."""
        k = -uid - 1
        return self.blocks[k] if k < len(self.blocks) else self.rows[k - len(self.blocks)]

    def _inside(self, u: int) -> bool:
        """Whether unit `u` may read its own nodes and add to their gradients (rows do)."""
        return u >= 0 or isinstance(self.block(u), Rows)

    def _forward_units(self, bad: Set[int]) -> List[int]:
        nodes = self.graph.nodes
        units: Dict[int, int] = {}  # uid -> first node index (the tie-break: the engine's order)
        edges: Set[Tuple[int, int]] = set()
        for v, nd in enumerate(nodes):
            if nd.kind not in (OP, DERIVED):
                continue
            u = self.unit(v)
            units.setdefault(u, v)
            for p in nd.parents:
                if nodes[p].kind in (OP, DERIVED):
                    up = self.unit(p)
                    if up == u and not self._inside(u):
                        bad.add(u)  # a block that reads its own output
                    elif up != u:
                        edges.add((up, u))
        return _order(units, edges, bad)

    def _backward_units(self, pos: Dict[int, int], bad: Set[int]) -> List[int]:
        nodes, live = self.graph.nodes, self.live
        units: Dict[int, int] = {}
        terms: Dict[int, List[int]] = {}  # gradient -> the units adding to it, in the engine's order
        for v in self.graph.backward:
            if not live[v]:
                continue
            u = self.unit(v)
            units.setdefault(u, pos[v])
            for p in nodes[v].parents:
                if live[p] or nodes[p].kind == PARAM:
                    seq = terms.setdefault(p, [])
                    if not seq or seq[-1] != u:
                        seq.append(u)
        edges: Set[Tuple[int, int]] = set()
        self.sources: Dict[int, Set[int]] = {}  # block uid -> the units adding to its gradients
        for p, seq in terms.items():
            found = self.block_of.get(p)
            if found is not None:
                self.sources.setdefault(found[0].uid, set()).update(seq)
            if len(set(seq)) != len(seq):  # a unit adds to p in two separate pieces
                bad.update(u for u in seq if u < 0)
            edges.update(zip(seq, seq[1:]))
            if live[p]:
                edges.add((seq[-1], self.unit(p)))
        for a, b in list(edges):
            if a == b:
                edges.discard((a, b))
                if not self._inside(a):
                    bad.add(a)
        return _order(units, edges, bad)

    def _layout(self) -> Tuple[List[int], Dict[int, int]]:
        """The parameters' order in P: each block's W row by row, then its B; then the others."""
        g = self.graph
        layout: List[int] = []
        placed: Set[int] = set()
        for u in self.forward:
            if u >= 0:
                continue
            b = self.block(u)
            if not isinstance(b, Block):
                continue
            ids = [*[w for row in b.weights for w in row], *b.biases]
            if all(g.nodes[v].kind == PARAM and g.param_of[v] not in placed for v in ids):
                b.offset = len(layout)
                layout.extend(g.param_of[v] for v in ids)
                placed.update(layout[b.offset :])
        layout.extend(k for k in range(len(g.params)) if k not in placed)
        p_pos = {k: i for i, k in enumerate(layout)}
        return layout, {v: p_pos[k] for v, k in g.param_of.items()}


def _gradients(g: Graph) -> Tuple[List[bool], List[bool]]:
    """(wants: the gradient reaches a parameter; live: the node's backward step runs)."""
    wants, live = [False] * len(g.nodes), [False] * len(g.nodes)
    for i, nd in enumerate(g.nodes):
        if nd.kind == PARAM:
            wants[i] = True
        elif nd.kind == OP:
            wants[i] = any(wants[p] for p in nd.parents)
            live[i] = wants[i] or kind(nd)[0] or any(live[p] for p in nd.parents)
    return wants, live


def _find_blocks(g: Graph) -> List[Block]:
    """Group the neuron nodes into blocks: the same input row for every neuron of an observation,
    the same neurons (weights and bias) for every observation."""
    nodes = g.nodes
    rows: Dict[Tuple, List[int]] = {}  # (activation, m, input row) -> its neuron nodes
    for v, nd in enumerate(nodes):
        if nd.kind == OP and nd.rule == "neuron" and not nd.numbers:
            ws = (*nd.weights(), nd.parents[-1])
            if all(nodes[w].kind in (PARAM, CONST) for w in ws):
                rows.setdefault((nd.act, len(ws) - 1, nd.inputs()), []).append(v)
    grids: Dict[Tuple, List[Tuple[Tuple[int, ...], Dict[Tuple[int, ...], int]]]] = {}
    for (act, m, xs), vs in rows.items():
        neurons = {(*nodes[v].weights(), nodes[v].parents[-1]): v for v in vs}
        if len(neurons) == len(vs):
            grids.setdefault((act, m, frozenset(neurons)), []).append((xs, neurons))
    blocks = []
    for (act, _, _), obs in grids.items():
        order = list(obs[0][1])  # the neurons in the order the first observation made them
        if len(obs) * len(order) >= 2:
            nodes_ij = [[found[neuron] for neuron in order] for _, found in obs]
            blocks.append(
                Block(act, nodes_ij, [n[:-1] for n in order], [n[-1] for n in order], [xs for xs, _ in obs])
            )
    return blocks


def _fits(b: Block, live: Sequence[bool]) -> bool:
    """Whether the block's loops can add its terms as the engine does: no weight, bias or input
    appears twice, and its nodes' gradients are all computed or none is."""
    params = [*[w for row in b.weights for w in row], *b.biases]
    inputs = [x for row in b.inputs for x in row]
    if len(set(params)) != len(params) or len(set(inputs)) != len(inputs) or set(params) & set(inputs):
        return False
    states = {live[v] for v in b.members()}
    b.live = states == {True}
    return len(states) == 1


def _directions(b: Block, pos: Dict[int, int]) -> bool:
    """Find the order in which the backward pass takes the block's observations and neurons."""
    at = [[pos[v] for v in row] for row in b.nodes]
    obs = _monotone([[at[i][j] for i in range(b.N)] for j in range(b.n)])
    neu = _monotone(at)
    if obs is None or neu is None:
        return False
    b.obs_desc, b.neu_desc = obs, neu
    return True


def _monotone(seqs: List[List[int]]) -> Optional[bool]:
    """True if every sequence decreases, False if every one increases, None otherwise."""
    seen = set()
    for s in seqs:
        if len(s) < 2:
            continue
        if all(a > c for a, c in zip(s, s[1:])):
            seen.add(True)
        elif all(a < c for a, c in zip(s, s[1:])):
            seen.add(False)
        else:
            return None
    return None if len(seen) > 1 else seen.pop() if seen else True


def _order(units: Dict[int, int], edges: Set[Tuple[int, int]], bad: Set[int]) -> List[int]:
    """The units in an order that respects `edges`, each as early as the engine's order allows.
    On a cycle, the blocks left over are added to `bad`."""
    after: Dict[int, List[int]] = {u: [] for u in units}
    waiting = dict.fromkeys(units, 0)
    for a, b in edges:
        after[a].append(b)
        waiting[b] += 1
    ready = [(units[u], u) for u, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, u = heapq.heappop(ready)
        out.append(u)
        for s in after[u]:
            waiting[s] -= 1
            if waiting[s] == 0:
                heapq.heappush(ready, (units[s], s))
    if len(out) < len(units):
        bad.update(u for u, n in waiting.items() if n > 0 and u < 0)
        if not bad:
            raise RuntimeError("trace: the graph's steps have no order (a cycle); please report this")
    return out
