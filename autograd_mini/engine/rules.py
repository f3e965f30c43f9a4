"""The local-derivative rule of every operation, in the order `value.py` defines the operations.

A `Rule` is shared by every node of its kind. Its ``terms(g, out, const, *inputs)`` returns what
the upstream gradient `g` contributes to each input: `out` is the node's value, `const` the
constant operand the node holds (the c of ``x * c``), `inputs` its parents' values. The backward
pass calls it with floats; ``grad(..., create_graph=True)`` calls the very same function with the
`Value` nodes, so the gradients it builds can be differentiated again. That is why the rules are
written with operators and with `_log`, `_sin`, `_cos`, which work on both.

>>> MUL.terms(1.0, 6.0, None, 2.0, 3.0)   # d(a·b) = (b, a)
(3.0, 2.0)
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional, Sequence

from .activations import ACTIVATIONS

Terms = Callable[..., Sequence[Any]]


class Rule:
    """An operation's name, the symbol pictures show for it, and its local derivatives.

    `add_into(g, node)`, when a rule has it, adds the same terms to the parents' ``.grad`` in
    place, in one walk: the neuron's rule has it (a neuron has 2m+1 inputs).
    """

    __slots__ = ("name", "symbol", "terms", "add_into")

    def __init__(
        self, name: str, symbol: str, terms: Terms, add_into: Optional[Callable[[float, Any], None]] = None
    ) -> None:
        self.name = name
        self.symbol = symbol
        self.terms = terms
        self.add_into = add_into

    def __repr__(self) -> str:
        return f"Rule({self.name!r}, {self.symbol!r})"


def _log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


# d(a + b) = (1, 1); d(a + c) = 1; d(a - b) = (1, -1)
ADD = Rule("add", "+", lambda g, out, c, a, b: (g, g))
ADD_CONST = Rule("add_const", "+", lambda g, out, c, a: (g,))
SUB = Rule("sub", "-", lambda g, out, c, a, b: (g, -g))
# d(a·b) = (b, a); d(a·c) = c
MUL = Rule("mul", "*", lambda g, out, c, a, b: (g * b, g * a))
MUL_CONST = Rule("mul_const", "*", lambda g, out, c, a: (g * c,))
# out = a / b: d/da = 1/b, d/db = -a/b² = -out/b; a / c: d/da = 1/c; out = c / a: d/da = -out/a
DIV = Rule("div", "/", lambda g, out, c, a, b: (g / b, -g * out / b))
DIV_CONST = Rule("div_const", "/", lambda g, out, c, a: (g / c,))
RDIV = Rule("rdiv", "/", lambda g, out, c, a: (-g * out / a,))
NEG = Rule("neg", "neg", lambda g, out, c, a: (-g,))
# 0 at the kink, as in PyTorch (0 * a keeps a NaN)
ABS = Rule("abs", "abs", lambda g, out, c, a: (g if a > 0.0 else -g if a < 0.0 else 0.0 * a,))


def _pow_terms(g: Any, out: Any, c: Any, a: Any, b: Any) -> Sequence[Any]:  # out = a ** b
    # at b == 0 the first term is 0 even where a ** (b - 1) is undefined (a == 0), as in PyTorch;
    # `b > 0 or b < 0` rather than `b != 0`, which compares Values by identity
    da = g * b * a ** (b - 1.0) if b > 0.0 or b < 0.0 else 0.0 * g
    return da, (g * out * _log(a) if a > 0.0 else 0.0 * g)


POW = Rule("pow", "**", _pow_terms)
POW_CONST = Rule("pow_const", "**", lambda g, out, n, a: (g * n * a ** (n - 1.0) if n != 0.0 else 0.0 * g,))
# out = c ** a
RPOW = Rule("rpow", "**", lambda g, out, c, a: (g * out * math.log(c) if c > 0.0 else 0.0 * g,))
EXP = Rule("exp", "exp", lambda g, out, c, a: (g * out,))
LOG = Rule("log", "log", lambda g, out, c, a: (g / a,))
SQRT = Rule("sqrt", "sqrt", lambda g, out, c, a: (g * 0.5 / out,))
# the activations' derivatives come from their table, which the neurons read too: (g, z, a)
_tanh, _sigmoid, _relu = (ACTIVATIONS[name].grad for name in ("tanh", "sigmoid", "relu"))
TANH = Rule("tanh", "tanh", lambda g, out, c, a: (_tanh(g, a, out),))
SIGMOID = Rule("sigmoid", "sigmoid", lambda g, out, c, a: (_sigmoid(g, a, out),))
RELU = Rule("relu", "relu", lambda g, out, c, a: (_relu(g, a, out),))
SIN = Rule("sin", "sin", lambda g, out, c, a: (g * _cos(a),))
COS = Rule("cos", "cos", lambda g, out, c, a: (-g * _sin(a),))
SUM = Rule("sum", "sum", lambda g, out, c, *inputs: (g,) * len(inputs))  # every input gets g

RULES: Dict[str, Rule] = {
    r.name: r
    for r in (ADD, ADD_CONST, SUB, MUL, MUL_CONST, DIV, DIV_CONST, RDIV, NEG, ABS, POW, POW_CONST, RPOW,
              EXP, LOG, SQRT, TANH, SIGMOID, RELU, SIN, COS, SUM)
}
