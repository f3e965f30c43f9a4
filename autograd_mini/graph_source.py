"""The DOT text of a computation graph: what `viz` draws, built with nothing outside the stdlib.

One box per Value (its label, data and grad), one ellipse per operation, an arrow from each input
to the operation and one from the operation to its result. Nodes are named by their position in
`topological_order(root)` (``v3``, its operation ``v3op``), so the same graph gives the same text
in every run. Two rules keep big pictures readable, and quick for Graphviz to lay out:

- an input used k times by one operation (``x * x``, ``total([a, a, a])``) is one arrow marked ×k;
- a Value used by operations at three or more depths of the graph (a weight shared along a chain)
  reaches them along a wire: a line of junction points ``v0t0, v0t1, ...``, one per depth, with an
  arrow from each junction to the operations at that depth. Drawn as separate arrows, each use
  would span the chain up to it; Graphviz's layout time grows with the square of the total span
  (x added to itself 90 times: over 30 s), and with the wire it grows with the chain's length.

>>> from autograd_mini import Value
>>> x = Value(2.0, label='x')
>>> src = dot_source(x * x)
>>> src.splitlines()[0], [line.strip() for line in src.splitlines() if "->" in line]
('digraph autograd_mini {', ['v0 -> v1op [xlabel="×2" fontsize="10"]', 'v1op -> v1'])
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any, Dict, List, Optional, Tuple

from . import checks
from .engine import Value, op_text, topological_order
from .names import node_names, observation

MAX_NODES = 300
RANKDIRS = ("LR", "RL", "TB", "BT")
WIRE_MIN_DEPTHS = 3  # a Value used at this many depths or more reaches its uses along a wire

# MLP nodes from autograd_mini.nn are labelled L{layer}.N{neuron}.{w1|b|z|a...}, 1-based.
_NN_LABEL = re.compile(r"^L(\d+)\.N(\d+)\.")
_PARAMETER = re.compile(r"^L\d+\.N\d+\.(?:w(\d+)|b)$")  # a neuron's weight w<k> or its bias
_TABLE = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'

Group = Optional[Tuple[int, int]]  # (layer, neuron) of a cluster, None for the top level


class GraphTooLarge(ValueError):
    """The graph has more nodes than `max_nodes`; `count` and `limit` say how many."""

    def __init__(self, message: str, count: int, limit: int) -> None:
        super().__init__(message)
        self.count = count
        self.limit = limit


# ---- text of the boxes ----


def clean(text: str) -> str:
    """`text` shown as typed inside an HTML-like label.

    HTML's special characters become entities. A backslash is doubled: Graphviz replaces ``\\G``,
    ``\\N``, ``\\E``... by names even inside HTML labels (and entities are decoded first). Control
    characters, U+FFFE/U+FFFF and lone surrogates cannot go into SVG (XML) or UTF-8, so they are
    shown as escapes (``\\x07``, ``\\ud800``).
    """
    if not text.isprintable():
        text = "".join(_visible(c) for c in text)
    return html.escape(text, quote=True).replace("\\", "\\\\")


def _visible(c: str) -> str:
    if c == " " or (unicodedata.category(c) not in ("Cc", "Cs") and c not in "\ufffe\uffff"):
        return c
    return c.encode("unicode_escape").decode("ascii")


def _num(x: float) -> str:
    return f"{x:.4g}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attrs(pairs: Dict[str, str]) -> str:
    return " ".join(f"{k}={v if v.startswith('<') else _quote(v)}" for k, v in pairs.items())


def _value_label(name: str, v: Value, show_grad: bool, fill: Optional[str],
                 tangent: Optional[float] = None) -> str:
    cells = [f"<TD><B>{clean(name)}</B></TD>"]  # the name explain and the stepper give it
    cells.append(f"<TD>data {_num(v.data)}</TD>")
    if tangent is not None:  # forward mode: how fast the node moves (func.tangents)
        cells.append(f"<TD>tangent {_num(tangent)}</TD>")
    if show_grad:
        color = f' BGCOLOR="{fill}"' if fill else ""
        cells.append(f"<TD{color}>grad {_num(v.grad)}</TD>")
    return f"<{_TABLE}<TR>{''.join(cells)}</TR></TABLE>>"


def _grad_fill(g: float, largest: float) -> Optional[str]:
    """A fill colour for a gradient: red for positive, blue for negative, stronger when larger."""
    if not largest or g != g or g == 0.0:
        return None
    share = min(abs(g) / largest, 1.0)  # an infinite gradient gets the strongest colour
    fade = round(255 - 150 * share)  # at most this far from white, so the text stays readable
    return f"#ff{fade:02x}{fade:02x}" if g > 0 else f"#{fade:02x}{fade:02x}ff"


# ---- the graph ----


def check_arguments(where: str, root: object, rankdir: str, max_nodes: object) -> None:
    if type(root) is not Value:
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__} {root!r:.60}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"{where}: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r:.60}")
    checks.integer(max_nodes, f"{where}: max_nodes", minimum=1)


def check_size(where: str, order: List[Value], max_nodes: int) -> None:
    ops = sum(1 for v in order if not v.is_leaf())
    count = len(order) + ops
    if count > max_nodes:
        raise GraphTooLarge(
            f"{where}: the graph has {count} nodes ({len(order)} values and {ops} operations), more "
            f"than max_nodes={max_nodes}; pass max_nodes={count} (or more) to draw it anyway, "
            f"knowing that Graphviz gets slow on big graphs",
            count,
            max_nodes,
        )


def dot_source(root: Value, where: str = "dot_source", **options: Any) -> str:
    """The DOT text of `root`'s graph (see the module doc); the options are `body`'s (and so
    `viz.draw_dot`'s): rankdir, show_grad, max_nodes, group, color_grad, ranksep, tangents."""
    return "digraph autograd_mini {\n" + "".join(body(root, where=where, **options)) + "}\n"


def body(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    group: bool = True,
    color_grad: bool = True,
    where: str = "dot_source",
    ranksep: float = 0.3,
    tangents: Optional[Dict[Value, float]] = None,
) -> List[str]:
    """The lines between the braces of `dot_source`, each ending in a newline. `ranksep` is the gap
    between columns (rows, for TB) in inches: Graphviz's default is 0.5. `tangents` (from
    `func.tangents`) adds each node's forward-mode tangent to its box, as the grads are shown."""
    check_arguments(where, root, rankdir, max_nodes)
    checks.positive(ranksep, f"{where}: ranksep", "a number of inches > 0")
    order = topological_order(root)
    check_size(where, order, max_nodes)
    name = {v: f"v{i}" for i, v in enumerate(order)}
    shown = dict(zip(order, node_names(order)))
    depth = _depths(order)
    wires = _wires(order, depth)
    largest = _largest_grad(order) if show_grad and color_grad else 0.0
    if tangents is not None and not isinstance(tangents, dict):
        raise TypeError(f"{where}: tangents must be a dict of node -> tangent (see func.tangents), "
                        f"got {checks.shown(tangents)}")
    groups = _node_lines(order, name, shown, wires, show_grad, largest, group, tangents)
    for key, params in _parameters(order, group).items():
        # a neuron's w1, w2, ..., b in the order of its row of W, from the top (from the left in a
        # TB picture): inside a cluster Graphviz lays such a chain from the bottom in LR and RL
        flip = rankdir in ("LR", "RL")
        chain = " -> ".join(name[v] for v in (params[::-1] if flip else params))
        groups[key].append(f'{{rank="same" {chain} [style="invis"]}}\n')
    groups.setdefault(None, []).extend(_observation_chains(order, name, shown, depth))
    # nslimit: Graphviz places the nodes of a rank with at most one network-simplex pass per node.
    # Long edges cost a hidden node per rank they cross, and with no cap the placement can take
    # minutes when many cross many ranks; ordinary graphs come out the same either way.
    # remincross: no second ordering pass over the whole graph, which would undo the order kept
    # inside each neuron's cluster (its crossings: the same or fewer on the demos' graphs).
    graph = (f'\tgraph [rankdir={_quote(rankdir)} nslimit="1" remincross="false" ranksep="{ranksep:g}" '
             'nodesep="0.15"]\n')
    lines = [graph, '\tnode [fontsize="11"]\n']
    lines += ["\t" + line for line in groups.pop(None, [])]
    lines += _clusters(groups)
    lines += ["\t" + line for line in _edge_lines(order, name, depth, wires)]
    if largest:  # last, so that no cluster inherits the label
        lines.append(f'\tgraph [label={_legend(largest)} labelloc="b" labeljust="l" fontsize="11"]\n')
    return lines


def _largest_grad(order: List[Value]) -> float:
    """The largest finite |grad| in the picture: the colour scale's strongest end."""
    finite = [abs(v.grad) for v in order if abs(v.grad) != float("inf") and v.grad == v.grad]
    return max(finite, default=0.0)


def _legend(largest: float) -> str:
    """The gradient colours, explained inside the picture (an HTML-like graph label)."""
    cells = [
        f'<TD BGCOLOR="{_grad_fill(largest, largest)}">grad &gt; 0</TD>',
        f'<TD BGCOLOR="{_grad_fill(-largest, largest)}">grad &lt; 0</TD>',
        f'<TD BGCOLOR="{_grad_fill(largest / 4, largest)}">paler: smaller |grad|</TD>',
        f"<TD>strongest colour: |grad| = {_num(largest)}</TD>",
    ]
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="4" CELLPADDING="3">'
    return f"<{table}<TR>{''.join(cells)}</TR></TABLE>>"


def _depths(order: List[Value]) -> Dict[Value, int]:
    """How deep each Value sits: 0 for a leaf, 2 more than its deepest input otherwise (its
    operation sits in between). About where Graphviz's layout puts each node."""
    depth: Dict[Value, int] = {}
    for v in order:
        depth[v] = 2 + max(depth[p] for p in v.parents) if v.parents else 0
    return depth


def _wires(order: List[Value], depth: Dict[Value, int]) -> Dict[Value, Dict[int, int]]:
    """{value: {depth of a use: number of its junction}} for each Value used at many depths."""
    uses: Dict[Value, set] = {}
    for v in order:
        for p in v.parents:
            uses.setdefault(p, set()).add(depth[v])
    return {
        p: {d: k for k, d in enumerate(sorted(ds))} for p, ds in uses.items() if len(ds) >= WIRE_MIN_DEPTHS
    }


def _group_of(v: Value, group: bool) -> Group:
    m = _NN_LABEL.match(v.label) if group and v.label else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def _parameters(order: List[Value], group: bool) -> Dict[Group, List[Value]]:
    """The parameters of each neuron's cluster in the order of the row of W (w1, w2, ..., then b),
    where it has two or more."""
    found: Dict[Group, List[Tuple[int, Value]]] = {}
    for v in order:
        m = _PARAMETER.match(v.label) if v.is_leaf() and v.label else None
        key = _group_of(v, group)
        if m is not None and key is not None:
            found.setdefault(key, []).append((int(m.group(1) or 1 << 30), v))
    return {key: [v for _, v in sorted(ps, key=lambda kv: kv[0])] for key, ps in found.items() if len(ps) > 1}


def _node_lines(
    order: List[Value], name: Dict[Value, str], shown: Dict[Value, str], wires: Dict[Value, Dict[int, int]],
    show_grad: bool, largest: float, group: bool, tangents: Optional[Dict[Value, float]] = None,
) -> Dict[Group, List[str]]:
    """The node statements of each cluster: values, operations and a wire's junctions; gradient
    cells coloured on the scale of `largest` (0: not coloured)."""
    groups: Dict[Group, List[str]] = {}
    for v in order:
        # a neuron's cluster holds its parameters (and its nodes, on one observation); the nodes of a
        # batch stay outside, where their invisible chains keep them in observation order
        lines = groups.setdefault(None if observation(shown[v]) else _group_of(v, group), [])
        fill = _grad_fill(v.grad, largest) if largest else None
        label = _value_label(shown[v], v, show_grad, fill, None if tangents is None else tangents.get(v, 0.0))
        lines.append(f"{name[v]} [{_attrs({'label': label, 'shape': 'plain'})}]\n")
        if not v.is_leaf():  # the op goes with the Value it produced
            attrs = {"label": f"<{clean(op_text(v))}>", "shape": "ellipse", "height": "0.3", "margin": "0.04"}
            lines.append(f"{name[v]}op [{_attrs(attrs)}]\n")
        if v in wires:  # outside any cluster: a wire runs along the chain of its uses
            point = _attrs({"shape": "point", "width": "0.05", "height": "0.05", "label": ""})
            groups.setdefault(None, []).extend(f"{name[v]}t{k} [{point}]\n" for k in range(len(wires[v])))
    return groups


def _observation_chains(order: List[Value], name: Dict[Value, str], shown: Dict[Value, str],
                        depth: Dict[Value, int]) -> List[str]:
    """Invisible arrows that keep the nodes of a batch (``L1.N1.z[2]``: a layer's node on observation
    2) in observation order across their rank, as the matrices' columns are, and the neurons of one
    observation together: ``L1.N1.z[1]``, ``L1.N2.z[1]``, ``L1.N1.z[2]``… top to bottom (left to
    right in a TB picture), and their operations likewise; an input leaf that one observation alone
    uses (the batch's data) is placed with that observation."""
    runs: Dict[int, List[Value]] = {}
    seen: Dict[Value, int] = {v: observation(shown[v]) for v in order}
    for v in order:
        if seen[v]:
            runs.setdefault(depth[v], []).append(v)
    users: Dict[Value, set] = {}
    for v in order:
        for p in v.parents:
            users.setdefault(p, set()).add(seen[v])
    inputs = [p for p, ks in users.items() if p.is_leaf() and not seen[p] and len(ks) == 1 and min(ks)]
    if len(inputs) > 1:  # a leaf that only one observation uses (its input) goes with that observation
        seen.update((p, min(users[p])) for p in inputs)
        runs.setdefault(-1, []).extend(inputs)  # in the order their first user takes them
    lines = []
    for run in runs.values():
        run.sort(key=lambda v: seen[v])  # stable: the neurons stay in topological order
        for suffix in ("", "op") if not run[0].is_leaf() else ("",):
            if len(run) > 1:
                chain = " -> ".join(f"{name[v]}{suffix}" for v in run)
                lines.append(f'{{rank="same" {chain} [style="invis"]}}\n')
    return lines


def _clusters(groups: Dict[Group, List[str]]) -> List[str]:
    lines: List[str] = []
    keys = sorted(k for k in groups if k is not None)
    for layer in sorted({k[0] for k in keys}):
        lines.append(f"\tsubgraph cluster_L{layer} {{\n")
        lines.append(f"\t\t{_attrs({'label': f'L{layer}', 'style': 'rounded', 'color': 'gray40'})}\n")
        for key in (k for k in keys if k[0] == layer):
            lines.append(f"\t\tsubgraph cluster_L{layer}_N{key[1]} {{\n")
            style = {"label": f"L{layer}.N{key[1]}", "style": "rounded,dashed", "color": "gray60"}
            lines.append(f"\t\t\t{_attrs(style)}\n")
            lines += ["\t\t\t" + line for line in groups[key]]
            lines.append("\t\t}\n")
        lines.append("\t}\n")
    return lines


def _edge_lines(
    order: List[Value], name: Dict[Value, str], depth: Dict[Value, int], wires: Dict[Value, Dict[int, int]]
) -> List[str]:
    """An arrow from each distinct input to its operation (×k for k uses), one from each operation
    to its result, and the segments of each wire."""
    lines: List[str] = []
    for p, junctions in wires.items():
        chain = [name[p]] + [f"{name[p]}t{k}" for k in range(len(junctions))]
        lines += [f'{a} -> {b} [arrowhead="none"]\n' for a, b in zip(chain, chain[1:])]
    for v in order:
        if v.is_leaf():
            continue
        uses: Dict[Value, int] = {}
        for p in v.parents:  # in order of first use; a + a is one arrow marked ×2
            uses[p] = uses.get(p, 0) + 1
        for p, k in uses.items():
            tail = f"{name[p]}t{wires[p][depth[v]]}" if p in wires else name[p]
            mark = f' [xlabel="×{k}" fontsize="10"]' if k > 1 else ""  # (a headlabel sat on the arrow)
            lines.append(f"{tail} -> {name[v]}op{mark}\n")
        lines.append(f"{name[v]}op -> {name[v]}\n")
    return lines
