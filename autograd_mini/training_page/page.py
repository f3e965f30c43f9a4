"""The training page: one self-contained HTML file (its style, script and data inline) that plays
the recorded training and can be scrubbed with a slider; its frame, its bar of controls and the
parts of its style and script it shares with the stepper's page are autograd_mini.pages'.

Nothing on the page comes from the network: a Content-Security-Policy allows no source but the
page's own inline style and script, named by their SHA-256, so a browser refuses anything else.
Every text that comes from the user (the title, layer and class names, the warnings) is data in a
JSON block and reaches the page as text (``textContent``), never as HTML.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Union

from .. import checks
from ..atomic import write_atomic
from ..pages import Button, Controls, Page

PAGE = Page(
    package="autograd_mini.training_page", prefix="tr", generator="training page", body="training.html",
    css="training.css", script=("charts.js", "panels.js", "controls.js"),
    controls=Controls(
        label="Recorded steps", unit="recorded step", prev="◀", next="▶",
        first=Button("tr-first", "|◀", "First recorded step"),
        last=Button("tr-last", "▶|", "Last recorded step"),
        speed="Frames per second while playing", default=400,
        speeds=((1000, "1 frame/s"), (400, "2.5 frames/s"), (150, "fast"))))


def training_html(data: Dict[str, Any]) -> str:
    """The page for `data` (what `TrainingRecorder.data()` gives)."""
    if not isinstance(data, dict) or not isinstance(data.get("frames"), list):
        raise TypeError(f"training_html: expected the data of a TrainingRecorder, got {checks.shown(data)}")
    if not data["frames"]:
        raise ValueError("training_html: nothing was recorded (no frames): call recorder.observe() in "
                         "the loop")
    return PAGE.render(title=str(data.get("title", "")), heading="", data=data)


def write_training_page(data: Dict[str, Any], path: Union[str, os.PathLike]) -> Path:
    """Write `training_html(data)` to `path` atomically; returns the path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"write_training_page: path must be a str or os.PathLike, got {checks.shown(path)}")
    page = training_html(data)
    target = Path(path)
    write_atomic(target, page)
    return target

