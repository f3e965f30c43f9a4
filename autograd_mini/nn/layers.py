"""Layers of scalar neurons: `Neuron`, `Linear` (a row of neurons = the matrix W) and `MLP`.

A `Linear(m, n)` layer *is* the n×m matrix W and the n-vector B of Z = W·A + B: ``layer.weight[j][k]``
is w_jk, the weight neuron j gives to input k. Each neuron's pre-activation z_j is one engine
node (`dot`: Σ_k w_jk·a_k + b_j), and its activation a_j = g(z_j) a node of its own, so a graph
shows Z and A = g(Z) exactly as the formulas write them. With ``fused=True`` (`Linear`, `MLP`) each
neuron is one node a_j = g(Σ_k w_jk·a_k + b_j) instead: the same numbers, half the nodes.

Every layer takes one observation (a sequence of m numbers or Values) or a batch (a sequence of
such sequences, one per observation); a batch gives one result per observation and reads W and B
once for all of them (`linear_batch`).

Graph labels count from 1 like the formulas: in layer i, neuron j has leaves ``Li.Nj.w1`` …
``Li.Nj.wm`` and ``Li.Nj.b``, and each call labels its nodes ``Li.Nj.z`` and ``Li.Nj.a`` (a linear
neuron's output is its ``.z``). A standalone `Linear` is layer 1; a standalone `Neuron` is ``L1.N1``.

Initialisation (biases start at 0; weights are drawn from a Gaussian scaled by the fan-in m, so the
variance of the signal stays about the same from layer to layer and deep nets train):

- ``'relu'``: He, std = sqrt(2/m) (relu zeroes half the signal, the 2 makes up for it);
- ``None``, ``'tanh'``, ``'sigmoid'``: LeCun, std = sqrt(1/m).
"""

from __future__ import annotations

import math
import random
from typing import Any, List, Optional, Sequence, Tuple, Union

from .. import checks, engine
from ..engine import Value, linear_batch
from .module import Module, Tensor

Scalar = Union[Value, int, float]

ACTIVATIONS = (None, *engine.ACTIVATIONS)  # what a layer accepts: None (linear) or a name in the table


def _size(n: object, what: str, where: str) -> int:
    return checks.integer(n, f"{where}: {what}", minimum=1)


def _activation(activation: object, where: str) -> Optional[str]:
    return checks.one_of(activation, ACTIVATIONS, f"{where}: activation")  # type: ignore[no-any-return]


def _rng(rng: object, where: str) -> random.Random:
    if rng is None:
        return random.Random(0)  # reproducible, and independent of the global `random` state
    if not isinstance(rng, random.Random):
        raise TypeError(f"{where}: rng: expected a random.Random or None, got {checks.shown(rng)}")
    return rng


def init_std(nin: int, activation: Optional[str]) -> float:
    """The standard deviation of the initial weights: He for relu, LeCun otherwise (see module doc)."""
    return math.sqrt((2.0 if activation == "relu" else 1.0) / nin)


