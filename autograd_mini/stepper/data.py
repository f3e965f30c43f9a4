"""The facts the stepper page replays, as plain JSON-able lists: nodes, forward steps, backward steps.

The backward steps are those of `explain(root)`, so the page takes the engine's own steps in the
engine's order; the page itself only adds contributions up, in that order, as the engine does.
Numbers that JSON cannot hold (NaN, ±infinity) travel as the strings "NaN", "Infinity", "-Infinity".
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence, Union

from ..engine import Value
from ..explanation import Explanation
from ..names import node_names
from .formulas import expression

JsonNumber = Union[float, str]


def number(x: float) -> JsonNumber:
    """`x` as JSON holds it: a float, or a string for NaN and the infinities."""
    if math.isfinite(x):
        return float(x)
    if x != x:
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def numbers(xs: Sequence[float]) -> List[JsonNumber]:
    return [number(x) for x in xs]


def shown_gradients(expl: Explanation, order: Sequence[Value]) -> Dict[Value, List[float]]:
    """Every gradient each node shows while the page steps back: 0, then each running sum."""
    seen: Dict[Value, List[float]] = {v: [0.0] for v in order}
    current = {v: 0.0 for v in order}
    current[expl.root] = expl.grad(expl.root)  # the seed: nothing flows into the output
    seen[expl.root].append(current[expl.root])
    for step in expl:
        for p, c in zip(step.parents, step.contributions):
            current[p] += c
            seen[p].append(current[p])
    return seen


def widest(values: Sequence[float], digits: int = 4) -> float:
    """The value whose text (``f'{x:.4g}'``) is the longest, so a box laid out for it fits them all."""
    return max(values, key=lambda x: len(f"{x:.{digits}g}"))


def page_data(root: Value, expl: Explanation, order: Sequence[Value], title: str) -> Dict[str, Any]:
    """Everything the page's script needs, indexed by position in `order` (= ``v{i}`` in the SVG)."""
    index = {v: i for i, v in enumerate(order)}
    names = node_names(order)
    ops = {s.node: s.op for s in expl}  # explain's op text, the constant included ('* 0.25')
    forward = []
    for v in order:
        if v.is_leaf():
            continue
        parents = [index[p] for p in v.parents]
        text = expression(ops[v], [names[p] for p in parents])
        forward.append({"node": index[v], "parents": parents, "text": text})
    backward = [
        {
            "node": index[s.node],
            "op": s.op,
            "up": number(s.upstream),
            "parents": [index[p] for p in s.parents],
            "local": numbers(s.local),
            "contrib": numbers(s.contributions),
        }
        for s in expl
    ]
    finite = [abs(g) for g in (expl.grad(v) for v in order) if math.isfinite(g)]
    return {
        "title": title,
        "output": names[index[root]],
        "outputData": number(root.data),
        "seed": number(expl.grad(root)),
        "root": index[root],
        "nodes": [
            {"name": names[i], "data": number(v.data), "leaf": v.is_leaf(), "op": ops.get(v, "")}
            for i, v in enumerate(order)
        ],
        "forward": forward,
        "backward": backward,
        "largest": number(max(finite, default=0.0)),
    }
