"""The `autograd-mini` command: draw or explain the gradient of a formula.

    autograd-mini graph 'tanh(w*x + b)' --set x=0.5 --set w=-3 --set b=2 -o graph.svg
    autograd-mini explain 'x*y + sin(x)' --set x=1 --set y=2

The formula is read by `autograd_mini.formula` (a whitelist of numbers, names, arithmetic and the
engine's functions; never `eval`). Every error is one line on stderr, ``autograd-mini: error: ...``;
bad input (an unwritable output included) exits with status 2, a picture Graphviz could not draw
with status 1. Each subcommand is a function ``run_NAME(args)`` registered in `COMMANDS`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Callable, Dict, List, NoReturn, Optional, Sequence

from . import __version__
from .cli_exercises import add_exercises_parser, run_exercises, said
from .engine import Value
from .formula import FUNCTIONS, ExprError, Formula, parse_settings, short
from .viz import FORMATS, MAX_NODES, RANKDIRS, SOURCE_SUFFIXES, STEPPER_SUFFIX, GraphTooLarge, render

PROG = "autograd-mini"
MAX_FORMULA = 100_000  # characters: about a second to explain, a few MB of output
EPILOG = (
    f"A formula may use numbers, variables, + - * / **, unary minus and the functions "
    f"{', '.join(FUNCTIONS)}. A formula that starts with '-' may stand anywhere ('-x*x'), except one "
    f"that looks like an option, which goes last, after --: graph --set x=1 -- '-x'. A formula has at "
    f"most {MAX_FORMULA:,} characters."
)


# what argparse may take for an option (or a negative number): any other token that starts with '-',
# such as '-x*x', is a formula, which main() moves after '--' so that argparse reads it as one
_OPTION_LIKE = re.compile(r"(--[\w-]+(=.*)?|-\w+|-\d*\.\d+)\Z", re.DOTALL)


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line like the command's own."""

    def error(self, message: str) -> NoReturn:
        if message.endswith("required: expression"):  # '-x' read as an option, perhaps
            message += f"; a formula that starts with '-' goes last, after --: {self.prog} -- '-x'"
        _fail(f"{message} (see {self.prog} --help)", 2)


def one_line(message: str) -> str:
    """`message`'s lines joined into one: after a full stop with a space, else with '; '."""
    parts = [part.strip() for part in str(message).splitlines() if part.strip()]
    line = parts[0] if parts else ""
    for part in parts[1:]:
        line += " " + part if line.endswith((".", ":", ";", ",")) else "; " + part
    return line


def _fail(message: str, status: int) -> NoReturn:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)
    raise SystemExit(status)


def _add_formula_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="the formula, e.g. 'tanh(w*x + b)' (quote it for the shell)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="the value of a variable; repeat for each variable")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Draw or explain the gradient of a formula, node by node.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        words = said(text)
        p: argparse.ArgumentParser = sub.add_parser(
            name, help=words["help"], description=words["description"], epilog=EPILOG)
        _add_formula_arguments(p)
        return p

    g = command("graph", "draw the formula's graph with its gradients")
    g.add_argument("-o", "--output", default="graph.svg",
                   help="picture to write: .svg, .png or .pdf, .dot for the source, or .html for a page "
                        "that steps through the backward pass (default: graph.svg)")
    g.add_argument("--rankdir", default="LR", choices=RANKDIRS,
                   help="direction of the data flow (default: LR, left to right)")
    g.add_argument("--max-nodes", type=int, default=MAX_NODES,
                   help=f"refuse larger graphs (default: {MAX_NODES})")
    command("explain", "print the backward pass as a table of chain-rule steps")
    c = command("compile", "print the program autodiff writes for the formula: its forward and backward "
                "pass as straight-line Python (or C with --c)")
    c.add_argument("--c", action="store_true", help="write the program in C instead of Python")
    add_exercises_parser(sub)
    return parser


