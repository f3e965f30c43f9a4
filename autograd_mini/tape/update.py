"""The optimizer's step inside the program: ``trace(fn, *args, optimizer=opt)``.

Each rule is the optimizer's own (`autograd_mini.optim`: formulas over one parameter p, its
gradient g and its buffers, from which the optimizer's `step()` is compiled too), printed here by
both printers' syntax: a Python function and a C function over the arrays P, G and the buffers.
The numbers a step shares (lr, or Adam's step size for step t) are the optimizer's `step_rule()`'s
at each call, so a schedule or a changed ``lr`` holds.

>>> print(python_source(RULES["sgd"]).splitlines()[6])
        v = mu * v + (g + wd * p)
"""

from __future__ import annotations

import struct
from array import array
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import optim
from ..engine.expr import PYTHON, Syntax
from ..optim_rules import Rule
from . import args as arguments
from .csyntax import C

RULES = {rule.name: rule for rule in optim.RULES}  # the rules a program takes, as the optimizers define them


def rule_of(opt: Any) -> Optional[Tuple[Rule, Dict[str, float]]]:
    """The rule of `opt`'s next step and its numbers, as its own `step()` would take them (None
    where the program cannot take it: an optimizer whose step is not its rule's, or one of another
    rule, or one whose step hooks must see the step)."""
    if opt.step_pre_hooks or opt.step_post_hooks:
        return None
    kind = type(opt)
    if kind.step is not optim.Optimizer.step or kind.update is not optim.Optimizer.update:
        return None
    found: Tuple[Rule, Dict[str, float]] = opt.step_rule()
    return found if RULES.get(found[0].name) is found[0] else None


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
    """The rule as a C function: two parameters at a time where the compiler has SSE2 vectors
    (the same operations on each, so the same floats: the compiler itself does not vectorise a
    loop calling sqrt at -O2), then one at a time."""
    names = {n: n for n in ["p", "g", *rule.buffers, *rule.scalars]}
    bufs = list(rule.buffers)
    scalars = ", ".join(f"{s} = S[{k}]" for k, s in enumerate(rule.scalars))
    every = [("p", "P"), ("g", "G"), *[(b, b.upper()) for b in bufs]]
    kept = [every[0], *every[2:]]
    lines = [f"/* {rule.name}: each parameter's step, as the optimizer takes it */",
             f"static void update_{rule.name}(double *P, const double *G, const double *S, double **B,"
             " int n) {",
             f"    double {scalars};",
             *[f"    double *{b.upper()} = B[{k}];" for k, b in enumerate(bufs)],
             "    int k = 0;",
             "#if PAIRS",
             "    for (; k + 2 <= n; k += 2) {",
             f"        pair {', '.join(f'{x} = load2({a} + k)' for x, a in every)};",
             *[f"        {t} = {PAIR.print(e, names)};" for t, e in rule.steps],
             f"        {' '.join(f'store2({a} + k, {x});' for x, a in kept)}",
             "    }",
             "#endif",
             "    for (; k < n; k++) {",
             f"        double {', '.join(f'{x} = {a}[k]' for x, a in every)};",
             *[f"        {t} = {C.print(e, names)};" for t, e in rule.steps],
             f"        {' '.join(f'{a}[k] = {x};' for x, a in kept)}",
             "    }", "}"]
    return "\n".join(lines) + "\n"


PAIRS = """
/* two doubles at a time where SSE2 is there: each lane the same IEEE operation as one double */
#if defined(__GNUC__) && defined(__SSE2__)
#include <emmintrin.h>
typedef double pair __attribute__((vector_size(16)));
static inline pair load2(const double *x) { pair v; memcpy(&v, x, sizeof v); return v; }
static inline void store2(double *x, pair v) { memcpy(x, &v, sizeof v); }
static inline pair sqrt2(pair x) { return (pair)_mm_sqrt_pd((__m128d)x); }
#define PAIRS 1
#else
#define PAIRS 0
#endif
"""
PAIR = Syntax(C.literal, C.power, C.where, C.logic, lambda fn: f"{fn}2")  # (the rules call sqrt alone)


