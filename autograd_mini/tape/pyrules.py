"""Each rule of the engine as a line of Python: its forward value and the terms it sends back.

These are the formulas of `autograd_mini.engine.rules` and `activations`, written out with the
same operations in the same order (``-g * out / b`` is ((-g)·out)/b there and here), so that the
program computes the very floats the interpreter does. tests/test_tape.py runs every rule both
ways and compares.
"""

from __future__ import annotations

import math
from typing import Any, List, Sequence, Set

NAN_NOTE = "# noqa: FURB136 (max(0.0, z) would turn a NaN into 0)"
MATH = ("exp", "log", "sqrt", "tanh", "sin", "cos", "inf", "nan")


def literal(x: float, nan: str = "nan", inf: str = "inf") -> str:
    """A float as source that reads back as the very same float (`nan` and `inf` spelled as the
    language spells them; the C program passes its own)."""
    x = float(x)
    if math.isnan(x):
        return nan
    if math.isinf(x):
        return inf if x > 0 else f"-{inf}"
    return repr(x)


def imports(uses: Set[str]) -> List[str]:
    lines = []
    names = sorted(n for n in MATH if n in uses or (n == "exp" and "sigmoid" in uses))
    if names:
        lines.append(f"from math import {', '.join(names)}")
    if "mul" in uses:
        lines.append("from operator import mul")
    return lines + ([""] if lines else [])


def helpers(uses: Set[str]) -> List[str]:
    """The activations the program calls by name, as the engine defines them."""
    out = []
    if "relu" in uses:
        out += ["", "def relu(z):", f"    return 0.0 if z <= 0.0 else z  {NAN_NOTE}", ""]
    if "sigmoid" in uses:
        out += [
            "",
            "def sigmoid(z):",
            "    if z >= 0.0:",
            "        return 1.0 / (1.0 + exp(-z))",
            "    e = exp(z)",
            "    return e / (1.0 + e)",
            "",
        ]
    return out + [""]


def forward(nd: Any, refs: Sequence[str], prog: Any) -> str:
    """The expression for a scalar node's value from its parents' (`refs`)."""
    rule = nd.rule
    a = refs[0] if refs else ""
    b = refs[1] if len(refs) > 1 else ""
    if rule in ("add_const", "mul_const", "div_const", "pow_const", "rdiv", "rpow"):
        c = prog.lit(nd.const)
        if rule == "add_const":
            negative = math.copysign(1.0, nd.const) < 0.0  # (x - 0 is stored as x + -0.0)
            return f"{a} - {literal(-nd.const)}" if negative else f"{a} + {c}"  # x - c is x + (-c)
        return {
            "mul_const": f"{a} * {c}",
            "div_const": f"{a} / {c}",
            "pow_const": f"{a} ** {c}",
            "rdiv": f"{c} / {a}",
            "rpow": f"{c} ** {a}",
        }[rule]
    if rule in ("add", "sub", "mul", "div", "pow"):
        return f"{a} {dict(add='+', sub='-', mul='*', div='/', pow='**')[rule]} {b}"
    if rule == "neg":
        return f"-{a}"
    if rule == "sum":
        text = "sum(" + _list(refs) + ")"
        return text + (f" + {prog.lit(nd.const)}" if nd.const else "")
    if rule == "max":
        return f"max({_list(refs)})"
    if rule == "abs":
        return f"abs({a})"
    prog.uses.add(rule)  # exp log sqrt tanh sin cos relu sigmoid
    return f"{rule}({a})"


def backward(nd: Any, g: str, out: str, refs: Sequence[str], prog: Any) -> List[str]:
    """The terms a scalar node with upstream gradient `g` sends to each of its parents."""
    rule = nd.rule
    a = refs[0] if refs else ""
    b = refs[1] if len(refs) > 1 else ""
    if rule in ("add", "add_const", "sum"):
        return [g] * len(refs)
    if rule == "sub":
        return [g, f"-{g}"]
    if rule == "mul":
        return [f"{g} * {b}", f"{g} * {a}"]
    if rule == "mul_const":
        return [f"{g} * {prog.lit(nd.const)}"]
    if rule == "div_const":  # (should the engine keep x / c as a division: d/dx = 1/c)
        return [f"{g} / {prog.lit(nd.const)}"]
    if rule == "div":  # out = a / b
        return [f"{g} / {b}", f"-{g} * {out} / {b}"]
    if rule == "rdiv":  # out = c / a
        return [f"-{g} * {out} / {a}"]
    if rule == "neg":
        return [f"-{g}"]
    if rule == "abs":  # 0 at the kink (0 * a keeps a NaN)
        return [f"({g} if {a} > 0.0 else -{g} if {a} < 0.0 else 0.0 * {a})"]
    if rule == "pow":
        prog.uses.add("log")
        return [
            f"({g} * {b} * {a} ** ({b} - 1.0) if {b} > 0.0 or {b} < 0.0 else 0.0 * {g})",
            f"({g} * {out} * log({a}) if {a} > 0.0 else 0.0 * {g})",
        ]
    if rule == "pow_const":
        n = nd.const
        return [f"{g} * {prog.lit(n)} * {a} ** {prog.lit(n - 1.0)}" if n != 0.0 else f"0.0 * {g}"]
    if rule == "rpow":
        prog.uses.add("log")
        return [f"{g} * {out} * log({prog.lit(nd.const)})" if nd.const > 0.0 else f"0.0 * {g}"]
    if rule in ("exp", "log", "sqrt", "sin", "cos"):
        if rule in ("sin", "cos"):
            prog.uses.add("cos" if rule == "sin" else "sin")
        return [
            {
                "exp": f"{g} * {out}",
                "log": f"{g} / {a}",
                "sqrt": f"{g} * 0.5 / {out}",
                "sin": f"{g} * cos({a})",
                "cos": f"-{g} * sin({a})",
            }[rule]
        ]
    if rule in ("tanh", "sigmoid", "relu"):
        return [act_grad(rule, g, out, a, prog)]
    raise ValueError(f"trace: no Python form for the rule {rule!r}")


def act_grad(act: str, g: str, a: str, z: str, prog: Any = None) -> str:
    """g·g'(z) from the output a (and z, for sigmoid), as `activations.py` writes it."""
    if act == "relu":
        return f"({g} if {a} > 0.0 else 0.0 * {a})"
    if act == "tanh":
        return f"{g} * (1.0 - {a} * {a})"
    if prog is not None:
        prog.uses.add("sigmoid")
    return f"{g} * {a} * sigmoid(-{z})"


def _list(refs: Sequence[str]) -> str:
    """`[a, b, c]`, wrapped over several lines when long."""
    text = ", ".join(refs)
    if len(text) <= 90:
        return f"[{text}]"
    lines, line = [], ""
    for r in refs:
        if line and len(line) + len(r) > 90:
            lines.append(line.rstrip())
            line = ""
        line += r + ", "
    lines.append(line.rstrip())
    return "[\n        " + "\n        ".join(lines) + "\n    ]"
