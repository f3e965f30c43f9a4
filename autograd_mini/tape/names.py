"""Names for the program's variables, from the nodes' labels where they have them.

A node labelled ``L1.N3.z`` is ``L1_N3_z``; a block of neurons labelled ``L2.N<j>.a`` is the
layer ``L2``, whose arrays are ``L2_W``, ``L2_B``, ``L2_a`` and so on; a node with no label is
``v<k>``, k its place in the topological order (as `explain` counts them).
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Dict, Iterable, List, Sequence, Set

from ..engine import OPS
from ..engine.op import PRIMITIVES
from .graph import DERIVED, OP
from .maps import Map
from .plan import Plan

_LAYER = re.compile(r"^(L\d+)\.N\d+\.([az])$")
RESERVED = {  # what the programs define or call: Python's and C's words, the helpers, loop variables
    *keyword.kwlist, *dir(builtins), *OPS, *PRIMITIVES, "P", "G", "program", "mul", "inf", "nan", "j", "o",
    "q", "dz", "dZT", "kept", "WT", "_", "i", "k", "z", "g", "s", "v", "d", "in", "out", "work",
    "sink", "maxof", "fabs", "pow", "double", "int", "const", "static", "void", "return", "for", "if",
    "else", "char", "long", "sizeof", "volatile", "NAN", "INFINITY", "flags", "status", "x_k", "z_0", "z_1",
    "z_2", "z_3",
}


def identifier(text: str) -> str:
    """`text` as a Python (and C) identifier: other characters become ``_``."""
    name = re.sub(r"\W", "_", text, flags=re.ASCII).strip("_") or "v"
    return "v_" + name if name[0].isdigit() else name


class Names:
    """The name of every scalar node and every block of a plan; unique, none a reserved word."""

    def __init__(self, plan: Plan, taken: Iterable[str] = ()) -> None:
        self.used = set(RESERVED) | set(taken)
        self.bound = _bound(plan, self.used)  # first: a node is never named as a parameter is (v2)
        for n in self.bound.values():
            self.used.update((n, "d_" + n))
        nodes = plan.graph.nodes
        counts: Dict[str, int] = {}
        for v, nd in enumerate(nodes):
            if nd.kind in (OP, DERIVED) and v not in plan.block_of and nd.label:
                counts[nd.label] = counts.get(nd.label, 0) + 1
        self.node: Dict[int, str] = {}
        for v, nd in enumerate(nodes):
            if nd.kind in (OP, DERIVED) and v not in plan.block_of:
                label = nd.label if nd.label and counts[nd.label] == 1 else ""
                self.node[v] = self.fresh(identifier(label) if label else f"v{v}", v)
        self.block: List[str] = []  # blocks and maps
        for k, b in enumerate(plan.blocks):
            found = _LAYER.match(nodes[b.nodes[0][0]].label)
            if isinstance(b, Map):  # the list of its values: L1_a, or by its operation
                base = f"{found.group(1)}_{found.group(2)}" if found else b.template.rule + "s"
            else:  # a layer: L1, whose arrays are L1_W, L1_z, ...
                base = found.group(1) if found else f"layer{k + 1}"
            self.block.append(self.fresh(base, k))

    def fresh(self, base: str, k: int) -> str:
        """`base`, or `base_<k>` (then `base_<k>_2`, ...) if it is taken."""
        name = base
        if name in self.used:
            name = f"{base}_{k + 1}"
        n = 2
        while name in self.used:
            name = f"{base}_{k + 1}_{n}"
            n += 1
        self.used.add(name)
        return name


def _bound(plan: Plan, used: Set[str]) -> Dict[int, str]:
    """Each parameter's label as its name (small programs read w and b, not P[k]), where the plan
    is small (no blocks, at most 8 parameters) and every label is a free identifier of its own."""
    g = plan.graph
    if plan.blocks or not 0 < len(g.params) <= 8:
        return {}
    order = [v for v, _ in sorted(plan.p_pos.items(), key=lambda item: item[1])]
    found = [identifier(g.nodes[v].label) if g.nodes[v].label else "" for v in order]
    taken = {*found, *("d_" + n for n in found)}  # each one's name and its gradient's, all free
    if "" in found or len(taken) < 2 * len(found) or taken & used:
        return {}
    return dict(zip(order, found))


def argument_names(names: Sequence[str]) -> List[str]:
    """The traced function's parameter names as the program's, made valid and free."""
    out: List[str] = []
    for k, n in enumerate(names):
        name = identifier(n)
        while name in RESERVED or name in out:
            name += "_"
        out.append(name if n else f"arg{k}")
    return out