C_TRAIN = """
/* One training step: the program on in = [P, G, the call's numbers] (G is zeros: nothing writes
   it), its value and G to out = [the value, G], then the optimizer's rule on P in place (in[0:n]).
   B are the optimizer's buffers, updated in place. Where the program fails nothing has changed. */
int train(double *in, double *out, double *work, const double *S, double *B0, double *B1, int rule,
          int n) {
    int status = program(in, out, work);
    if (status != 0) return status;
    double *P = in, *B[2] = {B0, B1};
%s    return 0;
}

/* Many training steps in turn: step k reads numbers + k * nx and the rule's numbers S + k * ns;
   its value goes to losses[k] and its [value, G] to out0 and out1 in turn (the latest whole step's
   stays there when the next one fails). Returns how many steps were taken: a step the interpreter
   must answer stops the loop before it changes anything. */
int train_many(double *in, double *out0, double *out1, double *work, const double *S, int ns,
               double *B0, double *B1, int rule, int n, int steps, const double *numbers, int nx,
               double *losses) {
    for (int k = 0; k < steps; k++) {
        double *out = (k & 1) ? out1 : out0;
        memcpy(in + 2 * n, numbers + (size_t)k * nx, nx * sizeof(double));
        if (train(in, out, work, S + (size_t)k * ns, B0, B1, rule, n) != 0) return k;
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
    return PAIRS + "\n".join(c_source(r) for r in RULES.values()) + C_TRAIN % calls


def train(step: Any, prog: Any, flat: List[Any], plain: List[Any], args: Any) -> float:
    """One call of a step traced with an optimizer: as ``opt.zero_grad(); loss = fn(*args);
    loss.backward(); opt.step()``, the update inside the program where it can take it."""
    found = _next_rule(step, prog)
    if found is None or not prog.guards_hold(flat):
        return _interpreted(step, prog, flat, plain, args, found is None)
    rule, S, B = found
    result = prog.train([p.data for p in prog.params], flat, plain, rule.name, S, B)
    if result is None:
        return _interpreted(step, prog, flat, plain, args, False)
    return _taken(step, prog, result)


def train_arrays(step: Any, args: Tuple[Any, ...]) -> Optional[float]:
    """`train` where the arguments are arrays with the buffer protocol and the program is C: their
    numbers go in as they are (no Python float each). None where `train` must answer instead (other
    arguments, no program yet, a failed guard, the program failed), having changed nothing."""
    found = arguments.read_buffers(args)
    prog = step.programs.get(found[0]) if found is not None else None
    if found is None or prog is None or not hasattr(prog.train, "parts"):
        return None
    parts = _parts(step, *found)[1]
    rule = _next_rule(step, prog) if parts is not None else None
    if rule is None:
        return None
    step.last = prog
    result = prog.train.parts([p.data for p in prog.params], parts, rule[0].name, rule[1], rule[2])
    return None if result is None else _taken(step, prog, result)


def _next_rule(step: Any, prog: Any) -> Optional[Tuple[Rule, List[float], List[array]]]:
    """The rule the program takes for the optimizer's next step, its numbers and the optimizer's
    buffers (arrays of doubles, which the C program changes in place); None where the optimizer
    must take its own step (see `rule_of`; one over other parameters; a buffer too short)."""
    opt = step.optimizer
    params = prog.params
    found = rule_of(opt) if prog.train is not None and opt.params == params else None
    if found is None:
        return None
    rule, numbers = found
    buffers = []
    for name in rule.buffers.values():
        b = getattr(opt, name)
        if type(b) is not array or b.typecode != "d":
            b = array("d", b)
            setattr(opt, name, b)
        if len(b) < len(params):  # (set by hand: the optimizer's step says what is wrong)
            return None
        buffers.append(b)
    return rule, [numbers[s] for s in rule.scalars], buffers


def _taken(step: Any, prog: Any, result: Tuple[float, Sequence[float], Sequence[float]]) -> float:
    """The program's step taken: its P and G written to the parameters, the step counted."""
    loss, G, P = result
    _write(prog.params, P, G)
    step.optimizer.steps += 1
    return float(loss)


