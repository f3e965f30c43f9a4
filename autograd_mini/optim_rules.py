"""An optimizer's update rule, written once: formulas over one parameter, run and printed from there.

A `Rule` is the math of one step for one parameter ``p`` with gradient ``g`` and its buffers (a
momentum ``v``, Adam's ``m`` and ``v``), in the order the optimizer computes them, each formula
parsed once by `autograd_mini.engine.expr.parse`. The numbers a step shares (``lr``, Adam's step
size at step t, ...) are plain names: the optimizer gives them at each step (`Optimizer.step_rule`).

From that one definition come the optimizer's own step (`Rule.run`: Python source printed from the
formulas over the parameters' ``.data`` and ``.grad``, compiled once, as `Value`'s methods are) and
the update inside a traced training step's Python and C programs (`autograd_mini.tape.update`
prints the same formulas), so they compute the same floats, operation for operation.

>>> rule = Rule("sgd_plain", {}, p="p - lr * g")
>>> print(rule.source)
def sgd_plain(opt, numbers):
    \"\"\"For each parameter p (its .data) with gradient g (its .grad), in turn:
    p = p - lr * g
    \"\"\"
    lr = numbers['lr']
    for param in opt.params:
        g = param.grad
        if g is None:  # no gradient: no step, as in torch.optim
            continue
        param.data = param.data - lr * g
<BLANKLINE>
"""

from __future__ import annotations

import ast
import keyword
import math
from typing import Any, Callable, Dict, List, Tuple

from .engine.expr import PYTHON, Expr, names_in, parse

FUNCTIONS = ("sqrt",)  # what a rule may call (the C program's pairs have sqrt2 alone)
RESERVED = {"k", "n", "pair", "param", "opt", "numbers", *FUNCTIONS}  # the printed functions' own


class Rule:
    """One update rule: ``Rule(name, buffers, target=formula, ...)``, the steps in order.

    `buffers` maps each buffer's name in the formulas to the optimizer's attribute holding it (a
    list of floats, one per parameter). A step sets ``p``, ``g`` (for the steps after it) or a
    buffer; every other name a formula reads is a number the step shares, listed in `scalars`.
    """

    name: str
    steps: List[Tuple[str, Expr]]  # (what it sets, its formula), in order
    buffers: Dict[str, str]  # the formulas' name of a buffer -> the optimizer's attribute
    scalars: List[str]  # the numbers it reads, the same for every parameter (lr, ...)
    source: str  # the optimizer's own step, as Python
    run: Callable[[Any, Dict[str, float]], None]  # that step, compiled: run(optimizer, numbers)

    def __init__(self, name: str, buffers: Dict[str, str], **steps: str) -> None:
        where = f"optimizer rule {name}"
        for n in (name, *buffers.values()):  # (they are names in the source)
            if not isinstance(n, str) or not n.isidentifier() or keyword.iskeyword(n) or n in RESERVED:
                why = f"an identifier, not {sorted(RESERVED)}"
                raise ValueError(f"{where}: {n!r} cannot name a rule or an attribute ({why})")
        settable = {"p", "g", *buffers}
        self.name, self.buffers, self.steps = name, dict(buffers), []
        for target, text in steps.items():
            if target not in settable:
                raise ValueError(f"{where}: a step sets p, g or a buffer ({sorted(buffers)}), not {target!r}")
            self.steps.append((target, parse(text, settable | _names(text), FUNCTIONS, where)))
        used = set().union(*(names_in(e) for _, e in self.steps))
        self.scalars = sorted(used - settable)
        for n in sorted(used | settable):
            if n in RESERVED or not n.islower():
                raise ValueError(f"{where}: {n!r} cannot name a number (lower case, not {sorted(RESERVED)})")
        self.source = python_source(self)
        namespace: Dict[str, Any] = {"sqrt": math.sqrt}
        exec(compile(self.source, f"<optimizer rule {name}>", "exec"), namespace)  # noqa: S102
        self.run = namespace[name]

    def __repr__(self) -> str:
        return f"Rule({self.name}: {'; '.join(self.formulas())})"

    def formulas(self) -> List[str]:
        """The steps as a person reads them: ``["v = mu * v + (g + wd * p)", "p = p - lr * v"]``."""
        return [f"{t} = {PYTHON.print(e, {n: n for n in names_in(e)})}" for t, e in self.steps]


def _names(text: str) -> set:
    """The names `text` reads (the rule's numbers among them); a text that does not parse reads
    none, and `parse` then says what is wrong with it."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(FUNCTIONS)


def python_source(rule: Rule) -> str:
    """The optimizer's step by `rule`: a loop over ``opt.params``, each formula inline on the
    parameter's ``.data`` and ``.grad`` and the buffers' entries. A value a later formula reads is
    also kept in a local (``V[k] = v = ...``), so nothing is read twice from a list."""
    stored = {"p": "param.data", **{b: f"{b.upper()}[k]" for b in rule.buffers}}
    names = {"g": "g", **stored, **{s: s for s in rule.scalars}}
    loop = "for k, param in enumerate(opt.params):" if rule.buffers else "for param in opt.params:"
    lines = [f"def {rule.name}(opt, numbers):",
             '    """For each parameter p (its .data) with gradient g (its .grad), in turn:',
             *[f"    {line}" for line in rule.formulas()],
             '    """',
             *[f"    {s} = numbers[{s!r}]" for s in rule.scalars],
             *[f"    {b.upper()} = opt.{attribute}" for b, attribute in rule.buffers.items()],
             f"    {loop}",
             "        g = param.grad",
             "        if g is None:  # no gradient: no step, as in torch.optim",
             "            continue"]
    for i, (target, e) in enumerate(rule.steps):
        value = PYTHON.print(e, names)
        into = [stored[target]] if target in stored else []
        if any(target in names_in(later) for _, later in rule.steps[i + 1 :]):
            into.append(target)
            names[target] = target
        if into:  # (a g set and never read again changes nothing)
            lines.append(f"        {' = '.join(into)} = {value}")
    return "\n".join(lines) + "\n"
