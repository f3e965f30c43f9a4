"""Formulas as data: the expressions that define every operation, parsed once and printed as code.

An operation's value and its local derivatives are written as text (``"log(1 + exp(x))"``,
``"a / out"``); `parse` reads the text through a whitelist into a small tree of `Num`, `Name`,
`Call`, `BinOp`, `Neg`, `Compare`, `Logic` and `Where` nodes, never through `eval`. A `Syntax`
prints a tree as the source of one language: `PYTHON` here (the interpreter's rules are compiled
from it), C in the tape. The same tree printed twice is the same computation, in the same order,
so the programs give the very floats the interpreter gives.

>>> e = parse("where(x > 0, x, 0.01 * x)", {"x"}, {"exp"}, "ramp")
>>> PYTHON.print(e, {"x": "z"})
'(z if z > 0.0 else 0.01 * z)'
"""

from __future__ import annotations

import ast
import math
from typing import Any, Callable, Collection, Dict, NamedTuple, Tuple, Union


class Num(NamedTuple):
    value: float


class Name(NamedTuple):
    id: str


class Call(NamedTuple):
    fn: str
    args: Tuple[Expr, ...]


class BinOp(NamedTuple):
    op: str  # + - * / **
    left: Expr
    right: Expr


class Neg(NamedTuple):
    operand: Expr


class Compare(NamedTuple):
    op: str  # < <= > >= == !=
    left: Expr
    right: Expr


class Logic(NamedTuple):
    op: str  # and, or
    left: Expr
    right: Expr


class Where(NamedTuple):
    """``where(cond, then, other)``: `then` where `cond` holds, else `other` (only one is computed)."""

    cond: Expr
    then: Expr
    other: Expr


Expr = Union[Num, Name, Call, BinOp, Neg, Compare, Logic, Where]

CONSTANTS = {"pi": math.pi}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_HINTS = {  # what a learner may type, and what to write instead
    "BitXor": "use ** for powers (x**2), not ^",
    "IfExp": "write where(cond, a, b) instead of a if cond else b",
    "Attribute": "attribute access (a.b) is not part of a formula",
    "Subscript": "indexing (a[i]) is not part of a formula",
    "Not": "not is not part of a formula: write the opposite comparison",
}


# ---- parsing ----


