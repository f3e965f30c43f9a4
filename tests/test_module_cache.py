"""`parameters()`, `named_parameters()` and `zero_grad()` walk the layers once and keep the list:
a layer, a tensor or a single Value replaced afterwards is seen at the next call."""

from __future__ import annotations

import random

from autograd_mini import Value, nn


def model() -> nn.MLP:
    return nn.MLP(2, [3, 2], rng=random.Random(0))


def walked(m: nn.Module) -> list:
    """The parameters as a fresh walk finds them (what the kept list must equal)."""
    from autograd_mini.nn.module import _flatten

    out: list = []
    for name, tensor in m._tensors():
        out += [v for _, v in _flatten(name, tensor) if v not in out]
    return out


def test_the_kept_list_is_the_walk() -> None:
    m = model()
    assert m.parameters() == walked(m) and len(m.parameters()) == 2 * 3 + 3 + 3 * 2 + 2
    assert [v for _, v in m.named_parameters()] == walked(m)
    m.parameters().clear()  # a copy: the kept list is the model's own
    assert len(m.parameters()) == 17


def test_a_value_replaced_inside_a_row_is_seen() -> None:
    m = model()
    old = m.layers[0].weight[1][0]
    m.parameters()
    m.layers[0].weight[1][0] = new = Value(5.0)
    assert new in m.parameters() and old not in m.parameters()
    assert m.parameters() == walked(m)
    new.grad = 3.0
    m.zero_grad()
    assert new.grad == 0.0


def test_a_layer_or_a_bias_replaced_is_seen() -> None:
    m = model()
    m.zero_grad()
    m.layers[1] = nn.Linear(3, 2, rng=random.Random(1))
    assert m.parameters() == walked(m) and m.layers[1].bias[0] in m.parameters()
    m.layers[0].neurons[2].b = b = Value(0.5)  # the neuron's attribute: not the layer's bias list
    m.layers[0].bias[2] = b
    assert b in m.parameters()
    names = dict((v, k) for k, v in m.named_parameters())
    assert names[b] == "layers.0.bias.2"


def test_a_shared_value_is_listed_once() -> None:
    m = model()
    m.layers[1].weight[0][0] = m.layers[0].bias[0]
    ps = m.parameters()
    assert ps.count(m.layers[0].bias[0]) == 1 and ps == walked(m)