def _write(params: List[Any], P: Sequence[float], G: Sequence[float]) -> None:
    for p, x, g in zip(params, P, G):  # (one pass: cheaper than a pass for each)
        p.data = x
        p.grad = g


def run_many(step: Any, batches: Any) -> List[float]:
    """`step.run(batches)` with an optimizer: the batches that follow each other with one
    program's shape go through it in one call where it can take them all (the C program)."""
    losses: List[float] = []
    pending: List[Tuple[Any, List[Any]]] = []  # (args, their numbers) for one program
    prog = None
    for args in batches:
        args = tuple(args)
        here, numbers = _numbers(step, args)
        if here is not prog or numbers is None:
            losses += _flush(step, prog, pending)
            pending, prog = [], here
        if numbers is None:
            losses.append(step(*args))
        else:
            pending.append((args, numbers))
    return losses + _flush(step, prog, pending)


def _numbers(step: Any, args: Tuple[Any, ...]) -> Tuple[Any, Optional[List[Any]]]:
    """(the program of the batch's shape, its numbers for the program in parts) where its guards
    hold; the numbers are None where the step must decide (no program yet, a failed guard).
    Arrays with the buffer protocol are read at C speed: a part is then the array's own memory
    (doubles) or its numbers as doubles (integers), as bytes, and the guards read only the parts
    they check."""
    found = arguments.read_buffers(args)
    if found is None:
        try:
            shape, flat, _ = arguments.read(args)
        except arguments.NotNumbers:
            return None, None
        prog = step.programs.get(shape)
        return prog, [flat] if prog is not None and prog.guards_hold(flat) else None
    return _parts(step, *found)


def _parts(step: Any, shape: Any, views: List[memoryview]) -> Tuple[Any, Optional[List[Any]]]:
    """`_numbers` of arrays with the buffer protocol (`arguments.read_buffers`): the parts as bytes."""
    prog = step.programs.get(shape)
    if prog is None:
        return None, None
    raw = [m.cast("B") for m in views]
    typed = [b.cast(m.format) for b, m in zip(raw, views)]  # type: ignore[call-overload]
    read, guards = prog.guards_on(tuple(map(len, typed)))
    given = {k: typed[k].tolist() for k in read}  # the numbers as given: integers stay integers
    if guards and not prog.guards_hold([x for k in read for x in given[k]], guards):
        return prog, None
    return prog, [b if t.format == "d" else _doubles(given.get(k) or t.tolist())
                  for k, (b, t) in enumerate(zip(raw, typed))]


def _doubles(numbers: List[Any]) -> bytes:
    return struct.pack(f"{len(numbers)}d", *numbers)


def _flush(step: Any, prog: Any, pending: List[Tuple[Any, List[Any]]]) -> List[float]:
    opt = step.optimizer
    many: Any = getattr(prog.train, "many", None) if prog is not None else None
    found = _next_rule(step, prog) if many is not None and len(pending) > 1 else None
    if found is None:
        return [step(*args) for args, _ in pending]
    rule, S, B = found
    start, rows = opt.steps, [S]
    try:  # each step's numbers, as its own step() would compute them
        for k in range(1, len(pending)):
            opt.steps = start + k
            rule, numbers = rule_of(opt)  # type: ignore[misc]
            rows.append([numbers[s] for s in rule.scalars])
    finally:
        opt.steps = start
    params = prog.params
    found = many([p.data for p in params], [parts for _, parts in pending], rule.name, rows, B)
    if found is None:
        return [step(*args) for args, _ in pending]
    k, losses, G, P = found
    if k:
        _write(params, P, G)
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
