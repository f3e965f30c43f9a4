"""The matrix panel: a layer's formulas above matrices whose entries are the graph's own nodes.

Nodes labelled like the nn library (``Li.Nj.wk``, ``Li.Nj.b``, ``Li.Nj.z``, ``Li.Nj.a``) make up
layer i. Each z node (``w·x+b``) is one observation of neuron j, so a layer called on a batch of
N observations has N z nodes per neuron: they are the N columns of Z. Each matrix entry is a cell
the page fills in as it steps:

- ``["d", i]``: the data of node i (shown once the forward pass has computed it);
- ``["g", i]``: the gradient node i shows now;
- ``["l", i, x]``: the local derivative x (g'(z) of the activation node i), known with its data;
- ``["c", x]``: a number known from the start (an input kept as a constant in the z node);
- ``None``: an entry this graph does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..engine import NeuronRule, Value
from ..explanation import Explanation, Step
from .checks import formula_differences
from .data import number
from .text import batch_note, formulas

_LABEL = re.compile(r"^L([1-9][0-9]*)\.N([1-9][0-9]*)\.(?:w([1-9][0-9]*)|(b)|(z)|(a))$")
Cell = Optional[List[Any]]


@dataclass
class Parts:
    """The labelled nodes of one layer, as found in the graph."""

    weights: Dict[Tuple[int, int], Value] = field(default_factory=dict)
    biases: Dict[int, Value] = field(default_factory=dict)
    cores: List[Tuple[int, Value]] = field(default_factory=list)  # (j, its w·x+b node), in order
    activations: Dict[Value, Value] = field(default_factory=dict)  # z node -> a = g(z)
    clash: bool = False  # two leaves with one label: two layers share a name


def find_layers(order: Sequence[Value]) -> Dict[int, Parts]:
    """The nodes of each layer number, from their labels (nodes in `order`'s order)."""
    layers: Dict[int, Parts] = {}
    zs: Dict[Value, Tuple[int, int]] = {}
    for v in order:
        m = _LABEL.match(v.label)
        if not m:
            continue
        i, j = int(m.group(1)), int(m.group(2))
        parts = layers.setdefault(i, Parts())
        if m.group(3) or m.group(4):
            if v.is_leaf():
                _leaf(parts, j, int(m.group(3)) if m.group(3) else 0, v)
        elif m.group(5) and isinstance(v.rule, NeuronRule) and v.rule.activation is None:
            parts.cores.append((j, v))
            zs[v] = (i, j)
        elif m.group(6):
            if isinstance(v.rule, NeuronRule):  # a fused neuron: one node a = g(w·x+b)
                parts.cores.append((j, v))
            elif len(v.parents) == 1 and zs.get(v.parents[0]) == (i, j):
                parts.activations[v.parents[0]] = v
    return layers


def _leaf(parts: Parts, j: int, k: int, v: Value) -> None:
    table: Dict[Any, Value] = parts.weights if k else parts.biases  # type: ignore[assignment]
    key: Any = (j, k) if k else j
    if table.get(key, v) is not v:
        parts.clash = True
    table[key] = v


@dataclass
class Columns:
    """The layer's observations: column c holds core[(j, c)] for each neuron j."""

    inputs: List[List[Cell]] = field(default_factory=list)  # per column, its m input cells
    nodes: List[List[Optional[Value]]] = field(default_factory=list)  # per column, its input nodes
    core: Dict[Tuple[int, int], Value] = field(default_factory=dict)


def columns(parts: Parts, n_inputs: int, index: Dict[Value, int]) -> Optional[Columns]:
    """Group the cores into observations (by their inputs), or None if a core does not fit the layer."""
    m, out = n_inputs, Columns()
    seen: Dict[Any, int] = {}
    count: Dict[Any, int] = {}
    for j, core in parts.cores:
        ps = core.parents
        ws = [parts.weights.get((j, k)) for k in range(1, m + 1)]
        numbers = _numbers(core)
        if len(ps) != (m + 1 if numbers else 2 * m + 1) or ps[-1] is not parts.biases.get(j):
            return None
        if any(p is not w for p, w in zip(ps[:m], ws)):
            return None
        cells, nodes, key = _inputs(core, m, index)
        count[(j, key)] = count.get((j, key), 0) + 1
        full = (key, count[(j, key)])  # the same inputs twice are two observations
        if full not in seen:
            seen[full] = len(out.inputs)
            out.inputs.append(cells)
            out.nodes.append(nodes)
        out.core[(j, seen[full])] = core
    return out


def _numbers(core: Value) -> bool:
    """Whether the neuron took numbers (kept in its `const`) rather than Values as inputs."""
    return bool(getattr(core.rule, "number_inputs", False))


def _inputs(core: Value, m: int, index: Dict[Value, int]) -> Tuple[Any, ...]:
    """The input cells of one observation, its input nodes (None for numbers), and its key."""
    if _numbers(core):
        xs = tuple(float(x) for x in core.const)
        return [["c", number(x)] for x in xs], [None] * m, ("c", xs)
    inputs = core.parents[m : 2 * m]
    nodes: List[Optional[Value]] = list(inputs)
    return [["d", index[x]] for x in inputs], nodes, ("v", tuple(index[x] for x in inputs))


def layer_panels(root: Value, expl: Explanation, order: Sequence[Value], wanted: Optional[List[int]]
                 ) -> List[Dict[str, Any]]:
    """The panel of each layer in the graph (or of the `wanted` layer numbers), in layer order."""
    found = find_layers(order)
    if wanted is not None:
        missing = [i for i in wanted if i not in found]
        if missing:
            have = ", ".join(f"L{i}" for i in sorted(found)) or "none"
            raise ValueError(f"stepper: layers {missing} are not in the graph (its layers: {have})")
    index = {v: i for i, v in enumerate(order)}
    steps = {s.node: s for s in expl}
    panels = []
    for i in sorted(found) if wanted is None else wanted:
        panel = _panel(i, found[i], index, steps, expl)
        if panel is not None:
            panels.append(panel)
    return panels


def _panel(i: int, parts: Parts, index: Dict[Value, int], steps: Dict[Value, Step], expl: Explanation
           ) -> Optional[Dict[str, Any]]:
    if not parts.cores:
        return None  # weights without a z node: the layer was not called in this graph
    n = max([j for j, _ in parts.cores] + list(parts.biases))
    m = max([k for _, k in parts.weights], default=0)
    cols = None if parts.clash or not m else columns(parts, m, index)
    if cols is None:
        return {"name": f"L{i}", "skipped": f"the nodes labelled L{i}.… do not form one layer "
                "(two layers with one name, or labels set by hand), so no matrices are shown"}
    fused = any(_activation_of(core) is not None for core in cols.core.values())
    acts = {core: parts.activations.get(core) for core in cols.core.values()}
    activation = _activation(parts, cols, fused)
    grid = Grid(n, m, len(cols.inputs), cols, parts, index)
    forward = grid.forward(acts, activation, fused)
    backward = grid.backward(acts, activation, fused, steps)
    panel = {
        "name": f"L{i}", "n": n, "m": m, "N": len(cols.inputs), "activation": activation, "fused": fused,
        "formulas": formulas(activation, len(cols.inputs), fused, all(cols.nodes[c][0] is not None
                                                                       for c in range(len(cols.nodes)))),
        "note": batch_note(len(cols.inputs)),
        "forward": forward, "backward": backward,
        "check": [] if fused else formula_differences(grid, acts, activation, steps, expl),
    }
    return panel


def _activation_of(core: Value) -> Optional[str]:
    """The activation inside a neuron node (fused), or None for a plain w·x+b node."""
    activation = getattr(core.rule, "activation", None)
    return None if activation is None else str(activation.name)


def _activation(parts: Parts, cols: Columns, fused: bool) -> Optional[str]:
    if fused:
        names = {_activation_of(core) for core in cols.core.values()}
    else:
        names = {a.op for a in parts.activations.values()}
    return names.pop() if len(names) == 1 else None


class Grid:
    """Builds the matrices of one layer: rows are neurons j or inputs k, columns observations c."""

    def __init__(self, n: int, m: int, N: int, cols: Columns, parts: Parts, index: Dict[Value, int]) -> None:
        self.n, self.m, self.N, self.cols, self.parts, self.index = n, m, N, cols, parts, index

    def cell(self, kind: str, v: Optional[Value], *extra: Any) -> Cell:
        return None if v is None else [kind, self.index[v], *extra]

    def per_neuron(self, f: Any) -> List[List[Cell]]:
        return [[f(self.cols.core.get((j, c))) for c in range(self.N)] for j in range(1, self.n + 1)]

    def weights(self, kind: str) -> List[List[Cell]]:
        return [[self.cell(kind, self.parts.weights.get((j, k))) for k in range(1, self.m + 1)]
                for j in range(1, self.n + 1)]

    def biases(self, kind: str) -> List[List[Cell]]:
        return [[self.cell(kind, self.parts.biases.get(j))] for j in range(1, self.n + 1)]

    def forward(self, acts: Dict[Value, Optional[Value]], activation: Optional[str], fused: bool
                ) -> List[Any]:
        a_prev = [[self.cols.inputs[c][k] for c in range(self.N)] for k in range(self.m)]
        out = [
            _matrix("A_prev", "A_prev", "the layer's inputs, one column per observation", a_prev, "in",
                    "obs"),
            _matrix("W", "W", "the weights: row j is neuron j", self.weights("d"), "N", "in"),
            _matrix("B", "B", "the biases", self.biases("d"), "N", ""),
        ]
        if not fused:
            z = self.per_neuron(lambda core: self.cell("d", core))
            out.append(_matrix("Z", "Z = W·A_prev + B", "each entry is a w·x+b node", z, "N", "obs"))
        if activation and not fused:
            a = self.per_neuron(lambda core: self.cell("d", acts.get(core)) if core is not None else None)
            out.append(_matrix("A", f"A = {activation}(Z)", "the activation nodes", a, "N", "obs"))
        elif fused:
            a = self.per_neuron(lambda core: self.cell("d", core))
            out.append(_matrix("A", f"A = {activation or ''}(W·A_prev + B)", "one fused node per neuron and "
                               "observation", a, "N", "obs"))
        return out

    def backward(self, acts: Dict[Value, Optional[Value]], activation: Optional[str], fused: bool,
                 steps: Dict[Value, Step]) -> List[Any]:
        out = []
        if activation and not fused:
            def a_of(core: Optional[Value]) -> Optional[Value]:
                return acts.get(core) if core is not None else None

            def local(core: Optional[Value]) -> Cell:
                a = a_of(core)
                return None if a is None else self.cell("l", a, number(steps[a].local[0]))

            out.append(_matrix("dA", "dA", "dL/da: the gradient each activation node holds",
                               self.per_neuron(lambda core: self.cell("g", a_of(core))), "N", "obs"))
            out.append(_matrix("gZ", f"{activation}'(Z)", "the local derivative of each activation",
                               self.per_neuron(local), "N", "obs"))
        if fused:
            out.append(_matrix("dA", "dA", "dL/da of each fused node (its rule forms dz = da·g'(z) inside)",
                               self.per_neuron(lambda core: self.cell("g", core)), "N", "obs"))
        else:
            title = f"dZ = dA ⊙ {activation}'(Z)" if activation else "dZ"
            out.append(_matrix("dZ", title, "dL/dz: the gradient each w·x+b node holds",
                               self.per_neuron(lambda core: self.cell("g", core)), "N", "obs"))
        out.append(_matrix("dW", "dW = dZ·A_prevᵀ", "dL/dw_jk: one term dz_j·a_k per observation, summed",
                           self.weights("g"), "N", "in"))
        out.append(_matrix("dB", "dB = Σ dZ" if self.N > 1 else "dB = dZ",
                           "dL/db_j: one term dz_j per observation, summed", self.biases("g"), "N", ""))
        if all(nodes[0] is not None for nodes in self.cols.nodes):
            d_prev = [[self.cell("g", self.cols.nodes[c][k]) for c in range(self.N)] for k in range(self.m)]
            out.append(_matrix("dA_prev", "dA_prev = Wᵀ·dZ", "dL/da_k of each input: one term w_jk·dz_j per "
                               "neuron, summed", d_prev, "in", "obs"))
        return out


def _matrix(key: str, title: str, what: str, cells: List[List[Cell]], rows: str, cols: str) -> Dict[str, Any]:
    return {"key": key, "title": title, "what": what, "rows": rows, "cols": cols, "cells": cells}
