"""Each rule of the engine as C: its forward value and the terms it sends back.

The same formulas as `pyrules` (and the engine), in C syntax: ``a ** b`` is ``pow(a, b)``,
``x if c else y`` is ``c ? x : y``. The operations and their order are the engine's, and the math
functions are the C library's, which Python's math module calls too, so the doubles are the same.
"""

from __future__ import annotations

from typing import Any, List, Sequence

from . import pyrules

HELPERS = """static double relu(double z) { return z <= 0.0 ? 0.0 : z; }  /* NaN stays NaN */

static double sigmoid(double z) {
    if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* Python's max: the first of the largest, and a NaN where Python keeps one */
static double maxof(const double *v, const int *at, int n) {
    double m = v[at[0]];
    for (int k = 1; k < n; k++)
        if (v[at[k]] > m) m = v[at[k]];
    return m;
}
"""


def literal(x: float) -> str:
    """A double as C source that reads back as the very same double (negatives in brackets)."""
    text = pyrules.literal(x, "NAN", "INFINITY")
    return f"({text})" if text.startswith("-") else text


def forward(nd: Any, refs: Sequence[str]) -> str:
    rule = nd.rule
    a = refs[0] if refs else ""
    b = refs[1] if len(refs) > 1 else ""
    c = literal(nd.const) if isinstance(nd.const, (int, float)) else ""
    simple = {
        "add": f"{a} + {b}",
        "add_const": f"{a} + {c}",
        "sub": f"{a} - {b}",
        "mul": f"{a} * {b}",
        "mul_const": f"{a} * {c}",
        "div_const": f"{a} / {c}",
        "div": f"{a} / {b}",
        "rdiv": f"{c} / {a}",
        "neg": f"-{a}",
        "abs": f"fabs({a})",
        "pow": f"pow({a}, {b})",
        "pow_const": f"pow({a}, {c})",
        "rpow": f"pow({c}, {a})",
    }
    if rule in simple:
        return simple[rule]
    if rule in ("exp", "log", "sqrt", "tanh", "sin", "cos", "relu", "sigmoid"):
        return f"{rule}({a})"
    raise ValueError(f"trace: no C form for the rule {rule!r}")


def backward(nd: Any, g: str, out: str, refs: Sequence[str]) -> List[str]:
    """The terms a scalar node with upstream gradient `g` sends to each parent."""
    rule = nd.rule
    a = refs[0] if refs else ""
    b = refs[1] if len(refs) > 1 else ""
    if rule in ("add", "add_const", "sum"):
        return [g] * len(refs)
    table = {
        "sub": [g, f"-{g}"],
        "mul": [f"{g} * {b}", f"{g} * {a}"],
        "div": [f"{g} / {b}", f"-{g} * {out} / {b}"],
        "rdiv": [f"-{g} * {out} / {a}"],
        "neg": [f"-{g}"],
        "abs": [f"({a} > 0.0 ? {g} : {a} < 0.0 ? -{g} : 0.0 * {a})"],
        "pow": [
            f"(({b} > 0.0 || {b} < 0.0) ? {g} * {b} * pow({a}, {b} - 1.0) : 0.0 * {g})",
            f"({a} > 0.0 ? {g} * {out} * log({a}) : 0.0 * {g})",
        ],
        "exp": [f"{g} * {out}"],
        "log": [f"{g} / {a}"],
        "sqrt": [f"{g} * 0.5 / {out}"],
        "sin": [f"{g} * cos({a})"],
        "cos": [f"-{g} * sin({a})"],
    }
    if rule in table:
        return table[rule]
    if rule == "mul_const":
        return [f"{g} * {literal(nd.const)}"]
    if rule == "div_const":  # (should the engine keep x / c as a division: d/dx = 1/c)
        return [f"{g} / {literal(nd.const)}"]
    if rule == "pow_const":
        n = nd.const
        return [f"{g} * {literal(n)} * pow({a}, {literal(n - 1.0)})" if n != 0.0 else f"0.0 * {g}"]
    if rule == "rpow":
        return [f"{g} * {out} * log({literal(nd.const)})" if nd.const > 0.0 else f"0.0 * {g}"]
    if rule in ("tanh", "sigmoid", "relu"):
        return [act_grad(rule, g, out, a)]
    raise ValueError(f"trace: no C form for the rule {rule!r}")


def act_grad(act: str, g: str, a: str, z: str) -> str:
    """g·g'(z) from the output a (and z, for sigmoid), as `activations.py` writes it."""
    if act == "relu":
        return f"({a} > 0.0 ? {g} : 0.0 * {a})"
    if act == "tanh":
        return f"{g} * (1.0 - {a} * {a})"
    return f"{g} * {a} * sigmoid(-{z})"
