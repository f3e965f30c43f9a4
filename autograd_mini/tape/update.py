"""The optimizer's step inside the program: ``trace(fn, *args, optimizer=opt)``.

Each rule is written once, as formulas over one parameter p, its gradient g and its buffers, in
the order and with the operations of `autograd_mini.optim` (so the floats are the same), and
printed by both printers' syntax: a Python function and a C function over the arrays P, G and the
buffers. The numbers a step shares (lr, or Adam's step size for step t) are computed from the
optimizer at each call, as its `step()` computes them, so a schedule or a changed ``lr`` holds.

>>> print(python_source(RULES["SGD"]).splitlines()[6])
        v = mu * v + (g + wd * p)
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from itertools import repeat
from operator import attrgetter
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ..engine.expr import PYTHON, Expr, names_in, parse
from .csyntax import C

_DATA = attrgetter("data")


class Rule(NamedTuple):
    name: str
    steps: List[Tuple[str, Expr]]  # (what it sets: p or a buffer, its formula), in order
    buffers: Dict[str, str]  # the formulas' name of a buffer -> the optimizer's attribute
    scalars: List[str]  # the numbers it reads, the same for every parameter (lr, ...)


def _rule(name: str, buffers: Dict[str, str], *steps: Tuple[str, str]) -> Rule:
    known = {"p", "g", *buffers}
    parsed = []
    for target, text in steps:
        names = {n for n in text.replace("(", " ").replace(")", " ").split() if n.isidentifier()} - {"sqrt"}
        parsed.append((target, parse(text, known | names, {"sqrt"}, f"optimizer {name}")))
    used = set().union(*(names_in(e) for _, e in parsed))
    return Rule(name, parsed, buffers, sorted(used - {"p", "g", *buffers, *(t for t, _ in parsed)}))


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
    names = {n: n for n in ["p", "g", *rule.buffers, *rule.scalars]}
    bufs = list(rule.buffers)
    arrays = [f"{b.upper()}[k]" for b in bufs]
    lines = [f"def update_{rule.name}(P, G, S, B):",
             f'    """{rule.name}: each parameter\'s step, as the optimizer takes it."""',
             f"    {', '.join(rule.scalars)}{',' * (len(rule.scalars) == 1)} = S",
             *[f"    {b.upper()} = B[{k}]" for k, b in enumerate(bufs)],
             "    for k in range(len(P)):",
             f"        {', '.join(['p', 'g', *bufs])} = {', '.join(['P[k]', 'G[k]', *arrays])}",
             *[f"        {t} = {PYTHON.print(e, names)}" for t, e in rule.steps],
             f"        {', '.join(['P[k]', *arrays])} = {', '.join(['p', *bufs])}"]
    return "\n".join(lines) + "\n"


def c_source(rule: Rule) -> str:
    names = {n: n for n in ["p", "g", *rule.buffers, *rule.scalars]}
    bufs = list(rule.buffers)
    scalars = ", ".join(f"{s} = S[{k}]" for k, s in enumerate(rule.scalars))
    pairs = [(b, b.upper()) for b in bufs]
    lines = [f"/* {rule.name}: each parameter's step, as the optimizer takes it */",
             f"static void update_{rule.name}(double *P, const double *G, const double *S, double **B,"
             " int n) {",
             f"    double {scalars};",
             *[f"    double *{b.upper()} = B[{k}];" for k, b in enumerate(bufs)],
             "    for (int k = 0; k < n; k++) {",
             f"        double {', '.join(f'{x} = {a}[k]' for x, a in [('p', 'P'), ('g', 'G'), *pairs])};",
             *[f"        {t} = {C.print(e, names)};" for t, e in rule.steps],
             f"        {' '.join(f'{a}[k] = {x};' for x, a in [('p', 'P'), *pairs])}",
             "    }", "}"]
    return "\n".join(lines) + "\n"


C_TRAIN = """
/* One training step: the program (the value and G), then the optimizer's rule on P, in place in
   out = [the value, G, P]; B are the optimizer's buffers, updated in place. */
int train(const double *in, double *out, double *work, const double *S, double *B0, double *B1,
          int rule, int n) {
    int status = program(in, out, work);
    if (status != 0) return status;
    double *P = out + 1 + n, *B[2] = {B0, B1};
    memcpy(P, in, n * sizeof(double));
%s    return 0;
}

/* Many training steps in turn: step k reads numbers + k * nx and the rule's numbers S + k * ns,
   and its value goes to losses[k]; last gets the latest [value, G, P]. Returns how many steps
   were taken: a step the interpreter must answer stops the loop before it changes anything. */
int train_many(double *in, double *out, double *work, const double *S, int ns, double *B0, double *B1,
               int rule, int n, int steps, const double *numbers, int nx, double *losses, double *last) {
    for (int k = 0; k < steps; k++) {
        memcpy(in + 2 * n, numbers + (size_t)k * nx, nx * sizeof(double));
        memset(in + n, 0, n * sizeof(double));
        if (train(in, out, work, S + (size_t)k * ns, B0, B1, rule, n) != 0) return k;
        memcpy(in, out + 1 + n, n * sizeof(double));  /* P, for the next step */
        memcpy(last, out, (1 + 2 * n) * sizeof(double));
        losses[k] = out[0];
    }
    return steps;
}
"""


