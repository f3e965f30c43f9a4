"""How a node describes itself: the operation's text for pictures and tables, and for messages.

>>> from autograd_mini import Value
>>> x = Value(2.0)
>>> op_text(x * 0.999), op_text(x - 1), op_text(x.tanh()), op_text(2 ** x)
('* 0.999', '- 1', 'tanh', '2 **')
>>> call_text(x * 0.999)
'2.0 * 0.999'
"""

from __future__ import annotations

from typing import Any, Sequence

_INFIX = {"add", "sub", "mul", "div", "pow"}
_CONST_RIGHT = {"add_const": "+", "mul_const": "*", "div_const": "/", "pow_const": "**"}  # x op c
_CONST_LEFT = {"rdiv": "/", "rpow": "**"}  # c op x


def _num(x: float) -> str:
    return f"{x:.4g}"


def op_text(v: Any, limit: int = 4) -> str:
    """The operation that made `v`, with the constant it holds: ``'* 0.999'``, ``'tanh'``, ``''``.

    For a neuron whose inputs x are plain numbers, the first `limit` of them are shown.
    """
    rule, c = v.rule, v.const
    if rule is None:
        return ""
    name = rule.name
    if name == "add_const" and c < 0.0:  # x - c is stored as x + (-c)
        return f"- {_num(-c)}"
    if name in _CONST_RIGHT:
        return f"{rule.symbol} {_num(c)}"
    if name in _CONST_LEFT:
        return f"{_num(c)} {rule.symbol}"
    if name == "neuron" and rule.number_inputs:
        xs = ", ".join(_num(x) for x in c[:limit]) + (", …" if len(c) > limit else "")
        return f"{rule.symbol}  x=({xs})"
    return str(rule.symbol)


def call_text(v: Any) -> str:
    """The computation that made `v`, with its inputs' values, for messages: ``'sqrt(0.0)'``."""
    return describe_call(v.rule, [p.data for p in v.parents], v.const)


def describe_call(rule: Any, inputs: Sequence[float], c: Any) -> str:
    name, symbol = rule.name, rule.symbol
    if name in _INFIX:
        return f"{inputs[0]!r} {symbol} {inputs[1]!r}"
    if name in _CONST_RIGHT:
        return f"{inputs[0]!r} {symbol} {c!r}"
    if name in _CONST_LEFT:
        return f"{c!r} {symbol} {inputs[0]!r}"
    if name == "neg":
        return f"-{inputs[0]!r}"
    if name in ("sum", "neuron"):
        return f"{symbol} of {len(inputs)} inputs"
    return f"{symbol}({', '.join(repr(x) for x in inputs)})"
