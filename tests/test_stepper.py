"""The stepper page's data, picture and safety, checked in Python (tests/test_browser.py runs it)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Dict, List, Tuple

import needs  # noqa: F401  (its fixture, dot_program, is in conftest)
import pytest
from needs import needs_dot

from autograd_mini import Value, explain, losses, nn, topological_order, total
from autograd_mini.pages import script_json
from autograd_mini.stepper import stepper_html, write_stepper
from autograd_mini.stepper.data import page_data, shown_gradients, widest
from autograd_mini.stepper.formulas import expression
from autograd_mini.viz import GraphvizMissing

HAS_DOT = shutil.which("dot") is not None

HOSTILE = [
    '</script><script>window.__pwned = 1</script>',
    '"><img src=x onerror="window.__pwned = 2">',
    "back\\slash \\u0041 '\"quotes\"' & &amp; {{js}}",
    "ünï©ødé 🧠 ×÷ ‮rtl",
]


# ---- graphs ----


def reused() -> Tuple[Value, Value]:
    x = Value(3.0, label="x")
    return x * x + x, x


def neuron() -> Tuple[Value, List[Value]]:
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    return (w * x + b).tanh(), [x, w, b]


def layer_on_batch(activation: Any = "tanh", fused: bool = False) -> Tuple[Value, nn.Linear, list]:
    layer = nn.Linear(3, 2, activation=activation, rng=random.Random(0), fused=fused)
    X = [[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]]
    out = layer(X)
    loss = losses.mse_loss([o[j] for o in out for j in range(2)], [1.0, -1.0, 0.5, 0.2])
    return loss, layer, X


def layer_on_values(n_obs: int = 3) -> Tuple[Value, nn.Linear, List[List[Value]]]:
    """As demos/backprop_by_hand.py: one call per observation, the inputs Values, a mean cost."""
    layer = nn.Linear(3, 2, activation="sigmoid", rng=random.Random(1))
    columns = [[Value(0.1 * (i + 1) - 0.3 * k, label=f"a{i + 1}({k + 1})") for i in range(3)]
               for k in range(n_obs)]
    terms = [0.5 * (out - 0.25) ** 2 for inputs in columns for out in layer(inputs)]
    return total(terms) * (1.0 / n_obs), layer, columns


# ---- reading a page ----


class Page(HTMLParser):
    """The elements of a page that matter here: script bodies, attributes of every element."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: List[Tuple[Dict[str, str], str]] = []
        self.elements: List[Tuple[str, Dict[str, str]]] = []
        self._script: Any = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Any]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "script":
            self._script = (a, [])

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def data(self) -> Dict[str, Any]:
        (body,) = [s for a, s in self.scripts if a.get("type") == "application/json"]
        return json.loads(body)

    def with_attr(self, name: str) -> List[Dict[str, str]]:
        return [a for _, a in self.elements if name in a]


# ---- the steps: explain's, in the engine's order ----


def test_forward_steps_follow_the_topological_order_and_backward_steps_are_explains() -> None:
    y, x = reused()
    expl, order = explain(y), topological_order(y)
    data = page_data(y, expl, order, "t")
    assert [n["name"] for n in data["nodes"]] == [expl.name(v) for v in order] == ["x", "v1", "v2"]
    assert [f["node"] for f in data["forward"]] == [1, 2]  # the interior nodes, inputs first
    assert [f["text"] for f in data["forward"]] == ["x * x", "v1 + x"]
    assert [s["node"] for s in data["backward"]] == [order.index(s.node) for s in expl] == [2, 1]
    assert data["backward"][1] == {"node": 1, "op": "*", "up": 1.0, "parents": [0, 0], "local": [3.0, 3.0],
                                   "contrib": [3.0, 3.0]}
    assert data["seed"] == 1.0 and data["output"] == "v2" and data["root"] == 2
    assert data["largest"] == 7.0  # dy/dx = 2x + 1


