"""Elementwise steps over a whole array: a **map**.

The nodes that apply one operation to every element of an array (the relu of each z of a layer,
the ``1 - y·s`` of each sample of a hinge loss) become one loop, ``[relu(z) for z in row]``, instead
of one line per node. An array is a block's outputs (N observations × n neurons), another map, or
an argument that is a list (N × 1) or a matrix (N × m).

A map's nodes all have the same rule and constant; each of their parents is, for every node, the
element at the node's own place in some array (``same``), one node shared by all (``node``), or a
constant leaf with one value (``lit``). Maps are found level by level: once the relu map exists,
the map that reads it can be found.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .formulas import kind
from .graph import ARG, CONST, OP, Graph, Node

Place = Tuple[Any, int, int]  # (array, i, j)


class ArgArray:
    """An argument that is a list (N × 1, `flat`) or a matrix (N × n) of the call's numbers: its
    element (i, j) is number i·n + j of the argument. `nodes`, the grid of its leaves, where the
    function reads every one of its numbers (`argument_arrays`)."""

    def __init__(self, name: str, N: int, n: int, flat: bool,
                 nodes: Optional[List[List[int]]] = None) -> None:
        self.name, self.N, self.n, self.flat = name, N, n, flat
        self.nodes = nodes
        self.uid = 0  # not a step: its numbers are read, not computed


class Map:
    """nodes[i][j] = rule(parents at place (i, j)), for an N × n array of places."""

    def __init__(self, nodes: List[List[int]], template: Node, slots: List[Tuple[str, Any]]) -> None:
        self.nodes = nodes
        self.N, self.n = len(nodes), len(nodes[0])
        self.template = template  # one of its nodes: the rule and constant they all have
        self.slots = slots
        self.flat = self.n == 1  # kept as a plain list when it is a column
        self.desc = True  # the backward pass takes its nodes from the last to the first
        self.act = None
        self.uid = -1
        self.live = False

    def members(self) -> List[int]:
        return [v for row in self.nodes for v in row]


def argument_shape(graph: Graph, name: str) -> Optional[Tuple[int, int, bool]]:
    """(N, n, whether it is a list) of the argument `name`, if it is a list of N numbers or a
    matrix of N rows of n numbers; else None."""
    N = graph.extent.get((name, ()), 0)
    flat = (name, (0,)) not in graph.extent
    n = 1 if flat else graph.extent[(name, (0,))]
    if N == 0 or n == 0 or not flat and any(graph.extent.get((name, (i,))) != n for i in range(N)):
        return None
    return N, n, flat


def argument_arrays(graph: Graph) -> Dict[int, Place]:
    """The place of each argument leaf that sits in a list or a matrix argument every number of
    which is a leaf of the graph (a map can run over it)."""
    groups: Dict[str, Dict[Tuple[int, ...], int]] = {}
    for v, nd in enumerate(graph.nodes):
        if nd.kind == ARG and 1 <= len(nd.path[1]) <= 2:
            groups.setdefault(nd.path[0], {})[nd.path[1]] = v
    places: Dict[int, Place] = {}
    for name, found in groups.items():
        shape = argument_shape(graph, name)
        if shape is None:
            continue
        N, n, flat = shape
        keys = [[(i,) if flat else (i, j) for j in range(n)] for i in range(N)]
        if any(k not in found for row in keys for k in row):
            continue
        grid = [[found[k] for k in row] for row in keys]
        arr = ArgArray(name, N, n, flat, grid)
        places.update({v: (arr, i, j) for i, row in enumerate(grid) for j, v in enumerate(row)})
    return places


def argument_places(graph: Graph) -> Dict[int, Place]:
    """The place of each argument leaf in a list or a matrix argument of two rows or more, read
    or not (a loop over the samples reads row i of it)."""
    found: Dict[int, Place] = {}
    arrays: Dict[str, Optional[ArgArray]] = {}
    for v, nd in enumerate(graph.nodes):
        if nd.kind != ARG or not 1 <= len(nd.path[1]) <= 2:
            continue
        name, path = nd.path
        if name not in arrays:
            shape = argument_shape(graph, name)
            arrays[name] = ArgArray(name, *shape) if shape is not None and shape[0] >= 2 else None
        arr = arrays[name]
        i, j = path if len(path) == 2 else (path[0], 0)
        if arr is not None and len(path) == 2 - arr.flat and nd.flat == graph.starts[name] + i * arr.n + j:
            found[v] = (arr, i, j)
    return found


def find_maps(graph: Graph, placed: Dict[int, Place], banned: Set[int]) -> List[Map]:
    """The maps over the arrays of `placed` (node -> (array, i, j)), level by level; `placed`
    gains their nodes. Nodes in `banned` stay scalar steps."""
    nodes = graph.nodes
    maps: List[Map] = []
    while True:
        groups: Dict[Tuple, Dict[Tuple[int, int], int]] = {}
        shapes: Dict[Tuple, Tuple[int, int]] = {}
        kinds: Dict[Tuple, List[Tuple[str, Any]]] = {}
        for v, nd in enumerate(nodes):
            if nd.kind != OP or not kind(nd)[1] or v in placed or v in banned:
                continue
            found = _describe(nd, nodes, placed)
            if found is None:
                continue
            key, slots, where, shape = found
            members = groups.setdefault(key, {})
            if where in members:
                banned.add(v)  # two nodes at one place: not a map
                continue
            members[where] = v
            shapes[key] = shape
            kinds[key] = slots
        new = 0
        for key, members in groups.items():
            N, n = shapes[key]
            if len(members) != N * n or N * n < 2:
                continue
            grid = [[members[i, j] for j in range(n)] for i in range(N)]
            m = Map(grid, nodes[grid[0][0]], kinds[key])
            maps.append(m)
            placed.update({v: (m, i, j) for i, row in enumerate(grid) for j, v in enumerate(row)})
            new += 1
        if not new:
            return maps


def _describe(nd: Node, nodes: Sequence[Node], placed: Dict[int, Place]) -> Optional[Tuple]:
    """(group key, its slots, the node's place, the array's shape), or None if it is no element
    of a map."""
    slots: List[Tuple[str, Any]] = []
    where = shape = None
    for p in nd.parents:
        found = placed.get(p)
        if found is not None:
            arr, i, j = found
            if where is None:
                where, shape = (i, j), (arr.N, arr.n)
            elif (i, j) != where or (arr.N, arr.n) != shape:
                return None
            slots.append(("same", arr))
        elif nodes[p].kind == CONST:
            slots.append(("lit", nodes[p].data))
        else:
            slots.append(("node", p))
    if where is None:
        return None
    key = (nd.rule, repr(nd.const), tuple((k, repr(a) if k == "lit" else a) for k, a in slots))
    return key, slots, where, shape


def order_of(m: Map, pos: Dict[int, int]) -> Optional[bool]:
    """True if the backward pass takes the map's nodes from the last (row by row) to the first,
    False if from the first to the last, None if in another order."""
    at = [pos[v] for v in m.members()]
    if all(a > b for a, b in zip(at, at[1:])):
        return True
    if all(a < b for a, b in zip(at, at[1:])):
        return False
    return None
