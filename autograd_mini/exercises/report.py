"""The result of checking one exercise: passed or not, the hint, the seed to replay it, and what
the learner's code printed (kept apart from the hint)."""

from __future__ import annotations

from typing import Any, Dict, NamedTuple

PRINTED_LINES = 20  # lines of the learner's printing a report shows


class Report(NamedTuple):
    """``passed`` is True only when every case was right; ``hint`` says what is wrong (empty when
    passed); ``seed`` draws the same cases again (``check(name, answer, seed=...)``); ``printed``
    is what the learner's code printed; ``ops`` maps names to working operations made from the
    learner's accepted formulas (exercise "derivatives")."""

    name: str
    passed: bool
    hint: str
    seed: int
    cases: int
    printed: str = ""
    ops: Dict[str, Any] = {}

    def line(self) -> str:
        """One line: ✓ or ✗, the exercise, the hint."""
        if self.passed:  # (the derivatives exercise counts its formulas, each a working op)
            n, what = (len(self.ops), "formula") if self.ops else (self.cases, "case")
            return f"✓ {self.name}: {n} {what}{'s' if n != 1 else ''} right (seed {self.seed})"
        return f"✗ {self.name}: {self.hint} (seed {self.seed})"

    def __str__(self) -> str:
        lines = self.printed.splitlines()
        if not lines:
            return self.line()
        shown = [f"  | {text}" for text in lines[:PRINTED_LINES]]
        if len(lines) > PRINTED_LINES:
            shown.append(f"  | ... ({len(lines) - PRINTED_LINES} more lines)")
        return "\n".join([self.line(), "  your code printed:", *shown])
