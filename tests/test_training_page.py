"""The training page in a real headless Chromium (Debian's `chromium`, driven by Playwright).

A real training loop logs its numbers by hand while a TrainingRecorder records it; the page must show
those numbers: ``state()`` equals the log at chosen frames, the readout and the tables show them as
Python's format writes them, and the slider, the buttons and ``goTo`` move every panel. Every request
is routed through the test and refused unless it is the page's own file: the test asserts that none
was made. Without a browser these tests skip, except under CI (CI=true), where they fail.

The demos run here too: a healthy run of each finds nothing (no finding in its page's data), a
diverging one prints why in short lines and keeps its page.

``TRAINING_PICTURES=1 pytest tests/test_training_page.py`` also writes the README's screenshots
(the moons demo's page at its first and last frame) into demos/pictures/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import random
import re
from pathlib import Path
from typing import Any, Dict, List

import browser_page
import needs
import pytest
from browser_page import Demo, run_demo

from autograd_mini import datasets, losses, nn, no_grad, optim
from autograd_mini.training_page import Boundary, Confusion, TrainingRecorder, training_html

ROOT = Path(__file__).resolve().parent.parent
PICTURES = ROOT / "demos" / "pictures"
PROBE = [[-1.0, 0.5], [0.0, 0.0], [0.5, -0.25], [1.5, 1.0], [2.0, -0.5]]
HOSTILE = ['</script><script>window.__pwned = 1</script>', '"><img src=x onerror="window.__pwned = 2">',
           "it's \"quoted\" & <b>bold</b>"]


class Opened(browser_page.Opened):
    """A page opened from disk in its own context, every request but the page's own refused."""

    def __init__(self, browser: Any, path: Path, width: int = 1400, height: int = 1000) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: List[str] = []
        self.errors: List[str] = []
        self.context.route("**/*", lambda route: route.continue_() if route.request.url == self.url
                           else route.abort())
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else 0)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url)
        self.wait_for("window.autogradTraining && window.autogradTraining.ready")

    def panels(self) -> Dict[str, Any]:
        """What every panel shows now: texts, the markers' x and the canvases' pixels."""
        return self.js("""() => ({
            readout: document.getElementById('tr-readout').textContent,
            counter: document.getElementById('tr-counter').textContent,
            markers: [...document.querySelectorAll('line.tr-now')].map(l => l.getAttribute('x1')),
            view: document.getElementById('tr-view-title').textContent +
                  [...document.querySelectorAll('#tr-view canvas, #tr-view table')].map(e =>
                      e.tagName === 'CANVAS' ? e.toDataURL() : e.textContent).join(),
            layers: [...document.querySelectorAll('#tr-layer-table td')].map(c => c.textContent),
            neuron: document.getElementById('tr-neuron-text').textContent +
                    [...document.querySelectorAll('#tr-neuron canvas')].map(c => c.toDataURL()).join(),
            warnings: document.getElementById('tr-warnings').textContent,
            slider: document.getElementById('tr-slider').value})""")

    def clean(self) -> None:
        assert self.errors == []
        assert self.requests == [self.url]  # the page asked for nothing but itself
        self.context.close()


def f4(x: float) -> str:
    return f"{x:.4g}"


# ---- a moons run, logged by hand ----

@pytest.fixture(scope="module")
def moons_run(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    """25 full-batch steps recorded every 5th; the log holds, per step, the loss, the test loss and
    each layer's ‖dW‖ as the loop computes them itself."""
    X, y = datasets.make_moons(80, noise=0.1, seed=3)
    X_test, y_test = datasets.make_moons(30, noise=0.1, seed=4)
    t, t_test = datasets.to_pm1(y), datasets.to_pm1(y_test)
    model = nn.MLP(2, [8, 8, 1], rng=random.Random(2), fused=True)
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)

    def test_loss() -> float:
        return losses.hinge_loss(model(X_test), t_test).data

    recorder = TrainingRecorder(model, opt, every=5, steps=25, view=Boundary(X, y), neuron=(2, 3),
                                test_loss=test_loss, title=HOSTILE[0], subtitle=HOSTILE[2])
    log = []
    for step in range(1, 26):
        opt.zero_grad()
        loss = losses.hinge_loss(model(X), t)
        loss.backward()
        with no_grad():
            tl = test_loss()
        norms = [math.sqrt(sum(w.grad ** 2 for row in layer.weight for w in row)) for layer in model.layers]
        with no_grad():
            probe = [s.data for s in model(PROBE)]  # the engine's scores where the page computes its map
        log.append({"step": step, "loss": loss.data, "test_loss": tl, "grad_norms": norms,
                    "neuron": [w.data for w in model.layers[1].weight[2]], "probe": probe})
        recorder.observe(loss, X)
        opt.step()
    path = recorder.write(tmp_path_factory.mktemp("moons") / "training.html")
    return {"path": path, "log": log, "recorder": recorder}


