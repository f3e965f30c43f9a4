"""A saved model loads only into the architecture it was saved from: the activations, the layer
sizes and fused or not, as the file records them (its "model" line); a mismatch is one ValueError
naming both, and the model is left as it was."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import List

import pytest

from autograd_mini import nn


def values(model: nn.Module) -> List[float]:
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    "saved, model",
    [
        (nn.MLP(2, [4, 1], activation="tanh"), nn.MLP(2, [4, 1], activation="relu")),  # same shapes
        (nn.MLP(2, [4, 1], fused=True), nn.MLP(2, [4, 1])),
        (nn.Linear(3, 2, activation="sigmoid"), nn.Linear(3, 2)),
        (nn.Neuron(3, activation="relu"), nn.Neuron(3, activation="tanh")),
    ],
    ids=["tanh-into-relu", "fused-into-plain", "sigmoid-into-linear", "neuron"],
)
def test_a_file_of_another_architecture_is_refused_and_changes_nothing(
    tmp_path: Path, saved: nn.Module, model: nn.Module
) -> None:
    for p in saved.parameters():
        p.data += 1.0  # different numbers, so a load would show
    path = tmp_path / "model.json"
    saved.save(path)
    before = values(model)
    with pytest.raises(ValueError) as e:
        model.load(path)
    message = str(e.value)
    assert "\n" not in message and repr(saved) in message and repr(model) in message, message
    assert values(model) == before


def test_load_state_dict_compares_the_architecture_it_is_given() -> None:
    tanh = nn.MLP(2, [4, 1], activation="tanh", rng=random.Random(1))
    relu = nn.MLP(2, [4, 1], activation="relu", rng=random.Random(2))
    before = values(relu)
    with pytest.raises(ValueError, match=r"MLP\(2 -> 4 tanh -> 1\).*MLP\(2 -> 4 relu -> 1\)"):
        relu.load_state_dict(tanh.state_dict(), architecture=tanh.architecture())
    assert values(relu) == before
    relu.load_state_dict(tanh.state_dict())  # no architecture given: the shapes alone are checked
    assert values(relu) == values(tanh)


def test_the_same_architecture_loads(tmp_path: Path) -> None:
    a = nn.MLP(2, [4, 3, 1], activation="tanh", rng=random.Random(1), fused=True)
    b = nn.MLP(2, [4, 3, 1], activation="tanh", rng=random.Random(2), fused=True)
    a.save(tmp_path / "m.json")
    b.load(tmp_path / "m.json")
    assert values(b) == values(a)


def test_a_file_that_records_no_architecture_loads_by_its_shapes(tmp_path: Path) -> None:
    """A file written by hand, or by a program of its own, with no "model": nothing to compare."""
    a = nn.MLP(2, [4, 1], activation="tanh", rng=random.Random(1))
    b = nn.MLP(2, [4, 1], activation="relu", rng=random.Random(2))
    doc = {"format": "autograd_mini.state_dict", "version": 1, "state_dict": a.state_dict()}
    (tmp_path / "m.json").write_text(json.dumps(doc))
    b.load(tmp_path / "m.json")
    assert values(b) == values(a)


def test_a_model_line_that_is_not_text_is_a_bad_file(tmp_path: Path) -> None:
    a = nn.MLP(2, [4, 1])
    doc = {"format": "autograd_mini.state_dict", "version": 1, "model": 7, "state_dict": a.state_dict()}
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="'model' is 7"):
        a.load(tmp_path / "m.json")


class Scaled(nn.Module):
    """A module of a user's own, with no __repr__ of its own: its repr holds an address, so there is
    no architecture to record or compare."""

    def __init__(self, gain: float) -> None:
        self.inner = nn.Linear(2, 1)
        self.inner.bias[0].data = gain

    def _tensors(self):  # type: ignore[no-untyped-def]
        return [("weight", self.inner.weight), ("bias", self.inner.bias)]


def test_a_module_without_a_repr_of_its_own_saves_and_loads(tmp_path: Path) -> None:
    Scaled(3.0).save(tmp_path / "s.json")
    other = Scaled(0.0)
    other.load(tmp_path / "s.json")
    assert other.inner.bias[0].data == 3.0
    assert other.architecture() is None
