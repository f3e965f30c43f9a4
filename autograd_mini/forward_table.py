"""Forward mode as a table: each node's value, its local derivatives and its tangent, in the order
they are computed. It is `explain`'s backward table turned around: there a gradient flows from
the output back to the inputs; here a tangent flows from the inputs that move to the output.

A node's tangent is the sum over its parents of local derivative × the parent's tangent, the very
local derivatives the backward pass multiplies by (see `autograd_mini.func`).

>>> from autograd_mini import Value
>>> x, y = Value(2.0, label='x'), Value(3.0, label='y')
>>> z = x * y + x
>>> z.label = 'z'
>>> print(explain_forward(z, [x], [1.0]))        # doctest: +NORMALIZE_WHITESPACE
Forward pass: x moves at 1 (every other input stays)
(tangent = Σ local × parent's tangent, node after node)
step  node  op  value  parent  local  parent's tangent  tangent
----  ----  --  -----  ------  -----  ----------------  -------
   1  x             2                                         1
   2  y             3                                         0
   3  v2    *       6  x           3                 1        3
                       y           2                 0
   4  z     +       8  v2          1                 3        4
                       x           1                 1
<BLANKLINE>
Tangent of z: 4
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Sequence, Tuple, Union, overload

from .engine import Value, op_text
from .func.forward import tangents
from .names import node_names

__all__ = ["ForwardRow", "ForwardTable", "explain_forward"]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


@dataclass(frozen=True)
class ForwardRow:
    """One node of the forward pass: its value, and its tangent from its parents' tangents.

    ``tangent`` equals Σ ``local[i] * parent_tangents[i]`` (up to rounding) for a computed node;
    an input's tangent is the one it was given (0 for an input that stays).
    """

    index: int  # 1 for the first node computed
    node: Value
    name: str
    op: str
    value: float
    parents: Tuple[Value, ...]
    parent_names: Tuple[str, ...]
    local: Tuple[float, ...]
    parent_tangents: Tuple[float, ...]
    tangent: float

    def __repr__(self) -> str:
        return f"ForwardRow({self.index}, {self.name} = {_fmt(self.value)}, tangent={_fmt(self.tangent)})"


class ForwardTable(Sequence[ForwardRow]):
    """The rows of a forward-mode pass (a sequence of `ForwardRow`); ``print`` shows the table and
    ``table.tangent(v)`` is the tangent of any node of the graph."""

    def __init__(self, outputs: List[Value], rows: List[ForwardRow], moving: List[Tuple[str, float]]) -> None:
        self.outputs = outputs
        self.rows = rows
        self.moving = moving
        self.by_node = {row.node: row for row in rows}

    @overload
    def __getitem__(self, i: int) -> ForwardRow: ...

    @overload
    def __getitem__(self, i: slice) -> List[ForwardRow]: ...

    def __getitem__(self, i: Union[int, slice]) -> Union[ForwardRow, List[ForwardRow]]:
        return self.rows[i]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ForwardRow]:
        return iter(self.rows)

    def tangent(self, v: Value) -> float:
        row = self.by_node.get(v)
        return row.tangent if row is not None else 0.0

    def __repr__(self) -> str:
        m = len(self.outputs)
        return f"ForwardTable({len(self.rows)} nodes, {m} output{'s' * (m > 1)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython and Jupyter show the table
        p.text(str(self))

    def __str__(self) -> str:
        head = ("step", "node", "op", "value", "parent", "local", "parent's tangent", "tangent")
        lines: List[Tuple[str, ...]] = []
        for r in self.rows:
            first = (str(r.index), r.name, r.op, _fmt(r.value))
            if not r.parents:
                lines.append((*first, "", "", "", _fmt(r.tangent)))
            for k, (pn, loc, pt) in enumerate(zip(r.parent_names, r.local, r.parent_tangents)):
                lead = first if k == 0 else ("", "", "", "")
                lines.append((*lead, pn, _fmt(loc), _fmt(pt), _fmt(r.tangent) if k == 0 else ""))
        widths = [max([len(h)] + [len(row[i]) for row in lines]) for i, h in enumerate(head)]
        right = {0, 3, 5, 6, 7}  # numbers are right-aligned

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        moving = ", ".join(f"{name} moves at {_fmt(t)}" for name, t in self.moving)
        out = [f"Forward pass: {moving} (every other input stays)",
               "(tangent = Σ local × parent's tangent, node after node)",
               line(head), line(["-" * w for w in widths]), *map(line, lines), ""]
        for v in self.outputs:
            out.append(f"Tangent of {self.by_node[v].name}: {_fmt(self.tangent(v))}")
        return "\n".join(out)


def _local(v: Value) -> Tuple[float, ...]:
    try:
        return v.local_derivatives()
    except (ArithmeticError, ValueError):  # e.g. sqrt'(0) is infinite
        return (float("nan"),) * len(v.parents)


def explain_forward(outputs: Any, primals: Sequence[Value], tangent_values: Sequence[Any]) -> ForwardTable:
    """The forward-mode pass that moves each of `primals` (nodes of the graph) at the speed
    ``tangent_values[i]``, as a table: one row per node of the graph of `outputs` (a Value or a
    list of them), in the order computed. One forward pass, the one `autograd_mini.func` makes;
    no ``.grad`` is touched.
    """
    moved: Dict[Value, float] = tangents(outputs, primals, tangent_values)  # checks the arguments
    roots = [outputs] if type(outputs) is Value else list(outputs)
    order = list(moved)  # (in topological order)
    names = dict(zip(order, node_names(order)))
    rows = [
        ForwardRow(i, v, names[v], op_text(v), v.data, v.parents, tuple(names[p] for p in v.parents),
                   _local(v), tuple(moved[p] for p in v.parents), moved[v])
        for i, v in enumerate(order, 1)
    ]
    moving = [(names.get(p, p.label or "?"), float(t)) for p, t in zip(primals, tangent_values)]
    return ForwardTable(roots, rows, moving)
