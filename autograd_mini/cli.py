"""The `autograd-mini` command: draw or explain the gradient of a formula.

    autograd-mini graph 'tanh(w*x + b)' --set x=0.5 --set w=-3 --set b=2 -o graph.svg
    autograd-mini explain 'x*y + sin(x)' --set x=1 --set y=2

The formula is parsed with Python's `ast` and walked through a whitelist (numbers, variable names,
``+ - * / **``, unary ``-``/``+`` and one-argument calls of the engine's functions); it is never
given to `eval`. Every error is one line on stderr, ``autograd-mini: error: ...``; bad input
exits with status 2, a picture that could not be written with status 1.
"""

from __future__ import annotations

import argparse
import ast
import math
import operator
import sys
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, Tuple, Union

from . import __version__
from .engine import Value
from .viz import MAX_NODES, RANKDIRS

PROG = "autograd-mini"
FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs")
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
# What a learner might type, by the ast node's class: named in the error instead of 'Attribute'.
_SYNTAX_NAMES = {
    "Attribute": "attribute access (a.b)",
    "Subscript": "indexing (a[i])",
    "Lambda": "lambda",
    "Compare": "comparisons",
    "BoolOp": "and/or",
    "IfExp": "if-else expressions",
    "FloorDiv": "the operator //",
    "Mod": "the operator %",
    "MatMult": "the operator @",
    "Not": "not",
    "Tuple": "tuples",
    "List": "lists",
    "JoinedStr": "f-strings",
    "NamedExpr": "the operator :=",
    "Invert": "the operator ~",
}

Number = Union[float, Value]


class ExprError(ValueError):
    """A formula the command cannot compute: the message is shown to the user as is."""


