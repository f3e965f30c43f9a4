"""The bridge to PyTorch: to_torch / from_torch exact to the bit, compare_with_torch, life without torch."""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any, List, Optional

import needs
import pytest

from autograd_mini import datasets, nn
from autograd_mini.torch_bridge import compare_with_torch, from_torch, to_torch


def need_torch() -> Any:
    return needs.module("torch", "pip install 'autograd_mini[torch]'")


def with_biases(model: nn.MLP, seed: int) -> nn.MLP:
    rng = random.Random(seed)
    for layer in model.layers:  # non-zero biases, so a bias mix-up would show
        for b in layer.bias:
            b.data = rng.uniform(-0.5, 0.5)
    return model


def values(model: nn.Module) -> List[float]:
    return [p.data for p in model.parameters()]


def inputs(n: int, m: int, seed: int) -> List[List[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(m)] for _ in range(n)]


ACTS = ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "gelu", "elu", None]


@pytest.mark.parametrize("activation", ACTS)
def test_to_torch_copies_weights_exactly_and_computes_the_same(activation: Optional[str]) -> None:
    torch = need_torch()
    model = with_biases(nn.MLP(3, [5, 4, 2], activation=activation, rng=random.Random(1)), 2)
    net = to_torch(model)
    kinds = [type(m).__name__ for m in net]
    act = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU",
           "softplus": "Softplus", "gelu": "GELU", "elu": "ELU", None: "Identity"}[activation]
    assert kinds == ["Linear", act, "Linear", act, "Linear"]
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for layer, lin in zip(model.layers, linears):
        assert lin.weight.dtype == torch.float64
        assert lin.weight.tolist() == [[w.data for w in row] for row in layer.weight]  # bit for bit
        assert lin.bias.tolist() == [b.data for b in layer.bias]
    X = inputs(7, 3, 0)
    ours = [[v.data for v in out] for out in model(X)]
    theirs = net(torch.tensor(X, dtype=torch.float64)).tolist()
    for a, b in zip(ours, theirs):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15)
    model.layers[0].weight[0][0].data += 1.0  # a copy: changing ours leaves torch's alone
    assert linears[0].weight[0, 0].item() != model.layers[0].weight[0][0].data


def test_to_torch_of_a_linear_layer_keeps_its_activation() -> None:
    need_torch()
    layer = nn.Linear(3, 2, activation="tanh", rng=random.Random(0))
    assert [type(m).__name__ for m in to_torch(layer)] == ["Linear", "Tanh"]
    assert [type(m).__name__ for m in to_torch(nn.Linear(3, 2))] == ["Linear"]
    with pytest.raises(TypeError, match="to_torch: expected an nn.MLP or nn.Linear"):
        to_torch(nn.Neuron(2))


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("fused", [False, True])
def test_round_trip_is_exact(activation: Optional[str], fused: bool) -> None:
    need_torch()
    model = with_biases(nn.MLP(4, [6, 3, 1], activation=activation, rng=random.Random(3)), 4)
    twin = from_torch(to_torch(model), fused=fused)
    assert repr(twin) == repr(model)[:-1] + (", fused)" if fused else ")")
    assert values(twin) == values(model)
    assert twin.state_dict() == model.state_dict()


def test_from_torch_reads_a_model_built_in_torch() -> None:
    torch = need_torch()
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
    )  # float32, torch's own initialisation
    model = from_torch(net)
    assert repr(model) == "MLP(5 -> 8 tanh -> 8 tanh -> 3)"
    assert model.layers[1].weight[2][7].data == net[2].weight[2, 7].item()
    X = inputs(6, 5, 1)
    theirs = net.double()(torch.tensor(X, dtype=torch.float64)).tolist()
    for out, row in zip(model(X), theirs):
        assert [v.data for v in out] == pytest.approx(row, rel=1e-12, abs=1e-15)
    plain = from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)))
    assert repr(plain) == "MLP(2 -> 3 -> 1)"  # no module between: a linear hidden layer
    single = from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Identity()))
    assert repr(single) == "MLP(2 -> 1)"


def test_from_torch_refuses_what_an_mlp_cannot_be() -> None:
    torch = need_torch()
    T = torch.nn
    cases = [
        (T.Sequential(T.Linear(2, 3), T.ReLU(), T.Linear(3, 1), T.Sigmoid()), "the last module is Sigmoid"),
        (T.Sequential(T.Linear(2, 3), T.ReLU(), T.Linear(3, 3), T.Tanh(), T.Linear(3, 1)), "one activation"),
        (T.Sequential(T.Linear(2, 3), T.Dropout(0.5), T.Linear(3, 1)), "module 1 is Dropout"),
        (T.Sequential(T.Linear(2, 3), T.LeakyReLU(0.2), T.Linear(3, 1)), "LeakyReLU with negative_slope=0.2"),
        (T.Sequential(T.Linear(2, 3), T.GELU("tanh"), T.Linear(3, 1)), "GELU with approximate='tanh'"),
        (T.Sequential(T.Linear(2, 3), T.Softsign(), T.Linear(3, 1)), "module 1 is Softsign"),
        (T.Sequential(T.ReLU(), T.Linear(2, 1)), "module 0 (ReLU) does not follow a Linear"),
        (T.Sequential(T.Linear(2, 3), T.ReLU(), T.ReLU(), T.Linear(3, 1)), "module 2 (ReLU) does not follow"),
        (
            T.Sequential(T.Linear(2, 3, bias=False), T.ReLU(), T.Linear(3, 1)),
            "module 0 is a Linear without bias",
        ),
        (T.Sequential(T.Linear(2, 3), T.ReLU(), T.Linear(4, 1)), "Linear 1 takes 4 inputs"),
        (T.Sequential(), "has no Linear layer"),
        (T.Sequential(T.Sequential(T.Linear(2, 1))), "module 0 is Sequential"),
    ]
    for net, message in cases:
        with pytest.raises(ValueError, match="^from_torch: ") as info:
            from_torch(net)
        assert message in str(info.value), str(info.value)
    bad = T.Sequential(T.Linear(2, 1))
    with torch.no_grad():
        bad[0].bias[0] = float("nan")
    with pytest.raises(ValueError, match="'layers.0.bias.0' must be finite"):
        from_torch(bad)
    with pytest.raises(TypeError, match="from_torch: expected a torch.nn.Sequential"):
        from_torch(T.Linear(2, 1))


