"""The optimizer's step inside the program: ``trace(fn, *args, optimizer=opt)``.

Each rule is written once, as formulas over one parameter p, its gradient g and its buffers, in
the order and with the operations of `autograd_mini.optim` (so the floats are the same), and
printed by both printers' syntax: a Python function and a C function over the arrays P, G and the
buffers. The numbers a step shares (lr, or Adam's step size for step t) are computed from the
optimizer at each call, as its `step()` computes them, so a schedule or a changed ``lr`` holds.

>>> print(python_source(RULES["SGD"]).splitlines()[5])
        v = mu * v + (g + wd * p)
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ..engine.expr import PYTHON, Expr, names_in, parse
from .csyntax import C


class Rule(NamedTuple):
    name: str
    steps: List[Tuple[str, Expr]]  # (what it sets: p or a buffer, its formula), in order
    buffers: Dict[str, str]  # the formulas' name of a buffer -> the optimizer's attribute

    def scalars(self) -> List[str]:
        used = set().union(*(names_in(e) for _, e in self.steps))
        return sorted(used - {"p", "g", *self.buffers, *(t for t, _ in self.steps)})


def _rule(name: str, buffers: Dict[str, str], *steps: Tuple[str, str]) -> Rule:
    known = {"p", "g", *buffers}
    parsed = []
    for target, text in steps:
        names = {n for n in text.replace("(", " ").replace(")", " ").split() if n.isidentifier()} - {"sqrt"}
        parsed.append((target, parse(text, known | names, {"sqrt"}, f"optimizer {name}")))
    return Rule(name, parsed, buffers)


RULES = {  # as optim.SGD.update and optim.Adam.update compute them
    "SGD": _rule("sgd", {"v": "velocity"}, ("v", "mu * v + (g + wd * p)"), ("p", "p - lr * v")),
    "SGD plain": _rule("sgd_plain", {}, ("p", "p - lr * g")),  # no momentum, no decay
    "Adam": _rule("adam", {"m": "m", "v": "v"}, ("g", "g + l2 * p"), ("m", "b1 * m + c1 * g"),
                  ("v", "b2 * v + c2 * g * g"),
                  ("p", "p * shrink - step_size * (m / (sqrt(v) / root_c2 + eps))")),
}


def rule_of(opt: Any) -> Optional[Tuple[Rule, Dict[str, float]]]:
    """The rule of `opt`'s next step and its numbers (None where the program cannot take it: an
    optimizer of another kind, or one whose step hooks must see the step)."""
    from .. import optim

    if opt.step_pre_hooks or opt.step_post_hooks:
        return None
    kind = type(opt)
    if kind is optim.SGD:
        lr, mu, wd = opt.current_lr(), opt.momentum, opt.weight_decay
        if mu == 0.0 and wd == 0.0:
            return RULES["SGD plain"], {"lr": lr}
        return RULES["SGD"], {"lr": lr, "mu": mu, "wd": wd}
    if kind in (optim.Adam, optim.AdamW):
        lr = opt.current_lr()
        b1, b2 = opt.betas
        t = opt.steps + 1
        l2, shrink = (0.0, 1.0 - lr * opt.weight_decay) if kind.DECOUPLED else (opt.weight_decay, 1.0)
        numbers = {"b1": b1, "c1": 1.0 - b1, "b2": b2, "c2": 1.0 - b2, "l2": l2, "shrink": shrink}
        numbers.update(step_size=lr / (1.0 - b1**t), root_c2=math.sqrt(1.0 - b2**t), eps=opt.eps)
        return RULES["Adam"], numbers
    return None


def python_source(rule: Rule) -> str:
    names = {n: n for n in ["p", "g", *rule.buffers, *rule.scalars()]}
    bufs = list(rule.buffers)
    arrays = [f"{b.upper()}[k]" for b in bufs]
    lines = [f"def update_{rule.name}(P, G, S, B):",
             f'    """{rule.name}: each parameter\'s step, as the optimizer takes it."""',
             f"    {', '.join(rule.scalars())}{',' * (len(rule.scalars()) == 1)} = S",
             *[f"    {b.upper()} = B[{k}]" for k, b in enumerate(bufs)],
             "    for k in range(len(P)):",
             f"        {', '.join(['p', 'g', *bufs])} = {', '.join(['P[k]', 'G[k]', *arrays])}",
             *[f"        {t} = {PYTHON.print(e, names)}" for t, e in rule.steps],
             f"        {', '.join(['P[k]', *arrays])} = {', '.join(['p', *bufs])}"]
    return "\n".join(lines) + "\n"


