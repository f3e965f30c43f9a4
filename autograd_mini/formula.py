"""Formulas typed by a user, such as ``'tanh(w*x + b)'``, computed as a graph of `Value`s.

The text is parsed with Python's `ast` and walked through a whitelist (numbers, variable names,
``+ - * / **``, unary ``-``/``+`` and calls of the operations' functions, `functions()`: the
built-in ones and any defined with `defop` before the formula is read); it is never given to
`eval`. Names are read as Python reads them (NFKC: ``ｘ`` is ``x``), in the formula and in the
values alike. The walk keeps its own stack, so any formula Python's parser accepts is computed,
however long (a sum of 5,000 terms included). Every error names the part of the formula at fault
as the user typed it: ``in log(x): log: needs a positive input, got -1.0``.

>>> f = Formula('x**2 + 1', {'x': 3.0})
>>> f.result.data, list(f.leaves)
(10.0, ['x'])
>>> f.backward()
>>> f.leaves['x'].grad
6.0
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import unicodedata
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .engine import OPS, Value, backward_order, call_text
from .engine.op import functions
from .explanation import Explanation, explain

FUNCTIONS = tuple(functions())  # the built-in ones; `functions()` adds those defined since
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
    "BitXor": "the operator ^ (write ** for powers, as in x**2)",
}

Number = Union[float, Value]


class ExprError(ValueError):
    """A formula the command cannot compute: the message is shown to the user as is."""


def short(text: str, limit: int = 60) -> str:
    """`text` quoted, on one line, cut to about `limit` characters."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)")


