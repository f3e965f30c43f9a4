"""micrograd's demo step, six ways: autograd_mini (fused neurons, and z and a nodes), the same
step traced into a generated program (Python, and C), micrograd 0.1.0 and the hand-written loop.

MLP 2-16-16-1 (ReLU hidden layers, linear output), 100 moons points, hinge loss
mean(relu(1 - y·score)) + 1e-4·Σp², full batch, forward + backward + SGD (p -= lr·grad, then
the gradients are zeroed). All four start from the weights of ``autograd_mini.nn.MLP`` with
the same seed, so their losses agree.

>>> step, how = make_step("hand")
>>> step() > 0.0
True
"""

from __future__ import annotations

import random
import time
from typing import Any, Callable, Dict, List, Tuple

from _handloop import Layer, hand_step

from autograd_mini import datasets, losses, nn

SIZES = (2, 16, 16, 1)
N_POINTS = 100
NOISE = 0.1
SEED = 1
LR = 0.05
ALPHA = 1e-4


def dataset() -> Tuple[List[List[float]], List[float]]:
    """The moons points, and their labels as ±1 (what the hinge loss wants)."""
    X, y = datasets.make_moons(N_POINTS, noise=NOISE, seed=SEED)
    return [[float(v) for v in row] for row in X], [float(v) for v in datasets.to_pm1(y)]


def new_model(fused: bool = True) -> nn.MLP:
    return nn.MLP(SIZES[0], list(SIZES[1:]), activation="relu", rng=random.Random(SEED), fused=fused)


def initial_weights() -> List[Layer]:
    """The starting weights as floats, [(W rows, B)] per layer: the same in every process."""
    return [
        ([[w.data for w in row] for row in layer.weight], [b.data for b in layer.bias])
        for layer in new_model().layers
    ]


def update(params: List[Any]) -> None:
    for p in params:
        p.data -= LR * p.grad
        p.grad = 0.0


def autograd_mini_loss(fused: bool = True) -> Tuple[Callable[[], Any], List[Any]]:
    """autograd_mini's forward pass on a fresh model: (a function computing the loss, parameters).

    `fused`: one node a = relu(w·x+b) per neuron, or (False, the default of nn.MLP) a z node and
    an activation node per neuron.
    """
    X, y = dataset()
    model = new_model(fused)
    params = model.parameters()

    def loss_fn() -> Any:
        scores = model(X)  # the whole batch in one call: W and B are read once per layer
        return losses.hinge_loss(scores, y) + losses.l2_regularization(params, ALPHA)

    return loss_fn, params


def make_step(engine: str) -> Tuple[Callable[[], float], str]:
    """A function doing one training step and returning the loss before it, and how it is built."""
    if engine == "hand":
        X, y = dataset()
        weights = initial_weights()
        return (lambda: hand_step(weights, X, y, LR, ALPHA)), "lists of floats, matrix formulas"
    if engine == "micrograd":
        return _micrograd_step(), "micrograd.nn.MLP, as in its demo notebook"
    if engine in ("autograd_mini", "autograd_mini_nodes"):
        fused = engine == "autograd_mini"
        loss_fn, params = autograd_mini_loss(fused)

        def step() -> float:
            loss = loss_fn()
            loss.backward()
            update(params)
            return loss.data

        mode = "fused=True" if fused else "the default: z and a nodes"
        return step, f"nn.MLP ({mode}) called on the batch, losses.hinge_loss + l2_regularization"
    if engine in ("tape_python", "tape_c"):
        return _tape_step(engine[5:])
    raise ValueError(f"make_step: unknown engine {engine!r}")


def traced_loss(backend: str) -> Tuple[Any, List[Any], List[List[float]], List[float], float]:
    """autograd_mini's loss traced once into a program: (the step, parameters, X, y, seconds to
    trace and write the program, compiling included)."""
    from autograd_mini.tape import trace

    X, y = dataset()
    model = new_model(True)
    params = model.parameters()

    def loss_of(X: List[List[float]], y: List[float]) -> Any:
        return losses.hinge_loss(model(X), y) + losses.l2_regularization(params, ALPHA)

    t0 = time.perf_counter()
    step = trace(loss_of, X, y, backend=backend)
    return step, params, X, y, time.perf_counter() - t0


def tape_timings(backend: str) -> Dict[str, float]:
    """Seconds to trace the step and write its program (compiling not included), to compile the C
    program into an empty cache, and to trace again once it is cached."""
    import os
    import tempfile

    before = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # an empty cache: this trace compiles
        try:
            step, _, _, _, first = traced_loss(backend)
            compiled = step.last.compile_seconds
            _, _, _, _, again = traced_loss(backend)
            cached = traced_loss(backend)[0].last.compile_seconds
        finally:
            if before is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = before
    # (the second trace found the library in the cache: its time is tracing and writing alone)
    return {"trace_s": again if backend == "c" else min(first, again), "compile_s": compiled,
            "cached_compile_s": cached}


def _tape_step(backend: str) -> Tuple[Callable[[], float], str]:
    traced, params, X, y, _ = traced_loss(backend)

    def step() -> float:
        loss = traced(X, y)
        update(params)
        return loss

    return step, f"the same loss traced once (autograd_mini.tape, backend={backend!r}), then its program"


def _micrograd_step() -> Callable[[], float]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    X, y = dataset()
    random.seed(SEED)  # micrograd draws from the global state; the weights are overwritten anyway
    model = MLP(SIZES[0], list(SIZES[1:]))
    for layer, (W, B) in zip(model.layers, initial_weights()):
        for neuron, row, b in zip(layer.neurons, W, B):
            for wv, w in zip(neuron.w, row):
                wv.data = w
            neuron.b.data = b
    params = model.parameters()

    def step() -> float:  # written as micrograd's demo notebook does it
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = ALPHA * sum(p * p for p in params)
        loss = data_loss + reg_loss
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        model.zero_grad()
        return loss.data

    return step


def timed_split(steps: int, warmup: int = 1) -> Dict[str, float]:
    """Seconds per step of autograd_mini's forward, backward and update, on a fresh model.

    The first `warmup` steps are run but not counted.
    """
    loss_fn, params = autograd_mini_loss()
    split = {"forward": 0.0, "backward": 0.0, "update": 0.0}
    for k in range(steps):
        t0 = time.perf_counter()
        loss = loss_fn()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        update(params)
        t3 = time.perf_counter()
        if k >= warmup:
            split["forward"] += t1 - t0
            split["backward"] += t2 - t1
            split["update"] += t3 - t2
    return {part: t / max(steps - warmup, 1) for part, t in split.items()}
