"""What a user's op (`defop`) may call, checked when it is defined, so that no formula fails later
with a bare KeyError or TypeError: each function known and usable where it is called, with as
many arguments as it takes.

- A value formula runs on floats: it may call the operations and `MATH_FUNCTIONS`, the math
  library's functions from a real number to a real number that C has under the same name (the
  generated C programs call them). factorial, gcd or isclose take or give no real number.
- A derivative runs on Values too, where it is differentiated again: it may call operations only.
- An op that keeps a number (an activation's slope) is called in a formula with its arguments
  alone; its number is its default there.
"""

from __future__ import annotations

import math
from typing import Dict, Iterator, Sequence, Set, Tuple

from .expr import SHOWN, Call, Expr, calls_in, children, names_in, parse

MATH_FUNCTIONS = frozenset(n for n in (
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "cosh", "erfc", "exp2", "fabs", "lgamma",
    "log10", "log2", "sinh", "tan") if hasattr(math, n))  # (cbrt, exp2: Python 3.11)

# a function's number of arguments, and what to say of a number it keeps: {name: (count, note)}
Arities = Dict[str, Tuple[int, str]]


def parse_value(text: str, scope: Set[str], known: Set[str], name: str, where: str) -> Expr:
    """The tree of op `name`'s value formula, which may call `known`; a formula that calls the op
    itself is parsed too (Op refuses it with a message of its own)."""
    try:
        return parse(text, scope, known, f"{where} {name}: value")
    except ValueError as error:
        try:
            return parse(text, scope, known | {name}, f"{where} {name}: value")
        except ValueError:
            raise error from None


def derivatives_call_ops(name: str, args: Sequence[str], grads: Sequence[Expr], ops: Set[str]) -> None:
    """ValueError unless each function the derivatives of op `name` call is an op (or itself)."""
    for k, (a, d) in enumerate(zip(args, grads)):
        unknown = sorted(calls_in(d) - ops - {name})
        if unknown:
            raise ValueError(f"defop {name}: grads[{k}] (d{name}/d{a}) calls {unknown[0]}, which is no "
                             f"operation: a derivative is itself differentiated, so it may call only "
                             f"where(cond, a, b), {name} and the operations {', '.join(sorted(ops))}; define "
                             f"{unknown[0]} with defop first (a value formula may also call the math "
                             f"functions {', '.join(sorted(MATH_FUNCTIONS))})")


def check_arities(name: str, parts: Sequence[Tuple[str, Expr]], arities: Arities) -> None:
    """ValueError naming the part of op `name` (``("value", tree)``...) where a function is called
    with another number of arguments than it takes (one, for a function not in `arities`)."""
    for part, tree in parts:
        for call in _calls(tree):
            count, note = arities.get(call.fn, (1, ""))
            if len(call.args) != count:
                text = SHOWN.print(call, {n: n for n in names_in(call)}, plain=True)
                raise ValueError(f"defop {name}: {part}: {call.fn}() takes {count} argument"
                                 f"{'' if count == 1 else 's'}{note}, got {len(call.args)} in {text!r}")


def _calls(e: Expr) -> Iterator[Call]:
    if isinstance(e, Call):
        yield e
    for c in children(e):
        yield from _calls(c)
