"""Every built-in operation, defined once: its value and its local derivatives, as formulas.

This table is the derivative table of the board, in the order a course meets it. Each line is the
whole definition of an op: the engine's rule, the `Value` method, explain's text, the formula
parser's functions and the generated Python and C programs are all derived from it (see
`op.py`). In a derivative, ``out`` is the op's own value; ``where(cond, a, b)`` takes one branch.
`raises` are checked before the value is computed, so a bad input is named in words.

>>> OPS["tanh"].grad_texts
('1 - out * out',)
"""

from __future__ import annotations

from .op import OPS, Op, builtin
from .rules import SUM

__all__ = ["OPS", "RULES"]

_ZERO = ZeroDivisionError


def _op(signature: str, value: str, grads: list, **kw: object) -> Op:
    return builtin(Op(signature, value, grads, where="ops", **kw))  # type: ignore[arg-type]


# ---- + - * / : two Values, or a Value and the number c the node keeps ----
_op("add(a, b)", "a + b", ["1", "1"], symbol="+", named=False)
_op("add_const(a)", "a + c", ["1"], symbol="+", const="c", named=False)
_op("sub(a, b)", "a - b", ["1", "-1"], symbol="-", named=False)
_op("sub_const(a)", "a - c", ["1"], symbol="-", const="c", named=False)
_op("rsub(a)", "c - a", ["-1"], symbol="-", const="c", named=False)
_op("neg(a)", "-a", ["-1"], symbol="neg", named=False)
_op("mul(a, b)", "a * b", ["b", "a"], symbol="*", named=False)
_op("mul_const(a)", "a * c", ["c"], symbol="*", const="c", named=False)
_op("div(a, b)", "a / b", ["1 / b", "-out / b"], symbol="/", named=False,
    raises=[("b == 0", _ZERO, "division by zero ({a} / {b})")])
_op("div_const(a)", "a / c", ["1 / c"], symbol="/", const="c", named=False,
    raises=[("c == 0", _ZERO, "division by zero ({a} / {c})")])
_op("rdiv(a)", "c / a", ["-out / a"], symbol="/", const="c", named=False,
    raises=[("a == 0", _ZERO, "division by zero ({c} / {a})")])

# ---- powers: a ** b, a ** n, c ** a (0 at b == 0 and for log(0), as in PyTorch) ----
_BASE = "a Value exponent needs a base >= 0, got base {%s}"
_op("pow(a, b)", "a ** b", ["where(b != 0, b * a ** (b - 1), 0)", "where(a > 0, out * log(a), 0)"],
    symbol="**", named=False,
    raises=[("a < 0", ValueError, _BASE % "a"),
            ("a == 0 and b < 0", _ZERO, "0.0 cannot be raised to the negative power {b}")])
_op("pow_const(a)", "a ** n", ["where(n != 0, n * a ** (n - 1), 0)"], symbol="**", const="n", named=False,
    raises=[("a < 0 and fractional(n)", ValueError, "a negative base {a} needs a whole exponent, got {n}"),
            ("a == 0 and n < 0", _ZERO, "0.0 cannot be raised to the negative power {n}")])
_op("rpow(a)", "c ** a", ["where(c > 0, out * log(c), 0)"], symbol="**", const="c", named=False,
    raises=[("c < 0", ValueError, _BASE % "c"),
            ("c == 0 and a < 0", _ZERO, "0.0 cannot be raised to the negative power {a}")])

# ---- exp and log ----
_op("exp(x)", "exp(x)", ["out"])
_op("log(x)", "log(x)", ["1 / x"], raises=[("x <= 0", ValueError, "needs a positive input, got {x}")])
_op("sqrt(x)", "sqrt(x)", ["0.5 / out"],
    raises=[("x < 0", ValueError, "needs a non-negative input, got {x}")])
_op("abs(x)", "abs(x)", ["where(x > 0, 1, where(x < 0, -1, 0 * x))"])  # 0 at the kink, as in PyTorch
_op("log1p(x)", "log1p(x)", ["1 / (1 + x)"], raises=[("x <= -1", ValueError, "needs an input > -1, got {x}")])
_op("expm1(x)", "expm1(x)", ["exp(x)"])
_op("erf(x)", "erf(x)", ["2 / sqrt(pi) * exp(-x * x)"])

# ---- the activations (a layer may use any of these by name) ----
_op("tanh(x)", "tanh(x)", ["1 - out * out"], activation=True)
# sigmoid is computed in its stable form; 1 - s(x) is written s(-x), which keeps its digits
_op("sigmoid(x)", "sigmoid(x)", ["out * sigmoid(-x)"], activation=True)
_op("relu(x)", "where(x <= 0, 0, x)", ["where(out > 0, 1, 0 * out)"], activation=True)  # NaN stays NaN
_op("leaky_relu(x)", "where(x > 0, x, slope * x)", ["where(x > 0, 1, slope)"], const="slope", default=0.01,
    activation=True)  # (x > 0, not out > 0: a negative slope makes out > 0 where x < 0)
_op("softplus(x)", "where(x > 0, x + log1p(exp(-x)), log1p(exp(x)))", ["sigmoid(x)"], activation=True)
_op("gelu(x)", "0.5 * x * (1 + erf(x / sqrt(2)))",
    ["0.5 * (1 + erf(x / sqrt(2))) + x * exp(-0.5 * x * x) / sqrt(2 * pi)"], activation=True)
_op("elu(x)", "where(x > 0, x, alpha * expm1(x))", ["where(x > 0, 1, alpha * exp(x))"],
    const="alpha", default=1.0, activation=True)

# ---- trigonometry ----
_op("sin(x)", "sin(x)", ["cos(x)"])
_op("cos(x)", "cos(x)", ["-sin(x)"])

# The built-in rules by name (the table above, and the n-ary sum).
RULES = {**OPS, "sum": SUM}