def test_state_is_the_logged_numbers_and_the_page_shows_them(browser: Any, moons_run: Dict[str, Any]) -> None:
    opened = Opened(browser, moons_run["path"])
    frames = opened.js("autogradTraining.frames.map(f => f.step)")
    assert frames == [1, 5, 10, 15, 20, 25]
    for i in (0, 3, 5):  # three chosen frames
        assert opened.js("i => autogradTraining.goTo(i)", i) == i
        state = opened.js("autogradTraining.state()")
        logged = moons_run["log"][frames[i] - 1]
        assert state["step"] == logged["step"] and opened.js("autogradTraining.index") == i
        assert state["loss"] == logged["loss"] and state["test_loss"] == logged["test_loss"]
        assert state["neuron"] == logged["neuron"]
        page_scores = opened.js("p => autogradTraining.scores(p)", PROBE)
        for got, expected in zip(page_scores, logged["probe"], strict=True):
            assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-14)
        assert len(state["grad_norms"]) == 3
        for got, expected in zip(state["grad_norms"], logged["grad_norms"]):
            assert math.isclose(got, expected, rel_tol=1e-13)
        shown = opened.panels()
        numbers = f"step {logged['step']}loss {f4(logged['loss'])}test loss {f4(logged['test_loss'])}"
        assert shown["readout"] == numbers
        cells = shown["layers"]
        assert [cells[6 * k + 1] for k in range(3)] == [f4(g) for g in state["grad_norms"]]
        assert [cells[6 * k + 3] for k in range(3)] == [f4(r) for r in state["grad_ratios"]]
        assert shown["neuron"] == "w = [" + ", ".join(f4(w) for w in logged["neuron"]) + "]"
    opened.clean()


def test_the_slider_buttons_keys_and_goto_move_every_panel(browser: Any, moons_run: Dict[str, Any]) -> None:
    opened = Opened(browser, moons_run["path"])
    page, last = opened.page, 5
    seen = [opened.panels()]
    page.fill("#tr-slider", "2")
    assert opened.js("autogradTraining.index") == 2
    seen.append(opened.panels())
    for key in ("readout", "counter", "markers", "view", "layers", "neuron", "slider"):
        assert seen[0][key] != seen[1][key], key
    assert opened.js("autogradTraining.goTo(2)") == 2 and opened.panels() == seen[1]  # the slider is goTo
    page.click("#tr-next")
    assert opened.js("autogradTraining.index") == 3
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowLeft")
    assert opened.js("autogradTraining.index") == 2
    page.keyboard.press("End")
    assert opened.js("autogradTraining.index") == last and page.is_disabled("#tr-next")
    page.click("#tr-first")
    assert opened.js("autogradTraining.index") == 0 and page.is_disabled("#tr-prev")
    assert opened.panels() == seen[0]  # back where it started, exactly
    assert opened.js("autogradTraining.goTo(-3)") == 0 and opened.js("autogradTraining.goTo(99)") == last
    page.select_option("#tr-speed", "150")
    opened.js("autogradTraining.goTo(0); autogradTraining.play()")
    opened.wait_for("autogradTraining.index >= 2")
    opened.js("autogradTraining.pause()")
    stopped = opened.js("autogradTraining.index")
    page.wait_for_timeout(400)
    assert opened.js("autogradTraining.index") == stopped and page.text_content("#tr-play") == "▶ Play"
    opened.clean()


def test_the_policy_allows_the_pages_own_style_and_script_and_nothing_else(moons_run: Dict[str, Any]) -> None:
    text = moons_run["path"].read_text(encoding="utf-8")
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    (style,) = re.findall(r"<style>(.*?)</style>", text, re.S)
    (script,) = re.findall(r"<script>(.*?)</script>", text, re.S)  # (and the data, typed JSON)

    def sha(part: str) -> str:
        return base64.b64encode(hashlib.sha256(part.encode("utf-8")).digest()).decode()

    assert csp == f"default-src 'none'; style-src 'sha256-{sha(style)}'; script-src 'sha256-{sha(script)}'"
    assert not re.search(r"\s(src|href)=", text)
    for word in ("fetch(", "XMLHttpRequest", "import(", "@import", "url(", "http:", "https:"):
        assert word not in style + script.replace('"http://www.w3.org/2000/svg"', "")  # (a name, not a fetch)


