"""micrograd's demo step, three ways: autograd_mini, micrograd 0.1.0 and the hand-written loop.

MLP 2-16-16-1 (ReLU hidden layers, linear output), 100 moons points, hinge loss
mean(relu(1 - y·score)) + 1e-4·Σp², full batch, forward + backward + SGD (p -= lr·grad, then
the gradients are zeroed). All three start from the same weights, so their losses agree.

>>> step, how = make_step("hand")
>>> loss = step()
>>> loss > 0.0
True
"""

from __future__ import annotations

import random
from typing import Any, Callable, List, Tuple

from _handloop import Layer, hand_step

SIZES = (2, 16, 16, 1)
N_POINTS = 100
NOISE = 0.1
SEED = 1
LR = 0.05
ALPHA = 1e-4


def dataset() -> Tuple[List[List[float]], List[float], str]:
    """The moons points with labels ±1, and where they came from."""
    try:
        from autograd_mini.datasets import make_moons  # type: ignore[import-not-found]

        source = "autograd_mini.datasets.make_moons"
    except ImportError:
        from _moons import make_moons

        source = "benchmarks/_moons.py"
    X, y = make_moons(N_POINTS, noise=NOISE, seed=SEED)
    X = [[float(v) for v in row] for row in X]
    labels = [float(v) for v in y]
    if set(labels) <= {0.0, 1.0}:  # 0/1 class labels: hinge loss wants -1/+1
        labels = [2.0 * v - 1.0 for v in labels]
    return X, labels, source


def _has_nn() -> bool:
    try:
        from autograd_mini import nn  # noqa: F401
    except ImportError:
        return False
    return True


def initial_weights() -> List[Layer]:
    """The starting weights as floats: [(W rows, B)] per layer, the same in every process."""
    if _has_nn():
        return [
            ([[w.data for w in row] for row in layer.weight], [b.data for b in layer.bias])
            for layer in _nn_model().layers
        ]
    rng = random.Random(SEED)  # fan-in scaled uniform, biases 0
    return [
        ([[rng.uniform(-1.0, 1.0) / nin**0.5 for _ in range(nin)] for _ in range(nout)], [0.0] * nout)
        for nin, nout in zip(SIZES, SIZES[1:])
    ]


def _nn_model():  # type: ignore[no-untyped-def]
    from autograd_mini import nn

    return nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", rng=random.Random(SEED))


def make_step(engine: str) -> Tuple[Callable[[], float], str]:
    """A function doing one training step and returning the loss before it, and a description."""
    X, y, source = dataset()
    if engine == "hand":
        weights = initial_weights()
        return (lambda: hand_step(weights, X, y, LR, ALPHA)), f"hand-written loop; data {source}"
    if engine == "micrograd":
        return _micrograd_step(X, y), f"micrograd.nn.MLP; data {source}"
    if engine == "autograd_mini":
        return _autograd_mini_step()
    raise ValueError(f"make_step: unknown engine {engine!r}")


def _update(params: list) -> None:  # type: ignore[type-arg]
    for p in params:
        p.data -= LR * p.grad
        p.grad = 0.0


def autograd_mini_loss() -> Tuple[Callable[[], Any], List[Any], str]:
    """autograd_mini's forward pass as (loss function, parameters, how it is built).

    Uses autograd_mini.nn when it is there, else the same network written with the engine's
    `linear()` (a `dot` node per neuron) and `.relu()`.
    """
    X, y, source = dataset()
    if _has_nn():
        from autograd_mini import losses

        model = _nn_model()
        params = model.parameters()

        def nn_loss() -> Any:
            scores = [model(x) for x in X]
            return losses.hinge_loss(scores, y) + losses.l2_regularization(params, ALPHA)

        return nn_loss, params, f"autograd_mini.nn.MLP; data {source}"

    from autograd_mini import Value, dot, total

    try:  # one call per layer: the inputs are checked and read once for all its neurons
        from autograd_mini import linear  # type: ignore[attr-defined]
    except ImportError:

        def linear(W: Any, a: Any, B: Any) -> List[Any]:
            return [dot(row, a, b) for row, b in zip(W, B)]

    layers = [
        ([[Value(w) for w in row] for row in W], [Value(b) for b in B]) for W, B in initial_weights()
    ]
    params = [p for W, B in layers for row in W for p in row] + [b for _, B in layers for b in B]
    last = len(layers) - 1

    def model_fn(x: List[float]) -> Value:
        a: list = x  # type: ignore[type-arg]
        for li, (W, B) in enumerate(layers):
            z = linear(W, a, B)
            a = z if li == last else [v.relu() for v in z]
        return a[0]

    def engine_loss() -> Any:
        scores = [model_fn(x) for x in X]
        data_loss = total([(s * -yi + 1.0).relu() for s, yi in zip(scores, y)]) * (1.0 / len(X))
        return data_loss + total([p * p for p in params]) * ALPHA

    return engine_loss, params, f"engine linear()/relu() (nn not there yet); data {source}"


def _autograd_mini_step() -> Tuple[Callable[[], float], str]:
    loss_fn, params, how = autograd_mini_loss()

    def step() -> float:
        loss = loss_fn()
        loss.backward()
        _update(params)
        return loss.data

    return step, how


def _micrograd_step(X: List[List[float]], y: List[float]) -> Callable[[], float]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(SEED)  # micrograd draws from the global state; the weights are overwritten anyway
    model = MLP(SIZES[0], list(SIZES[1:]))
    for layer, (W, B) in zip(model.layers, initial_weights()):
        for neuron, row, b in zip(layer.neurons, W, B):
            for wv, w in zip(neuron.w, row):
                wv.data = w
            neuron.b.data = b
    params = model.parameters()

    def step() -> float:  # as in micrograd's demo notebook
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in params)
        loss = data_loss + reg_loss
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        model.zero_grad()
        return loss.data

    return step
