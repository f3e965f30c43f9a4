"""How a node describes itself: the operation's text for pictures and tables, and for messages.

Both are read from the op's definition: an operator with a constant shows its formula with the
constant put in (``x * 0.999`` shows as ``'* 0.999'``), a function its name.

>>> from autograd_mini import Value
>>> x = Value(2.0)
>>> op_text(x * 0.999), op_text(x - 1), op_text(x.tanh()), op_text(2 ** x), op_text(x - (-1))
('* 0.999', '- 1', 'tanh', '2 **', '- (-1)')
>>> call_text(x * 0.999)
'2.0 * 0.999'
"""

from __future__ import annotations

from typing import Any, Sequence

from .expr import PYTHON, Name


def _num(x: float) -> str:
    return f"{x:.4g}"


def op_text(v: Any, limit: int = 4) -> str:
    """The operation that made `v`, with the constant it holds: ``'* 0.999'``, ``'tanh'``, ``''``.

    For a neuron whose inputs x are plain numbers, the first `limit` of them are shown.
    """
    rule, c = v.rule, v.const
    if rule is None:
        return ""
    if rule.name == "neuron" and rule.number_inputs:
        xs = ", ".join(_num(x) for x in c[:limit]) + (", …" if len(c) > limit else "")
        return f"{rule.symbol}  x=({xs})"
    if getattr(rule, "const", "") and not rule.named:  # an operator with its number: '2 **', '- 1'
        number = _num(c)
        e = rule.value
        if number.startswith("-") and e.op == "-" and e.right == Name(rule.const):
            number = f"({number})"  # '- (-1)' as a person writes it, never '- -1' ('+ -1' reads well)
        return PYTHON.print(e, {rule.args[0]: "", rule.const: number}).strip()
    return str(rule.symbol)


def call_text(v: Any) -> str:
    """The computation that made `v`, with its inputs' values, for messages: ``'sqrt(0.0)'``."""
    return describe_call(v.rule, [p.data for p in v.parents], v.const)


def describe_call(rule: Any, inputs: Sequence[float], c: Any) -> str:
    if rule.name == "sum":
        return f"{rule.symbol} of {len(inputs)} inputs"
    if rule.name == "neuron":  # its parents: the m weights, the m inputs (unless they are numbers), the bias
        m = len(inputs) - 1 if c else (len(inputs) - 1) // 2
        return f"{rule.symbol} of {m} input{'s' if m != 1 else ''}"
    if getattr(rule, "named", True):
        return f"{rule.symbol}({', '.join(repr(x) for x in inputs)})"
    values = {n: repr(x) for n, x in zip(rule.args, inputs)}
    if rule.const:
        values[rule.const] = repr(c)
    return PYTHON.print(rule.value, values)