def parse(text: str, names: Collection[str], functions: Collection[str], where: str) -> Expr:
    """The tree of formula `text`, which may use `names` and call `functions` (and ``where``).

    Raises ValueError naming `where`, the part of the text at fault, and what is allowed.
    """
    if not isinstance(text, str):
        raise TypeError(f"{where}: a formula must be a str, got {type(text).__name__}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"{where}: invalid syntax in {text.strip()!r}: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ValueError(f"{where}: {text.strip()[:60]!r} is not a formula Python can parse") from None
    return _Reader(text.strip(), set(names), set(functions), where).read(tree.body)


class _Reader:
    def __init__(self, text: str, names: set, functions: set, where: str) -> None:
        self.text, self.names, self.functions, self.where = text, names, functions, where

    def fail(self, node: ast.AST, why: str) -> ValueError:
        part = ast.get_source_segment(self.text, node) or self.text
        return ValueError(f"{self.where}: {why} in {part!r}")

    def read(self, node: ast.AST) -> Expr:  # formulas are short: recursion is fine here
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(node, "only numbers are allowed as constants")
            x = float(node.value)
            if not math.isfinite(x):
                raise self.fail(node, "the number is too large for a float")
            return Num(x)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return BinOp(_BINARY[type(node.op)], self.read(node.left), self.read(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.read(node.operand)
            return Neg(inner) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
                raise self.fail(node, "compare two things at a time (a < b), with < <= > >= == !=")
            return Compare(_COMPARE[type(node.ops[0])], self.read(node.left), self.read(node.comparators[0]))
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            out = self.read(node.values[0])
            for v in node.values[1:]:
                out = Logic(op, out, self.read(v))
            return out
        if isinstance(node, ast.Call):
            return self.call(node)
        what = type(node.op).__name__ if isinstance(node, (ast.BinOp, ast.UnaryOp)) else type(node).__name__
        raise self.fail(node, _HINTS.get(what, f"unsupported syntax ({what})"))

    def name(self, node: ast.Name) -> Expr:
        if node.id in self.names:
            return Name(node.id)
        if node.id in CONSTANTS:
            return Num(CONSTANTS[node.id])
        if node.id in self.functions:
            raise self.fail(node, f"{node.id} is a function: call it, as in {node.id}(x)")
        known = ", ".join(sorted(self.names)) or "none"
        raise self.fail(node, f"unknown name {node.id!r} (the names here: {known}; and pi)")

    def call(self, node: ast.Call) -> Expr:
        f = node.func
        if not isinstance(f, ast.Name) or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "call a function by its name with plain arguments")
        if f.id != "where" and f.id not in self.functions:
            known = ", ".join(sorted(self.functions))
            raise self.fail(f, f"unknown function {f.id!r} (known: where, {known})")
        args = tuple(self.read(a) for a in node.args)
        if f.id == "where":
            if len(args) != 3:
                raise self.fail(node, "where() takes 3 arguments: where(cond, a, b)")
            return Where(*args)
        return Call(f.id, args)


# ---- printing ----


class Syntax:
    """How one language writes each kind of node (see `PYTHON`; the tape defines C's)."""

    def __init__(self, literal: Callable[[float], str], power: Callable[[str, str], str],
                 where: Callable[[str, str, str], str], logic: Dict[str, str],
                 functions: Callable[[str], str]) -> None:
        self.literal = literal
        self.power = power  # None-like infix ** when it returns ''
        self.where = where
        self.logic = logic
        self.functions = functions

    def print(self, e: Expr, names: Dict[str, str], plain: bool = False) -> str:
        """`e` as source, each Name replaced by `names[name]` (already valid source).

        ``==`` and ``!=`` are printed as ordered comparisons (``a < b or a > b``), which mean the
        same on Values (whose ``==`` is identity) and on floats; `plain` prints them as they are,
        for checks that only ever see floats (NaN == 0 is then false, as in IEEE arithmetic).
        """
        return self._print(e, names, plain)[0]

    # each part is printed with its precedence, to put brackets exactly where they are needed:
    # or 1, and 2, comparison 4, + - 5, * / 6, unary - 7, ** 8, atoms 9
    def _print(self, e: Expr, names: Dict[str, str], plain: bool) -> Tuple[str, int]:
        if isinstance(e, Num):
            text = self.literal(e.value)
            return text, 7 if text.startswith("-") else 9
        if isinstance(e, Name):
            return names[e.id], 9
        if isinstance(e, Call):
            args = ", ".join(self._print(a, names, plain)[0] for a in e.args)
            return f"{self.functions(e.fn)}({args})", 9
        if isinstance(e, Neg):
            inner, p = self._print(e.operand, names, plain)
            return f"-{inner if p > 7 else f'({inner})'}", 7  # -(-x): never --x, which C reads as x - 1
        if isinstance(e, BinOp):
            if e.op == "**":
                a, pa = self._print(e.left, names, plain)
                b, pb = self._print(e.right, names, plain)
                text = self.power(a, b)
                if text:
                    return text, 9
                return f"{a if pa > 8 else f'({a})'} ** {b if pb >= 7 else f'({b})'}", 8
            prec = 5 if e.op in "+-" else 6
            left, right = self._sides(e, names, prec, plain)
            return f"{left} {e.op} {right}", prec
        if isinstance(e, Compare):
            a, b = self._side(e.left, names, 4, True, plain), self._side(e.right, names, 4, True, plain)
            if e.op in ("==", "!=") and not plain:  # ordered: what Values and NaN both agree on
                ne = f"{a} < {b} {self.logic['or']} {a} > {b}"
                return (f"({ne})", 9) if e.op == "!=" else (f"{self.logic['not']}({ne})", 3)
            return f"{a} {e.op} {b}", 4
        if isinstance(e, Logic):
            prec = 1 if e.op == "or" else 2
            left, right = self._sides(e, names, prec, plain)
            return f"{left} {self.logic[e.op]} {right}", prec
        cond, then, other = (self._print(x, names, plain)[0] for x in e)
        return self.where(cond, then, other), 9

    def _sides(self, e: Any, names: Dict[str, str], prec: int, plain: bool) -> Tuple[str, str]:
        """A binary node's two operands, bracketed as its precedence needs (left-associative)."""
        return self._side(e.left, names, prec, False, plain), self._side(e.right, names, prec, True, plain)

    def _side(self, e: Expr, names: Dict[str, str], prec: int, right: bool, plain: bool) -> str:
        text, p = self._print(e, names, plain)
        return text if p > prec or (p == prec and not right) else f"({text})"


def _py_literal(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(float(x))


PYTHON = Syntax(
    literal=_py_literal,
    power=lambda a, b: "",
    where=lambda c, a, b: f"({a} if {c} else {b})",
    logic={"and": "and", "or": "or", "not": "not "},
    functions=lambda fn: fn,
)


def children(e: Expr) -> Tuple[Expr, ...]:
    """The sub-formulas `e` is made of."""
    if isinstance(e, (Num, Name)):
        return ()
    if isinstance(e, Call):
        return e.args
    if isinstance(e, Neg):
        return (e.operand,)
    if isinstance(e, Where):
        return tuple(e)
    return (e.left, e.right)


# As a person reads a formula (explain's tables): numbers short, where() as written.
SHOWN = Syntax(
    literal=lambda x: "pi" if x == math.pi else f"{x:.4g}",
    power=lambda a, b: "",
    where=lambda c, a, b: f"where({c}, {a}, {b})",
    logic={"and": "and", "or": "or", "not": "not "},
    functions=lambda fn: fn,
)


def names_in(e: Expr) -> set:
    """The names `e` reads."""
    return {e.id} if isinstance(e, Name) else set().union(*map(names_in, children(e)))


def calls_in(e: Expr) -> set:
    """The functions `e` calls."""
    found = {e.fn} if isinstance(e, Call) else set()
    return found.union(*map(calls_in, children(e)))


_FOLD_ARITH = {"+": float.__add__, "-": float.__sub__, "*": float.__mul__, "/": float.__truediv__}
_FOLD_COMPARE = {
    "<": float.__lt__,
    "<=": float.__le__,
    ">": float.__gt__,
    ">=": float.__ge__,
    "==": float.__eq__,
    "!=": float.__ne__,
}


def fold(e: Expr, names: Dict[str, Expr], predicates: Dict[str, Callable[[float], bool]]) -> Expr:
    """`e` with each Name in `names` replaced, then + - * /, comparisons, where() and the
    `predicates` of numbers computed (one IEEE operation each: the value a program would compute,
    and where() the branch the interpreter takes)."""
    if isinstance(e, Name):
        return names.get(e.id, e)
    if isinstance(e, Num):
        return e
    if isinstance(e, Call):
        args = tuple(fold(a, names, predicates) for a in e.args)
        if e.fn in predicates and all(isinstance(a, Num) for a in args):
            return Num(float(predicates[e.fn](*[a.value for a in args])))  # type: ignore[union-attr]
        return Call(e.fn, args)
    if isinstance(e, Neg):
        x = fold(e.operand, names, predicates)
        return Num(-x.value) if isinstance(x, Num) else Neg(x)
    if isinstance(e, Where):
        c = fold(e.cond, names, predicates)
        if isinstance(c, Num):
            return fold(e.then if c.value else e.other, names, predicates)
        return Where(c, fold(e.then, names, predicates), fold(e.other, names, predicates))
    a, b = fold(e.left, names, predicates), fold(e.right, names, predicates)
    if isinstance(e, Logic):  # (only ever read for its truth)
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Num):
                return y if bool(x.value) == (e.op == "and") else x
        return Logic(e.op, a, b)
    if isinstance(a, Num) and isinstance(b, Num):
        if isinstance(e, Compare):
            return Num(float(_FOLD_COMPARE[e.op](a.value, b.value)))
        if e.op in _FOLD_ARITH and not (e.op == "/" and b.value == 0.0):
            return Num(_FOLD_ARITH[e.op](a.value, b.value))
    return type(e)(e.op, a, b)  # type: ignore[call-arg]


def times(g: Expr, d: Expr) -> Expr:
    """g · d, with g carried into d as a teacher writes it: g·1 is g, g·(p/q) is g·p/q, g·(-p) is
    -(g·p), and into each branch of a where. It is the term the node sends back to one parent."""
    if isinstance(d, Num) and d.value == 1.0:
        return g
    if isinstance(d, Neg):
        return Neg(times(g, d.operand))
    if isinstance(d, Where):
        return Where(d.cond, times(g, d.then), times(g, d.other))
    if isinstance(d, BinOp) and d.op in ("*", "/"):
        return BinOp(d.op, times(g, d.left), d.right)
    return BinOp("*", g, d)
