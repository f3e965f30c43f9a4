"""The matrix panel: a layer's formulas above matrices whose entries are the graph's own nodes.

The layers are found by `layers.find_layers`; each matrix entry is a cell the page fills in as it
steps:

- ``["d", i]``: the data of node i (shown once the forward pass has computed it);
- ``["g", i]``: the gradient node i shows now;
- ``["l", i, x]``: the local derivative x (g'(z) of the activation node i), known with its data;
- ``["c", x]``: a number known from the start (an input kept as a constant in the z node);
- ``None``: an entry this graph does not hold.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..engine import Value
from ..explanation import Explanation, Step
from .checks import formula_differences
from .data import number
from .layers import Cell, Columns, Parts, columns, find_layers
from .text import batch_note, formulas


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
        "check": [] if fused else formula_differences(parts, cols, n, m, acts, activation, steps, expl),
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
