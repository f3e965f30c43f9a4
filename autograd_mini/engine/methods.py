"""`Value`'s operation methods, written from the one definition of each op (`ops.py`).

Each method is Python source printed from the op's formulas, then compiled once: its checks,
its value (the formula itself, inline, so ``x * y`` costs what a hand-written method costs) and
one ``record(...)`` call that makes the node. ``print(method_source("__truediv__"))`` shows one:

>>> print(method_source("exp"))
def exp(self):
    try:
        out = exp(self.data)
    except (ValueError, ArithmeticError) as e:
        out = failed(EXP, (self.data,), None, e)
    return record(out, (self,), EXP)
<BLANKLINE>
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from . import ops  # noqa: F401  (the table: it fills BUILT_IN)
from .expr import PYTHON, BinOp, Expr, calls_in, children
from .op import BUILT_IN, Op, failed, float_functions
from .rules import SUM
from .value import Value, constant, record

# method: (the op when the other operand is a Value, the op when it is a number)
BINARY: Dict[str, Tuple[Optional[str], str]] = {
    "__add__": ("add", "add_const"),
    "__sub__": ("sub", "sub_const"),
    "__rsub__": (None, "rsub"),
    "__mul__": ("mul", "mul_const"),
    "__truediv__": ("div", "div_const"),
    "__rtruediv__": (None, "rdiv"),
    "__pow__": ("pow", "pow_const"),
    "__rpow__": (None, "rpow"),
}
SAME = {"__radd__": "__add__", "__rmul__": "__mul__"}  # c + x is x + c, c * x is x * c
UNARY = {"__neg__": "neg", "__abs__": "abs"}
_SAFE = {"tanh", "sigmoid", "abs", "erf"}  # functions that never raise on a float


def _may_raise(e: Expr) -> bool:
    """Whether computing `e` on floats can raise (a division, a power, or a function call)."""
    if isinstance(e, BinOp) and e.op in ("/", "**"):
        return True
    return bool(calls_in(e) - _SAFE) or any(_may_raise(c) for c in children(e))


def _node(op: Op, names: Dict[str, str], parents: str, const: str, indent: str) -> List[str]:
    """The lines that check the inputs, compute the value and make the node."""
    lines = []
    for cond, error, message in op.raises:
        text = message.format(**{n: "{" + names[n] + "!r}" for n in op.params()})
        lines.append(f"{indent}if {PYTHON.print(cond, names, plain=True)}:")
        lines.append(f"{indent}    raise {error.__name__}(f{op.symbol + ': ' + text!r})")
    value = PYTHON.print(op.value, names)
    tail = f", {const}" if const != "None" else ""
    if not _may_raise(op.value):
        return lines + [f"{indent}return record({value}, {parents}, {op.name.upper()}{tail})"]
    inputs = "(" + ", ".join(names[a] for a in op.args) + ("," if len(op.args) == 1 else "") + ")"
    return lines + [
        f"{indent}try:",
        f"{indent}    out = {value}",
        f"{indent}except (ValueError, ArithmeticError) as e:",
        f"{indent}    out = failed({op.name.upper()}, {inputs}, {const}, e)",
        f"{indent}return record(out, {parents}, {op.name.upper()}{tail})",
    ]


def method_source(method: str) -> str:
    """The source of `Value`'s method `method`, as printed from its op's definition."""
    if method in BINARY:
        with_value, with_number = BINARY[method]
        lines = [f"def {method}(self, other):"]
        if with_value:
            op = BUILT_IN[with_value]
            lines.append("    if type(other) is Value:")
            names = {op.args[0]: "self.data", op.args[1]: "other.data"}
            lines += _node(op, names, "(self, other)", "None", "        ")
        op = BUILT_IN[with_number]
        lines.append(f"    c = const(other, {op.symbol!r})")
        lines += _node(op, {op.args[0]: "self.data", op.const: "c"}, "(self,)", "c", "    ")
        return "\n".join(lines) + "\n"
    op = BUILT_IN[UNARY.get(method, method)]
    if op.const:
        head = f"def {method}(self, {op.const}={op.default!r}):"
        lines = [head, f"    {op.const} = const({op.const}, {op.name!r})"]
        lines += _node(op, {op.args[0]: "self.data", op.const: op.const}, "(self,)", op.const, "    ")
    else:
        lines = [f"def {method}(self):"]
        lines += _node(op, {op.args[0]: "self.data"}, "(self,)", "None", "    ")
    return "\n".join(lines) + "\n"


def method_names() -> List[str]:
    """Every operation method of `Value`: the operators, then one per named op of one input."""
    named = [n for n, op in BUILT_IN.items() if op.named and len(op.args) == 1 and n not in UNARY.values()]
    return [*BINARY, *UNARY, *named]


def install(cls: Any) -> None:
    """Give `cls` (Value) its operation methods, compiled from their sources."""
    namespace: Dict[str, Any] = {"Value": Value, "record": record, "failed": failed, "const": constant,
                                 "inf": math.inf, "nan": math.nan, "SUM": SUM}
    for name, op in BUILT_IN.items():
        namespace[name.upper()] = op
        namespace.update(float_functions(op.value, *(c for c, _, _ in op.raises), table=BUILT_IN))
    namespace.update({"ZeroDivisionError": ZeroDivisionError, "ValueError": ValueError})
    for method in method_names():
        # compiled under another name: `def exp` would hide the function exp its body calls
        source = method_source(method).replace(f"def {method}(", "def _method(", 1)
        exec(compile(source, f"<Value.{method}>", "exec"), namespace)  # noqa: S102
        f = namespace.pop("_method")
        f.__name__, f.__qualname__ = method, f"Value.{method}"
        setattr(cls, method, f)
    for alias, method in SAME.items():
        setattr(cls, alias, getattr(cls, method))
