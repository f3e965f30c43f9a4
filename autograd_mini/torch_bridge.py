"""The bridge to PyTorch: the same network in both libraries, and a check that they agree.

- `to_torch(model)`: an `nn.MLP` (or `nn.Linear`) as a ``torch.nn.Sequential`` of ``Linear``
  layers and activations, with float64 weights equal to ours;
- `from_torch(module)`: such a Sequential (``Linear`` layers, with ``ReLU``, ``Tanh``, ``Sigmoid``
  or ``Identity`` after each hidden one and nothing after the last) as an `nn.MLP`. A round trip
  gives the very same floats;
- `compare_with_torch(model, X, y, loss)`: the loss and every gradient computed by both engines on
  one batch, and how far apart they are, as a table.

PyTorch is optional: these functions import it when called and, without it, raise ImportError
saying ``pip install 'autograd_mini[torch]'``.

Example (with torch installed)::

    model = nn.MLP(64, [32, 10], rng=random.Random(0))
    net = to_torch(model)            # Sequential(Linear(64, 32), ReLU(), Linear(32, 10)), float64
    twin = from_torch(net)           # the same floats again
    print(compare_with_torch(model, X, y, loss="softmax_cross_entropy"))
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import losses, nn
from .checks import shown
from .engine import Value, grad

# our activation name <-> the torch.nn module that computes it
TORCH_ACTIVATIONS: Dict[Optional[str], str] = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
    "softplus": "Softplus",
    "gelu": "GELU",
    "elu": "ELU",
    None: "Identity",
}
# what a torch module must be set to for our activation (ours have their default constants)
_TORCH_SETTINGS: Dict[str, Dict[str, Any]] = {
    "LeakyReLU": {"negative_slope": 0.01}, "ELU": {"alpha": 1.0}, "Softplus": {"beta": 1.0},
    "GELU": {"approximate": "none"},
}
LOSSES = ("hinge", "softmax_cross_entropy", "mse", "bce_with_logits")


def import_torch() -> Any:
    """The torch module, or ImportError saying how to install it."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            "autograd_mini.torch_bridge needs PyTorch, which is not installed: "
            "pip install 'autograd_mini[torch]'"
        ) from e
    return torch


def _layers(model: object, where: str) -> List[nn.Linear]:
    if isinstance(model, nn.MLP):
        return list(model.layers)
    if isinstance(model, nn.Linear):
        return [model]
    raise TypeError(f"{where}: expected an nn.MLP or nn.Linear, got {shown(model)}")


def to_torch(model: Union[nn.MLP, nn.Linear]) -> Any:
    """`model` as a ``torch.nn.Sequential``: per layer a float64 ``torch.nn.Linear`` with our
    weights (``weight[j][k]`` is w_jk in both), then the layer's activation as a module
    (``Identity`` for a linear hidden layer; nothing after a linear last layer).

    The torch model is a copy: training one does not change the other.
    """
    layers = _layers(model, "to_torch")
    torch = import_torch()
    modules = []
    for i, layer in enumerate(layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in row] for row in layer.weight], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([b.data for b in layer.bias], dtype=torch.float64))
        modules.append(linear)
        if layer.activation is not None or i < len(layers) - 1:
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(module: Any, fused: bool = False) -> nn.MLP:
    """An `nn.MLP` with the weights of a ``torch.nn.Sequential`` of ``Linear`` layers (with bias)
    and activations, as `to_torch` makes: one activation module (``ReLU``, ``Tanh``, ``Sigmoid`` or
    ``Identity``) or none after each hidden layer, the same for all of them, and none after the
    last, since our MLP's last layer is linear. Anything else raises ValueError saying what."""
    torch = import_torch()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {shown(module)}")
    linears, activations = _read_sequential(torch, list(module))
    kinds = set(activations)
    if len(kinds) > 1:
        raise ValueError(
            f"from_torch: nn.MLP has one activation for every hidden layer, but this Sequential "
            f"has {', '.join(TORCH_ACTIVATIONS[a] for a in activations)}"
        )
    activation = kinds.pop() if kinds else "relu"  # one layer: no hidden activation to copy
    sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
    for i in range(1, len(linears)):
        if linears[i].in_features != sizes[i]:
            raise ValueError(
                f"from_torch: Linear {i} takes {linears[i].in_features} inputs, but the layer "
                f"before it gives {sizes[i]}"
            )
    model = nn.MLP(sizes[0], sizes[1:], activation=activation, fused=fused)
    state = {}
    for i, lin in enumerate(linears):
        state[f"layers.{i}.weight"] = lin.weight.detach().cpu().double().tolist()
        state[f"layers.{i}.bias"] = lin.bias.detach().cpu().double().tolist()
    model.load_state_dict(state)  # checks every number is finite
    return model


