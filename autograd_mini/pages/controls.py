"""The player's bar of controls, as a page words it: its buttons' texts, the speeds it offers."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Button:
    """One of the bar's four moving buttons: its id, its text, and what it does (its title; the
    key that does the same is added)."""

    id: str
    text: str
    title: str


@dataclass(frozen=True)
class Controls:
    """The bar's words: `label` names what it steps through (for a screen reader), `slider` and
    `speed` label the slider and the speed menu, `speeds` are (milliseconds per frame, its name) with
    `default` selected. Play, the slider, the speed menu and the counter have the ids
    ``<prefix>-play``, ``<prefix>-slider``, ``<prefix>-speed`` and ``<prefix>-counter``."""

    label: str
    first: Button
    prev: Button
    next: Button
    last: Button
    slider: str
    speed: str
    speeds: Tuple[Tuple[int, str], ...]
    default: int

    def slots(self) -> Dict[str, str]:
        """The bar's slots in page.html, escaped."""
        out = {key: html.escape(value, quote=True) for key, value in
               (("label", self.label), ("slider", self.slider), ("speed", self.speed))}
        for role in ("first", "prev", "next", "last"):
            button: Button = getattr(self, role)
            out[f"{role}_id"] = html.escape(button.id, quote=True)
            out[role] = html.escape(button.text)
            out[f"{role}_title"] = html.escape(button.title, quote=True)
        out["speeds"] = "\n".join(
            f'      <option value="{ms}"{" selected" * (ms == self.default)}>{html.escape(name)}</option>'
            for ms, name in self.speeds)
        return out
