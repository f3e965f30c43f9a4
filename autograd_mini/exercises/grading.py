"""Judge one case's answer against the engine's: the first output with the wrong shape or the
first wrong element, and which known mistake (if any) the learner's output is.

>>> outputs = [Output("dB", [1.0, 2.0], "n", "dB = dZ")]
>>> mistakes = [Mistake("dB", [-1.0, -2.0], "A sign error.")]
>>> judge([-1.0, -2.0], outputs, mistakes).hint
'dB[0] is -1, the right value is 1. A sign error.'
"""

from __future__ import annotations

from typing import Any, Callable, List, NamedTuple, Optional, Sequence

from .shapes import elements, factor, first_difference, number, said, same, shape_of


class Output(NamedTuple):
    """One thing the learner's function returns: its name, the engine's value, its shape in
    symbols ("n×m"; "n" for a list; "" for a number) and the formula that gives it."""

    name: str
    right: Any
    dims: str
    formula: str


class Mistake(NamedTuple):
    """A known wrong answer: what `output` is when the learner makes it, and the words that say so."""

    output: str
    value: Any
    words: str


class Verdict(NamedTuple):
    hint: str
    known: bool  # whether the hint names a known mistake


class Case(NamedTuple):
    """One graded call: the learner's function gets `args`; `judge` says what is wrong with what it
    returned (None when it is right); `label` names the case in a hint."""

    args: tuple
    label: str
    judge: Callable[[Any], Optional[Verdict]]


def judge(returned: Any, outputs: Sequence[Output], mistakes: Sequence[Mistake]) -> Optional[Verdict]:
    """The verdict on `returned` (plain values, one per output), or None when every output is right."""
    names = ", ".join(o.name for o in outputs)
    if len(outputs) > 1:
        if not isinstance(returned, list) or len(returned) != len(outputs):
            got = "None (a missing return?)" if returned is None else said(shape_of(returned))
            if isinstance(returned, list):
                got = f"{len(returned)} value{'s' if len(returned) != 1 else ''}"
            return Verdict(f"return the {len(outputs)} values ({names}), got {got}", False)
    else:
        returned = [returned]
    for output, got in zip(outputs, returned):
        verdict = _one(output, got, [m for m in mistakes if m.output == output.name])
        if verdict is not None:
            return verdict
    return None


def _one(output: Output, got: Any, mistakes: Sequence[Mistake]) -> Optional[Verdict]:
    known = [m for m in mistakes if not same(m.value, output.right) and same(got, m.value)]
    words = f" {known[0].words}" if known else ""
    shape, right_shape = shape_of(got), shape_of(output.right)
    if shape != right_shape:
        dims = f" ({output.dims})" if output.dims else ""
        hint = f"{output.name} must be {said(right_shape)}{dims}, got {said(shape)}."
        return Verdict(hint + (words or f" Use {output.formula}."), bool(known))
    wrong = first_difference(got, output.right)
    if wrong is None:
        return None
    index, mine, right = wrong
    hint = f"{output.name}{index} is {number(mine)}, the right value is {number(right)}."
    if not known:
        c = factor(got, output.right) if len(elements(got)) > 1 else None  # (any number is c times another)
        scaled = f" Your {output.name} is {number(c)} times the right one." if c is not None else ""
        return Verdict(f"{hint}{scaled} Use {output.formula}.", False)
    return Verdict(hint + words, True)


def choose(verdicts: List[Optional[Verdict]], labels: Sequence[str]) -> Optional[str]:
    """The hint of the first case whose failure is a known mistake, else of the first failing case;
    when that is not the first failing case, the first one is said too."""
    failing = [(i, v) for i, v in enumerate(verdicts) if v is not None]
    if not failing:
        return None
    i, v = next(((i, v) for i, v in failing if v.known), failing[0])
    hint = f"case {i + 1} of {len(labels)} ({labels[i]}): {v.hint}" if len(labels) > 1 else v.hint
    first, w = failing[0]
    if first != i:
        hint += f" (Case {first + 1} ({labels[first]}) failed too: {w.hint})"
    return hint