def _as_batch(x: Any, nin: int, where: str) -> Tuple[List[Sequence[Scalar]], bool]:
    """(the observations, whether `x` was a batch): the one place that tells one observation (a
    sequence of `nin` inputs) from a batch (a sequence of such sequences) and checks their sizes."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{where}: expected a sequence of {nin} Values or numbers, got {type(x).__name__}")
    x = x if isinstance(x, (list, tuple)) else list(x)
    is_batch = bool(x) and isinstance(x[0], (list, tuple))
    rows = x if is_batch else [x]
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            raise TypeError(f"{where}: observation {i} of a batch is {checks.shown(row, 40)}, not a sequence")
        if len(row) != nin:
            at = f" in observation {i} of a batch" if is_batch else ""
            raise ValueError(f"{where}: expected {nin} inputs, got {len(row)}{at}")
    return list(rows), is_batch


def _labelled(nodes: List[Value], labels: List[str]) -> List[Value]:
    for v, label in zip(nodes, labels):
        v.label = label
    return nodes


class Neuron(Module):
    """One neuron: z = Σ_k w_k·x_k + b (one `dot` node), then a = g(z) if it has an activation.

    `rng` is a `random.Random` for the initial weights; None means a fresh ``random.Random(0)``.

    >>> import random
    >>> n = Neuron(2, activation='relu', rng=random.Random(1))
    >>> a = n([1.0, -2.0])
    >>> a.label, a.parents[0].label, n.w[0].label
    ('L1.N1.a', 'L1.N1.z', 'L1.N1.w1')
    """

    def __init__(
        self, nin: int, activation: Optional[str] = None, rng: Optional[random.Random] = None
    ) -> None:
        self.nin = _size(nin, "nin", "Neuron")
        self.activation = _activation(activation, "Neuron")
        rng = _rng(rng, "Neuron")
        std = init_std(nin, activation)
        self.w: List[Value] = [Value(rng.gauss(0.0, std)) for _ in range(nin)]
        self.b = Value(0.0)
        self._name(1, 1)

    def _name(self, layer: int, index: int) -> None:
        """Label the leaves and remember the labels of the nodes each call makes."""
        prefix = f"L{layer}.N{index}"
        for k, w in enumerate(self.w, 1):
            w.label = f"{prefix}.w{k}"
        self.b.label = f"{prefix}.b"
        self._zlabel = f"{prefix}.z"
        self._alabel = f"{prefix}.a"

    def __call__(self, x: Sequence[Any]) -> Any:
        """One observation (`nin` Values or numbers) gives a Value; a batch (a list of them) a list."""
        observations, is_batch = _as_batch(x, self.nin, "Neuron")
        out = [zs[0] for zs in linear_batch([self.w], observations, [self.b])]
        _labelled(out, [self._zlabel] * len(out))
        if self.activation is not None:
            out = _labelled([getattr(z, self.activation)() for z in out], [self._alabel] * len(out))
        return out if is_batch else out[0]

    def _tensors(self) -> List[Tuple[str, Tensor]]:
        return [("w", self.w), ("b", self.b)]

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r})"


class Linear(Module):
    """A layer of `nout` neurons with `nin` inputs each: Z = W·A + B, then A_out = g(Z).

    ``.weight`` is W (`nout` rows of `nin` Values), ``.bias`` is B (`nout` Values), shared with the
    `.neurons`. Calling the layer on `nin` Values or numbers returns a list of `nout` Values.

    ``fused=True`` makes each neuron one node a = g(w·x + b) instead of a z node and an activation
    node: the same values and gradients from half the nodes, about twice as fast to train, but the
    graph has no z nodes whose ``.grad`` shows dZ (see `linear`).

    >>> import random
    >>> layer = Linear(3, 2, activation='tanh', rng=random.Random(0))
    >>> out = layer([0.5, -1.0, 2.0])
    >>> len(out), out[1].label, layer.weight[1][2].label
    (2, 'L1.N2.a', 'L1.N2.w3')
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Optional[str] = None,
        rng: Optional[random.Random] = None,
        fused: bool = False,
    ) -> None:
        self.nin = _size(nin, "nin", "Linear")
        self.nout = _size(nout, "nout", "Linear")
        self.activation = _activation(activation, "Linear")
        self.fused = checks.flag(fused, "Linear: fused")
        rng = _rng(rng, "Linear")
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]
        self.weight: List[List[Value]] = [n.w for n in self.neurons]
        self.bias: List[Value] = [n.b for n in self.neurons]
        self._name(1)

    def _name(self, layer: int) -> None:
        for j, n in enumerate(self.neurons, 1):
            n._name(layer, j)
        self._zlabels = [n._zlabel for n in self.neurons]
        self._alabels = [n._alabel for n in self.neurons]

    def __call__(self, x: Sequence[Any]) -> List[Any]:
        """One observation (`nin` Values or numbers) gives `nout` Values; a batch (a list of N
        observations) gives N such lists, reading W and B once for the whole batch."""
        observations, is_batch = _as_batch(x, self.nin, "Linear")
        out = self.forward(observations)
        return out if is_batch else out[0]

    def forward(self, observations: List[Sequence[Scalar]]) -> List[List[Value]]:
        """The layer on a batch whose sizes are checked: Z = W·A + B, then g(Z), labelled."""
        if self.fused:  # each node is the whole neuron a = g(w·x + b)
            labels = self._alabels if self.activation else self._zlabels
            return [_labelled(nodes, labels) for nodes in linear_batch(self.weight, observations, self.bias,
                                                                       self.activation)]
        zs = [_labelled(nodes, self._zlabels) for nodes in linear_batch(self.weight, observations, self.bias)]
        if self.activation is None:
            return zs
        act = getattr(Value, self.activation)
        return [_labelled(list(map(act, nodes)), self._alabels) for nodes in zs]

    def _tensors(self) -> List[Tuple[str, Tensor]]:
        return [("weight", self.weight), ("bias", self.bias)]

    def __repr__(self) -> str:
        fused = ", fused=True" if self.fused else ""
        return f"Linear(nin={self.nin}, nout={self.nout}, activation={self.activation!r}{fused})"


class MLP(Module):
    """Layers of sizes ``nin -> nouts[0] -> ... -> nouts[-1]``: `activation` on every hidden layer,
    the last layer linear (its outputs are scores or logits for a loss).

    Returns a single Value when the last layer has one neuron, else a list. `rng` as in `Neuron`.

    >>> import random
    >>> model = MLP(2, [16, 16, 1], rng=random.Random(0))
    >>> model
    MLP(2 -> 16 relu -> 16 relu -> 1)
    >>> model([0.5, -0.5]).label, len(model.parameters())
    ('L3.N1.z', 337)
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Optional[str] = "relu",
        rng: Optional[random.Random] = None,
        fused: bool = False,
    ) -> None:
        _size(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP: nouts must be a list of layer sizes, got {type(nouts).__name__} {nouts!r}")
        if len(nouts) == 0:
            raise ValueError("MLP: nouts must name at least one layer size, got []")
        for n in nouts:
            _size(n, "each layer size in nouts", "MLP")
        self.activation = _activation(activation, "MLP")
        self.fused = checks.flag(fused, "MLP: fused")
        rng = _rng(rng, "MLP")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Linear(sizes[i], sizes[i + 1], activation if i < last else None, rng, fused)
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers, 1):
            layer._name(i)
        self.nin = nin
        self.nouts = list(nouts)

    def __call__(self, x: Sequence[Any]) -> Any:
        """One observation gives one output (a Value, or a list if the last layer has several
        neurons); a batch (a list of N observations) gives a list of N such outputs."""
        a: Any
        a, is_batch = _as_batch(x, self.nin, "MLP")
        for layer in self.layers:
            a = layer.forward(a)
        out = a if self.layers[-1].nout > 1 else [outputs[0] for outputs in a]
        return out if is_batch else out[0]

    def _tensors(self) -> List[Tuple[str, Tensor]]:
        return [
            (f"layers.{i}.{name}", t) for i, layer in enumerate(self.layers) for name, t in layer._tensors()
        ]

    def __repr__(self) -> str:
        parts = [str(self.nin)]
        for layer in self.layers:
            parts.append(f"{layer.nout} {layer.activation}" if layer.activation else str(layer.nout))
        return f"MLP({' -> '.join(parts)}{', fused' if self.fused else ''})"
