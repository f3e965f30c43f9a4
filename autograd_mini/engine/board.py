"""The derivative table of the built-in operations, as Markdown: the board a course starts from.

It is printed from the definitions in `ops.py`, never typed, so it cannot drift from the code:
``python -m autograd_mini.engine.board README.md`` rewrites the table between the README's
``<!-- derivative table -->`` and ``<!-- end of derivative table -->`` lines; with no file it
prints the table.

>>> print(derivative_table().splitlines()[9])
| `x * c` | `x * c` | ∂/∂x = `c` |
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from ..atomic import write_atomic
from .expr import SHOWN
from .op import Op
from .ops import RULES

START, END = "<!-- derivative table -->", "<!-- end of derivative table -->"
PROG = "python -m autograd_mini.engine.board"
_WRITTEN = {  # how a user writes each operator op
    "add": "x + y", "add_const": "x + c", "sub": "x - y", "sub_const": "x - c", "rsub": "c - x",
    "neg": "-x", "mul": "x * y", "mul_const": "x * c", "div": "x / y", "div_const": "x / c",
    "rdiv": "c / x", "pow": "x ** y", "pow_const": "x ** c", "rpow": "c ** x", "abs": "abs(x)",
}


def _written(op: Op) -> str:
    if op.name in _WRITTEN:
        return _WRITTEN[op.name]
    extra = f", {op.const}={op.default:g}" if op.const else ""
    return f"x.{op.name}({extra.lstrip(', ')})"


def derivative_table() -> str:
    """One row per built-in op: how you write it, its value, and its local derivatives."""
    lines = ["| you write | value | local derivatives (`out` is the value) |", "|---|---|---|"]
    for op in RULES.values():
        if not isinstance(op, Op):
            continue
        names = dict(zip(op.args, ("x", "y")), out="out")
        if op.const:
            names[op.const] = "c" if op.name in _WRITTEN else op.const
        shown = {n: SHOWN.print(d, names, plain=True) for n, d in zip(op.args, op.grads)}
        grads = ", ".join(f"∂/∂{names[a]} = `{t}`" for a, t in shown.items())
        lines.append(f"| `{_written(op)}` | `{SHOWN.print(op.value, names, plain=True)}` | {grads} |")
    return "\n".join(lines) + "\n"


def rewrite(path: Path) -> bool:
    """Put the table into `path` between its markers; whether the file changed."""
    text = path.read_text(encoding="utf-8")
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"board: {str(path)!r} has no {START} ... {END} lines")
    new = f"{head}{START}\n{derivative_table()}{END}{tail}"
    if new != text:
        write_atomic(path, new, "board")
    return new != text


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, as the command's other errors
        _fail(f"{message} (see {PROG} --help)")


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _Parser(prog=PROG, description="Print the derivative table of the built-in operations, or "
                     f"rewrite it in each FILE between its {START} and {END} lines.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="a Markdown file with the table (README.md)")
    args = parser.parse_args(argv)
    if not args.files:
        print(derivative_table(), end="")
    for name in args.files:
        try:
            changed = rewrite(Path(name))
        except OSError as e:
            _fail(f"cannot rewrite {name!r}: {(e.strerror or str(e)).lower()}")
        except UnicodeDecodeError:
            _fail(f"cannot rewrite {name!r}: it is not UTF-8 text")
        except ValueError as e:  # no table in it
            _fail(str(e).removeprefix("board: "))
        print(f"{name}: {'rewritten' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
