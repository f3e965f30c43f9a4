"""A Module in a notebook: its layers, tensor shapes and parameter count as HTML, its graph on demand."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest
from needs import needs_dot

from autograd_mini import Value, nn


def cells(page: str) -> list:
    """The text of each row of the HTML table (it is XHTML too, so the XML parser reads it)."""
    top = ET.fromstring(page)
    return [["".join(td.itertext()) for td in tr] for tr in top.iter("tr")]


def test_an_mlp_shows_each_layer_its_shapes_and_the_parameter_count() -> None:
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=random.Random(0), fused=True)
    page = model._repr_html_()
    rows = cells(page)
    assert rows[0] == ["layer", "kind", "tensors (shape)", "activation", "parameters"]
    assert rows[1:4] == [
        ["L1", "Linear", "weight 16×2, bias 16", "relu (fused)", "48"],
        ["L2", "Linear", "weight 16×16, bias 16", "relu (fused)", "272"],
        ["L3", "Linear", "weight 1×16, bias 1", "none (fused)", "17"],
    ]
    assert rows[4] == ["total", str(len(model.parameters()))] == ["total", "337"]
    assert "MLP(2 -&gt; 16 relu -&gt; 16 relu -&gt; 1, fused): 337 parameters" in page


@pytest.mark.parametrize("module, shapes", [
    (nn.Linear(3, 2, activation="tanh", rng=random.Random(1)), "weight 2×3, bias 2"),
    (nn.Neuron(4, rng=random.Random(1)), "w 4, b"),
])
def test_a_layer_or_a_neuron_is_its_own_one_row(module: nn.Module, shapes: str) -> None:
    rows = cells(module._repr_html_())
    assert len(rows) == 3 and rows[1][2] == shapes and rows[1][4] == str(len(module.parameters()))


def test_the_graph_on_demand_is_the_output_or_the_sum_of_the_outputs() -> None:
    layer = nn.Linear(2, 3, rng=random.Random(0))
    x = [0.5, -1.0]
    outputs = layer(x)
    shown = layer.graph(x).root
    assert shown.label == "sum of the 3 outputs"
    assert shown.data == pytest.approx(sum(o.data for o in outputs))
    neuron = nn.Neuron(2, activation="relu", rng=random.Random(0))
    root = neuron.graph([Value(1.0, label="x1"), 2.0]).root
    assert root.label == "L1.N1.a" and root.data == neuron([1.0, 2.0]).data


@needs_dot
def test_a_notebook_draws_the_graph_as_svg() -> None:
    bundle = nn.Linear(2, 2, rng=random.Random(0)).graph([1.0, 2.0])._repr_mimebundle_()
    svg = ET.fromstring(bundle["image/svg+xml"])
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"L1.N1.w1", "L1.N2.b", "sum of the 2 outputs"} <= texts
