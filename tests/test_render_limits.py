"""Running `dot`, and pictures that once hung or lied: every graph under the node limit draws in
seconds (real `dot`) and shows every use of every input; a `dot` that is missing, fails or runs too
long gives an error with a way out (the DOT source is kept); labels are drawn as typed; a notebook
says why a Value has no picture."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Dict, List

import needs
import pytest
from needs import needs_dot

from autograd_mini import Value, topological_order
from autograd_mini.viz import MAX_NODES, GraphvizMissing, GraphvizTimeout, dot_source, jupyter_bundle, render

SVG = "{http://www.w3.org/2000/svg}"
LIMIT = 5.0  # seconds: what any graph under the node limit may take to draw




def size(root: Value) -> int:
    order = topological_order(root)
    return len(order) + sum(1 for v in order if not v.is_leaf())


def title(g: ET.Element) -> str:
    found = g.find(SVG + "title")
    assert found is not None
    return "".join(found.itertext())


def edges(svg: ET.Element) -> List[ET.Element]:
    return [g for g in svg.iter(SVG + "g") if g.get("class") == "edge"]


def assert_every_use_is_drawn(svg: ET.Element, root: Value) -> None:
    """Each operation's arrows (a ×k mark counting k uses, a wire's junction standing for the Value
    it carries) are exactly its inputs, each operation has an arrow to its result, and each wire
    is one unbroken line of junctions from its Value."""
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    drawn: Dict[str, Counter] = {}
    segments = set()
    for g in edges(svg):
        tail, head = title(g).split("->")
        if head.endswith("op"):
            marks = [t for t in ("".join(x.itertext()) for x in g.iter(SVG + "text")) if t.startswith("×")]
            tail_match = re.fullmatch(r"(v\d+)(?:t\d+)?", tail)
            assert tail_match is not None
            source = tail_match.group(1)
            drawn.setdefault(head, Counter())[source] += int(marks[0][1:]) if marks else 1
        else:
            segments.add((tail, head))
    ops = [v for v in order if not v.is_leaf()]
    assert drawn == {f"v{index[v]}op": Counter(f"v{index[p]}" for p in v.parents) for v in ops}
    assert {(f"v{index[v]}op", f"v{index[v]}") for v in ops} <= segments
    wires = {head for _, head in segments if "t" in head}
    for junction in wires:
        junction_match = re.fullmatch(r"(v\d+)t(\d+)", junction)
        assert junction_match is not None
        value, k = junction_match.groups()
        before = value if k == "0" else f"{value}t{int(k) - 1}"
        assert (before, junction) in segments, junction


def timed_render(root: Value, path: Path) -> ET.Element:
    start = time.perf_counter()
    render(root, path)
    took = time.perf_counter() - start
    assert took < LIMIT, f"{size(root)} nodes took {took:.1f} s"
    return ET.fromstring(path.read_bytes())


def x_added(n: int) -> Value:
    x = Value(1.0, label="x")
    y = x
    for _ in range(n - 1):
        y = y + x
    y.backward()
    return y


def shared_weight_chain(n: int = 37) -> Value:
    w, y = Value(0.5, label="w"), Value(1.0, label="y")
    for _ in range(n):
        y = (y * w + 0.1).relu() * 0.999
    y.backward()
    return y


def halving(limit: int = MAX_NODES) -> Value:
    """v[i] = v[i-1] + v[i // 2]: every value is used again far down the chain (long edges)."""
    vals = [Value(0.5, label="x")]
    while True:
        v = vals[-1] + vals[len(vals) // 2]
        if size(v) > limit:
            vals[-1].backward()
            return vals[-1]
        vals.append(v)


def used_in_reverse(n: int = 72) -> Value:
    """A chain of n products, then a sum that takes them last first: long edges that all cross."""
    us = [Value(0.9, label="u0")]
    for _ in range(n):
        us.append(us[-1] * 1.01)
    w = Value(0.1, label="w")
    for u in reversed(us):
        w = w + u
    w.backward()
    return w


@needs_dot
@pytest.mark.parametrize(
    "make, nodes",
    [(shared_weight_chain, 298), (lambda: x_added(150), 299), (halving, 299), (used_in_reverse, 292)],
    ids=["relu-chain-shared-w", "x-added-150-times", "halving", "used-in-reverse"],
)
def test_graphs_at_the_node_limit_draw_quickly_with_every_edge(tmp_path: Path, make, nodes: int) -> None:
    root = make()
    assert size(root) == nodes <= MAX_NODES
    svg = timed_render(root, tmp_path / "g.svg")
    assert_every_use_is_drawn(svg, root)


@needs_dot
def test_a_value_used_at_many_depths_reaches_them_along_one_wire(tmp_path: Path) -> None:
    root = shared_weight_chain(5)
    src = dot_source(root)
    w = topological_order(root).index(next(v for v in topological_order(root) if v.label == "w"))
    assert f"v{w} -> v{w}t0 [arrowhead=\"none\"]" in src  # the wire starts at w
    assert len(re.findall(rf"^\tv{w}t\d+ -> v\d+op$", src, re.M)) == 5  # one arrow per use
    assert_every_use_is_drawn(timed_render(root, tmp_path / "w.svg"), root)
    # a Value used at one or two depths keeps plain arrows
    assert "t0" not in dot_source(x_added(3))


@needs_dot
@pytest.mark.parametrize("terms", [60, 90])
def test_the_command_draws_x_added_many_times_quickly(tmp_path: Path, terms: int) -> None:
    start = time.perf_counter()
    argv = ["graph", "+".join(["x"] * terms), "--set", "x=1", "-o", "g.svg"]
    r = subprocess.run([sys.executable, "-m", "autograd_mini", *argv], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    took = time.perf_counter() - start
    assert r.returncode == 0, r.stderr
    assert took < LIMIT, f"{terms} terms took {took:.1f} s"
    assert f"d(result)/dx = {terms}" in r.stdout
    assert_every_use_is_drawn(ET.parse(tmp_path / "g.svg").getroot(), x_added(terms))


@needs_dot
def test_a_notebook_draws_x_added_100_times_quickly() -> None:
    y = x_added(100)
    start = time.perf_counter()
    shown = jupyter_bundle(y)
    assert time.perf_counter() - start < LIMIT
    assert_every_use_is_drawn(ET.fromstring(shown["image/svg+xml"].encode("utf-8")), y)


def slow_dot(folder: Path) -> str:
    """A PATH on which `dot` sleeps for a minute."""
    folder.mkdir()
    fake = folder / "dot"
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import time; time.sleep(60)'\n")
    fake.chmod(0o755)
    return str(folder)


def test_a_dot_that_runs_too_long_is_stopped_and_the_source_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", slow_dot(tmp_path / "bin"))
    y = shared_weight_chain(3)
    start = time.perf_counter()
    with pytest.raises(GraphvizTimeout) as err:
        render(y, tmp_path / "g.svg", timeout=0.2)
    assert time.perf_counter() - start < 5.0
    msg = str(err.value)
    source = tmp_path / "g.dot"
    assert msg.startswith("render: Graphviz's dot did not finish within the time limit of 0.2 s, "
                          f"so {str(tmp_path / 'g.svg')!r} was not drawn.")
    assert f"run: dot -Tsvg {source} -o {tmp_path / 'g.svg'}" in msg
    assert source.read_text("utf-8") == dot_source(y)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "g.dot"]
    expected = r"render: timeout: expected a number of seconds > 0 \(finite\) or None, got "
    for bad in (0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match=expected):
            render(y, tmp_path / "g.svg", timeout=bad)
    for wrong in (True, "5"):
        with pytest.raises(TypeError, match=expected):
            render(y, tmp_path / "g.svg", timeout=wrong)  # type: ignore[arg-type]


def test_a_notebook_gives_up_on_a_slow_dot_and_says_so(tmp_path: Path, monkeypatch) -> None:
    import autograd_mini.viz as viz

    monkeypatch.setenv("PATH", slow_dot(tmp_path / "bin"))
    monkeypatch.setattr(viz, "DOT_TIMEOUT", 0.2)
    y = Value(2.0) * 3
    start = time.perf_counter()
    shown = jupyter_bundle(y)
    assert time.perf_counter() - start < 5.0
    assert shown == {"text/plain": f"{y!r} — graph not drawn: dot timed out after 0.2 s "
                                   "(render(value, 'graph.dot') writes its source)"}


def test_missing_dot_says_how_to_install_and_writes_the_source(tmp_path: Path, monkeypatch) -> None:
    y = shared_weight_chain(2)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizMissing) as err:
        render(y, tmp_path / "g.svg")
    msg = str(err.value)
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg
    assert "conda install -c conda-forge graphviz" in msg
    source = tmp_path / "g.dot"
    assert str(source) in msg
    assert source.read_text("utf-8") == dot_source(y)
    assert not (tmp_path / "g.svg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]
    # and Jupyter shows the text repr, saying why, instead of failing
    text = jupyter_bundle(y)["text/plain"]
    assert text.startswith(f"{y!r} — graph not drawn: Graphviz's dot program is missing")
    assert "apt-get install graphviz" in text


def test_a_failing_dot_is_a_runtime_error_with_its_message(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text("#!/bin/sh\necho 'dot: out of crayons' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    y = shared_weight_chain(2)
    with pytest.raises(RuntimeError, match="dot failed with status 3: dot: out of crayons"):
        render(y, tmp_path / "g.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]
    why = "Graphviz's dot failed with status 3: dot: out of crayons"
    assert jupyter_bundle(y) == {"text/plain": f"{y!r} — graph not drawn: {why}"}


def test_an_unwritable_path_is_named_as_given(tmp_path: Path) -> None:
    y = shared_weight_chain(2)
    (tmp_path / "taken.dot").mkdir()  # a folder where the file should go
    with pytest.raises(OSError) as err:
        render(y, tmp_path / "taken.dot")
    assert str(err.value) == f"render: cannot write {str(tmp_path / 'taken.dot')!r}: Is a directory"
    with pytest.raises(FileNotFoundError, match="render: cannot write .*: there is no folder"):
        render(y, tmp_path / "no" / "g.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.dot"]  # no temporary file left


def test_a_draw_dot_picture_in_a_notebook_has_the_same_time_limit(tmp_path: Path, monkeypatch) -> None:
    graphviz = needs.module("graphviz", "pip install -e '.[viz]'")  # draw_dot's return type needs it
    import autograd_mini.viz as viz

    y = shared_weight_chain(2)
    picture = viz.draw_dot(y)
    assert isinstance(picture, graphviz.Digraph)
    monkeypatch.setenv("PATH", slow_dot(tmp_path / "bin"))
    monkeypatch.setattr(viz, "DOT_TIMEOUT", 0.2)
    start = time.perf_counter()
    shown = picture._repr_mimebundle_()
    assert time.perf_counter() - start < 5.0
    assert shown == {"text/plain": f"{picture!r} — graph not drawn: dot timed out after 0.2 s "
                                   "(render(value, 'graph.dot') writes its source)"}


def test_a_notebook_never_raises() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert jupyter_bundle(3.0)["text/plain"].startswith("3.0 — graph not drawn: root must be a Value")
    shown = jupyter_bundle(Broken())["text/plain"]
    assert shown.startswith("<Broken: repr failed: no repr> — graph not drawn")


BACKSLASHES = ["\\Gamma", "d\\Nx", "\\G \\N \\E \\L \\T \\H", "\\l \\r \\n", "a\\\\b \\", "\\&amp;"]


@needs_dot
def test_labels_with_backslashes_are_drawn_as_typed(tmp_path: Path) -> None:
    xs = [Value(float(i), label=text) for i, text in enumerate(BACKSLASHES)]
    y = xs[0]
    for x in xs[1:]:
        y = y * x
    y.label = "\\E\\T"
    y.backward()
    svg = ET.fromstring(render(y, tmp_path / "b.svg").read_bytes())
    shown = ["".join(t.itertext()) for t in svg.iter(SVG + "text")]
    for text in [*BACKSLASHES, "\\E\\T"]:
        assert text in shown, text
    assert not any("autograd_mini" in t for t in shown)  # \G was once the graph's name