def test_a_node_used_three_times_shows_each_running_sum() -> None:
    y, x = reused()  # x gets 1 from the +, then 3 and 3 from x * x
    shown = shown_gradients(explain(y), topological_order(y))
    assert shown[x] == [0.0, 1.0, 4.0, 7.0]
    assert shown[y] == [0.0, 1.0]
    assert widest([0.0, 1.0, -0.000123456, 7.0]) == -0.000123456


def test_the_seed_and_the_page_numbers_follow_the_gradient_given() -> None:
    y, x = reused()
    data = page_data(y, explain(y, 2.5), topological_order(y), "t")
    assert data["seed"] == 2.5
    assert data["backward"][0]["contrib"] == [2.5, 2.5]


def test_numbers_json_cannot_hold_travel_as_strings() -> None:
    x = Value(float("inf"), label="x")
    y = x * 0.0 + Value(float("nan"), label="n")
    data = page_data(y, explain(y), topological_order(y), "t")
    assert {n["name"]: n["data"] for n in data["nodes"]}["x"] == "Infinity"
    json.dumps(data, allow_nan=False)  # raises if a NaN slipped through


@pytest.mark.parametrize(
    "op, parents, text",
    [
        ("+", ["a", "b"], "a + b"),
        ("**", ["a", "b"], "a ** b"),
        ("* 0.5", ["a"], "a * 0.5"),
        ("- 1", ["a"], "a - 1"),
        ("2 **", ["a"], "2 ** a"),
        ("3 /", ["a"], "3 / a"),
        ("neg", ["a"], "-a"),
        ("tanh", ["a"], "tanh(a)"),
        ("sum", ["a", "b", "c", "d", "e", "f"], "a + b + c + … + f"),
        ("w·x+b", ["w1", "w2", "x1", "x2", "b"], "w1·x1 + w2·x2 + b"),
        ("relu(w·x+b)  x=(1, 2)", ["w1", "w2", "b"], "relu(w1·x1 + w2·x2 + b)"),
    ],
)
def test_forward_step_text(op: str, parents: List[str], text: str) -> None:
    assert expression(op, parents) == text


def test_forward_texts_name_the_real_operations() -> None:
    a = Value(2.0, label="a")
    nodes = [a - 1, 3 / a, 2**a, -a, a.exp()]
    y = total(nodes)
    data = page_data(y, explain(y), topological_order(y), "t")
    texts = [f["text"] for f in data["forward"]]
    for t in ["a - 1", "3 / a", "2 ** a", "-a", "exp(a)"]:
        assert t in texts


# ---- the page ----


def sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def parse(text: str) -> Page:
    return Page(text)


@needs_dot
def test_every_value_box_carries_its_explain_name_and_every_edge_its_ends() -> None:
    y, x = reused()
    page = parse(stepper_html(y))
    expl, order = explain(y), topological_order(y)
    boxes = page.with_attr("data-node")
    assert sorted(a["data-node"] for a in boxes) == sorted(expl.name(v) for v in order)
    positions = {a["data-node"]: int(a["data-index"]) for a in boxes}
    assert positions == {expl.name(v): i for i, v in enumerate(order)}
    assert sorted(a["data-op"] for a in page.with_attr("data-op")) == ["1", "2"]
    edges = {a["data-edge"] for a in page.with_attr("data-edge")}
    assert edges == {"0>1", "1", "0>2", "1>2", "2"}  # (x * x: one arrow marked ×2, or two arrows)
    kinds = [a.get("class") for _, a in page.elements if a.get("class", "").startswith("st-")]
    assert kinds.count("st-grad") == kinds.count("st-data") == kinds.count("st-grad-cell") == 3


