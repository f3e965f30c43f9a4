"""The stepper pages a class sees, measured in a real headless Chromium at 1024×768 and 1400×900.

Three pages: the command line's formula page, the moons demo's (its trained output layer on three
points) and the layer demo's (backprop_by_hand.py: 62 nodes, too many to fit with 12 px text). On each:

- on open every node text is at least 12 px; a graph that fits at that size is shown whole, every box
  inside the panel, and stays so after "whole graph"; one that does not fit shows its whole self one
  click away;
- at every step the step's node is in view (and at the last step at least 80 % of the boxes are,
  where the graph fits);
- no cell of the backward table, the step card or the matrices is cut short, and neither the table,
  the card nor the page is wider than the window;
- the moons page's matrices have the shapes of the layer it shows.

``STEPPER_SCREENS=folder`` keeps a screenshot of each page at each size there;
``STEPPER_PICTURES=1`` writes the README's pictures of the demos' pages into demos/pictures/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from browser_page import CURRENT_IN_VIEW, DEMOS, STEP_IN_VIEW, Demo, Opened, run_demo
from needs import needs_dot

pytestmark = needs_dot
SIZES = [(1024, 768), (1400, 900)]
PAGES = ["formula", "moons", "layer"]
FITS = {"formula": True, "layer": False}  # the moons page may go either way


@pytest.fixture(scope="module")
def pages(moons_demo: Demo, tmp_path_factory: Any) -> Dict[str, Path]:
    from autograd_mini.cli import main

    folder = tmp_path_factory.mktemp("pages")
    assert main(["graph", "tanh(w*x + b)", "--set", "x=0.5", "--set", "w=-3", "--set", "b=2",
                 "-o", str(folder / "backprop.html")]) == 0
    assert moons_demo.status == 0
    assert run_demo("backprop_by_hand", ["--out", str(folder / "layer")]).status == 0
    return {"formula": folder / "backprop.html", "moons": moons_demo.out / "backprop_stepper.html",
            "layer": folder / "layer" / "layer_stepper.html"}


@pytest.fixture(params=[(name, size) for name in PAGES for size in SIZES],
                ids=lambda p: f"{p[0]}-{p[1][0]}x{p[1][1]}")
def page(request: Any, browser: Any, pages: Dict[str, Path]) -> Iterator[Tuple[str, Any, Opened]]:
    """(its name, the window's size, the page opened at that size); nothing logged, nothing fetched."""
    name, size = request.param
    opened = Opened(browser, pages[name], *size)
    yield name, size, opened
    opened.clean()


def test_on_open_every_text_is_12px_and_a_graph_that_fits_is_whole(page: Tuple[str, Any, Opened]) -> None:
    name, size, opened = page
    assert min(opened.text_pixels()) >= 12.0
    whole = opened.js("autogradStepper.whole()")
    if name in FITS:
        assert whole is FITS[name]
    if whole:
        assert all(opened.boxes_in_view().values())
        opened.page.click("#st-zoom-fit")
        assert min(opened.text_pixels()) >= 12.0 and all(opened.boxes_in_view().values())
    else:
        assert not all(opened.boxes_in_view().values())
        opened.page.click("#st-zoom-fit")  # the overview: smaller text allowed
        assert all(opened.boxes_in_view().values())
        opened.page.click("#st-zoom-read")
        assert min(opened.text_pixels()) >= 12.0
    opened.page.set_viewport_size({"width": size[0] - 200, "height": size[1]})  # a resize fits again
    opened.js("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # resized
    assert min(opened.text_pixels()) >= 12.0


def test_every_steps_node_is_in_view_and_no_cell_is_cut(page: Tuple[str, Any, Opened]) -> None:
    name, size, opened = page
    total = opened.js("autogradStepper.total")
    assert opened.cut_cells() == []
    # step by step to the end (in one round trip: test_browser.py presses the keys), the step's
    # node in view after each
    seen = opened.js(f"""() => {{ const inView = {CURRENT_IN_VIEW}, stepInView = {STEP_IN_VIEW}, seen = [];
        while (autogradStepper.index < autogradStepper.total)
            seen.push([autogradStepper.next(), inView(), stepInView()]);
        return seen; }}""")
    assert seen == [[i, True, True] for i in range(1, total + 1)]  # and its inputs too, where they fit
    assert min(opened.text_pixels()) >= 12.0
    shown = list(opened.boxes_in_view().values())
    if opened.js("autogradStepper.whole()"):
        assert sum(shown) >= 0.8 * len(shown)
    assert opened.cut_cells() == [] and opened.overflowing() == []
    opened.js(f"autogradStepper.goTo({total - max(1, total // 4)})")  # three quarters through
    assert opened.cut_cells() == []
    _screenshot(opened, f"{name}_{size[0]}x{size[1]}.png")


def _screenshot(opened: Opened, name: str) -> None:
    folder = os.environ.get("STEPPER_SCREENS")
    if folder:  # (animations disabled: the colours as they end, not as they fade in)
        opened.page.screenshot(path=str(Path(folder) / name), animations="disabled")
    if os.environ.get("STEPPER_PICTURES") == "1" and name in README_PICTURES:
        opened.page.screenshot(path=str(DEMOS / "pictures" / README_PICTURES[name]), animations="disabled")


README_PICTURES = {"moons_1400x900.png": "demo_moons_stepper.png",
                   "layer_1400x900.png": "demo_layer_stepper.png"}


def _matrix(opened: Opened, key: str) -> List[List[str]]:
    return opened.js("""t => [...[...document.querySelectorAll('.st-matrix')]
        .find(f => f.querySelector('figcaption').firstChild.textContent.split(' ')[0] === t)
        .querySelectorAll('tr')].map(r => [...r.children].map(c => c.textContent))""", key)


def test_the_moons_page_shows_its_layer_whole_in_the_layers_shapes(
    browser: Any, pages: Dict[str, Path]
) -> None:
    state = json.loads((pages["moons"].parent / "model.json").read_text())["state_dict"]
    keys = sorted(k for k in state if k.endswith(".weight"))
    weight = state[keys[-1]]  # the output layer: the one the page shows
    n, m = len(weight), len(weight[0])
    opened = Opened(browser, pages["moons"], 1400, 900)
    title = opened.js("document.getElementById('st-title').textContent")
    assert f"({n} neuron × {m} inputs), 3 training points" in title
    assert opened.js("[...document.querySelectorAll('#st-layer-tabs button')].map(b => b.textContent)") == [
        f"L{len(keys)} ({n}×{m}, batch of 3)"]
    opened.page.keyboard.press("End")
    shapes = {key: (len(rows), len(rows[0])) for key in ("A_prev", "W", "B", "Z", "dZ", "dW", "dB")
              for rows in [_matrix(opened, key)]}  # no activation on the output layer: Z is its output
    assert shapes == {"A_prev": (m, 3), "W": (n, m), "B": (n, 1), "Z": (n, 3), "dZ": (n, 3), "dW": (n, m),
                      "dB": (n, 1)}
    assert _matrix(opened, "W") == [[f"{w:.4g}" for w in row] for row in weight]  # every trained weight
    grads = opened.js("autogradStepper.grads()")
    assert any(grads[f"L{len(keys)}.N1.w{k}"] != 0.0 for k in range(1, m + 1))  # points inside the margin
    opened.clean()
