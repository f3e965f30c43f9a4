"""The layers the diagnostics watch, and their forward pass in plain floats.

The monitor reads activations by running the layers itself on the batch, with the numbers in
``.data`` and no graph: a tenth of the cost of the engine's forward pass, and the same for a fused
layer (one node per neuron, no z node to read) as for an unfused one.
"""

from __future__ import annotations

from operator import mul
from typing import Any, List, Optional, Sequence, Tuple

from .. import checks
from ..engine import ACTIVATIONS, Value

Rows = List[List[float]]


def layers_of(model: Any, where: str) -> List[Any]:
    """The layers of `model`: an `nn.MLP` (its ``.layers``), one `nn.Linear`, or a list of layers.
    A layer is anything with ``.weight`` (rows of Values), ``.bias`` and ``.activation``."""
    found = getattr(model, "layers", None)
    if found is not None:
        layers = list(found)
    else:
        layers = list(model) if isinstance(model, (list, tuple)) else [model]
    for layer in layers:
        if not all(hasattr(layer, name) for name in ("weight", "bias", "activation")):
            raise TypeError(
                f"{where}: expected an nn.MLP, an nn.Linear or a list of layers (with .weight, .bias "
                f"and .activation), got {checks.shown(layer)}"
            )
    if not layers:
        raise ValueError(f"{where}: the model has no layers")
    return layers


def layer_name(number: int, layer: Any) -> str:
    """``layer 2 (16 relu)``: the layer's number, counted from 1 as the graph labels count."""
    kind = f" {layer.activation}" if layer.activation else " linear"
    return f"layer {number} ({len(layer.weight)}{kind})"


def layer_parameters(layer: Any) -> List[Value]:
    return [w for row in layer.weight for w in row] + list(layer.bias)


def as_rows(inputs: Any, where: str, width: Optional[int] = None) -> Rows:
    """A batch (rows of numbers or Values) as rows of floats; one observation as one row. With
    `width`, every row must have that many numbers."""
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError(f"{where}: expected a batch (a non-empty list of rows), got "
                        f"{checks.shown(inputs)}")
    rows = inputs if isinstance(inputs[0], (list, tuple)) else [inputs]
    if width is not None:
        for i, row in enumerate(rows):
            if not isinstance(row, (list, tuple)) or len(row) != width:
                raise ValueError(f"{where}: row {i} should hold the model's {width} inputs, got "
                                 f"{checks.shown(row)}")
    return [[v.data if isinstance(v, Value) else float(v) for v in row] for row in rows]


def forward(layers: Sequence[Any], rows: Rows) -> List[Tuple[Rows, Rows]]:
    """For each layer, (Z, A) on the batch: ``Z[n][j]`` is unit j's w·x + b on sample n, ``A``
    its activation (A is Z for a linear layer)."""
    out = []
    a = rows
    for layer in layers:
        units = [([w.data for w in row], b.data) for row, b in zip(layer.weight, layer.bias)]
        z = [[b + sum(map(mul, w, x)) for w, b in units] for x in a]
        if layer.activation:
            f = ACTIVATIONS[layer.activation].function
            a = [list(map(f, row)) for row in z]
        else:
            a = z
        out.append((z, a))
    return out
