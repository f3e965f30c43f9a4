"""nn against PyTorch (float64): the same MLP with the same weights gives the same loss and gradients."""

from __future__ import annotations

import random
from typing import List, Optional

import needs
import pytest

from autograd_mini import Value, losses, nn

torch = needs.module("torch", "pip install 'autograd_mini[torch]'")
F = torch.nn.functional


def torch_copy(model: nn.MLP, activation: Optional[str]):  # type: ignore[no-untyped-def]
    """A torch.nn.Sequential with the weights of `model`."""
    mods = []
    for i, layer in enumerate(model.layers):
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(
                torch.tensor([[w.data for w in row] for row in layer.weight], dtype=torch.float64)
            )
            lin.bias.copy_(torch.tensor([b.data for b in layer.bias], dtype=torch.float64))
        mods.append(lin)
        if i < len(model.layers) - 1:
            mods.append(
                {"relu": torch.nn.ReLU(), "tanh": torch.nn.Tanh(), "sigmoid": torch.nn.Sigmoid()}[activation]
            )
    return torch.nn.Sequential(*mods)


def data(n: int, m: int, seed: int) -> List[List[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(m)] for _ in range(n)]


def compare_grads(model: nn.MLP, tmodel) -> None:  # type: ignore[no-untyped-def]
    tlayers = [m for m in tmodel if isinstance(m, torch.nn.Linear)]
    for layer, tl in zip(model.layers, tlayers):
        gw = torch.tensor([[w.grad for w in row] for row in layer.weight], dtype=torch.float64)
        gb = torch.tensor([b.grad for b in layer.bias], dtype=torch.float64)
        assert torch.allclose(gw, tl.weight.grad, rtol=1e-10, atol=1e-12)
        assert torch.allclose(gb, tl.bias.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_hinge_l2_matches_torch(activation: str, fused: bool) -> None:
    model = nn.MLP(2, [16, 16, 1], activation=activation, rng=random.Random(2), fused=fused)
    rng = random.Random(5)
    for layer in model.layers:  # non-zero biases too
        for b in layer.bias:
            b.data = rng.uniform(-0.5, 0.5)
    tmodel = torch_copy(model, activation)
    X = data(30, 2, 1)
    y = [1 if a * b > 0 else -1 for a, b in X]

    scores = model(X) if fused else [model(x) for x in X]  # a batch in one call, or one at a time
    loss = losses.hinge_loss(scores, y) + losses.l2_regularization(model.parameters(), 1e-3)
    loss.backward()

    scores = tmodel(torch.tensor(X, dtype=torch.float64))[:, 0]
    ty = torch.tensor(y, dtype=torch.float64)
    tloss = F.relu(1 - ty * scores).mean() + 1e-3 * sum((p * p).sum() for p in tmodel.parameters())
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    compare_grads(model, tmodel)


def test_mlp_softmax_cross_entropy_matches_torch() -> None:
    model = nn.MLP(3, [8, 4], activation="tanh", rng=random.Random(3))
    tmodel = torch_copy(model, "tanh")
    X = data(12, 3, 2)
    y = [i % 4 for i in range(12)]
    loss = losses.softmax_cross_entropy([model(x) for x in X], y)
    loss.backward()
    tloss = F.cross_entropy(tmodel(torch.tensor(X, dtype=torch.float64)), torch.tensor(y))
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    compare_grads(model, tmodel)


def test_mlp_bce_and_mse_match_torch() -> None:
    model = nn.MLP(2, [6, 1], activation="sigmoid", rng=random.Random(4))
    tmodel = torch_copy(model, "sigmoid")
    X = data(10, 2, 3)
    y01 = [i % 2 for i in range(10)]
    t = torch.tensor(X, dtype=torch.float64)
    out = [model(x) for x in X]
    loss = losses.bce_with_logits(out, y01) + losses.mse_loss(out, [0.5 * v for v in y01])
    loss.backward()
    tout = tmodel(t)[:, 0]
    ty = torch.tensor(y01, dtype=torch.float64)
    tloss = F.binary_cross_entropy_with_logits(tout, ty) + F.mse_loss(tout, 0.5 * ty)
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    compare_grads(model, tmodel)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_stable_losses_match_torch_for_huge_logits(scale: float) -> None:
    raw = [0.9, -1.3, 0.2, -0.01]
    zs = [Value(scale * v) for v in raw]
    tz = torch.tensor([scale * v for v in raw], dtype=torch.float64, requires_grad=True)
    loss = losses.bce_with_logits(zs, [1, 0, 0, 1]) + losses.softmax_cross_entropy(zs, 1)
    loss.backward()
    tloss = F.binary_cross_entropy_with_logits(tz, torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64))
    tloss = tloss + F.cross_entropy(tz[None, :], torch.tensor([1]))
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    assert [z.grad for z in zs] == pytest.approx(tz.grad.tolist(), rel=1e-10, abs=1e-15)
