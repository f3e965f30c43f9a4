"""Find the layers of the nn library in a graph, by their labels, and group their nodes.

Nodes labelled ``Li.Nj.wk``, ``Li.Nj.b``, ``Li.Nj.z`` and ``Li.Nj.a`` make up layer i. Each z node
(``w·x+b``) is one observation of neuron j, so a layer called on a batch of N observations has N z
nodes per neuron: grouped by their inputs, they are the N columns of Z.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..engine import NeuronRule, Value
from .data import number

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
