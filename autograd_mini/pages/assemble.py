"""Assemble a page: the shared frame (page.html) around the page's own body, its style after the
shared one, its script parts after the shared ones, its data as JSON.

Nothing on a page comes from the network: a Content-Security-Policy allows no source but the page's
own inline style and script, named by their SHA-256, so a browser refuses anything else outright.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Mapping, Tuple

from .controls import Controls

_SLOT = re.compile(r"\{\{(\w+)\}\}")
SHARED_STYLE = "base.css"
# the parts every page's script starts with, in the order they run
SHARED_SCRIPT = ("dom.js", "format.js", "player.js")


@dataclass(frozen=True)
class Page:
    """One kind of page: where its files are, its ids' prefix and what its bar of controls says.

    `package` holds `body` (the template of what comes after the bar), `css` and the `script` parts
    (in the order they run, after the shared ones; they share one function's scope and must leave a
    window.<name> behind). Ids start with `prefix`: ``st`` gives ``st-title``, ``st-data``,
    ``st-play``. `csp` adds to the policy (``"img-src data:"``).
    """

    package: str
    prefix: str
    generator: str
    body: str
    css: str
    script: Tuple[str, ...]
    controls: Controls
    csp: str = ""

    def style_text(self) -> str:
        """The page's stylesheet: the shared one, then its own."""
        return _style(self)

    def script_text(self) -> str:
        """The page's script: the shared parts and its own, joined in one function, so that they
        share names and leave only what they put on ``window`` behind."""
        return _script(self)

    def render(self, *, title: str, heading: str, data: Any, **slots: str) -> str:
        """The page: `title` (the window's), `heading` (the h1's; "" to leave it to the script),
        `data` (as JSON in ``<prefix>-data``) and the body's `slots` (HTML, put in as they are).
        Each template is filled in one pass, so no inserted text is ever read as a slot."""
        css, js = self.style_text(), self.script_text()
        policy = f"default-src 'none'; style-src '{_sha(css)}'; script-src '{_sha(js)}'"
        return fill(asset(__package__, "page.html"), {
            **self.controls.slots(),
            "csp": policy + (f"; {self.csp}" if self.csp else ""),
            "generator": html.escape(self.generator, quote=True),
            "title": html.escape(title, quote=True),
            "heading": html.escape(heading, quote=True),
            "p": self.prefix,
            "css": css,
            "js": js,
            "body": fill(asset(self.package, self.body), slots),
            "data": script_json(data),
        })


@cache
def asset(package: str, name: str) -> str:
    """The text of one of `package`'s page files (a template, a stylesheet, a script part)."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def fill(template: str, slots: Mapping[str, str]) -> str:
    """`template` with each ``{{name}}`` replaced by ``slots[name]``, in one pass."""
    return _SLOT.sub(lambda m: slots[m.group(1)], template)


def script_json(data: Any) -> str:
    """`data` as JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` in it."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _style(page: Page) -> str:
    return asset(__package__, SHARED_STYLE) + asset(page.package, page.css)


@cache
def _script(page: Page) -> str:
    parts = [asset(__package__, p) for p in SHARED_SCRIPT] + [asset(page.package, p) for p in page.script]
    body = "\n".join(parts)
    return f'(function () {{\n"use strict";\n{body}}})();\n'


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
