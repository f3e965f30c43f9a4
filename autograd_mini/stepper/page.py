"""Assemble the page: the shared frame (autograd_mini.pages) around this package's body, style and
script (package data), the SVG and the data.

Nothing on the page comes from the network: a Content-Security-Policy allows no source but the page's
own inline style and script, named by their SHA-256, so a browser refuses anything else outright.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from .. import checks
from ..atomic import write_atomic
from ..engine import Value, topological_order
from ..explanation import explain
from ..graph_source import MAX_NODES, RANKDIRS
from ..names import node_names
from ..pages import Button, Controls, Page
from .data import page_data, shown_gradients, widest
from .matrices import layer_panels
from .svg import layout, tag, visible

PAGE = Page(
    package="autograd_mini.stepper", prefix="st", generator="stepper", body="stepper.html", css="stepper.css",
    # its own parts of the script, in the order they run (after the shared ones)
    script=("steps.js", "graph.js", "panel.js", "matrices.js", "controls.js"),
    controls=Controls(
        label="Steps", unit="step", prev="◀ Prev", next="Next ▶",
        first=Button("st-reset", "|◀ Reset", "Back to the start"),
        last=Button("st-end", "End ▶|", "Jump to the end"),
        speed="Seconds per step while playing", default=1000,
        speeds=((2000, "0.5 step/s"), (1000, "1 step/s"), (500, "2 steps/s"), (200, "5 steps/s"),
                (60, "fast"))),
    csp="img-src data:")


def stepper_html(
    root: Value,
    title: Optional[str] = None,
    layers: Optional[Sequence[Any]] = None,
    *,
    gradient: float = 1.0,
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
) -> str:
    """One self-contained HTML page that steps through `root`'s forward and backward pass.

    The graph is laid out by Graphviz now (inline SVG); the page holds its own style and script and
    asks the network for nothing, so it works opened from disk. The backward steps are those of
    ``explain(root, gradient)``; no ``.grad`` is changed. `layers` picks the matrix panels: None for
    every layer labelled like the nn library (``L1.N3.w2``…), ``[]`` for none, or layer numbers and
    layers (anything with ``.weight``). `max_nodes` is `draw_dot`'s limit on the picture.

    The page's script offers ``window.autogradStepper`` (``total``, ``index``, ``next()``,
    ``prev()``, ``goTo(i)``, ``reset()``, ``phase()``, ``grads()``), and each Value's SVG group has
    ``data-node="<its explain name>"``.

    >>> from autograd_mini import Value
    >>> x = Value(3.0, label='x')
    >>> page = stepper_html(x * x + x)                    # doctest: +SKIP
    >>> 'data-node="x"' in page                          # doctest: +SKIP
    True
    """
    if type(root) is not Value:
        raise TypeError(f"stepper_html: root must be a Value, got {checks.shown(root)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"stepper_html: title must be a str or None, got {checks.shown(title)}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"stepper_html: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    wanted = _layer_numbers(layers)
    expl = explain(root, checks.finite(gradient, "stepper_html: gradient"))
    order = topological_order(root)
    data = page_data(root, expl, order, title or _default_title(node_names(order)[-1], root.data))
    data["layers"] = [] if wanted == [] else layer_panels(root, expl, order, wanted)
    shown = shown_gradients(expl, order)
    svg = layout(root, {v: widest(shown[v]) for v in order}, rankdir, max_nodes)
    return fill(data, tag(svg, [d["name"] for d in data["nodes"]]))


def write_stepper(root: Value, path: Union[str, os.PathLike], **options: Any) -> Path:
    """Write `stepper_html(root, **options)` to `path` atomically and return the path.

    >>> import tempfile, os
    >>> from autograd_mini import Value
    >>> path = os.path.join(tempfile.mkdtemp(), 'a.html')
    >>> p = write_stepper(Value(2.0, label='a') ** 2, path)  # doctest: +SKIP
    >>> p.read_text().startswith('<!DOCTYPE html>')      # doctest: +SKIP
    True
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"write_stepper: path must be a str or os.PathLike, got {checks.shown(path)}")
    page = stepper_html(root, **options)
    target = Path(path)
    write_atomic(target, page)
    return target


def fill(data: Dict[str, Any], svg: str) -> str:
    """The page: the shared frame with this page's style, script, picture and data in place."""
    title = visible(data["title"])
    return PAGE.render(title=title, heading=title, data=data, svg=svg)


def _default_title(name: str, data: float) -> str:
    return f"Back-propagation through {name} = {data:.6g}"


def _layer_numbers(layers: Optional[Sequence[Any]]) -> Optional[List[int]]:
    """The layer numbers asked for: ints as given, a layer object by the label of its first weight."""
    if layers is None:
        return None
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (list, tuple)):
        raise TypeError(f"stepper_html: layers must be None or a list, got {checks.shown(layers)}")
    out = []
    for item in layers:
        if isinstance(item, int) and not isinstance(item, bool) and item >= 1:
            out.append(item)
            continue
        weight = getattr(item, "weight", None)
        label = getattr(weight[0][0], "label", "") if weight and weight[0] else ""
        m = re.match(r"^L([1-9][0-9]*)\.", label if isinstance(label, str) else "")
        if not m:
            raise TypeError(f"stepper_html: a layer must be a number >= 1 or a layer with labelled weights "
                            f"(.weight), got {checks.shown(item)}")
        out.append(int(m.group(1)))
    return out
