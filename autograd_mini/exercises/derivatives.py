"""Exercise 1: each operation's local derivative, written by the learner as a formula.

The learner's text is read by the library's formula language (`autograd_mini.formula`, a whitelist,
never `eval`) and compared, at fixed points that include the edges of the operation's domain and at
points drawn from the seed, with the derivative the engine computes by ``backward()``. A formula
may use x and ``out``, the operation's value at x (``1 - out**2`` for tanh), as `defop`'s do. An
accepted formula becomes a working operation through `defop`, with the learner's formula as its
derivative.
"""

from __future__ import annotations

import io
import random
import tokenize
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from ..formula import FUNCTIONS, ExprError, Formula
from .grading import Case, Verdict
from .shapes import Other, close, factor, number


class Op(NamedTuple):
    key: str  # as the learner's dict names it
    name: str  # the working op made from the learner's derivative
    value: str  # the operation as a formula: what the engine differentiates
    points: Tuple[float, ...]  # always graded there: the edges of its domain included
    low: float  # the range the seed draws more points from
    high: float
    mistakes: Tuple[Tuple[str, str], ...]  # (a wrong derivative as a formula, what went wrong)


OUTPUT_FORM = "that is the derivative written with the output, but with x put in place of the output"
OPS = (
    Op("tanh(x)", "my_tanh", "tanh(x)", (-20.0, -3.0, -1.0, 0.0, 0.5, 2.0, 20.0), -4.0, 4.0, (
        ("1 - x**2", f"{OUTPUT_FORM} out = tanh(x): write 1 - tanh(x)**2, or 1 - out**2."),
        ("1 - tanh(x)", "tanh(x) must be squared: 1 - tanh(x)**2."),
    )),
    Op("sigmoid(x)", "my_sigmoid", "sigmoid(x)", (-30.0, -5.0, -1.0, 0.0, 1.0, 5.0, 30.0), -6.0, 6.0, (
        ("x*(1 - x)", f"{OUTPUT_FORM} out = sigmoid(x): write sigmoid(x)*(1 - sigmoid(x)), "
                      "or out*(1 - out)."),
        ("1 - sigmoid(x)", "the factor sigmoid(x) is missing: sigmoid(x)*(1 - sigmoid(x))."),
    )),
    Op("x**3", "my_cube", "x**3", (-2.0, -1.0, 0.0, 0.5, 1.0, 3.0), -3.0, 3.0, (
        ("3*x**3", "the power rule lowers the exponent by one: d/dx x**k = k*x**(k-1), so 3*x**2."),
        ("x**2", "the power rule also multiplies by the exponent: d/dx x**k = k*x**(k-1), so 3*x**2."),
    )),
    Op("exp(x)", "my_exp", "exp(x)", (-30.0, -1.0, 0.0, 1.0, 5.0, 30.0), -5.0, 5.0, (
        ("x*exp(x - 1)", "exp(x) is not a power of x, so the power rule does not apply: exp is its "
                         "own derivative."),
    )),
    Op("log(x)", "my_log", "log(x)", (1e-6, 0.01, 0.5, 1.0, 2.0, 1e6), 0.05, 20.0, (
        ("1/x**2", "d/dx log(x) = 1/x (it is -1/x**2 that is the derivative of 1/x)."),
    )),
    Op("sqrt(x)", "my_sqrt", "sqrt(x)", (1e-6, 0.01, 0.25, 1.0, 4.0, 1e6), 0.05, 20.0, (
        ("1/sqrt(x)", "the 1/2 of the power rule is missing: sqrt(x) = x**(1/2), so 1/(2*sqrt(x))."),
        ("sqrt(x)/2", "the exponent must drop by one: x**(1/2) gives (1/2)*x**(-1/2) = 1/(2*sqrt(x))."),
    )),
    Op("1/x", "my_reciprocal", "1/x", (0.01, 0.5, 3.0, 100.0, -0.01, -1.0, -100.0), 0.1, 10.0, (
        ("-1/x", "the exponent must drop by one: 1/x = x**(-1) gives -x**(-2) = -1/x**2."),
        ("log(x)", "log(x) is what 1/x is the derivative of, not its derivative: -1/x**2."),
    )),
    Op("softplus(x)", "my_softplus", "log(1 + exp(x))", (-30.0, -3.0, 0.0, 1.0, 3.0, 30.0), -5.0, 5.0, (
        ("exp(x)", "the chain rule through log is missing: d/dx log(u) = u'/u with u = 1 + exp(x), so "
                   "exp(x)/(1 + exp(x)), which is sigmoid(x)."),
        ("1/(1 + exp(x))", "the chain rule needs the inner derivative too: d/dx log(u) = u'/u with "
                           "u' = exp(x), so exp(x)/(1 + exp(x)), which is sigmoid(x)."),
    )),
)
Computed = Union[float, str]  # a formula's value at a point, or why it failed there