def c_source(rule: Rule) -> str:
    names = {n: n for n in ["p", "g", *rule.buffers, *rule.scalars()]}
    bufs = list(rule.buffers)
    scalars = ", ".join(f"{s} = S[{k}]" for k, s in enumerate(rule.scalars()))
    pairs = [(b, b.upper()) for b in bufs]
    lines = [f"/* {rule.name}: each parameter's step, as the optimizer takes it */",
             f"void update_{rule.name}(double *P, const double *G, const double *S, double *B, int n) {{",
             f"    double {scalars};",
             *[f"    double *{b.upper()} = B + {k} * n;" for k, b in enumerate(bufs)],
             "    for (int k = 0; k < n; k++) {",
             f"        double {', '.join(f'{x} = {a}[k]' for x, a in [('p', 'P'), ('g', 'G'), *pairs])};",
             *[f"        {t} = {C.print(e, names)};" for t, e in rule.steps],
             f"        {' '.join(f'{a}[k] = {x};' for x, a in [('p', 'P'), *pairs])}",
             "    }", "}"]
    return "\n".join(lines) + "\n"


def source(backend: str) -> str:
    """Every rule's function, for the program of `backend`."""
    if backend == "c":
        return "\n".join(c_source(r) for r in RULES.values())
    return "\n\n".join(python_source(r) for r in RULES.values())


def train(step: Any, prog: Any, flat: List[Any], plain: List[Any], args: Any) -> float:
    """One call of a step traced with an optimizer: as ``opt.zero_grad(); loss = fn(*args);
    loss.backward(); opt.step()``, the update inside the program where it can take it."""
    opt = step.optimizer
    params = prog.params
    found = rule_of(opt) if prog.update_of is not None and opt.params == params else None
    if found is None or not prog.guards_hold(flat):
        return _interpreted(step, prog, flat, plain, args, found is None)
    P = [p.data for p in params]
    result = prog.run_program(P, [0.0] * len(P), flat, plain)
    if result is None:
        return _interpreted(step, prog, flat, plain, args, False)
    loss, G = result
    rule, numbers = found
    buffers = [getattr(opt, a) for a in rule.buffers.values()]
    P = prog.update_of(rule.name)(P, list(G), [numbers[s] for s in rule.scalars()], buffers)
    for p, d, g in zip(params, P, G):
        p.data = d
        p.grad = g
    opt.steps += 1
    return float(loss)


def _interpreted(step: Any, prog: Any, flat: Any, plain: Any, args: Any, program: bool) -> float:
    """The optimizer's own step after the gradients of the program (or, where the program cannot
    answer, of the interpreter)."""
    opt = step.optimizer
    opt.zero_grad()
    loss = prog.run(flat, plain) if program else None
    if loss is None:
        step.fallbacks += 1
        loss = step.interpret(args)
    opt.step()
    return float(loss)


def python_update(function: Any) -> Any:
    """A Python rule's function (it changes P in place), returning P."""
    return lambda P, G, S, B: function(P, G, S, B) or P


def c_update(function: Any, n: int) -> Any:
    """A C rule's function, called on lists: the arrays passed as buffers of doubles."""
    import ctypes
    from array import array

    function.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_int]

    def run(P: List[float], G: List[float], S: List[float], B: List[List[float]]) -> List[float]:
        p, g, s = array("d", P), array("d", G), array("d", S)
        b = array("d", [x for buf in B for x in buf])
        address = [a.buffer_info()[0] for a in (p, g, s, b)]
        function(*address, n)
        for k, buf in enumerate(B):
            buf[:] = b[k * n : (k + 1) * n].tolist()
        return p.tolist()

    return run
