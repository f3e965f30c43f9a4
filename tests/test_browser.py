"""The stepper page in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Each page is written by `write_stepper` and opened from disk. The test presses → through every step
and holds the page to the engine: every backward step shows explain's running sums, the last shows
each node's ``.grad``; ← undoes exactly; nothing is logged as an error and nothing but the page's own
file is requested. Without a browser these tests skip, except under CI (CI=true), where they fail.

``STEPPER_PICTURES=1 pytest tests/test_browser.py`` also writes the README's screenshots of a layer
on a batch into demos/pictures/ (those of the demos' pages come from test_page_layout.py;
demos/pictures/regenerate.py runs both).
"""

from __future__ import annotations

import math
import os
import random
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from browser_page import Opened
from needs import needs_dot

from autograd_mini import Value, explain, losses, nn, topological_order, total
from autograd_mini.names import node_names
from autograd_mini.stepper import write_stepper

PICTURES = Path(__file__).resolve().parent.parent / "demos" / "pictures"
pytestmark = needs_dot


def names(root: Value) -> Dict[Value, str]:
    """Each node's one name (the page's, the picture's, explain's)."""
    order = topological_order(root)
    return dict(zip(order, node_names(order)))


def expected_states(root: Value) -> Tuple[int, List[Dict[str, float]]]:
    """The forward step count, and after each backward step (the seed first) explain's running sums."""
    expl, order, name = explain(root), topological_order(root), names(root)
    grads = {name[v]: 0.0 for v in order}
    grads[name[root]] += expl.grad(root)
    states = [dict(grads)]
    for step in expl:
        for parent, c in zip(step.parents, step.contributions):
            grads[name[parent]] += c
        states.append(dict(grads))
    return sum(1 for v in order if not v.is_leaf()), states


def engine_grads(root: Value) -> Dict[str, float]:
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.backward()
    name = names(root)
    return {name[v]: v.grad for v in order}


STATE = "[autogradStepper.index, autogradStepper.phase(), autogradStepper.grads()]"


def walk_and_check(opened: Opened, root: Value) -> List[Dict[str, float]]:
    """Press → through every step, checking each against explain; return what grads() gave."""
    forward, states = expected_states(root)
    total_steps = opened.js("autogradStepper.total")
    assert total_steps == forward + len(states)
    seen = [opened.js("autogradStepper.grads()")]
    assert all(g == 0.0 for g in seen[0].values()) and opened.js("autogradStepper.phase()") == "forward"
    for i, (index, phase, grads) in enumerate(opened.press("ArrowRight", total_steps, STATE), start=1):
        assert index == i
        seen.append(grads)
        if i <= forward:
            assert phase == "forward" and set(grads.values()) == {0}
        else:
            assert phase == "backward"
            assert grads == states[i - forward - 1]  # the same additions in the same order: equal bits
    return seen


# ---- graphs ----


def reused() -> Value:
    x = Value(3.0, label="x")
    return x * x + x


def neuron() -> Value:
    n = nn.Neuron(2, activation="tanh", rng=random.Random(4))
    return n([Value(0.5, label="x1"), Value(-1.5, label="x2")])


def layer_on_batch() -> Tuple[Value, nn.Linear]:
    """A tanh layer of 2 neurons on a batch of 2 observations of 3 numbers, its mean squared error."""
    layer = nn.Linear(3, 2, activation="tanh", rng=random.Random(0))
    out = layer([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]])
    return losses.mse_loss([o[j] for o in out for j in range(2)], [1.0, -1.0, 0.5, 0.2]), layer


def by_hand() -> Value:
    """As demos/backprop_by_hand.py builds it: one call per observation, inputs as Values, mean cost."""
    layer = nn.Linear(3, 2, activation="sigmoid", rng=random.Random(2))
    columns = [[Value(0.2 * i - 0.5 * k, label=f"a{i + 1}({k + 1})") for i in range(3)] for k in range(3)]
    terms = [0.5 * (out - 0.3) ** 2 for inputs in columns for out in layer(inputs)]
    return total(terms) * (1.0 / 3)


GRAPHS = {"reused": reused, "neuron": neuron, "layer": lambda: layer_on_batch()[0], "by_hand": by_hand,
          "leaf": lambda: Value(2.0, label="a")}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_every_step_is_explains_the_last_is_the_engines_and_left_undoes_it(
    browser: Any, tmp_path: Path, name: str
) -> None:
    root = GRAPHS[name]()
    opened = Opened(browser, write_stepper(root, tmp_path / f"{name}.html"))
    seen = walk_and_check(opened, root)
    final = engine_grads(root)
    assert seen[-1].keys() == final.keys()
    for key, g in final.items():
        assert math.isclose(seen[-1][key], g, rel_tol=1e-12, abs_tol=1e-300), key
    shown = opened.shown()
    assert {k: v[1] for k, v in shown.items()} == {k: f"grad {g:.4g}" for k, g in final.items()}
    assert {k: v[0] for k, v in shown.items()} == {
        name: f"data {v.data:.4g}" for v, name in names(root).items()}
    back = opened.press("ArrowLeft", len(seen) - 1, STATE)
    assert [(index, grads) for index, _, grads in back] == list(enumerate(seen))[-2::-1]
    assert opened.js("autogradStepper.phase()") == "forward"
    opened.clean()