def names_in(text: str) -> List[str]:
    """The variables a formula's text uses: its names not called as functions (lexed, not run);
    [] when it cannot be lexed."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.string.strip()]
    except (tokenize.TokenError, SyntaxError):
        return []
    after = [t.string for t in tokens[1:]] + [""]
    return [t.string for t, nxt in zip(tokens, after) if t.type == tokenize.NAME and nxt != "("]


def computed(text: str, op: Op, x: float) -> Computed:
    """The formula `text` at x (with `out`, the value of `op` there), by the formula language; the
    message when it fails there. ExprError when the text is not a formula (syntax, unknown function)."""
    values = {"x": x, "out": Formula(op.value, {"x": x}).result.data}
    try:
        return Formula(text, values).result.data
    except ExprError as error:
        if {"x", "out"} & set(names_in(text)):
            raise
        try:  # a constant, perhaps: the formula language wants a variable, so give it one, once
            return Formula(f"0*x + ({text})", values).result.data
        except ExprError:
            raise error from None  # not a constant either: the error of the learner's own text
        except (ValueError, ArithmeticError) as e:
            return str(e)
    except (ValueError, ArithmeticError) as e:
        return str(e)


def derivative(op: Op, x: float) -> float:
    """d/dx of the operation at x, by the engine."""
    f = Formula(op.value, {"x": x})
    f.backward()
    return f.leaves["x"].grad


def points(op: Op, rng: random.Random) -> List[float]:
    return [*op.points, *(round(rng.uniform(op.low, op.high), 3) for _ in range(4))]


def cases(rng: random.Random) -> List[Case]:
    at = {op.key: points(op, rng) for op in OPS}
    right = {op.key: [derivative(op, x) for x in at[op.key]] for op in OPS}
    return [Case((), f"{len(OPS)} operations", lambda returned: judge(returned, at, right))]


def judge(returned: Any, at: Dict[str, List[float]], right: Dict[str, List[float]]) -> Optional[Verdict]:
    if not isinstance(returned, dict):
        got = f"a {returned.kind}" if isinstance(returned, Other) else f"a {type(returned).__name__}"
        return Verdict(f"return a dict {{operation: formula}}, got {got}", False)
    todo = []
    for op in OPS:
        text = returned.get(op.key)
        if text is None:
            todo.append(op.key)
            continue
        verdict = one(op, text, at[op.key], right[op.key])
        if verdict is not None:
            return verdict
    if todo:
        return Verdict(f"not done yet: {', '.join(todo)} ({len(OPS) - len(todo)} of {len(OPS)} right)", False)
    return None


def one(op: Op, text: Any, at: Sequence[float], right: Sequence[float]) -> Optional[Verdict]:
    """What is wrong with `text` as the derivative of `op`, or None."""
    where = f"d/dx {op.key}"
    if not isinstance(text, str):
        shown = text.text if isinstance(text, Other) else repr(text)
        return Verdict(f"{where}: write the derivative as text, as in '3*x**2', got {shown}", False)
    if not text.strip():
        return Verdict(f"{where}: the formula is empty: write the derivative, as in '3*x**2'", False)
    others = sorted(set(names_in(text)) - {"x", "out", *FUNCTIONS})
    if others:
        return Verdict(f"{where}: {text!r} uses {', '.join(others)}; the variables are x and out (the value "
                       f"of {op.value})", False)
    try:
        mine = [computed(text, op, x) for x in at]
    except ExprError as e:
        power = " (write powers with **, as in x**2)" if "^" in text and "**" not in str(e) else ""
        return Verdict(f"{where}: {text!r} is not a formula: {e}{power}", False)
    for x, m, r in zip(at, mine, right):
        if isinstance(m, str) or not close(m, r):
            got = f"fails ({m})" if isinstance(m, str) else f"is {number(m)}"
            words, known = why(op, at, mine, right)
            return Verdict(f"{where}: {text!r} at x = {number(x)} {got}, the derivative there is "
                           f"{number(r)}: {words}", known)
    return None


def agree(mine: Sequence[Computed], theirs: Sequence[Computed]) -> bool:
    """Whether two formulas computed the same at every point (failing at the same points)."""
    return all(isinstance(m, str) and isinstance(t, str) or
               isinstance(m, float) and isinstance(t, float) and close(m, t) for m, t in zip(mine, theirs))


def why(op: Op, at: Sequence[float], mine: Sequence[Computed], right: Sequence[float]) -> Tuple[str, bool]:
    """The known mistake that `mine` (the learner's values at `at`) is, else what can be said; and
    whether it was a known mistake."""
    for wrong, words in op.mistakes:
        try:
            theirs = [computed(wrong, op, x) for x in at]
        except ExprError:
            continue
        if agree(mine, theirs):
            return words, True
    if agree(mine, [computed(op.value, op, x) for x in at]):
        return f"that is {op.value} itself, not its derivative.", True
    if any(isinstance(m, str) for m in mine):
        return "it must work wherever the operation does.", False
    c = factor(list(mine), list(right))
    if c is not None and close(c, -1.0):
        return "a sign error: yours is -1 times the derivative.", True
    if c is not None:
        return f"yours is {number(c)} times the derivative everywhere: look at the constant factor.", False
    return "not a known mistake: derive it again, step by step (the chain rule, inside out).", False


def make_ops(returned: Any, defop: Callable[..., Any]) -> Dict[str, Any]:
    """{name: a working op} for each accepted formula, made by `defop` with the learner's formula as
    its derivative, named like the operation with 'my_' in front ('my_softplus'). Checked again,
    a formula defines its op again (a changed one replaces the one before, as `defop` does). A
    right formula that defop's stricter language refuses (an op given its own number, as the
    command line allows: in a definition an op takes its arguments alone) makes no op; the check
    itself is passed all the same."""
    if not isinstance(returned, dict):
        return {}
    ops = {}
    for op in OPS:
        text = returned.get(op.key)
        if isinstance(text, str) and not one(op, text, op.points, [derivative(op, x) for x in op.points]):
            try:
                ops[op.name] = defop(f"{op.name}(x)", value=op.value, grads=[text])
            except ValueError:
                continue
    return ops