def source(backend: str) -> str:
    """Every rule's function, for the program of `backend` (in C, after `program`, with `train`)."""
    if backend == "python":
        return "\n\n".join(python_source(r) for r in RULES.values())
    rules = enumerate(RULES.values())
    calls = "".join(f"    if (rule == {k}) update_{r.name}(P, out + 1, S, B, n);\n" for k, r in rules)
    return "\n".join(c_source(r) for r in RULES.values()) + C_TRAIN % calls


def train(step: Any, prog: Any, flat: List[Any], plain: List[Any], args: Any) -> float:
    """One call of a step traced with an optimizer: as ``opt.zero_grad(); loss = fn(*args);
    loss.backward(); opt.step()``, the update inside the program where it can take it."""
    opt = step.optimizer
    params = prog.params
    found = rule_of(opt) if prog.train is not None and opt.params == params else None
    if found is None or not prog.guards_hold(flat):
        return _interpreted(step, prog, flat, plain, args, found is None)
    rule, numbers = found
    for name in rule.buffers.values():  # arrays of doubles, which the C program changes in place
        if type(getattr(opt, name)) is not array:
            setattr(opt, name, array("d", getattr(opt, name)))
    buffers = [getattr(opt, a) for a in rule.buffers.values()]
    result = prog.train(list(map(_DATA, params)), flat, plain, rule.name,
                        [numbers[s] for s in rule.scalars], buffers)
    if result is None:
        return _interpreted(step, prog, flat, plain, args, False)
    loss, G, P = result
    deque(map(setattr, params, repeat("data"), P), maxlen=0)  # (a loop at C speed)
    deque(map(setattr, params, repeat("grad"), G), maxlen=0)
    opt.steps += 1
    return float(loss)


def run_many(step: Any, batches: Any) -> List[float]:
    """`step.run(batches)` with an optimizer: the batches that follow each other with one
    program's shape go through it in one call where it can take them all (the C program)."""

    losses: List[float] = []
    pending: List[Tuple[Any, Any]] = []  # (args, numbers) for one program
    prog = None
    for args in batches:
        args = tuple(args)
        shape, flat, numbers = _numbers(step, args)
        here = step.programs.get(shape) if shape is not None else None
        fits = here is not None and here.guards_hold(flat)
        if here is not prog or not fits:
            losses += _flush(step, prog, pending)
            pending, prog = [], here
        if fits:
            pending.append((args, numbers))
        else:
            losses.append(step(*args))
    return losses + _flush(step, prog, pending)


def _numbers(step: Any, args: Tuple[Any, ...]) -> Tuple[Any, List[Any], Any]:
    """(shape, the numbers the guards read, the numbers for the program) of one batch; arrays
    with the buffer protocol are read at C speed (the guards get only the numbers they check)."""
    from . import args as arguments

    found = arguments.read_buffers(args)
    if found is None:
        try:
            shape, flat, _ = arguments.read(args)
        except arguments.NotNumbers:
            return None, [], None
        return shape, flat, flat
    shape, views = found
    prog = step.programs.get(shape)
    if prog is None:
        return shape, [], None
    numbers, flat = array("d"), []
    for m in views:
        one = m.cast("B").cast(m.format)  # type: ignore[call-overload]
        if m.format == "d":
            numbers.frombytes(m.cast("B"))
        else:
            numbers.extend(one.tolist())
        start = len(flat)
        if any(start <= k < start + len(one) for k in prog.guarded()):
            flat += one.tolist()  # the numbers as given (integers stay integers)
        else:
            flat += [None] * len(one)
    return shape, flat, numbers


