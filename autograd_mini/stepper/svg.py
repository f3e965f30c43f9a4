"""The graph's picture for the page: Graphviz lays it out once, at export time, as SVG.

`draw_dot` names node ``i`` of `topological_order` ``v{i}`` and its operation ``v{i}op``; this module
finds those groups in the SVG and marks them for the page's script and for readers of the page:

- a Value's box ``<g class="node" data-node="NAME" data-index="i">`` (NAME as `explain` names it),
  with its data text, gradient text and gradient cell marked ``st-data``, ``st-grad``, ``st-grad-cell``;
- an operation ``<g class="node st-op" data-op="i">``;
- an edge into operation i from node p (or from a junction on p's wire) ``data-edge="p>i"``, the
  edge out of it ``data-edge="i"``.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Sequence

from ..dot_program import run_dot
from ..engine import Value
from ..graph_source import dot_source

SVG_NS = "http://www.w3.org/2000/svg"
_G, _TITLE, _TEXT, _POLYGON = (f"{{{SVG_NS}}}{t}" for t in ("g", "title", "text", "polygon"))
RANKSEP = 0.15  # inches between columns: a page's graph fits a 1024 px window with 12 px text
_NODE = re.compile(r"^v(\d+)(op)?$")
# an edge's ends: a box v3, an operation v3op, or a junction v3t1 on the wire of a much-used value
_EDGE = re.compile(r"^v(\d+)(op|t\d+)?->v(\d+)(op|t\d+)?$")


def visible(text: str) -> str:
    """`text` with control characters and lone surrogates written as escapes (``\\x07``), as the
    picture shows them: XML cannot hold them, and UTF-8 cannot encode a lone surrogate."""
    if text.isprintable():
        return text
    return "".join(c if c == " " or unicodedata.category(c) not in ("Cc", "Cs") and c not in "\ufffe\uffff"
                   else c.encode("unicode_escape").decode("ascii") for c in text)


def layout(root: Value, widest: Dict[Value, float], rankdir: str, max_nodes: int) -> bytes:
    """The SVG of `root`'s picture with each box wide enough for the widest gradient it will show.

    The boxes are sized by the text Graphviz sees, so each node's ``.grad`` is set, for the drawing
    only, to the value it will show with the longest text, and put back afterwards. `dot` runs with
    the pictures' time limit (GraphvizTimeout past it; GraphvizMissing without it).
    """
    saved = [(v, v.grad) for v in widest]
    try:
        for v, g in widest.items():
            v.grad = g
        source = dot_source(root, rankdir=rankdir, max_nodes=max_nodes, color_grad=False, where="stepper",
                            ranksep=RANKSEP)
    finally:
        for v, g in saved:
            v.grad = g
    return run_dot(source, "svg", where="stepper")


def tag(svg: bytes, names: Sequence[str]) -> str:
    """The SVG as text for an HTML page, its groups marked (module doc); `names[i]` names ``v{i}``."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    top = ET.fromstring(svg)
    for g in list(top.iter(_G)):  # a list: the loop removes edge titles
        g.attrib.pop("id", None)  # Graphviz's own ids (node12, edge7): the page's script does not use them
        title = g.find(_TITLE)
        if title is None or not title.text:
            continue
        kind = g.get("class")
        if kind == "node":
            _tag_node(g, title, names)
        elif kind == "edge":
            _tag_edge(g, title.text)
            g.remove(title)  # an arrow needs no tooltip; a big graph has a thousand of them
    for text in top.iter(_TEXT):  # the stylesheet gives the font; start is the default anchor
        if text.get("font-family") == "Times,serif":
            del text.attrib["font-family"]
        if text.get("text-anchor") == "start":
            del text.attrib["text-anchor"]
    top.set("class", "st-svg")
    for attr in ("width", "height"):  # the page sizes the picture (zoom); the viewBox keeps the shape
        natural = top.attrib.pop(attr, None)
        if natural:
            top.set(f"data-{attr}", natural)
    return ET.tostring(top, encoding="unicode")


def _tag_node(g: ET.Element, title: ET.Element, names: Sequence[str]) -> None:
    m = _NODE.match(title.text or "")
    if not m:
        return
    i = int(m.group(1))
    if m.group(2):
        g.set("class", "node st-op")
        g.set("data-op", str(i))
        title.text = f"operation of {visible(names[i])}"
        return
    g.set("data-node", _attribute(names[i]))
    g.set("data-index", str(i))
    title.text = visible(names[i])
    cells = _cells(g)
    if len(cells) >= 2:  # [label], data, grad: the last two cells are data and grad
        for (polygon, text), kind in zip(cells[-2:], ("data", "grad")):
            text.set("class", f"st-{kind}")
            if polygon is not None:
                polygon.set("class", f"st-{kind}-cell")


def _cells(g: ET.Element) -> List[Any]:
    """(polygon, text) of each table cell: Graphviz draws a cell's border, then its text."""
    cells, last = [], None
    for child in g:
        if child.tag == _POLYGON:
            last = child
        elif child.tag == _TEXT:
            cells.append((last, child))
            last = None
    return cells


def _tag_edge(g: ET.Element, title: str) -> None:
    m = _EDGE.match(title)
    if not m:
        return
    tail, tail_kind, head, head_kind = m.groups()
    if head_kind == "op" and tail_kind != "op":  # from an input (or its wire) into an operation
        g.set("data-edge", f"{tail}>{head}")
    elif tail_kind == "op" and not head_kind and tail == head:  # from an operation to its result
        g.set("data-edge", head)


def _attribute(name: str) -> str:
    """`name` as an attribute value: verbatim unless the page's UTF-8 cannot hold it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return visible(name)
    return visible(name) if "\x00" in name else name

