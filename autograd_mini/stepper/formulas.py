"""How a forward step reads: a node's operation written with its parents' names (``x * w``, ``tanh(v4)``).

>>> expression('*', ['x', 'w']), expression('- 1', ['x']), expression('2 /', ['x']), expression('2 -', ['x'])
('x * w', 'x - 1', '2 / x', '2 - x')
>>> expression('tanh(w·x+b)', ['w1', 'w2', 'x1', 'x2', 'b'])
'tanh(w1·x1 + w2·x2 + b)'
"""

from __future__ import annotations

from typing import List, Sequence

from ..engine.op import functions

_INFIX = ("+", "-", "*", "/", "**")
_DOT = "w·x+b"
_TERMS = 4  # a long sum shows its first terms, an ellipsis and its last term


def expression(op: str, parents: Sequence[str]) -> str:
    """The right-hand side of ``node = …`` for an op text as `explain` gives it (see module doc)."""
    if len(parents) == 2 and op in _INFIX:
        return f"{parents[0]} {op} {parents[1]}"
    if len(parents) == 1:
        one = _unary(op, parents[0])
        if one:
            return one
    if op == "sum":
        return _sum(list(parents))
    base = op.split("  ")[0]  # 'relu(w·x+b)  x=(1, 2)' -> 'relu(w·x+b)'
    if base == _DOT or base.endswith(f"({_DOT})"):
        inner = _dot(list(parents), constants="x=(" in op)
        activation = base[: -len(_DOT) - 2] if base != _DOT else ""
        return f"{activation}({inner})" if activation else inner
    return f"{op}({', '.join(parents)})"


def _unary(op: str, a: str) -> str:
    if op == "neg":
        return f"-{a}"
    if op in functions():
        return f"{op}({a})"
    head, _, tail = op.partition(" ")
    if head in _INFIX and tail:  # 'x * 0.999', 'x - 1', 'x ** 2'
        return f"{a} {op}"
    if tail in ("**", "/", "-"):  # '2 **' is 2 ** a, '2 /' is 2 / a, '2 -' is 2 - a
        return f"{head} {tail} {a}"
    return ""


def _sum(terms: List[str]) -> str:
    if len(terms) > _TERMS:
        terms = [*terms[: _TERMS - 1], "…", terms[-1]]
    return " + ".join(terms)


def _dot(parents: List[str], constants: bool) -> str:
    """Σ w_k·x_k + b; the x are parents (2m+1 of them) or numbers kept in the node (m+1 parents)."""
    if constants:
        m = len(parents) - 1
        xs = [f"x{k}" for k in range(1, m + 1)]
    else:
        m = (len(parents) - 1) // 2
        xs = parents[m : 2 * m]
    return _sum([f"{w}·{x}" for w, x in zip(parents[:m], xs)] + [parents[-1]])