def test_hostile_labels_are_shown_as_text_and_never_run(browser: Any, moons_run: Dict[str, Any]) -> None:
    opened = Opened(browser, moons_run["path"])
    assert opened.js("window.__pwned") is None
    assert opened.js("document.getElementById('tr-title').textContent") == HOSTILE[0]
    assert opened.js("document.getElementById('tr-subtitle').textContent") == HOSTILE[2]
    assert opened.js("document.title") == HOSTILE[0]
    assert opened.js("document.querySelectorAll('img, script').length") == 2  # the data and the script
    opened.clean()


# ---- a classifier of three classes: the confusion matrix, an image neuron, warnings ----

def test_the_confusion_matrix_is_the_engines_and_warnings_are_on_the_timeline(browser: Any,
                                                                              tmp_path: Path) -> None:
    X, y = datasets.make_blobs(60, noise=0.6, seed=5, centers=3)
    X_test, y_test = X[40:], y[40:]
    model = nn.MLP(2, [6, 3], rng=random.Random(0), fused=True)
    for b in model.layers[0].bias[:4]:
        b.data = -50.0  # four of six units dead: the diagnostics warn at step 1
    opt = optim.Adam(model.parameters(), lr=0.05)
    names = HOSTILE
    recorder = TrainingRecorder(model, opt, every=4, steps=12, view=Confusion(X_test, y_test, names),
                                neuron=(1, 5), image=(1, 2), warn=False)
    matrices = {}
    for step in range(1, 13):
        opt.zero_grad()
        loss = losses.softmax_cross_entropy(model(X[:40]), y[:40])
        loss.backward()
        if recorder.monitor.due():
            with no_grad():
                logits = model(X_test)
                predicted = [max(range(3), key=lambda k: row[k].data) for row in logits]
                cross = losses.softmax_cross_entropy(logits, y_test).data
            matrix = [[0] * 3 for _ in range(3)]
            for p, t in zip(predicted, y_test):
                matrix[t][p] += 1
            matrices[step] = (matrix, cross)
        recorder.observe(loss, X[:40])
        opt.step()
    opened = Opened(browser, recorder.write(tmp_path / "c.html"))
    assert opened.js("autogradTraining.frames.map(f => f.step)") == [1, 4, 8, 12]
    for i, step in enumerate([1, 4, 8, 12]):
        opened.js("i => autogradTraining.goTo(i)", i)
        state = opened.js("autogradTraining.state()")
        matrix, cross = matrices[step]
        assert state["view"]["matrix"] == matrix
        assert math.isclose(state["test_loss"], cross, rel_tol=1e-12)
        cells = opened.js("[...document.querySelectorAll('#tr-confusion tr')].slice(1)"
                          ".map(r => [...r.querySelectorAll('td')].map(c => c.textContent))")
        assert cells == [[str(c) for c in row] for row in matrix]
        listed = opened.js("[...document.querySelectorAll('#tr-warnings li')].map(li => li.textContent)")
        latest = {(f.kind, f.layer): f.message for f in recorder.monitor.report.findings if f.step <= step}
        assert listed == list(latest.values())  # one line per problem: its latest finding so far
        assert len(recorder.monitor.report.findings) > len(latest)  # the dead layer is found at every step
        if step == 1:
            assert state["warnings"] == [recorder.monitor.report.findings[0].message]
            assert "layer 1 (6 relu): 4 of 6 units (67%)" in state["warnings"][0]
            current = opened.js("document.querySelector('#tr-warnings li.tr-current').textContent")
            assert current == state["warnings"][0]
    heads = opened.js("[...document.querySelectorAll('#tr-confusion th')].map(c => c.textContent)")
    assert heads[1:4] == names and heads[4:] == names  # the class names, as text
    assert opened.js("window.__pwned") is None
    assert opened.js("document.querySelectorAll('path.tr-warn').length") >= 2  # on both timelines
    image = opened.js("[...document.querySelectorAll('#tr-neuron canvas')].map(c => [c.width, c.height])")
    assert image == [[2, 1]]
    # red where a weight is positive, blue where negative: as weights.png and the graph pictures
    w = opened.js("autogradTraining.state().neuron")
    pixels = opened.js("(() => { const c = document.querySelector('#tr-neuron canvas');"
                       " return [...c.getContext('2d').getImageData(0, 0, 2, 1).data]; })()")
    for k, wk in enumerate(w):
        red, blue = pixels[4 * k], pixels[4 * k + 2]
        assert (red > blue) == (wk > 0) and wk != 0, (w, pixels)
    assert "red where a bright pixel raises the neuron's output" in opened.js(
        "document.querySelector('#tr-neuron .tr-key').textContent")
    opened.clean()