class _Evaluator:
    """Computes a parsed formula: numbers stay floats, each variable is one leaf Value."""

    def __init__(self, values: Dict[str, float]) -> None:
        self.values = values
        self.leaves: Dict[str, Value] = {}  # in the order the formula first uses them

    def run(self, node: ast.AST) -> Number:
        if isinstance(node, ast.Expression):
            return self.run(node.body)
        if isinstance(node, ast.Constant):
            c = node.value
            if isinstance(c, bool) or not isinstance(c, (int, float)):
                raise ExprError(f"unsupported constant {c!r}: only numbers are allowed")
            try:
                x = float(c)
            except OverflowError:
                raise ExprError(f"the number {c} is too large") from None
            if not math.isfinite(x):
                raise ExprError(f"the number {ast.unparse(node)} is too large")
            return x
        if isinstance(node, ast.Name):
            return self.variable(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            a, b = self.run(node.left), self.run(node.right)
            return _apply(_BINARY[type(node.op)], a, b)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            a = self.run(node.operand)
            return -a if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.Call):
            return self.call(node)
        what = type(node.op).__name__ if isinstance(node, (ast.BinOp, ast.UnaryOp)) else type(node).__name__
        raise ExprError(f"unsupported syntax: {_SYNTAX_NAMES.get(what, what)}")

    def variable(self, name: str) -> Value:
        if name in self.leaves:
            return self.leaves[name]
        if name in FUNCTIONS:
            raise ExprError(f"{name} is a function: call it, as in {name}(x)")
        if name not in self.values:
            raise ExprError(f"variable {name!r} is not set: add --set {name}=VALUE")
        v = self.leaves[name] = Value(self.values[name], label=name)
        return v

    def call(self, node: ast.Call) -> Number:
        f = node.func
        if not isinstance(f, ast.Name):
            raise ExprError(f"unsupported call of {ast.unparse(f)!r}: call one of {', '.join(FUNCTIONS)}")
        if f.id not in FUNCTIONS:
            raise ExprError(f"unknown function {f.id!r}: use one of {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExprError(f"{f.id}() takes exactly one argument")
        x = self.run(node.args[0])
        if isinstance(x, Value):
            return abs(x) if f.id == "abs" else getattr(x, f.id)()
        # a constant: computed by the engine too, for the same domain checks and messages
        c = Value(x)
        return (abs(c) if f.id == "abs" else getattr(c, f.id)()).data


def _apply(op: Callable[[Any, Any], Any], a: Number, b: Number) -> Number:
    if not isinstance(a, Value) and not isinstance(b, Value):  # constants: the engine's checks
        return op(Value(a), b).data
    return op(a, b)


def parse_expression(text: str, values: Dict[str, float]) -> Tuple[Value, Dict[str, Value]]:
    """Compute `text` with the variables in `values`: (result Value, {name: leaf Value}).

    Raises ExprError (a ValueError) for anything outside the whitelist, and the engine's
    ValueError/ZeroDivisionError/OverflowError for values out of a function's domain.

    >>> y, leaves = parse_expression('x**2 + 1', {'x': 3.0})
    >>> y.data, list(leaves)
    (10.0, ['x'])
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"invalid syntax in {_short(text)}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError("the expression is nested too deeply") from None
    ev = _Evaluator(values)
    try:
        result = ev.run(tree)
    except RecursionError:
        raise ExprError("the expression is nested too deeply") from None
    if not isinstance(result, Value):
        raise ExprError(f"{_short(text)} uses no variable, so there is nothing to differentiate")
    return result, ev.leaves


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def parse_settings(settings: Sequence[str]) -> Dict[str, float]:
    """``['x=0.5', 'w=-3']`` -> ``{'x': 0.5, 'w': -3.0}``; ExprError for a malformed one."""
    values: Dict[str, float] = {}
    for s in settings:
        name, eq, text = s.partition("=")
        name, text = name.strip(), text.strip()
        if not eq or not name.isidentifier():
            raise ExprError(f"bad --set {s!r}: expected NAME=NUMBER, as in --set x=0.5")
        if name in FUNCTIONS:
            raise ExprError(f"bad --set {s!r}: {name} is a function name")
        if name in values:
            raise ExprError(f"bad --set {s!r}: {name} is set twice")
        try:
            x = float(text)
        except ValueError:
            raise ExprError(f"bad --set {s!r}: {text!r} is not a number") from None
        if not math.isfinite(x):
            raise ExprError(f"bad --set {s!r}: the value must be a finite number")
        values[name] = x
    return values


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line like the command's own."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        _fail(f"{message}{hint}", 2)


def _fail(message: str, status: int) -> NoReturn:
    one_line = "; ".join(part.strip() for part in str(message).splitlines() if part.strip())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    raise SystemExit(status)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Draw or explain the gradient of a formula, node by node.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    epilog = (
        f"A formula may use numbers, variables, + - * / **, unary minus and the functions "
        f"{', '.join(FUNCTIONS)}. A formula that starts with '-' goes last, after --: "
        "graph --set x=1 -- '-x*x'."
    )
    g = sub.add_parser("graph", help="draw the formula's graph with its gradients", epilog=epilog)
    e = sub.add_parser(
        "explain", help="print the backward pass as a table of chain-rule steps", epilog=epilog
    )
    for p in (g, e):
        p.add_argument("expression", help="the formula, e.g. 'tanh(w*x + b)' (quote it for the shell)")
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="the value of a variable; repeat for each variable",
        )
    g.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="picture to write: .svg, .png or .pdf, or .dot for the source (default: graph.svg)",
    )
    g.add_argument(
        "--rankdir",
        default="LR",
        choices=RANKDIRS,
        help="direction of the data flow (default: LR, left to right)",
    )
    g.add_argument(
        "--max-nodes", type=int, default=MAX_NODES, help=f"refuse larger graphs (default: {MAX_NODES})"
    )
    return parser


def _report(result: Value, leaves: Dict[str, Value]) -> List[str]:
    width = max([len(n) for n in leaves] + [6])
    lines = [f"{'result'.ljust(width)} = {result.data:.6g}"]
    lines += [
        f"{name.ljust(width)} = {v.data:<12.6g} d(result)/d{name} = {v.grad:.6g}"
        for name, v in leaves.items()
    ]
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); returns the exit status."""
    from .viz import FORMATS, SOURCE_SUFFIXES, render

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        _fail(f"choose a command, graph or explain (see {PROG} --help)", 2)
    try:
        values = parse_settings(args.set)
        if args.command == "graph":
            from pathlib import Path

            suffix = Path(args.output).suffix.lower()
            if suffix not in FORMATS and suffix not in SOURCE_SUFFIXES:
                raise ExprError(f"-o {args.output!r}: unknown file type; use .svg, .png, .pdf or .dot")
            if args.max_nodes < 1:
                raise ExprError(f"--max-nodes must be at least 1, got {args.max_nodes}")
        result, leaves = parse_expression(args.expression, values)
        unused = sorted(set(values) - set(leaves))
        if args.command == "explain":
            from .explanation import explain

            print(explain(result))
        else:
            result.backward()
            print("\n".join(_report(result, leaves)))
    except (ValueError, ArithmeticError) as e:  # ExprError, and the engine's domain errors
        _fail(str(e), 2)
    if unused:
        print(f"{PROG}: note: set but not used: {', '.join(unused)}", file=sys.stderr)
    if args.command == "graph":
        try:
            path = render(result, args.output, rankdir=args.rankdir, max_nodes=args.max_nodes)
        except ValueError as e:  # too many nodes: the user can raise the limit
            _fail(str(e).replace("pass max_nodes=", "pass --max-nodes "), 2)
        except (RuntimeError, OSError) as e:  # GraphvizMissing, dot failing, an unwritable path
            _fail(str(e), 1)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
