"""How far a layer's final gradients are from its matrix formulas: rounding, unless a node is shared.

The engine never multiplies matrices; it applies one scalar rule per node. These numbers show that
its gradients are nonetheless the formulas' products and sums (up to the last bits of a float).
A weight also used elsewhere (a regularization term, another call of the layer) adds its own
gradient there, and the difference says so.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, TypeVar

from ..engine import Value
from ..explanation import Explanation, Step
from .layers import Columns, Parts

T = TypeVar("T")


def formula_differences(parts: Parts, cols: Columns, n: int, m: int, acts: Dict[Value, Optional[Value]],
                        activation: Optional[str], steps: Dict[Value, Step], expl: Explanation
                        ) -> List[List[Any]]:
    """[formula, largest |engine - formula|] for each formula of a layer of n neurons with m inputs
    each; [] if an entry is not in the graph."""
    N = len(cols.inputs)
    zs = _complete([[cols.core.get((j, c)) for c in range(N)] for j in range(1, n + 1)])
    ws = _complete([[parts.weights.get((j, k)) for k in range(1, m + 1)] for j in range(1, n + 1)])
    bs = _complete([[parts.biases.get(j) for j in range(1, n + 1)]])
    xs = _complete([[_input(cols, c, k) for c in range(N)] for k in range(m)])
    if zs is None or ws is None or bs is None or xs is None:
        return []
    g = expl.grad
    dz = [[g(z) for z in row] for row in zs]
    out: List[List[Any]] = []
    if activation:
        az = _complete([[acts.get(z) for z in row] for row in zs])
        if az is None:
            return []
        out.append([f"dZ = dA ⊙ {activation}'(Z)", max(
            abs(g(z) - g(a) * steps[a].local[0]) for ra, rz in zip(az, zs) for a, z in zip(ra, rz))])
    out.append(["dW = dZ·A_prevᵀ", max(
        abs(g(ws[j][k]) - sum(dz[j][c] * xs[k][c] for c in range(N))) for j in range(n) for k in range(m))])
    out.append(["dB = Σ dZ", max(abs(g(bs[0][j]) - sum(dz[j])) for j in range(n))])
    inputs = _complete(cols.nodes)
    if inputs is not None:
        back = [[sum(ws[j][k].data * dz[j][c] for j in range(n)) for c in range(N)] for k in range(m)]
        gap = max(abs(g(inputs[c][k]) - back[k][c]) for c in range(N) for k in range(m))
        out.append(["dA_prev = Wᵀ·dZ", gap])
    return out


def _complete(rows: Sequence[Sequence[Optional[T]]]) -> Optional[List[List[T]]]:
    """`rows` if no entry is None (the graph holds them all), else None."""
    out: List[List[T]] = []
    for row in rows:
        full = [x for x in row if x is not None]
        if len(full) != len(row):
            return None
        out.append(full)
    return out


def _input(cols: Columns, c: int, k: int) -> Optional[float]:
    node = cols.nodes[c][k]
    if node is not None:
        return node.data
    cell = cols.inputs[c][k]
    return None if cell is None else float(cell[1])
