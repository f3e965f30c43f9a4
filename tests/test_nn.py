"""nn: layers, labels, parameters, state dicts, saving, initialisation, gradients, bad input."""

from __future__ import annotations

import json
import math
import os
import random
import statistics
from typing import List

import pytest

from autograd_mini import Value, gradcheck, nn, no_grad, topological_order, total

# ---- shapes, calls, labels ----


def test_linear_shapes_and_call() -> None:
    layer = nn.Linear(3, 2, activation="tanh", rng=random.Random(0))
    assert len(layer.weight) == 2 and all(len(row) == 3 for row in layer.weight)
    assert len(layer.bias) == 2
    assert [n.w for n in layer.neurons] == layer.weight  # the neurons *are* the rows of W
    out = layer([0.5, -1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    for j, a in enumerate(out):  # a_j = tanh(Σ_k w_jk x_k + b_j)
        z = sum(w.data * x for w, x in zip(layer.weight[j], [0.5, -1.0, 2.0])) + layer.bias[j].data
        assert a.data == pytest.approx(math.tanh(z), rel=1e-14)
    assert layer(iter([0.5, -1.0, 2.0]))[0].data == out[0].data  # any iterable of inputs


def test_mlp_returns_value_or_list_and_one_neuron_hidden_layer() -> None:
    model = nn.MLP(2, [1, 3, 1], rng=random.Random(0))  # a hidden layer of a single neuron
    assert isinstance(model([1.0, 2.0]), Value)
    multi = nn.MLP(2, [4, 3], rng=random.Random(0))
    out = multi([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    tanh_net = nn.MLP(2, [4, 4, 2], activation="tanh")
    assert [layer.activation for layer in tanh_net.layers] == ["tanh", "tanh", None]


def test_reprs_show_shapes() -> None:
    assert repr(nn.MLP(2, [16, 16, 1])) == "MLP(2 -> 16 relu -> 16 relu -> 1)"
    assert repr(nn.MLP(3, [2], activation="tanh")) == "MLP(3 -> 2)"
    assert repr(nn.Linear(2, 16, activation="relu")) == "Linear(nin=2, nout=16, activation='relu')"
    assert repr(nn.Linear(2, 1)) == "Linear(nin=2, nout=1, activation=None)"
    assert repr(nn.Neuron(3, "sigmoid")) == "Neuron(nin=3, activation='sigmoid')"


def test_mlp_labels_name_layer_neuron_and_role() -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    assert model.layers[0].weight[2][1].label == "L1.N3.w2"
    assert model.layers[0].bias[0].label == "L1.N1.b"
    assert model.layers[1].weight[0][2].label == "L2.N1.w3"
    out = model([0.3, -0.7])
    assert out.label == "L2.N1.z" and out.op == "w·x+b"  # linear last layer: its output is z
    labels = {v.label for v in topological_order(out)}
    for j in (1, 2, 3):
        assert {f"L1.N{j}.z", f"L1.N{j}.a", f"L1.N{j}.w1", f"L1.N{j}.w2", f"L1.N{j}.b"} <= labels
    a = out.parents[3]  # parents of a dot node: w1..w3, then the inputs a1..a3, then b
    assert a.label == "L1.N1.a" and a.op == "relu" and a.parents[0].label == "L1.N1.z"


def test_standalone_linear_and_neuron_are_layer_one() -> None:
    layer = nn.Linear(2, 2)
    assert layer.weight[1][0].label == "L1.N2.w1"
    assert [z.label for z in layer([1.0, 2.0])] == ["L1.N1.z", "L1.N2.z"]
    neuron = nn.Neuron(2, activation="sigmoid")
    a = neuron([1.0, 2.0])
    assert (a.label, a.op, a.parents[0].label, neuron.b.label) == ("L1.N1.a", "sigmoid", "L1.N1.z", "L1.N1.b")
    assert nn.Neuron(2)([1.0, 2.0]).label == "L1.N1.z"


def test_neuron_is_one_dot_node_then_its_activation() -> None:
    neuron = nn.Neuron(3, activation="relu", rng=random.Random(5))
    neuron.b.data = 10.0  # makes z > 0
    a = neuron([1.0, 2.0, 3.0])
    z = a.parents[0]
    assert z.op == "w·x+b" and list(z.parents) == [*neuron.w, neuron.b]  # number inputs are constants
    a.backward()
    assert [w.grad for w in neuron.w] == [1.0, 2.0, 3.0] and neuron.b.grad == 1.0


def test_no_grad_forward_builds_no_graph() -> None:
    model = nn.MLP(2, [4, 1])
    with no_grad():
        out = model([1.0, 2.0])
    assert out.is_leaf()


# ---- parameters and names ----


def test_parameters_each_once_in_a_stable_order() -> None:
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    ps = model.parameters()
    assert len(ps) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1) == 337
    assert len(set(map(id, ps))) == len(ps) and all(p.is_leaf() for p in ps)
    assert ps == model.parameters()
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.weight.0.0", "layers.0.weight.0.1", "layers.0.weight.1.0"]
    assert names[32:34] == ["layers.0.bias.0", "layers.0.bias.1"]
    assert names[-1] == "layers.2.bias.0"
    named = dict(model.named_parameters())
    assert named["layers.1.weight.2.5"] is model.layers[1].weight[2][5]
    assert named["layers.1.weight.2.5"].label == "L2.N3.w6"  # names count from 0, labels from 1
    assert [n for n, _ in nn.Neuron(2).named_parameters()] == ["w.0", "w.1", "b"]


def test_zero_grad() -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ---- state dicts, save and load ----


def _data(model: nn.Module) -> List[float]:
    return [p.data for p in model.parameters()]


def test_state_dict_is_plain_json_and_round_trips() -> None:
    a = nn.MLP(2, [3, 2], rng=random.Random(1))
    b = nn.MLP(2, [3, 2], rng=random.Random(2))
    state = a.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert state["layers.0.weight"][2][1] == a.layers[0].weight[2][1].data
    assert json.loads(json.dumps(state)) == state
    assert _data(a) != _data(b)
    b.load_state_dict(json.loads(json.dumps(state)))
    assert _data(a) == _data(b)  # exact: JSON writes floats with repr
    assert a([0.1, 0.2])[1].data == b([0.1, 0.2])[1].data


def _bad_states() -> list:
    good = nn.MLP(2, [3, 1], rng=random.Random(0)).state_dict()

    def change(key, value):  # type: ignore[no-untyped-def]
        s = json.loads(json.dumps(good))
        if value is KeyError:
            del s[key]
        else:
            s[key] = value
        return s

    w = good["layers.0.weight"]
    return [
        (change("layers.1.bias", KeyError), "missing key 'layers.1.bias'"),
        (change("extra", [1.0]), "unexpected key 'extra'"),
        (change("layers.0.weight", w[:2]), "'layers.0.weight' has 2 entries, expected 3"),
        (change("layers.0.weight", [w[0], w[1], [1.0]]), "'layers.0.weight.2' has 1 entries, expected 2"),
        (change("layers.0.weight", [w[0], w[1], 1.0]), "'layers.0.weight.2' must be a list"),
        (change("layers.1.bias", [True]), "'layers.1.bias.0' must be a number"),
        (change("layers.1.bias", ["0.5"]), "'layers.1.bias.0' must be a number"),
        (change("layers.1.bias", [float("nan")]), "'layers.1.bias.0' must be finite"),
        (change("layers.1.bias", [float("inf")]), "'layers.1.bias.0' must be finite"),
        (change("layers.1.bias", [[0.5]]), "'layers.1.bias.0' must be a number"),
    ]


@pytest.mark.parametrize("state, message", _bad_states())
def test_load_state_dict_rejects_and_leaves_model_untouched(state: dict, message: str) -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(9))
    before = _data(model)
    with pytest.raises(ValueError, match="^load_state_dict: ") as info:
        model.load_state_dict(state)
    assert message in str(info.value)
    assert _data(model) == before


def test_load_state_dict_checks_all_before_writing() -> None:
    # the first tensors are fine, the last is bad: nothing may have been written
    model = nn.MLP(2, [3, 1], rng=random.Random(9))
    other = nn.MLP(2, [3, 1], rng=random.Random(10)).state_dict()
    other["layers.1.bias"] = [float("nan")]
    before = _data(model)
    with pytest.raises(ValueError):
        model.load_state_dict(other)
    assert _data(model) == before
    with pytest.raises(TypeError):
        model.load_state_dict([1.0])  # type: ignore[arg-type]


def test_save_and_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = nn.MLP(2, [4, 1], rng=random.Random(1))
    b = nn.MLP(2, [4, 1], rng=random.Random(2))
    path = tmp_path / "model.json"
    a.save(path)
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind
    doc = json.loads(path.read_text())
    assert doc["state_dict"] == a.state_dict() and doc["model"] == "MLP(2 -> 4 relu -> 1)"
    b.load(str(path))
    assert _data(a) == _data(b)
    a.layers[0].bias[0].data = 3.5  # saving again replaces the file
    a.save(path)
    b.load(path)
    assert b.layers[0].bias[0].data == 3.5


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "does not hold an autograd_mini state dict"),
        ('{"format": "something else", "state_dict": {}}', "does not hold"),
        ('{"format": "autograd_mini.state_dict", "version": 99, "state_dict": {}}', "version 99"),
        ('{"format": "autograd_mini.state_dict", "version": 1, "state_dict": {}}', "missing key"),
        ('{"format": "autograd_mini.state_dict", "version": 1, "state_dict": [1]}', "expected an object"),
    ],
)
def test_load_of_a_bad_file_leaves_model_as_it_was(tmp_path, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    model = nn.MLP(2, [4, 1], rng=random.Random(1))
    before = _data(model)
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert _data(model) == before


def test_load_of_a_mismatched_model_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    nn.MLP(2, [5, 1]).save(tmp_path / "wide.json")
    model = nn.MLP(2, [4, 1])
    before = _data(model)
    with pytest.raises(ValueError, match="'layers.0.weight' has 5 entries, expected 4"):
        model.load(tmp_path / "wide.json")
    assert _data(model) == before
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.json")


def test_save_refuses_non_finite_and_keeps_old_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = nn.MLP(2, [2, 1])
    path = tmp_path / "m.json"
    model.save(path)
    old = path.read_text()
    model.layers[1].bias[0].data = float("nan")
    with pytest.raises(ValueError, match="layers.1.bias.0"):
        model.save(path)
    assert path.read_text() == old and os.listdir(tmp_path) == ["m.json"]


# ---- initialisation and randomness ----


def test_rng_makes_runs_reproducible_and_leaves_global_state_alone() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    a = nn.MLP(2, [8, 1], rng=random.Random(5))
    b = nn.MLP(2, [8, 1], rng=random.Random(5))
    c = nn.MLP(2, [8, 1])  # default: a fresh random.Random(0)
    d = nn.MLP(2, [8, 1], rng=random.Random(0))
    assert random.random() == expected  # the global generator was not touched
    assert _data(a) == _data(b) and _data(c) == _data(d) and _data(a) != _data(c)


@pytest.mark.parametrize("activation, std", [("relu", 0.05 * 2**0.5), ("tanh", 0.05), (None, 0.05)])
def test_initial_weights_are_scaled_by_fan_in(activation, std) -> None:  # type: ignore[no-untyped-def]
    layer = nn.Linear(400, 50, activation=activation, rng=random.Random(0))
    ws = [w.data for row in layer.weight for w in row]  # 20,000 draws; He: sqrt(2/400), LeCun: sqrt(1/400)
    assert statistics.pstdev(ws) == pytest.approx(std, rel=0.03)
    assert abs(statistics.fmean(ws)) < 0.1 * std
    assert all(b.data == 0.0 for b in layer.bias)
    assert nn.init_std(400, activation) == pytest.approx(std)


def test_deep_relu_net_keeps_its_signal() -> None:
    # He initialisation: through 10 layers of 64 the activations neither vanish nor explode
    model = nn.MLP(64, [64] * 10 + [1], rng=random.Random(0))
    x = [random.Random(1).gauss(0, 1) for _ in range(64)]
    with no_grad():
        a: list = x
        for layer in model.layers[:-1]:
            a = layer(a)
    rms = math.sqrt(sum(v.data**2 for v in a) / len(a))
    assert 0.2 < rms < 5.0


# ---- gradients of whole models ----


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_mlp_input_gradients_pass_gradcheck(activation: str, fused: bool) -> None:
    model = nn.MLP(3, [4, 3, 2], activation=activation, rng=random.Random(3), fused=fused)
    for b in model.parameters():
        if b.label.endswith(".b"):
            b.data = 0.3  # non-zero biases, so their part of z is exercised too

    def f(x1: Value, x2: Value, x3: Value) -> Value:
        out = model([x1, x2, x3])
        return (out[0] * out[1]).tanh() + out[1] * out[1]

    assert gradcheck(f, [0.4, -0.9, 1.3], eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_mlp_parameter_gradients_match_finite_differences(activation: str, fused: bool) -> None:
    model = nn.MLP(2, [4, 3, 1], activation=activation, rng=random.Random(4), fused=fused)
    X = [[0.5, -1.2], [1.5, 0.3], [-0.7, 0.8]]
    y = [0.2, -0.4, 1.0]

    def loss() -> Value:
        return total([(model(x) - t) ** 2 for x, t in zip(X, y)]) * (1.0 / len(X))

    L = loss()
    L.backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        with no_grad():
            p.data += eps
            up = loss().data
            p.data -= 2 * eps
            down = loss().data
            p.data += eps
        numeric = (up - down) / (2 * eps)
        assert p.grad == pytest.approx(numeric, abs=1e-7, rel=1e-5), name


# ---- bad input ----


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: nn.Linear(0, 2), ValueError, "Linear: nin: expected an int >= 1, got 0"),
        (lambda: nn.Linear(2, -1), ValueError, "Linear: nout: expected an int >= 1, got -1"),
        (lambda: nn.Linear(2.0, 2), TypeError, "Linear: nin: expected an int, got float 2.0"),
        (lambda: nn.Linear(True, 2), TypeError, "Linear: nin: expected an int, got bool True"),
        (lambda: nn.Linear(2, 2, activation="swish"), ValueError, "Linear: activation: expected one of"),
        (lambda: nn.Neuron(2, activation="ReLU"), ValueError, "'ReLU'"),
        (lambda: nn.Linear(2, 2, rng=5), TypeError, "Linear: rng: expected a random.Random"),
        (lambda: nn.MLP(2, []), ValueError, "at least one layer"),
        (lambda: nn.MLP(2, 3), TypeError, "nouts must be a list"),
        (lambda: nn.MLP(2, [3, 0]), ValueError, "each layer size in nouts: expected an int >= 1, got 0"),
        (lambda: nn.MLP(0, [3]), ValueError, "MLP: nin: expected an int >= 1"),
        (lambda: nn.MLP(2, [3], rng=random), TypeError, "rng"),
    ],
)
def test_constructor_errors(make, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_a_batch_gives_what_one_observation_at_a_time_gives() -> None:
    X = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]
    for nouts in ([4, 1], [4, 3], [1, 2]):  # one output, several, and a hidden layer of one neuron
        model = nn.MLP(2, nouts, activation="tanh", rng=random.Random(5))
        batch = model(X)
        assert isinstance(batch, list) and len(batch) == len(X)
        singles = [model(x) for x in X]
        flat = [v.data for out in batch for v in (out if isinstance(out, list) else [out])]
        assert flat == [v.data for out in singles for v in (out if isinstance(out, list) else [out])]
        # the same gradients too: backward through the batch, then through the singles
        total([v for out in batch for v in (out if isinstance(out, list) else [out])]).backward()
        via_batch = [p.grad for p in model.parameters()]
        model.zero_grad()
        total([v for out in singles for v in (out if isinstance(out, list) else [out])]).backward()
        assert [p.grad for p in model.parameters()] == pytest.approx(via_batch, rel=1e-13, abs=1e-15)
    layer, neuron = nn.Linear(2, 3, activation="relu"), nn.Neuron(2, activation="sigmoid")
    assert [[a.data for a in out] for out in layer(X)] == [[a.data for a in layer(x)] for x in X]
    assert [a.data for a in neuron(tuple(map(tuple, X)))] == [neuron(x).data for x in X]
    assert [a.label for a in layer(X)[2]] == ["L1.N1.a", "L1.N2.a", "L1.N3.a"]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_fused_neurons_give_the_same_values_and_gradients(activation: str) -> None:
    X = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5], [0.1, 0.2]]
    results = []
    for fused in (False, True):
        model = nn.MLP(2, [5, 4, 1], activation=activation, rng=random.Random(3), fused=fused)
        scores = model(X)
        total([s * s for s in scores]).backward()
        results.append(([s.data for s in scores], [p.grad for p in model.parameters()]))
        hidden = model.layers[0]([0.5, -1.0])
        assert [a.label for a in hidden] == [f"L1.N{j}.a" for j in range(1, 6)]
        assert {a.op for a in hidden} == ({f"{activation}(w·x+b)"} if fused else {activation})
        assert model.layers[-1]([0.0] * 4)[0].label == "L3.N1.z"  # the linear last layer
    (plain_scores, plain_grads), (fused_scores, fused_grads) = results
    assert fused_scores == pytest.approx(plain_scores, rel=1e-14, abs=1e-15)
    assert fused_grads == pytest.approx(plain_grads, rel=1e-12, abs=1e-14)
    assert any(g != 0.0 for g in fused_grads)