def test_the_matrix_panel_of_a_layer_on_value_inputs_ends_with_the_engines_dA_prev(
    browser: Any, tmp_path: Path
) -> None:
    root = by_hand()
    opened = Opened(browser, write_stepper(root, tmp_path / "h.html"))
    opened.js(f"autogradStepper.goTo({opened.js('autogradStepper.total')})")
    root.backward()
    inputs = {v.label: v for v in topological_order(root) if v.label.startswith("a")}
    rows = opened.js("""() => [...[...document.querySelectorAll('.st-matrix')]
        .find(f => f.querySelector('figcaption').firstChild.textContent === 'dA_prev = Wᵀ·dZ')
        .querySelectorAll('tr')].map(r => [...r.children].map(c => c.textContent))""")
    assert rows == [[f"{inputs[f'a{i}({k})'].grad:.4g}" for k in (1, 2, 3)] for i in (1, 2, 3)]
    checks = opened.js("[...document.querySelectorAll('.st-check code')].map(c => c.textContent)")
    assert [c.split(": ")[0] for c in checks][-1] == "dA_prev = Wᵀ·dZ"
    assert all(float(c.split(": ")[1]) < 1e-15 for c in checks)  # the formulas hold to rounding
    opened.clean()


def test_numbers_beyond_json_show_as_python_writes_them(browser: Any, tmp_path: Path) -> None:
    x = Value(float("inf"), label="x")
    root = x * 0.0 + Value(float("nan"), label="n")
    opened = Opened(browser, write_stepper(root, tmp_path / "inf.html"))
    opened.js(f"autogradStepper.goTo({opened.js('autogradStepper.total')})")
    shown = opened.shown()
    assert shown["x"][0] == "data inf" and shown["n"][0] == "data nan"
    assert shown["x"][1] == "grad 0" and shown["n"][1] == "grad 1"
    opened.clean()


def test_the_forward_pass_shows_each_value_as_it_is_computed(browser: Any, tmp_path: Path) -> None:
    root = reused()  # x = 3 (a leaf), v1 = x * x = 9, v2 = v1 + x = 12
    opened = Opened(browser, write_stepper(root, tmp_path / "f.html"))
    assert opened.shown() == {"x": ("data 3", "grad"), "v1": ("data ?", "grad"), "v2": ("data ?", "grad")}
    opened.js("autogradStepper.next()")
    assert opened.shown()["v1"] == ("data 9", "grad") and opened.shown()["v2"][0] == "data ?"
    assert "v1 = x * x" in opened.js("document.getElementById('st-card').textContent")
    opened.js("autogradStepper.next()")
    opened.js("autogradStepper.next()")  # the seed
    assert opened.shown()["v2"] == ("data 12", "grad 1") and opened.shown()["x"] == ("data 3", "grad 0")
    opened.js("autogradStepper.goTo(5)")  # x got 1 from the +, then 3 and 3 from x * x
    card = opened.js("document.getElementById('st-card').textContent")
    assert "1 + 3= 4" in card and "4 + 3= 7" in card and "contribution 3 of 3" in card
    opened.clean()


def test_controls_buttons_keys_slider_and_play(browser: Any, tmp_path: Path) -> None:
    x = Value(3.0, label="x")
    root = ((x * x + x) * 2.0 - x).tanh()  # 11 steps: enough to pause in, quick to play through
    opened = Opened(browser, write_stepper(root, tmp_path / "c.html"))
    last = opened.js("autogradStepper.total")
    page = opened.page
    page.keyboard.press("End")
    assert opened.js("autogradStepper.index") == last
    page.keyboard.press("Home")
    assert opened.js("autogradStepper.index") == 0
    page.click("#st-next")
    page.click("#st-next")
    page.click("#st-prev")
    assert opened.js("autogradStepper.index") == 1
    page.click("#st-end")
    assert opened.js("autogradStepper.index") == last and page.is_disabled("#st-next")
    page.click("#st-reset")
    assert opened.js("autogradStepper.index") == 0 and page.is_disabled("#st-prev")
    page.fill("#st-slider", "2")
    assert opened.js("autogradStepper.index") == 2
    page.select_option("#st-speed", "60")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press(" ")  # play
    opened.wait_for("autogradStepper.index >= 6")
    page.keyboard.press(" ")  # pause
    stopped = opened.js("autogradStepper.index")
    page.wait_for_timeout(300)
    assert opened.js("autogradStepper.index") == stopped
    page.click("#st-play")
    opened.wait_for(f"autogradStepper.index === {last}")
    assert last == 11 and page.text_content("#st-play") == "▶ Play"  # it stops at the end
    assert opened.js("autogradStepper.goTo(-5)") == 0 and opened.js("autogradStepper.goTo(10**6)") == last
    assert opened.js("autogradStepper.reset()") == 0
    opened.clean()