class Formula:
    """`text` computed with `values`: its `result`, and its variables as `leaves` (by name, in
    the order the formula first uses them). `backward()` and `explain()` name the part of the
    formula where a derivative fails."""

    def __init__(self, text: str, values: Dict[str, float]) -> None:
        self.text = text.strip()
        self.values = {normal_name(k): v for k, v in values.items()}
        self.leaves: Dict[str, Value] = {}
        self.made_by: Dict[Value, ast.AST] = {}  # the part of the formula that made each node
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as e:
            raise ExprError(f"invalid syntax in {short(self.text)}: {e.msg}") from None
        except ValueError as e:  # a NUL character, on Pythons that do not call it a SyntaxError
            raise ExprError(f"invalid formula {short(self.text)}: {e}") from None
        except (RecursionError, MemoryError):  # Python's own parser gave up
            raise ExprError("the expression is nested too deeply for Python's parser: many nested "
                            "parentheses or signs, or a long chain of operators (x + x + ... parses as "
                            "nested sums: use fewer terms)") from None
        result = self._run(tree.body)
        if not isinstance(result, Value):
            raise ExprError(f"{short(self.text)} uses no variable, so there is nothing to differentiate")
        self.result = result

    # ---- the walk: inputs first, with an explicit stack ----

    def _run(self, top: ast.AST) -> Number:
        todo: List[Tuple[ast.AST, Optional[int]]] = [(top, None)]  # (node, its number of inputs once seen)
        done: List[Number] = []
        while todo:
            node, arity = todo.pop()
            if arity is None:  # first visit: check it, then compute its inputs before it
                inputs = self._inputs(node)
                todo.append((node, len(inputs)))
                todo.extend((i, None) for i in reversed(inputs))
            else:
                args = done[len(done) - arity :]
                del done[len(done) - arity :]
                done.append(self._compute(node, args))
        return done[0]

    def _inputs(self, node: ast.AST) -> List[ast.AST]:
        """The sub-formulas `node` is computed from; ExprError for anything off the whitelist."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExprError(f"unsupported constant {short(self.segment(node))}: only numbers are allowed")
            return []
        if isinstance(node, ast.Name):
            return []
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return [node.operand]
        if isinstance(node, ast.Call):
            return self._arguments(node)
        what = type(node.op).__name__ if isinstance(node, (ast.BinOp, ast.UnaryOp)) else type(node).__name__
        raise ExprError(f"unsupported syntax: {_SYNTAX_NAMES.get(what, what)}")

    def _arguments(self, node: ast.Call) -> List[ast.AST]:
        f, known = node.func, ", ".join(functions())
        if not isinstance(f, ast.Name):
            raise ExprError(f"unsupported call of {short(self.segment(f))}: call one of {known}")
        if f.id == "where":
            raise ExprError("where() belongs to the formulas that define an operation (defop), where a "
                            "derivative may take a branch; a formula here is one value of its variables")
        if f.id not in known.split(", "):
            raise ExprError(f"unknown function {short(self.segment(f))}: use one of {known}")
        op = OPS[f.id]
        n = len(op.args)
        given = len(node.args) - n  # 1: the op's own number too, as in f(x, 0.1)
        if node.keywords or given not in ((0, 1) if op.const else (0,)) or \
                any(isinstance(a, ast.Starred) for a in node.args):
            takes = "one argument" if n == 1 else f"{n} arguments"
            also = f", and its {op.const} if not {op.default:g}" if op.const else ""
            raise ExprError(f"{f.id}() takes {takes}{also}")
        return list(node.args)

    def _compute(self, node: ast.AST, args: List[Number]) -> Number:
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._variable(node)
        try:
            out = _operation(node, args)
        except (ValueError, ArithmeticError) as e:  # the engine's domain errors
            raise type(e)(f"in {short(self.segment(node))}: {e}") from None
        if isinstance(out, Value):
            self.made_by[out] = node
        return out

    def _number(self, node: ast.Constant) -> float:
        try:
            x = float(node.value)  # type: ignore[arg-type]  # _inputs let only numbers through
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):  # 1e999 is read as inf: name it as typed
            raise ExprError(f"the number {short(self.segment(node))} is too large for a float")
        return x

    def _variable(self, node: ast.Name) -> Value:
        name = node.id  # already NFKC-normalised by Python's parser
        if name in self.leaves:
            return self.leaves[name]
        typed = self.segment(node)
        if name in functions():
            raise ExprError(f"{typed} is a function: call it, as in {typed}(x)")
        if name == "pi" and name not in self.values:  # the number, as in the operations' formulas
            return math.pi  # type: ignore[return-value]
        if name not in self.values:
            raise ExprError(f"variable {short(typed)} is not set: add --set {typed}=VALUE")
        v = self.leaves[name] = Value(self.values[name], label=name)
        return v

    def segment(self, node: ast.AST) -> str:
        """The text of `node` as the user typed it."""
        return ast.get_source_segment(self.text, node) or type(node).__name__

    # ---- derivatives ----

    def backward(self) -> None:
        """``result.backward()``, an error naming the part of the formula where it failed."""
        try:
            self.result.backward()
        except (ValueError, ArithmeticError) as e:
            raise self._reworded(e) from None

    def explain(self) -> Explanation:
        """``explain(result)``, an error naming the part of the formula where it failed."""
        try:
            return explain(self.result)
        except (ValueError, ArithmeticError) as e:
            raise self._reworded(e) from None

    def _reworded(self, error: Exception) -> Exception:
        """`error` with the part of the formula where the backward pass failed."""
        v = self._failing_node()
        if v is None or v not in self.made_by:
            return error
        typed, shown, message = short(self.segment(self.made_by[v])), call_text(v), str(error)
        if f" {shown} " in f" {message} ":
            return type(error)(message.replace(shown, f"{typed} (here {shown})", 1))
        return type(error)(f"{message} (in {typed})")

    def _failing_node(self) -> Optional[Value]:
        """The node the backward pass failed at: the first, in the engine's order, that receives a
        gradient (a 0 is not sent on) and whose local derivative fails or overflows a parent's
        gradient. Only to name it: the gradients themselves come from the engine."""
        upstream: Dict[Value, float] = {self.result: 1.0}
        for v in backward_order(self.result):
            g = upstream.get(v, 0.0)
            if g == 0.0:
                continue
            try:
                local = v.local_derivatives()
            except (ValueError, ArithmeticError):
                return v
            for p, d in zip(v.parents, local):
                upstream[p] = upstream.get(p, 0.0) + g * d
                if not math.isfinite(upstream[p]):
                    return v
        return None


def _operation(node: ast.AST, args: List[Number]) -> Number:
    if isinstance(node, ast.BinOp):
        return _apply(_BINARY[type(node.op)], *args)
    if isinstance(node, ast.UnaryOp):
        return -args[0] if isinstance(node.op, ast.USub) else args[0]
    op = OPS[node.func.id]  # type: ignore[attr-defined]
    if len(args) > len(op.args):  # its own number given (a slope): through its method
        x, c = args
        if isinstance(c, Value):
            raise ExprError(f"{op.name}(): its {op.const} must be a number, not a formula of the variables")
        out = getattr(x if isinstance(x, Value) else Value(x), op.name)(c)
        return out if isinstance(x, Value) else out.data
    if any(isinstance(x, Value) for x in args):
        return op(*args)
    return op(*args).data  # constants: computed by the engine too, for the same checks and messages


def _apply(op: Callable[[Any, Any], Any], a: Number, b: Number) -> Number:
    if not isinstance(a, Value) and not isinstance(b, Value):  # constants: the engine's checks
        return op(Value(a), b).data  # type: ignore[no-any-return]
    return op(a, b)  # type: ignore[no-any-return]


def parse_expression(text: str, values: Dict[str, float]) -> Tuple[Value, Dict[str, Value]]:
    """Compute `text` with the variables in `values`: (result Value, {name: leaf Value}).

    Raises ExprError (a ValueError) for anything outside the whitelist, and the engine's
    ValueError/ZeroDivisionError/OverflowError, naming the part of `text`, for values out of a
    function's domain.

    >>> y, leaves = parse_expression('x**2 + 1', {'x': 3.0})
    >>> y.data, list(leaves)
    (10.0, ['x'])
    """
    f = Formula(text, values)
    return f.result, f.leaves


def normal_name(name: str) -> str:
    """A variable's name as Python reads it in a formula: NFKC-normalised (``ｘ`` -> ``x``)."""
    return unicodedata.normalize("NFKC", name)


def parse_settings(settings: Sequence[str]) -> Dict[str, float]:
    """``['x=0.5', 'w=-3']`` -> ``{'x': 0.5, 'w': -3.0}``; ExprError for a malformed one.

    >>> parse_settings(['ｘ=2'])
    {'x': 2.0}
    """
    values: Dict[str, float] = {}
    for s in settings:
        name, eq, text = s.partition("=")
        name, text = normal_name(name.strip()), text.strip()
        bad = f"bad --set {short(s, 40)}"
        if not eq or not name.isidentifier():
            raise ExprError(f"{bad}: expected NAME=NUMBER, as in --set x=0.5")
        if keyword.iskeyword(name):
            raise ExprError(f"{bad}: {name} is a Python keyword, which a formula cannot use as a name")
        if name in functions():
            raise ExprError(f"{bad}: {name} is a function name")
        if name in values:
            raise ExprError(f"{bad}: {name} is set twice")
        try:
            x = float(text)
        except ValueError:
            raise ExprError(f"{bad}: {short(text, 40)} is not a number") from None
        if not math.isfinite(x):
            raise ExprError(f"{bad}: the value must be a finite number")
        values[name] = x
    return values