@needs_dot
def test_every_operation_has_a_marked_arrow_from_each_input_even_a_much_used_one() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(5):  # x is used at five depths of the chain
        y = y * x + x
    order = topological_order(y)
    page = parse(stepper_html(y))
    edges = {a["data-edge"] for a in page.with_attr("data-edge")}
    index = {v: i for i, v in enumerate(order)}
    expected = {f"{index[p]}>{i}" for i, v in enumerate(order) for p in v.parents}
    expected |= {str(i) for i, v in enumerate(order) if not v.is_leaf()}
    assert edges == expected


@needs_dot
def test_boxes_are_laid_out_for_the_widest_gradient_they_show_and_grads_are_left_alone() -> None:
    a = Value(1.0, label="a")
    b = Value(2.0, label="b")
    y = a * b - a * 0.999 - b * 0.001  # a: 0 -> -0.999 -> 1.001 (final), b: 0 -> -0.001 -> 0.999
    a.grad, b.grad = 5.0, 6.0
    page = stepper_html(y)
    assert (a.grad, b.grad, y.grad) == (5.0, 6.0, 0.0)
    texts = re.findall(r'class="st-grad"[^>]*>([^<]*)<', page)
    assert "grad -0.999" in texts and "grad -0.001" in texts  # the drawing used the longest texts


@needs_dot
def test_the_page_is_self_contained_and_its_script_is_the_one_the_policy_allows() -> None:
    y, _ = neuron()
    text = stepper_html(y)
    page = parse(text)
    assert "{{" not in text.replace("{{js}}", "")
    assert not [a for _, a in page.elements if "src" in a or "href" in a]
    assert not [tag for tag, _ in page.elements if tag in ("link", "img", "iframe", "object", "embed")]
    (csp,) = [a["content"] for _, a in page.elements if a.get("http-equiv") == "Content-Security-Policy"]
    scripts = [s for a, s in page.scripts if not a.get("type")]
    assert len(scripts) == 1
    assert f"script-src 'sha256-{sha256(scripts[0])}'" in csp and csp.startswith("default-src 'none';")
    (style,) = re.findall(r"<style>(.*?)</style>", text, re.S)  # (a "</style" or "</script" inside
    # would end its element early: the digests would not match)
    assert f"style-src 'sha256-{sha256(style)}'" in csp
    for word in ("fetch(", "XMLHttpRequest", "import(", "@import", "url(", "http://", "https://"):
        assert word not in scripts[0] + style


@needs_dot
def test_hostile_labels_reach_the_page_only_as_data() -> None:
    xs = [Value(float(i + 1), label=label) for i, label in enumerate(HOSTILE)]
    y = total([x * x for x in xs])
    y.label = "<b>loss</b>"
    text = stepper_html(y)
    page = parse(text)
    assert len(page.scripts) == 2  # the data and the page's script, nothing a label opened
    assert "__pwned" not in "".join(s for a, s in page.scripts if not a.get("type"))
    assert not [a for _, a in page.elements if any(k.startswith("on") for k in a)]
    names = [n["name"] for n in page.data()["nodes"]]
    for label in HOSTILE:
        assert label in names
        assert label in [a["data-node"] for a in page.with_attr("data-node")]
    assert page.data()["title"] == "Back-propagation through <b>loss</b> = 30"
    title = re.findall(r"<title>(.*?)</title>", text)[0]  # the page's (the SVG has titles too)
    assert title == "Back-propagation through &lt;b&gt;loss&lt;/b&gt; = 30"


@needs_dot
def test_control_characters_and_lone_surrogates_are_shown_as_escapes_not_broken_bytes(tmp_path: Path) -> None:
    x = Value(2.0, label="bell\x07 and \ud800")
    path = write_stepper(x * x, tmp_path / "odd.html")
    text = path.read_text(encoding="utf-8")
    assert "bell\\x07 and \\ud800" in text  # in the picture and its data-node, as the SVG pictures show it
    assert parse(text).data()["nodes"][0]["name"] == "bell\x07 and \ud800"