def test_hostile_labels_are_shown_verbatim_and_never_run(browser: Any, tmp_path: Path) -> None:
    labels = ['</script><script>window.__pwned = 1</script>', '"><img src=x onerror="window.__pwned = 2">',
              "back\\slash \\n '\"q\"' &amp;", "ünï©ødé 🧠 ×÷"]
    xs = [Value(float(i + 1), label=label) for i, label in enumerate(labels)]
    root = total([x * x for x in xs])
    root.label = "<b>loss</b>"
    opened = Opened(browser, write_stepper(root, tmp_path / "h.html"))
    assert opened.js("window.__pwned") is None
    assert opened.js("document.querySelectorAll('img, script:not([id])').length") == 1  # the page's script
    names = opened.js("[...document.querySelectorAll('g[data-node]')].map(g => g.getAttribute('data-node'))")
    bold = opened.js("[...document.querySelectorAll('g[data-node] text[font-weight=bold]')]"
                     ".map(t => t.textContent)")
    for label in labels:
        assert label in names and label in bold
    title = opened.js("document.getElementById('st-title').textContent")
    assert title == "Back-propagation through <b>loss</b> = 30"
    opened.js(f"autogradStepper.goTo({opened.js('autogradStepper.total')})")
    assert opened.js("autogradStepper.grads()")[labels[0]] == 2.0
    table = opened.js("document.getElementById('st-table').textContent")
    assert all(label in table for label in labels)
    opened.clean()


NUMBERS = [0.0, -0.0, 1.0, 2.5, 1.0625, 0.15625, -1.0625e-7, 9.9995, 0.00012345, 1e-5, 1.5e-5, 123456.0,
           1e16, 99995.0, 0.1 + 0.2, -3.14159265, 6.02e23, 5e-324, 1.7976931348623157e308]


def test_numbers_read_as_pythons_format(browser: Any, tmp_path: Path) -> None:
    opened = Opened(browser, write_stepper(reused(), tmp_path / "n.html"))
    for digits in (4, 6):
        shown = opened.js(f"xs => xs.map(x => autogradStepper.format(x, {digits}))", NUMBERS)
        assert shown == [f"{x:.{digits}g}" for x in NUMBERS]
    specials = opened.js("[NaN, Infinity, -Infinity].map(x => autogradStepper.format(x, 4))")
    assert specials == [f"{x:.4g}" for x in (math.nan, math.inf, -math.inf)]
    opened.clean()


def test_the_matrix_panel_fills_in_as_the_backward_steps_write(browser: Any, tmp_path: Path) -> None:
    root, layer = layer_on_batch()
    opened = Opened(browser, write_stepper(root, tmp_path / "m.html"))
    assert opened.js("document.getElementById('st-matrices').hidden") is False

    def matrix(title: str) -> List[List[str]]:
        return opened.js("""t => [...[...document.querySelectorAll('.st-matrix')]
            .find(f => f.querySelector('figcaption').firstChild.textContent === t)
            .querySelectorAll('tr')].map(r => [...r.children].map(c => c.textContent))""", title)

    assert matrix("dW = dZ·A_prevᵀ") == [["·"] * 3] * 2
    assert matrix("A_prev") == [["1", "0.3"], ["-2", "0.1"], ["0.5", "-1"]]
    expl = explain(root)
    steps = [i for i, s in enumerate(expl) if s.node.label.endswith(".z")]
    forward = sum(1 for v in topological_order(root) if not v.is_leaf())
    first_z = steps[0]
    opened.js(f"autogradStepper.goTo({forward + 2 + first_z})")
    written = opened.js("[...document.querySelectorAll('.st-matrix td.st-written')].length")
    assert written == 3 + 1  # the z node's step writes a row of dW and one entry of dB
    opened.js(f"autogradStepper.goTo({opened.js('autogradStepper.total')})")
    root.backward()
    assert matrix("dW = dZ·A_prevᵀ") == [[f"{w.grad:.4g}" for w in row] for row in layer.weight]
    assert matrix("dB = Σ dZ") == [[f"{b.grad:.4g}"] for b in layer.bias]
    opened.clean()


