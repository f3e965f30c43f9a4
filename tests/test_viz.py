"""Pictures: real SVG from the real `dot`, parsed as XML; DOT source, clusters, errors."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Union

import needs
import pytest
from needs import needs_dot

from autograd_mini import Value, dot, linear, topological_order, total
from autograd_mini.viz import (
    GraphTooLarge,
    GraphvizMissing,
    GraphvizPackageMissing,
    dot_source,
    draw_dot,
    jupyter_bundle,
    op_text,
    render,
)

SVG = "{http://www.w3.org/2000/svg}"
ON_CI = os.environ.get("CI") == "true"


@pytest.fixture
def graphviz_package() -> None:
    """The graphviz Python package, which draw_dot returns an object of (see needs.py)."""
    needs.module("graphviz", "pip install -e '.[viz]'")


needs_graphviz = pytest.mark.usefixtures("graphviz_package")


def neuron():
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    y = (w * x + b).tanh()
    y.backward()
    return y, x, w, b


def title_of(g: ET.Element) -> str:
    found = g.find(SVG + "title")
    assert found is not None
    return "".join(found.itertext())


def parse_svg(text: Union[str, bytes]) -> ET.Element:
    return ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)


def groups(root: ET.Element, cls: str) -> List[ET.Element]:
    return [g for g in root.iter(SVG + "g") if g.get("class") == cls]


def texts(root: ET.Element) -> List[str]:
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def counts(root_value: Value):
    order = topological_order(root_value)
    ops = [v for v in order if not v.is_leaf()]
    return len(order) + len(ops), sum(len(v.parents) for v in ops) + len(ops)


@needs_dot
def test_svg_has_a_box_per_value_and_a_node_per_op(tmp_path: Path) -> None:
    y, x, w, b = neuron()
    path = render(y, tmp_path / "n.svg")
    svg = parse_svg(path.read_text("utf-8"))
    # x, w, b, w*x, w*x+b, tanh: 6 values, 3 ops; edges: 2+2+1 into ops, 3 out of them
    assert len(groups(svg, "node")) == 9
    assert len(groups(svg, "edge")) == 8
    assert counts(y) == (9, 8)
    words = texts(svg)
    for name in ("x", "w", "b", "tanh", "*", "+"):
        assert name in words
    assert f"data {math.tanh(0.5):.4g}" in words
    assert f"grad {w.grad:.4g}" in words and f"grad {x.grad:.4g}" in words


@needs_dot
def test_shared_inputs_give_one_box_and_one_arrow_per_operation_marked_with_the_uses(tmp_path: Path) -> None:
    a = Value(3.0, label="a")
    y = a * a + total([a, a, a])  # a used five times, drawn once
    y.backward()
    svg = parse_svg(render(y, tmp_path / "s.svg").read_text("utf-8"))
    nodes, _ = counts(y)
    assert len(groups(svg, "node")) == nodes == 1 + 3 * 2
    # a -> a*a marked ×2, a -> total marked ×3, the two results into +, and 3 arrows out of the ops
    edges = {title_of(g): texts(g) for g in groups(svg, "edge")}
    assert edges == {"v0->v1op": ["×2"], "v0->v2op": ["×3"], "v1->v3op": [], "v2->v3op": [],
                     "v1op->v1": [], "v2op->v2": [], "v3op->v3": []}
    assert texts(svg).count("a") == 1


def test_op_text_shows_the_constant() -> None:
    x = Value(2.0)
    assert op_text(x) == ""
    assert op_text(x * 0.999) == "* 0.999"
    assert op_text(x + 2) == "+ 2"
    assert op_text(x - 2) == "- 2"
    assert op_text(x + -2.5) == "+ -2.5"  # as written: x - 2.5 is its own op
    assert op_text(x / 4) == "/ 4"  # kept as a division: its derivative is g / 4, as written
    assert op_text(x**3) == "** 3"
    assert op_text(2**x) == "2 **"
    assert op_text(x * x) == "*"
    assert op_text(x.tanh()) == "tanh"
    w = [Value(1.0), Value(2.0)]
    assert op_text(dot(w, [0.5, -1.25], Value(0.0))) == "w·x+b  x=(0.5, -1.25)"
    assert op_text(dot(w * 3, [1.0] * 6, Value(0.0))).endswith("x=(1, 1, 1, 1, …)")
    assert op_text(dot(w, [Value(1.0), Value(2.0)], Value(0.0))) == "w·x+b"
    assert op_text(linear([w], [0.5, -1.25], [Value(0.0)], "relu")[0]) == "relu(w·x+b)  x=(0.5, -1.25)"
    assert op_text(linear([w], [Value(1.0), Value(2.0)], [Value(0.0)], "tanh")[0]) == "tanh(w·x+b)"


def test_source_is_identical_for_the_same_graph_built_twice() -> None:
    sources = []
    for _ in range(2):
        y, *_ = neuron()
        z = y * y + dot([y, y], [1.0, 2.0], Value(0.1, label="c"))
        z.backward()
        sources.append(dot_source(z, rankdir="TB"))
    assert sources[0] == sources[1]
    assert "0x" not in sources[0]  # no id() anywhere
    assert re.findall(r"^\s*(v\d+)\s", sources[0], re.M)[:3] == ["v0", "v1", "v2"]


def test_source_is_byte_identical_across_processes() -> None:
    code = (
        "import sys; from autograd_mini import Value; from autograd_mini.viz import dot_source\n"
        "x = [Value(i / 7, label=f'x{i}') for i in range(5)]\n"
        "y = sum((a * b).tanh() for a in x for b in x)\n"
        "y.backward()\n"
        "sys.stdout.buffer.write(dot_source(y, max_nodes=1000).encode('utf-8'))\n"
    )
    outs = []
    for seed in ("1", "2"):  # different hash seeds: a set or id() order would show
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
        outs.append(run.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000


HOSTILE = 'a{b}|c<d>"e\\f&g é 日本 ∂L/∂w'


@needs_dot
def test_hostile_and_non_ascii_labels_render_to_valid_svg(tmp_path: Path) -> None:
    x = Value(1.5, label=HOSTILE)
    y = (x * Value(2.0, label="</TD></TR></TABLE>>")).exp()
    y.label = "bell\x07 & tab\t \ufffe \ud800"
    y.backward()
    svg = parse_svg(render(y, tmp_path / "h.svg").read_text("utf-8"))  # would raise if invalid XML
    words = texts(svg)
    assert HOSTILE in words  # after XML unescaping, the text is exactly the label
    assert "</TD></TR></TABLE>>" in words
    assert "bell\\x07 & tab\\t \\ufffe \\ud800" in words  # control characters shown, not passed on
    assert len(groups(svg, "node")) == 6


def test_labels_are_escaped_in_the_source() -> None:
    y = Value(1.0, label='<b>&"\\N') * 2
    src = dot_source(y)
    assert "&lt;b&gt;&amp;&quot;\\\\N" in src and "<b>&" not in src


def test_max_nodes_error_says_the_count_and_how_to_raise_it() -> None:
    xs = [Value(float(i)) for i in range(200)]
    y = xs[0]
    for x in xs[1:]:
        y = y + x  # 200 leaves + 199 sums + 199 ops = 598 nodes
    with pytest.raises(ValueError) as err:
        draw_dot(y)
    msg = str(err.value)
    assert msg.startswith("draw_dot: ") and isinstance(err.value, GraphTooLarge)
    assert "598 nodes" in msg and "max_nodes=300" in msg and "max_nodes=598" in msg
    assert dot_source(y, max_nodes=598).count(" -> ") == 199 * 2 + 199
    with pytest.raises(ValueError, match="dot_source: .* max_nodes=597"):
        dot_source(y, max_nodes=597)
    # Jupyter shows the text repr, and why there is no picture
    assert jupyter_bundle(y) == {
        "text/plain": f"{y!r} — graph not drawn: 598 nodes, over the limit of 300 "
        "(draw_dot(value, max_nodes=598) draws it)"
    }


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="draw_dot: root must be a Value"):
        draw_dot(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="UP")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(Value(1.0), max_nodes=0)


def cluster_of(source: str) -> Dict[str, Optional[str]]:
    """node name -> innermost subgraph holding it (None at the top level), from DOT source."""
    where: Dict[str, Optional[str]] = {}
    stack: List[str] = []
    for line in source.splitlines():
        s = line.strip()
        m = re.match(r"subgraph (\w+) \{$", s)
        if m:
            stack.append(m.group(1))
        elif s == "}" and stack:
            stack.pop()
        else:
            m = re.match(r"(v\d+(?:op)?) \[", s)
            if m:
                where[m.group(1)] = stack[-1] if stack else None
    return where


def hand_labelled_net():
    """A 2-input layer of two neurons and a 1-neuron layer, labelled as the nn library does."""
    xs = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    hidden = []
    for j, (ws, bias) in enumerate((((0.1, -0.2), 0.0), ((0.3, 0.4), 0.1)), start=1):
        w = [Value(v, label=f"L1.N{j}.w{k}") for k, v in enumerate(ws, start=1)]
        z = dot(w, xs, Value(bias, label=f"L1.N{j}.b"))
        z.label = f"L1.N{j}.z"
        a = z.tanh()
        a.label = f"L1.N{j}.a"
        hidden.append(a)
    w = [Value(0.7, label="L2.N1.w1"), Value(-0.5, label="L2.N1.w2")]
    z = dot(w, hidden, Value(0.2, label="L2.N1.b"))
    z.label = "L2.N1.z"
    loss = (z - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


@needs_dot
def test_nn_labels_are_clustered_per_neuron_inside_per_layer(tmp_path: Path) -> None:
    loss = hand_labelled_net()
    src = dot_source(loss)
    where = cluster_of(src)
    names = {v: f"v{i}" for i, v in enumerate(topological_order(loss))}
    for v, n in names.items():
        m = re.match(r"L(\d+)\.N(\d+)\.", v.label)
        expected = f"cluster_L{m.group(1)}_N{m.group(2)}" if m else None
        assert where[n] == expected, v.label
        if not v.is_leaf():  # the op sits with the Value it produced
            assert where[n + "op"] == expected
    # neuron clusters are nested in their layer's cluster
    l1 = src.index("subgraph cluster_L1 {")
    assert l1 < src.index("subgraph cluster_L1_N1 {") < src.index("subgraph cluster_L1_N2 {")
    assert src.index("subgraph cluster_L1_N2 {") < src.index("subgraph cluster_L2 {")
    svg = parse_svg(render(loss, tmp_path / "net.svg").read_text("utf-8"))
    titles = {title_of(g) for g in groups(svg, "cluster")}
    assert titles == {"cluster_L1", "cluster_L1_N1", "cluster_L1_N2", "cluster_L2", "cluster_L2_N1"}
    assert {"L1", "L1.N1", "L1.N2", "L2", "L2.N1"} <= set(texts(svg))
    assert "subgraph" not in dot_source(loss, group=False)


def test_gradient_tint_is_red_for_positive_blue_for_negative_stronger_when_larger() -> None:
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    y = 4 * a - b  # grads: a 4, b -1, root 1
    y.backward()
    src = dot_source(y)
    fills = dict(re.findall(r'<B>(\w)</B>.*?BGCOLOR="#(\w{6})"', src))
    ra, ga, ba = (int(fills["a"][i : i + 2], 16) for i in (0, 2, 4))
    rb, gb, bb = (int(fills["b"][i : i + 2], 16) for i in (0, 2, 4))
    assert ra == 255 and ga == ba < 255  # red
    assert bb == 255 and rb == gb < 255  # blue
    assert 255 - ga > 255 - rb  # |4| > |-1|: a is the stronger
    assert "BGCOLOR" not in dot_source(y, color_grad=False)
    assert "grad " not in dot_source(y, show_grad=False)
    assert "BGCOLOR" not in dot_source(Value(1.0) * 2)  # all gradients 0: no tint


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_render_writes_the_format_of_the_suffix_and_no_temp_file(tmp_path: Path, suffix, magic) -> None:
    y, *_ = neuron()
    path = render(y, tmp_path / f"g{suffix.upper()}")
    assert path.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_render_dot_source_and_unknown_suffix(tmp_path: Path) -> None:
    y, *_ = neuron()
    path = render(y, tmp_path / "g.dot", rankdir="TB")
    assert path.read_text("utf-8") == dot_source(y, rankdir="TB")
    with pytest.raises(ValueError, match=r"render: unknown file type '\.jpeg'"):
        render(y, tmp_path / "g.jpeg")
    with pytest.raises(ValueError, match="unknown file type ''"):
        render(y, tmp_path / "graph")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


@needs_dot
def test_render_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    path.write_text("old")
    y, *_ = neuron()
    render(y, path)
    assert parse_svg(path.read_text("utf-8")).tag == SVG + "svg"


def test_without_the_graphviz_package_only_draw_dot_is_missing(tmp_path: Path, monkeypatch) -> None:
    y, *_ = neuron()
    expected = dot_source(y)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    with pytest.raises(GraphvizPackageMissing, match=re.escape("pip install 'autograd_mini[viz]'")):
        draw_dot(y)
    with pytest.raises(ImportError):  # also catchable as what it is
        draw_dot(y)
    assert issubclass(GraphvizPackageMissing, GraphvizMissing)
    # the DOT text needs no package, and the pictures only the dot program
    assert dot_source(y) == expected
    assert render(y, tmp_path / "g.dot").read_text("utf-8") == expected
    if shutil.which("dot"):
        assert parse_svg(render(y, tmp_path / "g.svg").read_bytes()).tag == SVG + "svg"
        assert "image/svg+xml" in jupyter_bundle(y)


@needs_graphviz
def test_draw_dot_is_the_dot_source_as_a_digraph() -> None:
    import graphviz

    loss = hand_labelled_net()
    d = draw_dot(loss, rankdir="TB", color_grad=False)
    assert isinstance(d, graphviz.Digraph)
    assert d.source == dot_source(loss, rankdir="TB", color_grad=False)


def test_importing_the_package_does_not_import_graphviz() -> None:
    code = (
        "import sys, autograd_mini, autograd_mini.viz, autograd_mini.explanation, autograd_mini.cli\n"
        "from autograd_mini.viz import dot_source, jupyter_bundle, render\n"
        "print('graphviz' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@needs_dot
@needs_graphviz
def test_inline_display_of_a_value_and_of_draw_dot() -> None:
    y, *_ = neuron()
    shown = jupyter_bundle(y)
    assert shown["text/plain"] == repr(y)
    assert y._repr_mimebundle_(include=None, exclude=None) == shown  # what IPython calls
    root = parse_svg(shown["image/svg+xml"])
    assert len(groups(root, "node")) == 9 and "w" in texts(root)
    bundle = draw_dot(y)._repr_mimebundle_()
    assert len(groups(parse_svg(bundle["image/svg+xml"]), "edge")) == 8


def test_a_real_mlp_is_clustered_by_layer_and_neuron() -> None:
    import random

    from autograd_mini import explain
    from autograd_mini.nn import layers

    model = layers.MLP(2, [3, 1], activation="tanh", rng=random.Random(0))
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    where = cluster_of(dot_source(loss))
    order = topological_order(loss)
    labelled = 0
    for i, v in enumerate(order):
        m = re.match(r"L(\d+)\.N(\d+)\.", v.label)
        expected = f"cluster_L{m.group(1)}_N{m.group(2)}" if m else None
        labelled += bool(m)
        assert where[f"v{i}"] == expected, v.label
    # 3 neurons of 2 weights, a bias, z and a; one of 3 weights, a bias and z
    assert labelled == 3 * 5 + 5
    neurons = {"cluster_L1_N1", "cluster_L1_N2", "cluster_L1_N3", "cluster_L2_N1"}
    assert {c for c in where.values() if c} == neurons
    layer = model.layers[0]
    from_table = explain(loss).layer(layer)
    assert from_table.dW == [[w.grad for w in row] for row in layer.weight]
    assert from_table.dB == [b.grad for b in layer.bias]


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
@pytest.mark.parametrize("case", ["moons page", "layer"])
def test_a_neurons_weights_stand_in_the_order_of_its_row_of_w_then_its_bias(case: str, rankdir: str) -> None:
    """The moons page's output neuron (16 inputs, a batch of 3), and a layer of three neurons of 4
    inputs: each neuron's boxes read w1, w2, ..., b from the top (from the left in a TB or BT
    picture), as its row of W does. Graphviz left alone put w14, w15, w16, b, w1, ... in the first."""
    import random

    from autograd_mini import losses, nn

    rng = random.Random(0)
    m = 16 if case == "moons page" else 4
    net = nn.MLP(m, [1 if case == "moons page" else 3], activation=None, rng=random.Random(1))
    X = [[rng.uniform(-1, 1) for _ in range(m)] for _ in range(3 if case == "moons page" else 1)]
    out = net.layers[0](X)
    loss = losses.hinge_loss([row[0] for row in out], [1, -1, 1]) if m == 16 else total(out[0]).tanh()
    loss.backward()
    svg = parse_svg(subprocess.run(["dot", "-Tsvg"], input=dot_source(loss, rankdir=rankdir), text=True,
                                   capture_output=True, check=True).stdout)
    across = {"LR": "y", "RL": "y", "TB": "x", "BT": "x"}[rankdir]
    at: Dict[str, float] = {}
    for g in groups(svg, "node"):
        first = next(g.iter(SVG + "text"), None)
        if first is not None and re.fullmatch(r"L1\.N\d\.(w\d+|b)", "".join(first.itertext())):
            at["".join(first.itertext())] = float(first.get(across, "nan"))
    for j in range(1, len(net.layers[0].neurons) + 1):
        boxes = [f"L1.N{j}.w{k}" for k in range(1, m + 1)] + [f"L1.N{j}.b"]
        assert sorted(boxes, key=at.__getitem__) == boxes