def _flush(step: Any, prog: Any, pending: List[Tuple[Any, List[Any]]]) -> List[float]:
    opt = step.optimizer
    many = getattr(prog.train, "many", None) if prog is not None else None
    if len(pending) < 2 or many is None or opt.params != prog.params or rule_of(opt) is None:
        return [step(*args) for args, _ in pending]
    start, rows = opt.steps, []
    try:  # each step's numbers, as its own step() would compute them
        for k in range(len(pending)):
            opt.steps = start + k
            rule, numbers = rule_of(opt)  # type: ignore[misc]
            rows.append([numbers[s] for s in rule.scalars])
    finally:
        opt.steps = start
    for name in rule.buffers.values():
        if type(getattr(opt, name)) is not array:
            setattr(opt, name, array("d", getattr(opt, name)))
    P = list(map(_DATA, prog.params))
    buffers = [getattr(opt, a) for a in rule.buffers.values()]
    found = many(P, [flat for _, flat in pending], rule.name, rows, buffers)
    if found is None:
        return [step(*args) for args, _ in pending]
    k, losses, G, P = found
    if k:
        deque(map(setattr, prog.params, repeat("data"), P), maxlen=0)
        deque(map(setattr, prog.params, repeat("grad"), G), maxlen=0)
        opt.steps = start + k
    if k < len(pending):  # the interpreter answers this one; then on with the others
        losses.append(step(*pending[k][0]))
        losses += _flush(step, prog, pending[k + 1 :])
    return losses


def _interpreted(step: Any, prog: Any, flat: Any, plain: Any, args: Any, program: bool) -> float:
    """The optimizer's own step after the gradients of the program (or, where the program cannot
    answer, of the interpreter)."""
    opt = step.optimizer
    opt.zero_grad()
    loss = prog.run(flat, plain) if program else None
    if loss is None:
        step.fallbacks += 1
        loss = step.interpret(plain)
    opt.step()
    return float(loss)


def python_train(prog: Any, run: Any, functions: Dict[str, Any]) -> Any:
    """The Python program's training step: its run (the value and G), then the rule on a copy of P."""

    def train(P: List[float], flat: Any, plain: Any, name: str, S: List[float], B: List[Any]) -> Any:
        result = run(P, [0.0] * len(P), flat, plain)
        if result is None:
            return None
        P = list(P)
        functions[f"update_{name}"](P, result[1], S, B)
        return result[0], result[1], P

    return train


def c_train(library: Any, np_: int, nx: int, size: int) -> Any:
    """The C program's training step (its `train`), called on lists: one call, no copy per buffer."""
    import ctypes
    import struct
    import threading

    function = library.train
    function.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_void_p] * 3 + [ctypes.c_int] * 2
    pack, unpack = struct.Struct(f"{2 * np_ + nx}d").pack, struct.Struct(f"{1 + 2 * np_}d").unpack_from
    zeros, index, spaces = (0.0,) * np_, {r.name: k for k, r in enumerate(RULES.values())}, threading.local()

    def train(P: List[float], flat: Any, plain: Any, name: str, S: List[float], B: List[Any]) -> Any:
        try:
            data = pack(*P, *zeros, *flat)
        except (struct.error, TypeError, OverflowError):  # a number a double cannot hold
            return None
        if not hasattr(spaces, "work"):
            spaces.work = ctypes.create_string_buffer(16 * size)
        out, s = ctypes.create_string_buffer(8 * (1 + 2 * np_)), array("d", S)
        b = [x.buffer_info()[0] for x in B] + [0] * (2 - len(B))
        if function(data, out, spaces.work, s.buffer_info()[0], *b, index[name], np_) != 0:
            return None
        r = unpack(out)
        return r[0], r[1 : 1 + np_], r[1 + np_ :]

    many = library.train_many
    many.argtypes = [ctypes.c_void_p] * 4 + [ctypes.c_int] + [ctypes.c_void_p] * 2 + [ctypes.c_int] * 3 + [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]

    def train_many(P: List[float], flats: List[Any], name: str, S: List[List[float]], B: List[Any]) -> Any:
        """Steps on each of `flats` in one call: (how many were taken, their losses, the last G, P)."""
        try:
            inb, numbers = array("d", P), array("d")
            inb.extend(zeros)
            inb.extend(array("d", bytes(8 * nx)))
            for f in flats:
                numbers.extend(f)
        except (TypeError, OverflowError):
            return None
        if not hasattr(spaces, "work"):
            spaces.work = ctypes.create_string_buffer(16 * size)
        s = array("d", [x for row in S for x in row])
        out, last, losses = array("d", bytes(8 * (1 + 2 * np_))), array("d", bytes(8 * (1 + 2 * np_))), array(
            "d", bytes(8 * len(flats)))
        b = [x.buffer_info()[0] for x in B] + [0] * (2 - len(B))
        at = [x.buffer_info()[0] for x in (inb, out)] + [ctypes.addressof(spaces.work), s.buffer_info()[0]]
        k = many(*at, len(S[0]), *b, index[name], np_, len(flats), numbers.buffer_info()[0], nx,
                 losses.buffer_info()[0], last.buffer_info()[0])
        return k, losses[:k].tolist(), last[1 : 1 + np_].tolist(), last[1 + np_ :].tolist()

    train.many = train_many  # type: ignore[attr-defined]
    return train
