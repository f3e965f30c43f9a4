"""The player's bar of controls, as a page words it: what it steps through, its buttons' texts, the
speeds it offers."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Button:
    """The bar's first or last button: its id, its text, and what it does (its title; the key that
    does the same is added)."""

    id: str
    text: str
    title: str


@dataclass(frozen=True)
class Controls:
    """The bar's words. `label` names what it steps through (for a screen reader), `unit` is one of
    them ("step": the slider is "Step", ◀ is "Previous step"); `prev` and `next` are those buttons'
    texts, `speed` labels the speed menu, whose `speeds` are (milliseconds per frame, its name) with
    `default` selected. The bar's other ids are ``<prefix>-prev``, ``-play``, ``-next``, ``-slider``,
    ``-speed`` and ``-counter``."""

    label: str
    unit: str
    first: Button
    prev: str
    next: str
    last: Button
    speed: str
    speeds: Tuple[Tuple[int, str], ...]
    default: int

    def slots(self) -> Dict[str, str]:
        """The bar's slots in page.html, escaped."""
        words = {"label": self.label, "slider": self.unit.capitalize(), "speed": self.speed,
                 "prev": self.prev, "prev_title": f"Previous {self.unit}",
                 "next": self.next, "next_title": f"Next {self.unit}"}
        for role, button in (("first", self.first), ("last", self.last)):
            words.update({f"{role}_id": button.id, role: button.text, f"{role}_title": button.title})
        out = {key: html.escape(text, quote=True) for key, text in words.items()}
        out["speeds"] = "\n".join(
            f'      <option value="{ms}"{" selected" * (ms == self.default)}>{html.escape(name)}</option>'
            for ms, name in self.speeds)
        return out
