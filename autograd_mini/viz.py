"""Pictures of computation graphs, drawn with Graphviz.

`draw_dot(root)` builds a `graphviz.Digraph`: one box per `Value` (its label, data and grad) and a
small node per operation, edges following the data flow. `render(root, path)` writes it as SVG, PNG
or PDF. Nodes are named by their position in `topological_order(root)`, never by `id()`, so the same
graph gives byte-identical DOT source in every run.

The `graphviz` package is imported only inside the functions that draw: the engine itself needs
nothing outside the standard library (``pip install 'autograd_mini[viz]'`` adds it).

>>> from autograd_mini import Value
>>> x = Value(0.5, label='x')
>>> y = (2 * x).tanh()
>>> y.backward()
>>> draw_dot(y).source.splitlines()[0]
'digraph autograd_mini {'
>>> import os, tempfile
>>> render(y, os.path.join(tempfile.mkdtemp(), 'tanh.svg')).name
'tanh.svg'
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

from . import engine
from .atomic import write_atomic
from .engine import Value, topological_order

if TYPE_CHECKING:  # only for the type checker: graphviz stays optional at run time
    import graphviz

__all__ = ["GraphvizMissing", "GraphvizPackageMissing", "draw_dot", "op_text", "render"]

MAX_NODES = 300
RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
SOURCE_SUFFIXES = (".dot", ".gv")  # written as DOT source, no `dot` program needed

# MLP nodes from autograd_mini.nn are labelled L{layer}.N{neuron}.{w1|b|z|a...}, 1-based.
_NN_LABEL = re.compile(r"^L(\d+)\.N(\d+)\.")

_INSTALL_DOT = (
    "install Graphviz: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) "
    "or conda install -c conda-forge graphviz"
)


class GraphvizMissing(RuntimeError):
    """Graphviz is not available: the `dot` program, or (subclass) the `graphviz` package."""


class GraphvizPackageMissing(GraphvizMissing, ImportError):
    """The `graphviz` Python package is not installed (also an ImportError)."""


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise GraphvizPackageMissing(
            "drawing graphs needs the graphviz package: pip install 'autograd_mini[viz]'"
        ) from None
    return graphviz


# ---- text of the boxes ----


def _clean(text: str) -> str:
    """`text` safe inside an HTML-like label: escaped, with control characters made visible.

    Control characters and U+FFFE/U+FFFF are not allowed in SVG (XML) and lone surrogates cannot
    be encoded at all, so they are shown as escapes (\\x07, \\ud800) instead of being passed on.
    """
    if not text.isprintable():
        text = "".join(_visible(c) for c in text)
    return html.escape(text, quote=True)


def _visible(c: str) -> str:
    if c == " " or (unicodedata.category(c) not in ("Cc", "Cs") and c not in "\ufffe\uffff"):
        return c
    return c.encode("unicode_escape").decode("ascii")


def _num(x: float) -> str:
    return f"{x:.4g}"


def op_text(v: Value, limit: int = 4) -> str:
    """The operation that made `v`, with the constant it holds: ``'* 0.999'``, ``'tanh'``, ``''``.

    For a ``w·x+b`` node whose inputs x are plain numbers, the first `limit` of them are shown.

    >>> op_text(Value(2.0) * 0.999), op_text(Value(2.0) - 1), op_text(Value(2.0).tanh())
    ('* 0.999', '- 1', 'tanh')
    """
    op = v.op
    rule, aux = v._backward, v._aux
    if rule is engine._rpow:  # c ** x: the constant is the base
        return f"{_num(aux)} **"
    if rule in _CONSTANT_INPUTS:
        xs = ", ".join(_num(x) for x in aux[:limit]) + (", …" if len(aux) > limit else "")
        return f"{op}  x=({xs})"
    if len(v._parents) == 1 and isinstance(aux, float):  # x + c, x * c, x ** n
        if op == "+" and aux < 0.0:  # x - c is stored as x + (-c)
            return f"- {_num(-aux)}"
        return f"{op} {_num(aux)}"
    return op


# the neuron rules whose inputs x are plain numbers, kept in the node (with or without an activation)
_CONSTANT_INPUTS = {constants for _, _, constants in engine._NEURONS.values()}

_TABLE = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'


def _value_label(v: Value, show_grad: bool, fill: Optional[str]) -> str:
    cells = []
    if v.label:
        cells.append(f"<TD><B>{_clean(v.label)}</B></TD>")
    cells.append(f"<TD>data {_num(v.data)}</TD>")
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


# ---- the picture ----


def _check_size(order: List[Value], max_nodes: int) -> None:
    ops = sum(1 for v in order if v._backward is not None)
    count = len(order) + ops
    if count > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {count} nodes ({len(order)} values and {ops} operations), more "
            f"than max_nodes={max_nodes}; pass max_nodes={count} (or more) to draw it anyway, "
            f"knowing that Graphviz gets slow on big graphs"
        )


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    group: bool = True,
    color_grad: bool = True,
) -> graphviz.Digraph:
    """The graph that computed `root`, as a `graphviz.Digraph` (which Jupyter shows inline).

    Each Value is a box (label, data, grad to 4 significant digits); each operation is a small
    ellipse between its inputs and its result. Nodes labelled like ``L1.N3.w2`` (the nn library's
    names) are grouped in a cluster per neuron inside a cluster per layer when `group` is true.
    With `color_grad`, a gradient cell is tinted red (positive) or blue (negative), stronger the
    larger it is compared with the largest gradient in the picture. More than `max_nodes` nodes
    raise ValueError instead of leaving `dot` to run for minutes.

    >>> dot = draw_dot(Value(2.0, label='x') * 3)
    >>> [line.split()[0] for line in dot.body[1:]]
    ['v0', 'v1', 'v1op', 'v0', 'v1op']
    >>> svg = dot.pipe(format='svg')                # doctest: +SKIP
    """
    if type(root) is not Value:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__} {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be a positive int, got {max_nodes!r}")
    graphviz = _graphviz()
    order = topological_order(root)
    _check_size(order, max_nodes)
    name = {v: f"v{i}" for i, v in enumerate(order)}
    largest = 0.0
    if show_grad and color_grad:
        finite = [abs(v.grad) for v in order if abs(v.grad) != float("inf") and v.grad == v.grad]
        largest = max(finite, default=0.0)

    dot = graphviz.Digraph("autograd_mini", graph_attr={"rankdir": rankdir})
    dot.attr("node", fontsize="11")
    # Which subgraph each node goes into: (layer, neuron) for nn names, None for the top level.
    groups: Dict[Optional[Tuple[int, int]], List[Tuple[str, Dict[str, str]]]] = {}
    for v in order:
        key = None
        if group and v.label:
            m = _NN_LABEL.match(v.label)
            if m:
                key = (int(m.group(1)), int(m.group(2)))
        nodes = groups.setdefault(key, [])
        fill = _grad_fill(v.grad, largest) if largest else None
        nodes.append((name[v], {"label": _value_label(v, show_grad, fill), "shape": "plain"}))
        if v._backward is not None:  # the op goes with the Value it produced
            nodes.append((name[v] + "op", {"label": f"<{_clean(op_text(v))}>", "shape": "ellipse",
                                           "height": "0.3", "margin": "0.04"}))

    for node, attrs in groups.get(None, []):
        dot.node(node, **attrs)
    keys = sorted(k for k in groups if k is not None)
    for layer in sorted({k[0] for k in keys}):
        with dot.subgraph(name=f"cluster_L{layer}") as lg:
            lg.attr(label=f"L{layer}", style="rounded", color="gray40")
            for key in keys:
                if key[0] != layer:
                    continue
                with lg.subgraph(name=f"cluster_L{layer}_N{key[1]}") as ng:
                    ng.attr(label=f"L{layer}.N{key[1]}", style="rounded,dashed", color="gray60")
                    for node, attrs in groups[key]:
                        ng.node(node, **attrs)

    for v in order:
        if v._backward is None:
            continue
        for p in v._parents:  # duplicates kept: a + a draws two arrows
            dot.edge(name[p], name[v] + "op")
        dot.edge(name[v] + "op", name[v])
    return dot


def render(root: Value, path: Union[str, os.PathLike], **options: Any) -> Path:
    """Draw `root`'s graph into `path` (.svg, .png or .pdf by its suffix; .dot/.gv for the source).

    Keyword options go to `draw_dot`. The file is written atomically (a temporary file in the
    same folder, then renamed). Without the `dot` program, GraphvizMissing says how to install
    it, and the DOT source is written beside `path` (``graph.svg`` -> ``graph.dot``).

    >>> import os, tempfile
    >>> from autograd_mini import Value
    >>> loss = (Value(3.0, label='x') - 1) ** 2
    >>> loss.backward()
    >>> path = render(loss, os.path.join(tempfile.mkdtemp(), 'loss.svg'), rankdir='TB')
    >>> path.read_text().count('class="node"')  # x, x - 1, loss and the two operations
    5
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS and suffix not in SOURCE_SUFFIXES:
        known = ", ".join([*FORMATS, *SOURCE_SUFFIXES])
        raise ValueError(f"render: unknown file type {path.suffix!r} in {str(path)!r}; use one of {known}")
    dot = draw_dot(root, **options)
    if suffix in SOURCE_SUFFIXES:
        write_atomic(path, dot.source.encode("utf-8"))
        return path
    graphviz = _graphviz()
    try:
        data = dot.pipe(format=FORMATS[suffix], quiet=True)
    except graphviz.CalledProcessError as e:  # dot ran but failed: say what it said
        said = e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else str(e.stderr or "")
        said = said.strip()
        raise RuntimeError(f"render: Graphviz's dot failed with status {e.returncode}: {said}") from None
    except graphviz.ExecutableNotFound:
        source = path.with_suffix(".dot")
        write_atomic(source, dot.source.encode("utf-8"))
        raise GraphvizMissing(
            f"render: the Graphviz program 'dot' was not found on PATH, so {str(path)!r} was not drawn.\n"
            f"To draw it, {_INSTALL_DOT}.\n"
            f"The graph's DOT source was written to {str(source)!r}; once Graphviz is installed, "
            f"run: dot -T{FORMATS[suffix]} {source} -o {path}"
        ) from None
    write_atomic(path, data)
    return path


def _repr_svg_for(value: Value) -> Optional[str]:
    """SVG text of `value`'s graph for Jupyter, or None (plain repr) when it cannot be drawn.

    Jupyter's display path must never raise: a missing Graphviz, a graph over `max_nodes` or a
    failing `dot` all fall back to the text repr.
    """
    try:
        svg = draw_dot(value).pipe(format="svg", quiet=True)
        return svg.decode("utf-8")
    except Exception:
        return None
