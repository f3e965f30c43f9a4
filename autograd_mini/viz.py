"""Pictures of computation graphs, drawn with Graphviz.

`draw_dot(root)` builds a `graphviz.Digraph`: one box per `Value` (its label, data and grad) and a
small node per operation, edges following the data flow (see `graph_source` for how shared inputs
are drawn). `render(root, path)` writes it as SVG, PNG or PDF, running Graphviz's `dot` program
with a time limit; `jupyter_bundle(value)` is what a notebook shows for a Value. Nodes are named
by their position in `topological_order(root)`, never by `id()`, so the same graph gives
byte-identical DOT source in every run.

Only `draw_dot` needs the `graphviz` package (``pip install 'autograd_mini[viz]'``), imported when
it is called; `dot_source`, `render` and `jupyter_bundle` need only the `dot` program, and a .dot
file needs nothing at all.

>>> from autograd_mini import Value
>>> x = Value(0.5, label='x')
>>> y = (2 * x).tanh()
>>> y.backward()
>>> dot_source(y).splitlines()[0]
'digraph autograd_mini {'
>>> import os, tempfile
>>> render(y, os.path.join(tempfile.mkdtemp(), 'tanh.dot')).name
'tanh.dot'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Union

from .atomic import write_atomic
from .dot_program import (
    DOT_TIMEOUT,
    INSTALL_DOT,
    GraphvizMissing,
    GraphvizPackageMissing,
    GraphvizTimeout,
    check_timeout,
    run_dot,
)
from .engine import Value, op_text
from .graph_source import MAX_NODES, RANKDIRS, GraphTooLarge, body, dot_source

if TYPE_CHECKING:  # only for the type checker: graphviz stays optional at run time
    import graphviz

__all__ = [
    "DOT_TIMEOUT",
    "GraphTooLarge",
    "GraphvizMissing",
    "GraphvizPackageMissing",
    "GraphvizTimeout",
    "MAX_NODES",
    "RANKDIRS",
    "dot_source",
    "draw_dot",
    "jupyter_bundle",
    "op_text",
    "render",
    "stepper_html",
    "run_dot",
]

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
SOURCE_SUFFIXES = (".dot", ".gv")  # written as DOT source, no `dot` program needed
STEPPER_SUFFIX = ".html"  # the stepper page (`stepper_html`)

def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise GraphvizPackageMissing(
            "draw_dot: returning a graphviz.Digraph needs the graphviz package: "
            "pip install 'autograd_mini[viz]' (dot_source and render do without it)"
        ) from None
    return graphviz


def draw_dot(root: Value, **options: Any) -> graphviz.Digraph:
    """The graph that computed `root`, as a `graphviz.Digraph` (which Jupyter shows inline).

    Options: `rankdir` ('LR', 'RL', 'TB' or 'BT'; default 'LR'), `show_grad` (True), `max_nodes`
    (300), `group` (True), `color_grad` (True) and `ranksep` (0.3 inches between columns), as below.

    Each Value is a box (label, data, grad to 4 significant digits); each operation is a small
    ellipse between its inputs and its result. Nodes labelled like ``L1.N3.w2`` (the nn library's
    names) are grouped in a cluster per neuron inside a cluster per layer when `group` is true.
    With `color_grad`, a gradient cell is tinted red (positive) or blue (negative), stronger the
    larger it is compared with the largest gradient in the picture. More than `max_nodes` nodes
    raise `GraphTooLarge` (a ValueError) instead of leaving `dot` to run for minutes.

    >>> dot = draw_dot(Value(2.0, label='x') * 3)
    >>> [line.split()[0] for line in dot.body[2:]]
    ['v0', 'v1', 'v1op', 'v0', 'v1op']
    """
    lines = body(root, where="draw_dot", **options)
    return _picture_class()("autograd_mini", body=lines)


_PICTURE: List[type] = []  # the Digraph subclass, made once graphviz is imported


def _picture_class() -> type:
    """graphviz.Digraph, but shown in a notebook as `jupyter_bundle` shows a Value: `dot` runs
    with the time limit, and a graph it cannot draw is text saying why."""
    package = _graphviz()  # every time: the package may have gone (a test hides it)
    if not _PICTURE or _PICTURE[0].__base__ is not package.Digraph:
        _PICTURE[:] = [type("Picture", (package.Digraph,), {"_repr_mimebundle_": _notebook_bundle})]
    return _PICTURE[0]


def _notebook_bundle(self: Any, include: Any = None, exclude: Any = None, **_: Any) -> Dict[str, str]:
    return _svg_or_reason(lambda: str(self.source), repr(self))


def render(
    root: Value, path: Union[str, os.PathLike], timeout: Optional[float] = DOT_TIMEOUT, **options: Any
) -> Path:
    """Draw `root`'s graph into `path` (.svg, .png or .pdf by its suffix; .dot/.gv for the source;
    .html for the page that steps through the forward and backward passes, see `stepper_html`).

    Keyword options go to `draw_dot`. `dot` gets `timeout` seconds (None: no limit). The file is
    written atomically (a temporary file in the same folder, then renamed). When `dot` is missing
    or too slow, the DOT source is written beside `path` (``graph.svg`` -> ``graph.dot``) and the
    error (GraphvizMissing or GraphvizTimeout) says how to draw it from there.

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
    if suffix == STEPPER_SUFFIX:  # the page that steps through the passes
        from .stepper import write_stepper

        return write_stepper(root, path, **options)
    if suffix not in FORMATS and suffix not in SOURCE_SUFFIXES:
        known = ", ".join([*FORMATS, *SOURCE_SUFFIXES, STEPPER_SUFFIX])
        raise ValueError(f"render: unknown file type {path.suffix!r} in {str(path)!r}; use one of {known}")
    check_timeout(timeout, "render")
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"render: cannot write {str(path)!r}: there is no folder {str(folder)!r}")
    source = dot_source(root, where="render", **options)
    if suffix in SOURCE_SUFFIXES:
        _write(path, source)
        return path
    try:
        data = run_dot(source, FORMATS[suffix], timeout, where="render")
    except (GraphvizMissing, GraphvizTimeout) as e:
        raise type(e)(_fallback(e, path, source)) from None
    _write(path, data)
    return path



