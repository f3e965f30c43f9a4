"""The training page: one self-contained HTML file (its style, script and data inline) that plays
the recorded training and can be scrubbed with a slider.

Nothing on the page comes from the network: a Content-Security-Policy allows no source but the
page's own inline style and script, named by their SHA-256, so a browser refuses anything else.
Every text that comes from the user (the title, layer and class names, the warnings) is data in a
JSON block and reaches the page as text (``textContent``), never as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Union

from .. import checks
from ..atomic import write_atomic
from ..stepper import page as stepper_page

_SLOT = re.compile(r"\{\{(\w+)\}\}")
# the script's parts, in the order they run, joined in one function's scope; numbers are written as
# Python's format writes them by the stepper's format.js
SCRIPT_PARTS = ("charts.js", "panels.js", "controls.js")


@cache
def asset(name: str) -> str:
    """The text of one of this package's page files."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def script() -> str:
    body = "\n".join([stepper_page.asset("format.js"), *(asset(part) for part in SCRIPT_PARTS)])
    return f'(function () {{\n"use strict";\n{body}}})();\n'


def training_html(data: Dict[str, Any]) -> str:
    """The page for `data` (what `TrainingRecorder.data()` gives)."""
    if not isinstance(data, dict) or not isinstance(data.get("frames"), list):
        raise TypeError(f"training_html: expected the data of a TrainingRecorder, got {checks.shown(data)}")
    if not data["frames"]:
        raise ValueError("training_html: nothing was recorded (no frames): call recorder.observe() in "
                         "the loop")
    css, js = asset("training.css"), script()
    slots = {
        "title": html.escape(str(data.get("title", "")), quote=True),
        "csp": f"default-src 'none'; style-src '{_sha(css)}'; script-src '{_sha(js)}'",
        "css": css,
        "js": js,
        "data": stepper_page.script_json(data),
    }
    return _SLOT.sub(lambda m: slots[m.group(1)], asset("training.html"))


def write_training_page(data: Dict[str, Any], path: Union[str, os.PathLike]) -> Path:
    """Write `training_html(data)` to `path` atomically; returns the path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"write_training_page: path must be a str or os.PathLike, got {checks.shown(path)}")
    page = training_html(data)
    target = Path(path)
    write_atomic(target, page)
    return target


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
