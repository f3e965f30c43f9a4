"""The pages in a real headless Chromium (Debian's `chromium`, driven by Playwright): opening a
stepper page and measuring what a reader sees (text sizes, boxes in view, table cells cut short),
and what the page tests share once a session (a plugin that conftest.py names in pytest_plugins):
the browser, and the moons demo's default run.

Without a browser or Playwright the tests that use `browser` skip, except under CI (CI=true), where
they fail (see needs.py); the stepper's modules also need Graphviz (``needs_dot``).

(PYTEST_DONT_REWRITE: the test modules import this before pytest_plugins makes it a plugin, so
pytest could not rewrite its asserts; they say what failed themselves.)
"""

from __future__ import annotations

import contextlib
import importlib
import io
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Tuple

import needs
import pytest

from autograd_mini.diagnose import TrainingWarning

DEMOS = Path(__file__).resolve().parent.parent / "demos"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    needs.missing("no Chromium found (apt-get install chromium)")
    return ""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every page test of the session (each opens its own pages)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        needs.missing("the playwright package is not installed (pip install -e '.[test]')")
    path = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


class Demo(NamedTuple):
    status: int
    printed: str
    out: Path


def run_demo(name: str, argv: List[str]) -> Demo:
    """The demo's main() in this process: what it returned and printed, and its --out folder. The
    demos print the diagnostics' lines themselves (warn=say): no TrainingWarning may be raised."""
    sys.path.insert(0, str(DEMOS))
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(DEMOS))
    printed = io.StringIO()
    with warnings.catch_warnings(record=True) as seen, contextlib.redirect_stdout(printed), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        status = module.main(argv)
    raised = [str(w.message) for w in seen if issubclass(w.category, TrainingWarning)]
    assert raised == [], f"{name} raised TrainingWarnings: {raised}"
    return Demo(status, printed.getvalue(), Path(argv[argv.index("--out") + 1]))


