"""nn against PyTorch (float64): the same MLP with the same weights gives the same loss and gradients."""

from __future__ import annotations

import random
from typing import Any, Callable, List, Optional

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


def assert_matches_torch(model: nn.MLP, activation: str, X: List[List[float]], ours: Callable[[Any], Value],
                         theirs: Callable[[Any, Any], Any], batch: bool = False) -> None:
    """`ours` of the model's outputs on X (the batch in one call, or a sample at a time) and `theirs` of
    the outputs of its torch copy (and the copy): the same loss, to 1e-12, and the same gradients."""
    tmodel = torch_copy(model, activation)
    loss = ours(model(X) if batch else [model(x) for x in X])
    loss.backward()
    tloss = theirs(tmodel(torch.tensor(X, dtype=torch.float64)), tmodel)
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    compare_grads(model, tmodel)


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_hinge_l2_matches_torch(activation: str, fused: bool) -> None:
    model = nn.MLP(2, [16, 16, 1], activation=activation, rng=random.Random(2), fused=fused)
    rng = random.Random(5)
    for layer in model.layers:  # non-zero biases too
        for b in layer.bias:
            b.data = rng.uniform(-0.5, 0.5)
    X = data(30, 2, 1)
    y = [1 if a * b > 0 else -1 for a, b in X]
    ty = torch.tensor(y, dtype=torch.float64)
    assert_matches_torch(
        model, activation, X,
        lambda scores: losses.hinge_loss(scores, y) + losses.l2_regularization(model.parameters(), 1e-3),
        lambda out, tmodel: F.relu(1 - ty * out[:, 0]).mean()
        + 1e-3 * sum((p * p).sum() for p in tmodel.parameters()),
        batch=fused,  # fused: the batch in one call; else one sample at a time
    )


def test_mlp_softmax_cross_entropy_matches_torch() -> None:
    model = nn.MLP(3, [8, 4], activation="tanh", rng=random.Random(3))
    y = [i % 4 for i in range(12)]
    assert_matches_torch(model, "tanh", data(12, 3, 2), lambda out: losses.softmax_cross_entropy(out, y),
                         lambda out, _: F.cross_entropy(out, torch.tensor(y)))


def test_mlp_bce_and_mse_match_torch() -> None:
    model = nn.MLP(2, [6, 1], activation="sigmoid", rng=random.Random(4))
    y01 = [i % 2 for i in range(10)]
    ty = torch.tensor(y01, dtype=torch.float64)
    assert_matches_torch(
        model, "sigmoid", data(10, 2, 3),
        lambda out: losses.bce_with_logits(out, y01) + losses.mse_loss(out, [0.5 * v for v in y01]),
        lambda out, _: F.binary_cross_entropy_with_logits(out[:, 0], ty) + F.mse_loss(out[:, 0], 0.5 * ty),
    )


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