def test_size_and_time_to_interactive_of_a_300_node_page(browser: Any, tmp_path: Path,
                                                         record_property: Any) -> None:
    """Measured, not asserted (the targets: under 1 MB, interactive in under 2 s)."""
    model = nn.MLP(3, [10, 10, 1], activation="tanh", rng=random.Random(0))
    X = [[0.1 * i, -0.2 * i, 0.3] for i in range(3)]
    root = losses.mse_loss(model(X), [1.0, -1.0, 0.5])
    values = len(topological_order(root))
    start = time.perf_counter()
    path = write_stepper(root, tmp_path / "big.html", max_nodes=2000)
    written = time.perf_counter() - start
    opened = Opened(browser, path)
    interactive = opened.js("performance.now()")
    opened.js(f"autogradStepper.goTo({opened.js('autogradStepper.total')})")
    size = path.stat().st_size
    note = (f"{values} values: page {size / 1e6:.2f} MB, written in {written:.2f} s, interactive after "
            f"{interactive / 1000:.2f} s (page clock) / {opened.seconds:.2f} s (test clock)")
    record_property("stepper_300", note)
    print(note)
    assert 250 <= values <= 400
    opened.clean()


def test_screenshots_start_middle_end(browser: Any, tmp_path: Path) -> None:
    """The README's pictures: a layer on a batch, at the start, in the middle and at the end."""
    root, _ = layer_on_batch()
    opened = Opened(browser, write_stepper(root, tmp_path / "s.html"), width=1600, height=1080)
    last = opened.js("autogradStepper.total")
    forward = sum(1 for v in topological_order(root) if not v.is_leaf())
    z_step = next(s.index for s in explain(root) if s.node.label == "L1.N2.z")  # it writes a row of dW
    folder = PICTURES if os.environ.get("STEPPER_PICTURES") == "1" else tmp_path
    for name, index in (("start", 0), ("middle", forward + 1 + z_step), ("end", last)):
        opened.js(f"autogradStepper.goTo({index})")
        shots = [(folder / f"stepper_{name}.png", opened.page)]
        if name == "middle":
            shots.append((folder / "stepper_matrices.png", opened.page.locator("#st-matrices")))
        for path, what in shots:
            what.screenshot(path=str(path), animations="disabled")  # the colours as they end, at once
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    opened.clean()


# ---- the pages the demos, render() and the command line write ----

def _end_matches_the_last_step(opened: Opened) -> Dict[str, float]:
    opened.page.keyboard.press("End")
    assert opened.js("autogradStepper.index") == opened.js("autogradStepper.total")
    assert opened.js("autogradStepper.phase()") == "backward"
    return opened.js("autogradStepper.grads()")  # type: ignore[no-any-return]


def test_render_and_the_command_line_write_the_same_kind_of_page(browser: Any, tmp_path: Path) -> None:
    from autograd_mini.cli import main
    from autograd_mini.viz import render

    x, w = Value(0.5, label="x"), Value(-3.0, label="w")
    y = (w * x + 2.0).tanh()
    render(y, tmp_path / "by_render.html")
    assert main(["graph", "tanh(w*x + 2)", "--set", "x=0.5", "--set", "w=-3",
                 "-o", str(tmp_path / "by_cli.html")]) == 0
    pages = [Opened(browser, tmp_path / name) for name in ("by_render.html", "by_cli.html")]
    ends = [_end_matches_the_last_step(p) for p in pages]
    expected = engine_grads(y)
    for end in ends:
        assert end["x"] == expected["x"] and end["w"] == expected["w"]
    for p in pages:
        p.clean()


def test_a_layers_tab_shows_that_layer_until_the_step_changes(browser: Any, tmp_path: Path) -> None:
    """At the end of the backward pass the panel follows the first layer; the reader clicks L2's
    tab to see its dW: it must stay (it snapped straight back on every step but the first), and
    the next step's layer is followed again."""
    model = nn.MLP(2, [2, 1], activation="tanh", rng=random.Random(1))
    root = losses.mse_loss(model([[0.5, -1.0], [1.5, 0.25]]), [1.0, -1.0])
    opened = Opened(browser, write_stepper(root, tmp_path / "two.html"))
    total = opened.js("autogradStepper.total")
    shown = ("() => [...document.querySelectorAll('#st-layer-tabs button')]"
             ".map(b => b.getAttribute('aria-selected'))")
    opened.js(f"autogradStepper.goTo({total})")
    assert opened.js(shown) == ["true", "false"]  # the last steps write the first layer's gradients
    opened.page.click("#st-layer-tabs button:nth-child(2)")
    assert opened.js(shown) == ["false", "true"]
    assert opened.js("document.querySelector('#st-layer').textContent").count("dW") >= 1
    opened.js(f"autogradStepper.goTo({total - 1})")
    assert opened.js(shown) == ["true", "false"]  # another step: its layer again
    assert not opened.errors
    opened.clean()
