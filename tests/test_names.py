"""One name per node: explain's table, the picture's boxes and the stepper page call a node alike,
and a batch's nodes carry their observation and are drawn in observation order."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

import pytest
from needs import needs_dot

from autograd_mini import Value, explain, losses, nn, topological_order, total
from autograd_mini.dot_program import run_dot
from autograd_mini.graph_source import dot_source
from autograd_mini.names import node_names, observation
from autograd_mini.stepper.data import page_data
from autograd_mini.stepper.matrices import layer_panels

SVG = "{http://www.w3.org/2000/svg}"


def layer_on_batch() -> Value:
    """A layer of 2 neurons called on a batch of 4 observations, and its mean squared error."""
    layer = nn.Linear(3, 2, activation="tanh", rng=random.Random(0))
    X = [[1.0, -2.0, 0.5], [0.3, 0.1, -1.0], [-0.7, 0.4, 0.2], [0.9, 0.9, -0.3]]
    out = layer(X)
    return losses.mse_loss([o[j] for o in out for j in range(2)], [1.0, -1.0, 0.5, 0.2, 0.0, 0.3, -0.5, 0.1])


def by_hand() -> Value:
    """As demos/backprop_by_hand.py builds it: one call per observation, inputs as Values."""
    layer = nn.Linear(3, 2, activation="sigmoid", rng=random.Random(2))
    columns = [[Value(0.2 * i - 0.5 * k, label=f"a{i + 1}({k + 1})") for i in range(3)] for k in range(4)]
    return total([0.5 * (out - 0.3) ** 2 for inputs in columns for out in layer(inputs)]) * 0.25


def small() -> Value:
    x, w = Value(0.5, label="x"), Value(-3.0, label="w")
    return (w * x + 2.0).tanh()


GRAPHS = {"small": small, "layer_on_batch": layer_on_batch, "by_hand": by_hand}


def boxes(root: Value) -> Dict[str, Tuple[str, float, float]]:
    """Each Value's box in the drawn SVG: its node id (v3) -> (the bold name in it, x, y)."""
    root.backward()
    svg = run_dot(dot_source(root, max_nodes=2000), "svg").decode("utf-8")
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if g.get("class") != "node" or title is None or not re.fullmatch(r"v\d+", title.text or ""):
            continue
        first = next(t for t in g.iter(f"{SVG}text"))
        assert first.get("font-weight") == "bold"  # the name cell comes first, in bold
        out[title.text or ""] = (first.text or "", float(first.get("x", "0")), float(first.get("y", "0")))
    return out


def test_names_are_labels_numbered_by_observation_or_positions() -> None:
    order = topological_order(layer_on_batch())
    names = node_names(order)
    assert len(set(names)) == len(names)
    for v, name in zip(order, names):
        if not v.label:
            assert name == f"v{order.index(v)}"
        elif sum(u.label == v.label for u in order) == 1:
            assert name == v.label
        else:
            assert re.fullmatch(re.escape(v.label) + r"\[[1-4]\]", name)
    zs = [name for name in names if name.startswith("L1.N1.z")]
    assert zs == ["L1.N1.z[1]", "L1.N1.z[2]", "L1.N1.z[3]", "L1.N1.z[4]"]


def test_a_made_up_name_never_takes_a_real_label() -> None:
    a, b = Value(1.0, label="x"), Value(2.0, label="x")
    c = Value(3.0, label="x[1]")
    order = topological_order(a + b + c)
    assert node_names(order) == ["x[v0]", "x[2]", "v2", "x[1]", "v4"]
    assert observation("x[2]") == 2 and observation("x[v0]") == 0 and observation("x") == 0


@needs_dot
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_every_nodes_explain_name_is_written_in_its_svg_box(name: str) -> None:
    root = GRAPHS[name]()
    expl, order = explain(root), topological_order(root)
    drawn = boxes(root)
    written = {key: text for key, (text, _, _) in drawn.items()}
    assert written == {f"v{i}": expl.name(v) for i, v in enumerate(order)}


@needs_dot
@pytest.mark.parametrize("name", ["layer_on_batch", "by_hand"])
def test_a_batchs_boxes_are_drawn_in_observation_order(name: str) -> None:
    root = GRAPHS[name]()
    drawn = boxes(root)
    runs: Dict[str, List[Tuple[int, float]]] = {}
    for text, _, y in drawn.values():
        k = observation(text)
        if k:
            runs.setdefault(text[: text.rindex("[")], []).append((k, y))
    assert set(runs) == {f"L1.N{j}.{p}" for j in (1, 2) for p in ("z", "a")}
    for run in runs.values():  # left to right, top to bottom: observation 1 above 2 above 3...
        assert [k for k, _ in sorted(run, key=lambda r: r[1])] == [1, 2, 3, 4]
    rows = sorted((y, text) for text, _, y in drawn.values() if text.startswith("L1.N") and ".z[" in text)
    assert [observation(text) for _, text in rows] == [1, 1, 2, 2, 3, 3, 4, 4]  # the neurons, per observation


@pytest.mark.parametrize("name", ["layer_on_batch", "by_hand"])
def test_the_matrix_columns_are_the_observations_the_names_carry(name: str) -> None:
    root = GRAPHS[name]()
    expl, order = explain(root), topological_order(root)
    names = [n["name"] for n in page_data(root, expl, order, "t")["nodes"]]
    assert names == node_names(order)
    (panel,) = layer_panels(root, expl, order, None)
    forward = {m["key"]: m["cells"] for m in panel["forward"]}
    for row in forward["Z"]:
        assert [observation(names[cell[1]]) for cell in row] == [1, 2, 3, 4]


@needs_dot
def test_the_svg_explains_its_gradient_colours_and_the_page_svg_does_not() -> None:
    root = small()
    root.backward()
    svg = run_dot(dot_source(root), "svg").decode("utf-8")
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "grad > 0" in texts and "grad < 0" in texts and "strongest colour: |grad| = 2.359" in texts
    fills = {p.get("fill") for p in ET.fromstring(svg).iter(f"{SVG}polygon")}
    assert {"#ff6969", "#6969ff"} <= fills  # the legend's swatches, the scale's two ends
    plain = run_dot(dot_source(root, color_grad=False), "svg").decode("utf-8")
    assert "grad &gt; 0" not in plain and "grad > 0" not in plain


def test_a_label_like_a_positions_name_keeps_its_name_and_the_position_gives_way() -> None:
    """Leaves labelled v2 and v4 beside the unlabelled nodes 2 and 4: explain named two nodes v2
    (and the stepper lost a gradient); the labels stay as written, the positions read #2 and #4."""
    a, b, c = Value(2.0, label="v2"), Value(3.0, label="v4"), Value(4.0, label="v5")
    y = a * b + c
    y.backward()
    order = topological_order(y)
    names = node_names(order)
    assert names == ["v2", "v4", "#2", "v5", "#4"] and len(set(names)) == len(names)
    steps = explain(y)
    assert [s.name for s in steps] == ["#4", "#2"] and steps.grad(a) == 3.0