def _check_settings(m: Any, i: int) -> None:
    """A module whose constants differ from our activation's (LeakyReLU(0.2)) is refused."""
    for key, ours in _TORCH_SETTINGS.get(type(m).__name__, {}).items():
        theirs = getattr(m, key, ours)
        if theirs != ours:
            raise ValueError(f"from_torch: module {i} is {type(m).__name__} with {key}={theirs!r}; "
                             f"nn.MLP's activation has {key}={ours!r}")


def _read_sequential(torch: Any, modules: List[Any]) -> Tuple[List[Any], List[Optional[str]]]:
    """The Linear layers and the activation after each hidden one (None for none or Identity)."""
    names = {getattr(torch.nn, cls): act for act, cls in TORCH_ACTIVATIONS.items()}
    linears: List[Any] = []
    activations: List[Optional[str]] = []
    for i, m in enumerate(modules):
        if isinstance(m, torch.nn.Linear):
            if m.bias is None:
                raise ValueError(f"from_torch: module {i} is a Linear without bias; nn.Linear always has one")
            if linears and len(activations) < len(linears):
                activations.append(None)  # two Linears in a row: a linear hidden layer
            linears.append(m)
        elif type(m) in names:
            if not linears or len(activations) == len(linears):
                raise ValueError(
                    f"from_torch: module {i} ({type(m).__name__}) does not follow a Linear layer"
                )
            _check_settings(m, i)
            activations.append(names[type(m)])
        else:
            raise ValueError(
                f"from_torch: module {i} is {type(m).__name__}; only Linear, "
                f"{', '.join(v for v in TORCH_ACTIVATIONS.values())} can be read into an nn.MLP"
            )
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    if len(activations) == len(linears) and activations[-1] is not None:
        raise ValueError(
            f"from_torch: the last module is {type(modules[-1]).__name__}, but nn.MLP's last layer is "
            "linear (its outputs are scores or logits for a loss); drop it and apply it after the model"
        )
    return linears, activations[: len(linears) - 1]


class TensorDifference(NamedTuple):
    """How far our gradient of one parameter tensor is from PyTorch's."""

    name: str  # as in state_dict(), e.g. "layers.0.weight"
    shape: Tuple[int, ...]
    size: float  # the largest |torch's gradient| in this tensor
    largest: float  # the largest |ours - torch's| over the tensor's entries
    relative: float  # `largest` over the largest |torch's gradient| in the whole model


class TorchComparison(NamedTuple):
    """What `compare_with_torch` found. ``str()`` of it is a table."""

    loss_name: str
    loss: float
    torch_loss: float
    tensors: List[TensorDifference]

    @property
    def loss_difference(self) -> float:
        return abs(self.loss - self.torch_loss)

    @property
    def largest_relative(self) -> float:
        """The largest relative difference, of the loss and of every gradient tensor."""
        loss_rel = _relative(self.loss_difference, abs(self.torch_loss))
        return max([loss_rel, *(t.relative for t in self.tensors)])

    def agrees(self, rtol: float = 1e-12) -> bool:
        """True if the loss and every gradient tensor agree to `rtol` relative."""
        return self.largest_relative <= rtol

    def __str__(self) -> str:
        rows = [
            (t.name, "x".join(map(str, t.shape)), f"{t.size:.3g}", f"{t.largest:.2e}", f"{t.relative:.2e}")
            for t in self.tensors
        ]
        head = ("tensor", "shape", "max |grad|", "max |Δgrad|", "relative")
        widths = [max(len(r[c]) for r in [head, *rows]) for c in range(5)]
        line = "  ".join(f"{{:{'<' if c < 2 else '>'}{w}}}" for c, w in enumerate(widths))
        table = [line.format(*head), line.format(*("-" * w for w in widths))]
        table += [line.format(*r) for r in rows]
        return "\n".join(
            [
                f"{self.loss_name} loss: autograd_mini {self.loss:.17g}, torch {self.torch_loss:.17g} "
                f"(difference {self.loss_difference:.2e})",
                *table,
                f"largest relative difference {self.largest_relative:.2e}: "
                + ("agree to 1e-12" if self.agrees() else "DISAGREE beyond 1e-12"),
            ]
        )