def test_nothing_recorded_is_refused_and_bad_options_named() -> None:
    model = nn.MLP(2, [4, 1], rng=random.Random(0))
    recorder = TrainingRecorder(model)
    with pytest.raises(ValueError, match="training_html: nothing was recorded"):
        training_html(recorder.data())
    with pytest.raises(ValueError, match=r"TrainingRecorder: the model has no neuron \(3, 1\)"):
        TrainingRecorder(model, neuron=(3, 1))
    with pytest.raises(ValueError, match="an image of 3×3 pixels does not hold the neuron's 2 weights"):
        TrainingRecorder(model, image=(3, 3))
    with pytest.raises(TypeError, match="TrainingRecorder: view must be a Boundary, a Confusion or None"):
        TrainingRecorder(model, view="moons")
    with pytest.raises(ValueError, match="Confusion: the model has 1 outputs for 2 class names"):
        Confusion([[0.0, 1.0]], [1]).frame(model.layers)


# ---- the demos: healthy runs find nothing, a diverging one says why ----

def page_data(demo: Demo) -> Dict[str, Any]:
    """The data of the demo's training page."""
    page = (demo.out / "training.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="tr-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found[1])  # type: ignore[no-any-return]


def test_a_healthy_moons_run_finds_nothing(moons_demo: Demo) -> None:
    data = page_data(moons_demo)  # the default run: 100 steps
    assert moons_demo.status == 0 and data["findings"] == [] and "diagnose:" not in moons_demo.printed
    assert [f["step"] for f in data["frames"]] == [1, *range(10, 101, 10)]


def test_a_healthy_digits_run_finds_nothing(tmp_path: Path) -> None:
    needs.module("sklearn", "pip install -e '.[demo]'")
    argv = ["--limit", "160", "--epochs", "2", "--hidden", "16", "--compile", "off", "--out", str(tmp_path)]
    demo = run_demo("digits_classifier", argv)
    data = page_data(demo)
    assert demo.status == 0 and data["findings"] == [] and "diagnose:" not in demo.printed
    assert len(data["frames"]) >= 5 and data["neuron"]["image"] == [8, 8]


def test_a_diverging_moons_run_prints_why_in_short_lines_and_keeps_its_page(tmp_path: Path) -> None:
    demo = run_demo("moons_classifier", ["--lr", "100", "--samples", "60", "--out", str(tmp_path)])
    printed, data = demo.printed, page_data(demo)
    said = [line for line in printed.splitlines() if line.startswith("diagnose: ")]
    assert demo.status == 1 and said[0].startswith("diagnose: step 2: the loss ")
    assert "lower it (it is 100; try 10)" in printed.replace("\n    ", " ")
    assert all(len(line) <= 100 for line in printed.splitlines() if line.startswith(("diagnose", "    ")))
    assert data["findings"][0]["kind"] == "divergence" and data["findings"][0]["step"] == 2


# ---- the demo's page: size, and the README's screenshots ----

def test_the_moons_demos_page_is_small_and_its_first_and_last_frames(browser: Any, moons_demo: Demo,
                                                                     tmp_path: Path,
                                                                     record_property: Any) -> None:
    assert moons_demo.status == 0  # the default run: 100 steps
    path = moons_demo.out / "training.html"
    size = path.stat().st_size
    record_property("moons_training_page_bytes", size)
    assert size < 2_000_000
    opened = Opened(browser, path, width=1400, height=1000)
    assert opened.js("autogradTraining.frames.length") == 11
    folder = PICTURES if os.environ.get("TRAINING_PICTURES") == "1" else tmp_path
    for name, index in (("training_first", 0), ("training_last", 10)):
        opened.js("i => autogradTraining.goTo(i)", index)
        shot = folder / f"{name}.png"
        opened.page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    last = opened.js("autogradTraining.state()")
    assert last["step"] == 100 and last["warnings"] == []
    opened.clean()