def _report(result: Value, leaves: Dict[str, Value]) -> List[str]:
    width = max([len(n) for n in leaves] + [6])
    lines = [f"{'result'.ljust(width)} = {result.data:.6g}"]
    lines += [
        f"{name.ljust(width)} = {v.data:<12.6g} d(result)/d{name} = {v.grad:.6g}"
        for name, v in leaves.items()
    ]
    return lines


def _note_unused(formula: Formula) -> None:
    unused = sorted(set(formula.values) - set(formula.leaves))
    if unused:
        print(f"{PROG}: note: set but not used: {', '.join(unused)}", file=sys.stderr)


def run_explain(args: argparse.Namespace) -> None:
    formula = Formula(args.expression, parse_settings(args.set))
    print(formula.explain())
    _note_unused(formula)


def _check_output(args: argparse.Namespace) -> Path:
    """The picture's path, checked before any work: a known suffix, in a folder that exists."""
    path = Path(args.output)
    where = f"-o {short(args.output)}"
    if path.suffix.lower() not in (*FORMATS, *SOURCE_SUFFIXES, STEPPER_SUFFIX):
        raise ExprError(f"{where}: unknown file type; use .svg, .png, .pdf, .dot or .html")
    if not path.parent.is_dir():
        raise ExprError(f"{where}: there is no folder {short(str(path.parent))} to write it in")
    if path.is_dir():
        raise ExprError(f"{where} is a folder; name a file in it, such as {path / 'graph.svg'}")
    if args.max_nodes < 1:
        raise ExprError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    return path


def run_graph(args: argparse.Namespace) -> None:
    path = _check_output(args)
    formula = Formula(args.expression, parse_settings(args.set))
    formula.backward()
    print("\n".join(_report(formula.result, formula.leaves)))
    _note_unused(formula)
    try:
        written = render(formula.result, path, rankdir=args.rankdir, max_nodes=args.max_nodes)
    except GraphTooLarge as e:  # the user can raise the limit
        _fail(f"the graph has {e.count} nodes, more than --max-nodes {e.limit}; pass --max-nodes {e.count} "
              f"to draw it anyway (Graphviz gets slow on big graphs), or -o with .dot for its source", 2)
    except OSError as e:  # an unwritable path: render names it
        _fail(str(e), 2)
    except RuntimeError as e:  # Graphviz missing, too slow or failing
        _fail(str(e), 1)
    print(f"wrote {written}")


def run_compile(args: argparse.Namespace) -> None:
    from .tape import source_of

    formula = Formula(args.expression, parse_settings(args.set))
    print(source_of(formula.result, title=args.expression, backend="c" if args.c else "python"), end="")
    _note_unused(formula)


def _formula_last(argv: List[str]) -> List[str]:
    """`argv` with the first token after the command that starts with '-' and cannot be an option
    ('-x*x', '-sin(x)') moved after '--', where argparse takes it for the formula. A formula that
    looks like an option ('-x') must be written after '--' by the user, as the help says."""
    command = next((i for i, token in enumerate(argv) if token in COMMANDS), None)
    if command is None or "--" in argv:
        return argv
    for i in range(command + 1, len(argv)):
        if argv[i].startswith("-") and not _OPTION_LIKE.match(argv[i]):
            return [*argv[:i], *argv[i + 1 :], "--", argv[i]]
    return argv


COMMANDS: Dict[str, Callable[[argparse.Namespace], None]] = {
    "graph": run_graph, "explain": run_explain, "compile": run_compile, "exercises": run_exercises,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); returns the exit status."""
    args = build_parser().parse_args(_formula_last(list(sys.argv[1:] if argv is None else argv)))
    if args.command is None:
        _fail(f"choose a command, {' or '.join(COMMANDS)} (see {PROG} --help)", 2)
    if len(getattr(args, "expression", "")) > MAX_FORMULA:
        _fail(f"the formula has {len(args.expression):,} characters; at most {MAX_FORMULA:,} characters "
              "are read", 2)
    try:
        COMMANDS[args.command](args)
    except (ValueError, ArithmeticError) as e:  # ExprError, and the engine's domain errors
        _fail(str(e), 2)
    except BrokenPipeError:  # the reader stopped reading (| head): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141  # 128 + SIGPIPE
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