@pytest.fixture(scope="session")
def moons_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The moons demo's default run (100 steps), once a session: its training page, its stepper
    page (backprop_stepper.html), model.json."""
    return run_demo("moons_classifier", ["--out", str(tmp_path_factory.mktemp("moons_demo"))])


# Where a rectangle sits: inside the graph panel's visible area (its client box, on screen).
_IN_VIEW = """(r, b) => r.left >= b.left - 0.5 && r.right <= b.right + 0.5 && r.top >= b.top - 0.5
    && r.bottom <= b.bottom + 0.5"""
_PANEL = """() => { const g = document.getElementById('st-graph'), r = g.getBoundingClientRect();
    const left = r.left + g.clientLeft, top = r.top + g.clientTop;
    return {left: Math.max(left, 0), top: Math.max(top, 0), right: Math.min(left + g.clientWidth, innerWidth),
            bottom: Math.min(top + g.clientHeight, innerHeight)}; }"""

CURRENT_IN_VIEW = f"""() => {{ const g = document.querySelector('#st-graph g.st-current');
    return g !== null && ({_IN_VIEW})(g.getBoundingClientRect(), ({_PANEL})()); }}"""
"""Whether the box of the step's node lies inside the graph panel's visible area (a JS function)."""

STEP_IN_VIEW = f"""() => {{ const b = ({_PANEL})(), pad = 24, rs = [...document.querySelectorAll(
    '#st-graph .st-current, #st-graph .st-op-active, #st-graph .st-input')]
    .map(e => e.getBoundingClientRect());
    if (!rs.length) return true;
    const width = Math.max(...rs.map(r => r.right)) - Math.min(...rs.map(r => r.left));
    const height = Math.max(...rs.map(r => r.bottom)) - Math.min(...rs.map(r => r.top));
    const fits = width <= b.right - b.left - 2 * pad && height <= b.bottom - b.top - 2 * pad;
    return !fits || rs.every(r => ({_IN_VIEW})(r, b)); }}"""
"""Whether the step's node, its operation and the nodes it reads or sends to are all in the graph
panel's visible area, where they fit in it together (a JS function; where they do not, only the
node is promised: `CURRENT_IN_VIEW`)."""


class Opened:
    """A page opened from disk, with what it logged and requested."""

    def __init__(self, browser: Any, path: Path, width: int = 1400, height: int = 900) -> None:
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: List[str] = []
        self.requests: List[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else 0)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        start = time.perf_counter()
        self.page.goto(self.url)
        self.wait_for("window.autogradStepper && window.autogradStepper.ready")
        self.seconds = time.perf_counter() - start

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def press(self, key: str, times: int, state: str) -> List[Any]:
        """Press `key` `times` times on the keyboard and give what the JS expression `state` was
        after each press: read in the page as the key comes back up (the page has acted on its
        keydown by then), so the whole walk costs the key presses and one more round trip."""
        self.js(f"""() => {{ const seen = [], after = () => seen.push({state});
            window.__pressed = () => {{ document.removeEventListener('keyup', after); return seen; }};
            document.addEventListener('keyup', after); }}""")
        for _ in range(times):
            self.page.keyboard.press(key)
        return self.js("window.__pressed()")  # type: ignore[no-any-return]

    def wait_for(self, expression: str, timeout: float = 10.0) -> None:
        """Poll from here: the page's policy forbids the eval that Playwright's own waiting uses."""
        end = time.perf_counter() + timeout
        while not self.js(expression):
            if time.perf_counter() > end:
                raise AssertionError(f"timed out waiting for {expression}")
            time.sleep(0.01)

    def shown(self) -> Dict[str, Tuple[str, str]]:
        """Each box's data and grad texts, by its data-node name."""
        texts = self.js("""() => Object.fromEntries([...document.querySelectorAll('g[data-node]')].map(g =>
            [g.getAttribute('data-node'), [g.querySelector('text.st-data').textContent,
                                           g.querySelector('text.st-grad').textContent]]))""")
        return {k: (v[0], v[1]) for k, v in texts.items()}

    def text_pixels(self) -> List[float]:
        """The size on screen, in px, of every text in the graph's node boxes."""
        return self.js("""() => [...document.querySelectorAll('#st-graph g[data-node] text')].map(t => {
            const m = t.getScreenCTM();
            return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); })""")

    def boxes_in_view(self) -> Dict[str, bool]:
        """Whether each node's box lies inside the graph panel's visible area (and the window)."""
        return self.js(f"""() => {{ const b = ({_PANEL})(), inside = {_IN_VIEW};
            return Object.fromEntries([...document.querySelectorAll('#st-graph g[data-node]')].map(g =>
                [g.getAttribute('data-node'), inside(g.getBoundingClientRect(), b)])); }}""")

    def cut_cells(self) -> List[str]:
        """The table cells (backward table, step card, matrices) whose text does not fit: wider than
        the cell, or ending in an ellipsis the style adds."""
        cells = "#st-table td, #st-table th, .st-contribs td, .st-contribs th, .st-matrix td"
        return self.js(f"""() => [...document.querySelectorAll('{cells}')].filter(c =>
            c.scrollWidth > c.clientWidth + 0.5 || getComputedStyle(c).textOverflow === 'ellipsis')
            .map(c => c.textContent)""")

    def overflowing(self) -> List[str]:
        """The panels (backward table, step card, the page) wider than their box: a part of them would
        be out of sight without scrolling sideways. (A matrix too wide for the window scrolls inside.)"""
        return self.js("""() => [...document.querySelectorAll('.st-table-wrap, #st-card, body')]
            .filter(e => e.scrollWidth > e.clientWidth + 0.5).map(e => e.id || e.className || e.tagName)""")

    def clean(self) -> None:
        assert self.errors == [], f"the page logged {self.errors}"
        assert set(self.requests) == {self.url}, f"the page asked for {self.requests}"
        self.page.close()
