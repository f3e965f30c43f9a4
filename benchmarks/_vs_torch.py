"""One measurement of autograd_mini against PyTorch eager, in a fresh process (run.py starts it).

    python _vs_torch.py ENGINE WORKLOAD REPEATS

WORKLOAD is ``moons`` (one step of the MLP 2-16-16-1 on 100 moons points: hinge loss + 1e-4·Σp²,
SGD with momentum 0.9, parameters and gradients current after each step) or ``digits`` (one epoch of
the MLP 64-32-10 on 28 batches of 64 digits: softmax cross-entropy, AdamW). ENGINE is ``tape_c`` or
``tape_python`` (the step traced with its optimizer, ``trace(..., optimizer=opt)``; digits through
``step.run(batches)``), ``interpreter`` (zero_grad, backward, opt.step), or ``torch64`` /
``torch32`` (PyTorch eager in float64 / float32, one thread) and ``torch64_threads`` (its default
threads). All start from the same weights. Prints one JSON line: the seconds of each repeat (a step
or an epoch), the losses, and the peak resident memory the process reached (KiB).
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "demos"))
sys.path.insert(0, HERE)

from autograd_mini import losses, nn, optim  # noqa: E402

DIGITS = {"sizes": (64, 32, 10), "batch": 64, "batches": 28, "lr": 0.01, "weight_decay": 0.01}
MOONS = {"lr": 0.05, "momentum": 0.9}


def moons_data() -> Tuple[nn.MLP, List[List[float]], List[float]]:
    import _mlp

    X, y = _mlp.dataset()
    return _mlp.new_model(True), X, y


def digits_data() -> Tuple[nn.MLP, List[Tuple[List[List[float]], List[int]]]]:
    from digits_data import load_data

    X, y = load_data(None, 0)
    b = DIGITS["batch"]
    batches = [(X[k * b : (k + 1) * b], y[k * b : (k + 1) * b]) for k in range(DIGITS["batches"])]
    model = nn.MLP(64, [32, 10], activation="relu", rng=random.Random(0), fused=True)
    return model, batches


def ours(engine: str, workload: str) -> Callable[[], Any]:
    if workload == "moons":
        import _mlp

        model, X, y = moons_data()
        params = model.parameters()
        opt: optim.Optimizer = optim.SGD(params, lr=MOONS["lr"], momentum=MOONS["momentum"])

        def loss_of(X: Any, y: Any) -> Any:
            return losses.hinge_loss(model(X), y) + losses.l2_regularization(params, _mlp.ALPHA)

        data: List[Tuple[Any, ...]] = [(X, y)]
    else:
        model, data = digits_data()
        params = model.parameters()
        opt = optim.AdamW(params, lr=DIGITS["lr"], weight_decay=DIGITS["weight_decay"])

        def loss_of(X: Any, y: Any) -> Any:
            return losses.softmax_cross_entropy(model(X), y)

    if engine == "interpreter":
        return lambda: loop(loss_of, data, opt, lambda loss: loss.data)
    from autograd_mini.tape import trace

    step = trace(loss_of, *data[0], backend=engine[5:], optimizer=opt)
    if workload == "digits" and engine == "tape_c":  # arrays: read without a Python float per number
        import numpy as np

        arrays = [(np.array(X, dtype=np.float64), np.array(y, dtype=np.int64)) for X, y in data]
        return lambda: step.run(arrays)
    if workload == "moons":  # one step(X, y) call per step
        return lambda: [step(*data[0])]
    return lambda: step.run(data)


def theirs(engine: str, workload: str) -> Callable[[], Any]:
    import torch

    if engine != "torch64_threads":
        torch.set_num_threads(1)
    dtype = torch.float32 if engine == "torch32" else torch.float64
    if workload == "moons":
        import _mlp

        model, X, y = moons_data()
        data = [(torch.tensor(X, dtype=dtype), torch.tensor(y, dtype=dtype))]
    else:
        model, batches = digits_data()
        data = [(torch.tensor(X, dtype=dtype), torch.tensor(y)) for X, y in batches]
    layers = []
    for layer in model.layers:
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[w.data for w in row] for row in layer.weight], dtype=dtype))
            lin.bias.copy_(torch.tensor([b.data for b in layer.bias], dtype=dtype))
        layers += [lin, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    if workload == "moons":
        opt = torch.optim.SGD(net.parameters(), lr=MOONS["lr"], momentum=MOONS["momentum"])

        def loss_of(X: Any, y: Any) -> Any:
            hinge = torch.relu(1.0 - y * net(X).squeeze(1)).mean()
            return hinge + _mlp.ALPHA * sum((p * p).sum() for p in net.parameters())
    else:
        opt = torch.optim.AdamW(net.parameters(), lr=DIGITS["lr"], weight_decay=DIGITS["weight_decay"])

        def loss_of(X: Any, y: Any) -> Any:
            return torch.nn.functional.cross_entropy(net(X), y)

    return lambda: loop(loss_of, data, opt, lambda loss: loss.item())


def loop(loss_of: Callable[..., Any], data: List[Any], opt: Any, number: Callable[[Any], float]
         ) -> List[float]:
    """One pass of the training loop: zero_grad, the loss, backward, step; the loss of each step."""
    out = []
    for args in data:
        opt.zero_grad()
        loss = loss_of(*args)
        loss.backward()
        opt.step()
        out.append(number(loss))
    return out


def main(argv: List[str]) -> int:
    engine, workload, repeats = argv[0], argv[1], int(argv[2])
    run = theirs(engine, workload) if engine.startswith("torch") else ours(engine, workload)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, losses_seen = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
        losses_seen.append(out[0])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result: Dict[str, Any] = {"ok": all(map(math.isfinite, losses_seen)), "seconds": times,
                              "losses": losses_seen, "peak_kib": peak, "peak_growth_kib": peak - before}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