def _relative(difference: float, scale: float) -> float:
    if difference == 0.0:
        return 0.0
    return difference / scale if scale > 0.0 else math.inf


def compare_with_torch(
    model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[Any], loss: str = "hinge"
) -> TorchComparison:
    """Run `model` and its `to_torch` copy on the batch `X` with targets `y`, and compare the loss
    and the gradient of every parameter tensor. Our `.grad`s are left as they were.

    `loss` is ``"hinge"`` (labels ±1), ``"mse"`` (numbers), ``"bce_with_logits"`` (labels 0/1), all
    for a model with one output, or ``"softmax_cross_entropy"`` (class indices) for a model with
    one output per class; each is the mean over the batch, as in `autograd_mini.losses`.

    A tensor's relative difference is its largest absolute difference over the largest gradient
    of the whole model. Ratios entry by entry, or per tensor, would blow up where a gradient is a
    sum that cancels to a rounding residue near 0 (the last bias of a hinge loss often is): such a
    number has no digits of its own to compare, only an error the size of its terms.
    """
    if not isinstance(model, nn.MLP):
        raise TypeError(f"compare_with_torch: expected an nn.MLP, got {shown(model)}")
    if loss not in LOSSES:
        raise ValueError(f"compare_with_torch: loss must be one of {LOSSES}, got {loss!r}")
    nout = model.layers[-1].nout
    if (loss == "softmax_cross_entropy") != (nout > 1):
        need = "one output per class (2 or more)" if nout == 1 else "one output"
        raise ValueError(
            f"compare_with_torch: the {loss} loss needs a model with {need}; this one has {nout}"
        )
    X, y = list(X), list(y)
    torch = import_torch()
    tmodel = to_torch(model)
    ours = _our_loss(model(X), y, loss)
    params = model.parameters()
    grads = dict(zip(params, grad(ours, params)))
    theirs = _torch_loss(torch, tmodel(torch.tensor(X, dtype=torch.float64)), y, loss)
    theirs.backward()
    tlinears = [m for m in tmodel if isinstance(m, torch.nn.Linear)]
    pairs = []
    for i, (layer, tl) in enumerate(zip(model.layers, tlinears)):
        pairs.append((f"layers.{i}.weight", [grads[w] for row in layer.weight for w in row], tl.weight))
        pairs.append((f"layers.{i}.bias", [grads[b] for b in layer.bias], tl.bias))
    scale = max(max(abs(g) for g in p.grad.flatten().tolist()) for _, _, p in pairs)
    tensors = [_difference(name, ours_, p, scale) for name, ours_, p in pairs]
    return TorchComparison(loss, ours.data, theirs.item(), tensors)


def _our_loss(out: List[Any], y: List[Any], loss: str) -> Value:
    if loss == "hinge":
        return losses.hinge_loss(out, y)
    if loss == "mse":
        return losses.mse_loss(out, y)
    if loss == "bce_with_logits":
        return losses.bce_with_logits(out, y)
    return losses.softmax_cross_entropy(out, y)


def _torch_loss(torch: Any, out: Any, y: List[Any], loss: str) -> Any:
    F = torch.nn.functional
    if loss == "softmax_cross_entropy":
        return F.cross_entropy(out, torch.tensor([int(c) for c in y]))
    scores, target = out[:, 0], torch.tensor([float(t) for t in y], dtype=torch.float64)
    if loss == "hinge":
        return F.relu(1.0 - target * scores).mean()
    if loss == "mse":
        return F.mse_loss(scores, target)
    return F.binary_cross_entropy_with_logits(scores, target)


def _difference(name: str, ours: List[float], param: Any, scale: float) -> TensorDifference:
    theirs = param.grad.flatten().tolist()
    largest = max(abs(a - b) for a, b in zip(ours, theirs))
    size = max(abs(b) for b in theirs)
    return TensorDifference(name, tuple(param.shape), size, largest, _relative(largest, scale))