def test_script_json_cannot_close_its_script_element() -> None:
    text = script_json({"a": "</script><!-- & >"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & >"}


# ---- the matrix panel ----


def panel_of(root: Value, **options: Any) -> Dict[str, Any]:
    from autograd_mini.stepper.matrices import layer_panels

    expl, order = explain(root), topological_order(root)
    (panel,) = layer_panels(root, expl, order, options.get("wanted"))
    return panel


def cells(panel: Dict[str, Any], key: str) -> List[List[Any]]:
    (m,) = [m for m in panel["forward"] + panel["backward"] if m["key"] == key]
    return m["cells"]


def test_a_layer_on_a_batch_is_the_matrices_of_the_formulas() -> None:
    loss, layer, X = layer_on_batch()
    order = topological_order(loss)
    idx = {v: i for i, v in enumerate(order)}
    p = panel_of(loss)
    assert (p["name"], p["n"], p["m"], p["N"], p["activation"], p["fused"]) == ("L1", 2, 3, 2, "tanh", False)
    assert cells(p, "W") == [[["d", idx[w]] for w in row] for row in layer.weight]
    assert cells(p, "dW") == [[["g", idx[w]] for w in row] for row in layer.weight]
    assert cells(p, "B") == [[["d", idx[b]]] for b in layer.bias]
    # the inputs were numbers: column k of A_prev is observation k
    assert cells(p, "A_prev") == [[["c", X[k][i]] for k in range(2)] for i in range(3)]
    z = cells(p, "Z")
    for j in range(2):
        for k in range(2):
            node = order[z[j][k][1]]
            assert node.label == f"L1.N{j + 1}.z" and node.data == pytest.approx(
                sum(w.data * x for w, x in zip(layer.weight[j], X[k])) + layer.bias[j].data)
            a = order[cells(p, "A")[j][k][1]]
            assert a.parents == (node,) and cells(p, "dA")[j][k] == ["g", idx[a]]
            assert cells(p, "gZ")[j][k] == ["l", idx[a], pytest.approx(1 - a.data**2)]
    assert "dA_prev" not in [m["key"] for m in p["backward"]]  # numbers have no gradient
    assert "B added to each column" in p["formulas"][0] and "1/N" in p["note"]
    assert [c[0] for c in p["check"]] == ["dZ = dA ⊙ tanh'(Z)", "dW = dZ·A_prevᵀ", "dB = Σ dZ"]
    assert max(c[1] for c in p["check"]) < 1e-15


def test_value_inputs_give_dA_prev_and_the_check_holds_to_rounding() -> None:
    loss, layer, columns = layer_on_values()
    p = panel_of(loss)
    order = topological_order(loss)
    assert p["N"] == 3 and p["activation"] == "sigmoid"
    assert cells(p, "A_prev") == [[["d", order.index(columns[k][i])] for k in range(3)] for i in range(3)]
    assert cells(p, "dA_prev") == [[["g", order.index(columns[k][i])] for k in range(3)] for i in range(3)]
    assert [c[0] for c in p["check"]][-1] == "dA_prev = Wᵀ·dZ"
    assert max(c[1] for c in p["check"]) < 1e-15


def test_the_check_shows_a_weight_used_elsewhere() -> None:
    loss, layer, _ = layer_on_batch()
    alpha = 0.01
    loss = loss + losses.l2_regularization(layer.parameters(), alpha)
    p = panel_of(loss)
    check = dict((name, diff) for name, diff in p["check"])
    largest_w = max(abs(w.data) for row in layer.weight for w in row)
    assert check["dW = dZ·A_prevᵀ"] == pytest.approx(2 * alpha * largest_w, rel=1e-9)  # d(α·w²)/dw
    assert check["dB = Σ dZ"] == pytest.approx(0.0, abs=1e-15)  # biases are 0: their penalty adds 0


def test_a_fused_layer_has_no_z_matrices_but_its_gradients() -> None:
    loss, layer, _ = layer_on_batch(fused=True)
    p = panel_of(loss)
    keys = [m["key"] for m in p["forward"] + p["backward"]]
    assert p["fused"] and p["activation"] == "tanh"
    assert "Z" not in keys and "dZ" not in keys and {"A", "dA", "dW", "dB"} <= set(keys)
    assert p["check"] == []


def test_a_linear_layer_without_activation_shows_dZ_only() -> None:
    loss, layer, _ = layer_on_batch(activation=None)
    keys = [m["key"] for m in panel_of(loss)["backward"]]
    assert keys == ["dZ", "dW", "dB"]


def test_one_neuron_on_one_sample_is_a_one_column_layer() -> None:
    neuron = nn.Neuron(2, activation="relu", rng=random.Random(3))
    a = neuron([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    p = panel_of(a)
    assert (p["n"], p["m"], p["N"]) == (1, 2, 1)
    assert "dB = dZ" in p["formulas"] and "One observation" in p["note"]


def test_labels_set_by_hand_that_do_not_form_a_layer_are_skipped_with_a_reason() -> None:
    w = Value(1.0, label="L1.N1.w1")
    fake = (w * 2.0)
    fake.label = "L1.N1.z"  # not a w·x+b node: no layer
    two = nn.Linear(1, 1, rng=random.Random(0))
    three = nn.Linear(1, 1, rng=random.Random(1))  # a second standalone layer is L1 as well
    y = total([fake, *two(three([0.5]))])
    from autograd_mini.stepper.matrices import layer_panels

    panels = layer_panels(y, explain(y), topological_order(y), None)
    assert [p["name"] for p in panels] == ["L1"] and "do not form one layer" in panels[0]["skipped"]


@needs_dot
def test_layers_option_picks_panels() -> None:
    loss, layer, _ = layer_on_batch()
    assert Page(stepper_html(loss, layers=[])).data()["layers"] == []
    assert [p["name"] for p in Page(stepper_html(loss, layers=[layer])).data()["layers"]] == ["L1"]
    with pytest.raises(ValueError, match=r"stepper: layers \[2\] are not in the graph \(its layers: L1\)"):
        stepper_html(loss, layers=[2])
    with pytest.raises(TypeError, match="stepper_html: a layer must be"):
        stepper_html(loss, layers=["L1"])
    with pytest.raises(TypeError, match="stepper_html: layers must be None or a list"):
        stepper_html(loss, layers="L1")


# ---- errors and files ----


def test_bad_arguments_name_the_function_and_the_value() -> None:
    y, _ = reused()
    with pytest.raises(TypeError, match="stepper_html: root must be a Value, got float 3.0"):
        stepper_html(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stepper_html: title must be a str or None, got int 5"):
        stepper_html(y, title=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stepper_html: rankdir must be one of LR, RL, TB, BT, got 'XY'"):
        stepper_html(y, rankdir="XY")
    with pytest.raises(TypeError, match="write_stepper: path must be a str or os.PathLike, got int 3"):
        write_stepper(y, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stepper_html: gradient: expected a finite real number, got nan"):
        stepper_html(y, gradient=float("nan"))
    with pytest.raises(TypeError, match="stepper_html: gradient: expected a finite real number, got str '1'"):
        stepper_html(y, gradient="1")  # type: ignore[arg-type]


@needs_dot
def test_a_graph_over_the_limit_says_so_and_leaves_the_file_and_grads_as_they_were(tmp_path: Path) -> None:
    y, x = reused()
    x.grad = 42.0
    target = tmp_path / "page.html"
    target.write_text("old")
    with pytest.raises(ValueError, match="max_nodes"):
        write_stepper(y, target, max_nodes=2)
    assert target.read_text() == "old" and x.grad == 42.0
    assert os.listdir(tmp_path) == ["page.html"]
    assert write_stepper(y, target, max_nodes=5, title="mine") == target
    assert Page(target.read_text()).data()["title"] == "mine"


@needs_dot
def test_without_the_dot_program_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    y, x = reused()
    x.grad = 1.5
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        stepper_html(y)
    assert x.grad == 1.5