def test_fused_is_a_flag() -> None:
    assert repr(nn.MLP(2, [3, 1], fused=True)) == "MLP(2 -> 3 relu -> 1, fused)"
    assert "fused=True" in repr(nn.Linear(2, 3, activation="tanh", fused=True))
    with pytest.raises(TypeError, match="MLP: fused: expected True or False, got str 'yes'"):
        nn.MLP(2, [3, 1], fused="yes")  # type: ignore[arg-type]


def test_batch_errors() -> None:
    with pytest.raises(ValueError, match="Linear: expected 2 inputs, got 3 in observation 1 of a batch"):
        nn.Linear(2, 3)([[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="MLP: expected 2 inputs, got 1 in observation 2 of a batch"):
        nn.MLP(2, [3, 1])([[1.0, 2.0], [1.0, 2.0], [1.0]])
    with pytest.raises(TypeError, match="Neuron: observation 1 of a batch is float 5.0, not a sequence"):
        nn.Neuron(2)([[1.0, 2.0], 5.0])


def test_call_errors() -> None:
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="Linear: expected 3 inputs, got 2"):
        layer([1.0, 2.0])
    with pytest.raises(ValueError, match="MLP: expected 2 inputs, got 3"):
        nn.MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Neuron: expected 2 inputs, got 1"):
        nn.Neuron(2)([1.0])
    with pytest.raises(TypeError):
        layer(["a", "b", "c"])
    with pytest.raises(TypeError):
        layer(1.0)  # type: ignore[arg-type]
