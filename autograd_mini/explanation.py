"""The backward pass as a table of chain-rule steps, for checking gradients by hand.

`explain(root)` replays what ``root.backward()`` does, on floats and without touching any
``.grad``: for each node, from the output back to the inputs, the upstream gradient dL/d(node)
times the local derivative d(node)/d(parent) is the contribution added to that parent's gradient.
A leaf's gradient is the sum of the contributions it receives.

>>> from autograd_mini import Value
>>> x, w = Value(0.5, label='x'), Value(-3.0, label='w')
>>> y = w * x
>>> table = explain(y)
>>> [(s.name, s.op, s.contributions) for s in table]
[('v2', '*', (0.5, -3.0))]
>>> table.grad(x)
-3.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from . import checks
from .engine import Op, Value, backward_order, chain_rule, op_text, topological_order
from .forward_table import ForwardRow, ForwardTable, explain_forward
from .names import node_names

__all__ = ["Explanation", "ForwardRow", "ForwardTable", "LayerGradients", "Step", "explain",
           "explain_forward", "explain_layer"]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


@dataclass(frozen=True)
class Step:
    """One chain-rule step: `node`'s upstream gradient sent back to each of its parents.

    ``contributions[i]`` is what the engine adds to ``parents[i].grad``; it equals
    ``upstream * local[i]`` (up to the rounding of the engine's own formula).
    """

    index: int  # 1 for the first step the engine applies
    node: Value
    name: str
    op: str
    upstream: float
    parents: Tuple[Value, ...]
    parent_names: Tuple[str, ...]
    local: Tuple[float, ...]
    contributions: Tuple[float, ...]
    # each local derivative as its op defines it, with the names, then the numbers, put in
    derivatives: Tuple[str, ...] = ()

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}: {_fmt(c)}" for n, c in zip(self.parent_names, self.contributions))
        up = _fmt(self.upstream)
        return f"Step({self.index}, {self.name} = {self.op}, upstream={up}, adds {{{parts}}})"


class Explanation(Sequence[Step]):
    """The steps of a backward pass (a sequence of `Step`) and the gradients they produce.

    ``print(explanation)`` shows a table, one line per (node, parent) pair, then each leaf's
    gradient. ``explanation.grad(v)`` is dL/dv for any node of the graph.
    """

    def __init__(self, root: Value, steps: List[Step], grads: Dict[Value, float], names: Dict[Value, str],
                 leaves: List[Value]) -> None:
        self.root = root
        self.steps = steps
        self._grads = grads
        self._names = names
        self.leaves = leaves

    @overload
    def __getitem__(self, i: int) -> Step: ...

    @overload
    def __getitem__(self, i: slice) -> List[Step]: ...

    def __getitem__(self, i: Union[int, slice]) -> Union[Step, List[Step]]:
        return self.steps[i]

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def grad(self, v: Value) -> float:
        """dL/dv as this explanation computed it (0.0 for a node the root does not depend on)."""
        return self._grads.get(v, 0.0)

    def name(self, v: Value) -> str:
        return self._names.get(v, v.label or "?")

    def layer(self, layer: Any, name: str = "") -> LayerGradients:
        """dW and dB of a Linear-like `layer` from this explanation's gradients."""
        return explain_layer(layer, name, grads=self)

    def __repr__(self) -> str:
        n, leaves = len(self.steps), len(self.leaves)
        return f"Explanation({n} steps back from {self.name(self.root)}, {leaves} leaves)"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython and Jupyter show the table
        p.text(str(self))

    def __str__(self) -> str:
        head = ("step", "node", "op", "upstream", "parent", "local", "contribution", "formula")
        rows: List[Tuple[str, ...]] = []
        for s in self.steps:
            texts = s.derivatives or ("",) * len(s.parents)
            for k, (pn, loc, c, text) in enumerate(zip(s.parent_names, s.local, s.contributions, texts)):
                first = k == 0
                rows.append((
                    str(s.index) if first else "",
                    s.name if first else "",
                    s.op if first else "",
                    _fmt(s.upstream) if first else "",
                    pn,
                    _fmt(loc),
                    _fmt(c),
                    text,
                ))
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
        right = {0, 3, 5, 6}  # numbers are right-aligned

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        out = [
            f"Backward pass from {self.name(self.root)} = {_fmt(self.root.data)}, "
            f"seed gradient {_fmt(self.grad(self.root))}",
            "(contribution = upstream × local; each parent's gradient is the sum of its contributions)",
            line(head),
            line(["-" * w for w in widths]),
        ]
        out += [line(r) for r in rows]
        if not rows:
            out.append("(no steps: the root is a leaf)")
        out.append("")
        out.append("Gradients of the leaves:")
        lw = max([len(self.name(v)) for v in self.leaves], default=0)
        for v in self.leaves:
            out.append(f"  {self.name(v).ljust(lw)}  data {_fmt(v.data):>10}  grad {_fmt(self.grad(v)):>10}")
        return "\n".join(out)


def _names(order: List[Value]) -> Dict[Value, str]:
    """Each node's one name (`names.node_names`): the pictures and the stepper use the same."""
    return dict(zip(order, node_names(order)))


def _local(v: Value) -> Tuple[float, ...]:
    try:
        return v.local_derivatives()
    except (ArithmeticError, ValueError):  # e.g. sqrt'(0) is infinite
        return (float("nan"),) * len(v.parents)


def _derivatives(v: Value, parent_names: Tuple[str, ...], name: str) -> Tuple[str, ...]:
    """The local derivatives as the op's definition writes them ('' for a neuron, a sum)."""
    if not isinstance(v.rule, Op):
        return ("",) * len(v.parents)
    return v.rule.local_text(parent_names, name, [p.data for p in v.parents], v.data, v.const)


def explain(root: Value, gradient: float = 1.0) -> Explanation:
    """The chain-rule steps of ``root.backward(gradient)``, in the order the engine applies them.

    No ``.grad`` is changed: the steps come from the engine's own backward walk, into a dict, so
    the contributions to each leaf add up to what `backward` would give it, bit for bit.
    A node no gradient reaches (upstream 0) still gets its row, with zero contributions.

    >>> from autograd_mini import Value
    >>> a = Value(2.0, label='a')
    >>> print(explain(a * a))        # doctest: +NORMALIZE_WHITESPACE
    Backward pass from v1 = 4, seed gradient 1
    (contribution = upstream × local; each parent's gradient is the sum of its contributions)
    step  node  op  upstream  parent  local  contribution  formula
    ----  ----  --  --------  ------  -----  ------------  -------
       1  v1    *          1  a           2             2  a = 2
                              a           2             2  a = 2
    <BLANKLINE>
    Gradients of the leaves:
      a  data          2  grad          4
    """
    if type(root) is not Value:
        raise TypeError(f"explain: root must be a Value, got {checks.shown(root)}")
    seed = checks.real(gradient, "explain: gradient")  # the same check as backward(gradient)
    order = topological_order(root)
    names = _names(order)
    walk = chain_rule(root, seed, where="explain")
    grads: Dict[Value, float] = {v: walk.grads.get(v, 0.0) for v in order}
    steps: List[Step] = []
    for v in backward_order(root):
        ps = v.parents
        upstream, contributions = walk.steps.get(v, (grads[v], (0.0,) * len(ps)))
        parent_names = tuple(names[p] for p in ps)
        steps.append(Step(len(steps) + 1, v, names[v], op_text(v), upstream, ps, parent_names, _local(v),
                          tuple(contributions), _derivatives(v, parent_names, names[v])))
    leaves = [v for v in order if v.is_leaf()]
    return Explanation(root, steps, grads, names, leaves)


# ---- a Linear layer's gradients as the matrices of the formulas ----


@dataclass(frozen=True)
class LayerGradients:
    """dW (n rows of m) and dB (n) of a layer: dW[i][j] = dL/dW[i][j], dB[i] = dL/dB[i]."""

    name: str
    dW: List[List[float]]
    dB: List[float]

    @property
    def shape(self) -> Tuple[int, int]:
        return len(self.dW), (len(self.dW[0]) if self.dW else 0)

    def __str__(self) -> str:
        n, m = self.shape
        cells = [[_fmt(x) for x in row] for row in self.dW]
        bias = [_fmt(x) for x in self.dB]
        width = max([len(c) for row in cells for c in row] + [len(b) for b in bias] + [1])
        title = f"{self.name}: " if self.name else ""
        rows = ["[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]
        left = max(len(r) for r in rows) if rows else 0
        out = [f"{title}{f'dW ({n}×{m})'.ljust(left)}    dB ({n}×1)"]  # each heading above its matrix
        out += [" " * len(title) + f"{r}    [ {b.rjust(width)} ]" for r, b in zip(rows, bias)]
        if not any(x != 0.0 for x in [*(x for row in self.dW for x in row), *self.dB]):
            out.append("(every gradient is 0: backward() not run yet, or the loss does not use this layer)")
        return "\n".join(out)


def explain_layer(layer: Any, name: str = "", grads: Optional[Explanation] = None) -> LayerGradients:
    """A Linear layer's gradients as matrices: dW (n×m), the shape of W, and dB (n×1).

    `layer` is anything with ``.weight`` (n rows of m Values: Z = W·A + B) and ``.bias`` (n
    Values). The gradients are read from ``.grad`` (after ``backward()``), or from `grads`, an
    `Explanation`, which leaves ``.grad`` alone. By the chain rule, dW = dZ·Aᵀ and dB = dZ.

    >>> import random
    >>> from autograd_mini import nn, total
    >>> layer = nn.Linear(3, 2, rng=random.Random(0))
    >>> total(layer([1.0, -2.0, 0.5])).backward()   # each z_j's gradient is 1, so dW rows = Aᵀ
    >>> print(explain_layer(layer, 'L1'))
    L1: dW (2×3)             dB (2×1)
        [   1   -2  0.5 ]    [   1 ]
        [   1   -2  0.5 ]    [   1 ]
    """
    weight = getattr(layer, "weight", None)
    bias = getattr(layer, "bias", None)
    if weight is None or bias is None:
        raise TypeError(f"explain_layer: expected a layer with .weight and .bias, got {type(layer).__name__}")
    rows = [list(r) for r in weight]
    bias = list(bias)
    if len(rows) != len(bias):
        raise ValueError(f"explain_layer: {len(rows)} rows of weights but {len(bias)} biases")
    if len({len(r) for r in rows}) > 1:
        raise ValueError(f"explain_layer: rows of weights have different lengths {[len(r) for r in rows]}")
    for v in [w for r in rows for w in r] + bias:
        if type(v) is not Value:
            raise TypeError(f"explain_layer: weights and biases must be Values, got {type(v).__name__} {v!r}")
    if grads is None:
        return LayerGradients(name, [[w.grad for w in r] for r in rows], [b.grad for b in bias])
    return LayerGradients(name, [[grads.grad(w) for w in r] for r in rows], [grads.grad(b) for b in bias])
