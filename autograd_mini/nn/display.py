"""How a notebook shows a `Module`: its layers, their tensors' shapes and parameter counts, as HTML;
and its graph on demand (`Module.graph(x)`), which the notebook draws as it draws a Value's.

>>> import random
>>> from autograd_mini import nn
>>> model = nn.MLP(2, [3, 1], rng=random.Random(0))
>>> [row[:3] for row in layer_rows(model)]
[('L1', 'Linear', 'weight 3×2, bias 3'), ('L2', 'Linear', 'weight 1×3, bias 1')]
>>> 'MLP(2 -&gt; 3 relu -&gt; 1): 13 parameters' in module_html(model)
True
"""

from __future__ import annotations

import html
from typing import Any, Dict, List, Tuple

from ..engine import Value
from ..engine import total as total_of

Row = Tuple[str, str, str, str, int]  # layer, kind, tensors, activation, parameters


def tensor_shapes(module: Any) -> List[str]:
    """Each tensor of `module` with its shape, from its parameters' names (``weight.2.1`` is row 2,
    column 1 of ``weight``): ``['weight 3×2', 'bias 3']``."""
    shapes: Dict[str, List[int]] = {}
    for name, _ in module.named_parameters():
        parts = name.split(".")
        indices: List[int] = []
        while parts and parts[-1].isdigit():
            indices.insert(0, int(parts.pop()))
        tensor = ".".join(parts)
        seen = shapes.setdefault(tensor, [0] * len(indices))
        shapes[tensor] = [max(a, b + 1) for a, b in zip(seen, indices)]
    return [f"{t} {'×'.join(map(str, dims))}" if dims else t for t, dims in shapes.items()]


def layer_rows(module: Any) -> List[Row]:
    """One row per layer (a `Linear` or `Neuron` is its own one layer)."""
    layers = getattr(module, "layers", None) or [module]
    rows = []
    for i, layer in enumerate(layers, 1):
        activation = getattr(layer, "activation", None) or "none"
        if getattr(layer, "fused", False):
            activation += " (fused)"
        rows.append((f"L{i}", type(layer).__name__, ", ".join(tensor_shapes(layer)), activation,
                     len(layer.parameters())))
    return rows


def module_html(module: Any) -> str:
    """The HTML a notebook shows for `module` (``Module._repr_html_``)."""
    count = len(module.parameters())
    head = "".join(f"<th>{h}</th>" for h in ("layer", "kind", "tensors (shape)", "activation", "parameters"))
    cells = [[f"<td>{html.escape(str(c))}</td>" for c in row] for row in layer_rows(module)]
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in cells)
    caption = html.escape(f"{module!r}: {count} parameters")
    return (
        '<div class="autograd-mini-module"><table>'
        f"<caption style=\"text-align:left\"><b>{caption}</b></caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        f'<tfoot><tr><td colspan="4">total</td><td>{count}</td></tr></tfoot></table>'
        "<p><code>.graph(x)</code> draws its computation graph on an input x.</p></div>"
    )


class Graph:
    """The graph of a module called on an input: `root` is its output (the sum of its outputs when
    there are several); a notebook draws it as it draws a Value (``viz.jupyter_bundle``)."""

    def __init__(self, root: Value) -> None:
        self.root = root

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Dict[str, str]:
        from ..viz import jupyter_bundle

        return jupyter_bundle(self.root)

    def __repr__(self) -> str:
        return f"Graph({self.root!r})"


def graph(module: Any, x: Any) -> Graph:
    """`module` called on `x`, as a `Graph` (see `Module.graph`)."""
    out = module(x)
    if isinstance(out, Value):
        return Graph(out)
    flat = list(_values(out))
    root = total_of(flat)
    root.label = f"sum of the {len(flat)} outputs"
    return Graph(root)


def _values(out: Any) -> Any:
    if isinstance(out, Value):
        yield out
    else:
        for item in out:
            yield from _values(item)