def _fallback(error: Exception, path: Path, source: str) -> str:
    """The message for a picture `dot` could not draw: why, and how to draw it from the source."""
    head = f"{str(error).split('; ')[0]}, so {str(path)!r} was not drawn."
    beside = path.with_suffix(".dot")
    try:
        _write(beside, source)
    except OSError as e:
        return f"{head} Its DOT source could not be written either ({e})."
    todo = "To draw it with no time limit, run" if isinstance(error, GraphvizTimeout) else (
        f"To draw it, {INSTALL_DOT}; then run")
    return (f"{head}\nThe graph's DOT source was written to {str(beside)!r}.\n"
            f"{todo}: dot -T{FORMATS[path.suffix.lower()]} {beside} -o {path}")


def _write(path: Path, data: Union[str, bytes]) -> None:
    try:
        write_atomic(path, data)
    except OSError as e:  # name the user's path, not the temporary file beside it
        raise type(e)(f"render: cannot write {str(path)!r}: {e.strerror or e}") from None


def jupyter_bundle(value: object, include: Any = None, exclude: Any = None) -> Dict[str, str]:
    """What a notebook shows for `value` (IPython's ``_repr_mimebundle_``): its graph as SVG, or
    its repr and why the graph was not drawn. Never raises, and waits for `dot` at most
    `DOT_TIMEOUT` seconds. `include` and `exclude` are IPython's, accepted and not needed.

    >>> jupyter_bundle(Value(1.0) * 2, exclude={"image/svg+xml"})["text/plain"].startswith("Value(")
    True
    """
    try:
        text = repr(value)
    except Exception as e:  # a repr that fails must not break the display
        text = f"<{type(value).__name__}: repr failed: {e}>"
    return _svg_or_reason(lambda: dot_source(value, where="jupyter"), text)  # type: ignore[arg-type]


def _svg_or_reason(source: Callable[[], str], text: str) -> Dict[str, str]:
    try:
        svg = run_dot(source(), "svg", DOT_TIMEOUT, where="jupyter").decode("utf-8")
    except Exception as e:
        return {"text/plain": f"{text} — graph not drawn: {_reason(e)}"}
    return {"image/svg+xml": svg, "text/plain": text}


def _reason(error: Exception) -> str:
    if isinstance(error, GraphTooLarge):
        return (f"{error.count} nodes, over the limit of {error.limit} "
                f"(draw_dot(value, max_nodes={error.count}) draws it)")
    if isinstance(error, GraphvizMissing):
        return f"Graphviz's dot program is missing: {INSTALL_DOT}"
    if isinstance(error, GraphvizTimeout):
        return f"dot timed out after {DOT_TIMEOUT:g} s (render(value, 'graph.dot') writes its source)"
    return str(error).split(": ", 1)[-1] or type(error).__name__


def stepper_html(root: Value, title: Optional[str] = None, layers: Any = None, **options: Any) -> str:
    """One self-contained HTML page that steps through `root`'s forward pass, then its backward
    pass in the engine's order, with the matrices of the formulas for `nn` layers.

    Options: `gradient` (the seed), `rankdir`, `max_nodes`. ``render(root, "page.html")`` writes it.
    """
    from .stepper import stepper_html as page

    return page(root, title, layers, **options)