def moons_case() -> tuple:
    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    return with_biases(nn.MLP(2, [16, 16, 1], rng=random.Random(0), fused=True), 1), X, y


def digits_case() -> tuple:
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # the same shapes from random pixels
        X = [[random.Random(i).random() for _ in range(64)] for i in range(120)]
        return nn.MLP(64, [32, 10], rng=random.Random(0), fused=True), X, [i % 10 for i in range(120)]
    digits = load_digits()
    X = (digits.data[:300] / 16.0).tolist()
    return nn.MLP(64, [32, 10], rng=random.Random(0), fused=True), X, digits.target[:300].tolist()


@pytest.mark.parametrize(
    "case, loss",
    [
        ("moons", "hinge"),
        ("moons", "bce_with_logits"),
        ("moons", "mse"),
        ("digits", "softmax_cross_entropy"),
    ],
)
def test_gradients_agree_with_torch_to_1e_12(case: str, loss: str) -> None:
    need_torch()
    model, X, y = moons_case() if case == "moons" else digits_case()
    if loss == "hinge":
        y = datasets.to_pm1(y)
    for p in model.parameters():
        p.grad = 0.25  # compare_with_torch must leave .grad alone
    result = compare_with_torch(model, X, y, loss=loss)
    assert all(p.grad == 0.25 for p in model.parameters())
    assert result.loss == pytest.approx(result.torch_loss, rel=1e-12)
    assert [t.name for t in result.tensors] == [n for n in model.state_dict()]
    assert all(t.relative <= 1e-12 for t in result.tensors), str(result)
    assert result.agrees(1e-12) and result.largest_relative <= 1e-12
    assert max(t.size for t in result.tensors) > 1e-3  # there were gradients to compare
    text = str(result)
    assert f"{loss} loss: autograd_mini" in text and "agree to 1e-12" in text
    assert all(name in text for name in model.state_dict())


def test_compare_with_torch_sees_a_wrong_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = need_torch()
    import autograd_mini.torch_bridge as bridge

    model, X, y = moons_case()

    def off_by_a_little(m: nn.MLP) -> Any:  # torch's copy with one weight changed by 1e-9
        net = to_torch(m)
        with torch.no_grad():
            net[2].weight[3, 4] += 1e-9
        return net

    monkeypatch.setattr(bridge, "to_torch", off_by_a_little)
    result = compare_with_torch(model, X, datasets.to_pm1(y), loss="hinge")
    assert not result.agrees(1e-12) and "DISAGREE" in str(result)
    assert result.largest_relative > 1e-12


@pytest.mark.parametrize(
    "args, error, message",
    [
        (("nope",), ValueError, "loss must be one of"),
        (("softmax_cross_entropy",), ValueError, "needs a model with one output per class"),
    ],
)
def test_compare_with_torch_checks_its_arguments(args: tuple, error: type, message: str) -> None:
    model, X, y = moons_case()
    with pytest.raises(error, match=message):
        compare_with_torch(model, X, y, *args)
    with pytest.raises(ValueError, match="hinge loss needs a model with one output; this one has 10"):
        compare_with_torch(nn.MLP(64, [10]), [[0.0] * 64], [1], "hinge")
    with pytest.raises(TypeError, match="expected an nn.MLP"):
        compare_with_torch(nn.Linear(2, 1), X, y)  # type: ignore[arg-type]


def test_without_torch_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from autograd_mini import nn\n"
        "from autograd_mini.torch_bridge import to_torch\n"  # importing the bridge needs no torch
        "try:\n"
        "    to_torch(nn.MLP(2, [1]))\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "pip install 'autograd_mini[torch]'" in r.stdout


@pytest.mark.parametrize("activation", ["leaky_relu", "softplus", "gelu", "elu"])
@pytest.mark.parametrize("fused", [False, True])
def test_the_new_activations_agree_with_torch_to_1e_12(activation: str, fused: bool) -> None:
    """Each activation defined in ops.py goes through the bridge: loss and every gradient."""
    need_torch()
    X, y = datasets.make_moons(40, noise=0.1, seed=2)
    model = with_biases(nn.MLP(2, [8, 8, 1], activation=activation, rng=random.Random(5), fused=fused), 5)
    result = compare_with_torch(model, X, y, loss="bce_with_logits")
    assert result.loss == pytest.approx(result.torch_loss, rel=1e-12)
    assert result.agrees(1e-12), str(result)
    assert max(t.size for t in result.tensors) > 1e-3
