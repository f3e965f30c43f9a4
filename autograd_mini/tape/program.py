"""A generated program, ready to run: the Python one executed, or the C one compiled and loaded.

`Program.run` checks the guards, reads the parameters' ``.data`` and ``.grad``, runs the program,
and writes the gradients back only if it finished with finite numbers. It returns None, and
changes nothing, wherever the interpreter must decide: a guard fails (a label that is not ±1), the
program raises (log of a negative number) or a number is not finite (an overflow, a NaN given in).
The step then runs the interpreter, whose answer (or error) is the right one by definition.
"""

from __future__ import annotations

import linecache
from bisect import bisect_right
from itertools import accumulate
from math import isfinite
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from ..engine import Value
from . import update
from .plan import Plan
from .pyprint import PythonPrinter

Guard = Tuple[Any, Callable[[List[Any]], bool]]


class Program:
    """One shape's program: its source, its parameters, and `run`."""

    def __init__(self, plan: Plan, source: str, backend: str) -> None:
        graph = plan.graph
        self.plan = plan
        self.source = source
        self.backend = backend
        self.params: List[Value] = [graph.params[k] for k in plan.layout]
        self.guards: List[Guard] = [(_positions(pos), ok) for pos, ok, _ in graph.guards]
        self.run_program: Callable[..., Any] = _no_program
        self.arg_names: List[str] = []
        self.compile_seconds = 0.0
        self.writer: Any = None  # what wrote the source: it knows where each node is kept
        self.train: Any = None  # a training step: the program, then an optimizer's rule (tape.update)
        self.shape: Any = None  # a forward-only program: the shape of its outputs (tape.outputs)
        self._parts: Dict[Tuple[int, ...], Tuple[List[int], List[Guard]]] = {}  # guards_on's answers

    def guarded(self) -> Set[int]:
        """The positions among the call's numbers that the guards read."""
        return {k for pos, _ in self.guards for k in _listed(pos)}

    def guards_hold(self, flat: Sequence[Any], guards: Optional[List[Guard]] = None) -> bool:
        """Whether every guard holds on the call's numbers `flat` (or `guards` on theirs)."""
        for pos, ok in self.guards if guards is None else guards:
            cut = type(flat) is list and type(pos) is slice  # (a slice of a list is a new list)
            if not ok(flat[pos] if cut else [flat[k] for k in _listed(pos)]):
                return False
        return True

    def guards_on(self, lengths: Tuple[int, ...]) -> Tuple[List[int], List[Guard]]:
        """For a call whose numbers come in parts of these `lengths` (its arguments, in order): the
        parts the guards read, and the guards with their positions among those parts' numbers
        alone, put one after the other (`guards_hold` on them). Computed once per lengths."""
        found = self._parts.get(lengths)
        if found is None:
            starts = list(accumulate(lengths, initial=0))
            read = sorted({bisect_right(starts, k) - 1 for k in self.guarded()})
            at = dict(zip(read, accumulate((lengths[i] for i in read), initial=0)))

            def moved(k: int) -> int:
                part = bisect_right(starts, k) - 1
                return at[part] + k - starts[part]

            guards = [(_positions([moved(k) for k in _listed(pos)]), ok) for pos, ok in self.guards]
            found = self._parts[lengths] = (read, guards)
        return found

    def forward(self, flat: Sequence[Any], plain: Sequence[Any]) -> Optional[List[float]]:
        """A forward-only program's outputs, in order; None if the interpreter must answer."""
        if self.guards and not self.guards_hold(flat):
            return None
        result: Optional[List[float]] = self.run_program([p.data for p in self.params], None, flat, plain)
        return result

    def run(self, flat: Sequence[Any], plain: Sequence[Any]) -> Optional[float]:
        """The value, with the gradients added to the parameters; None if the interpreter must
        answer this call (see the module doc)."""
        if self.guards and not self.guards_hold(flat):
            return None
        params = self.params
        G = [p.grad for p in params]
        result = self.run_program([p.data for p in params], G, flat, plain)
        if result is None:
            return None
        loss, grads = result
        for p, g in zip(params, grads):
            p.grad = g
        return loss


def python_program(plan: Plan, names: Sequence[str], title: str) -> Program:
    writer = PythonPrinter(plan, names, title)
    source = writer.source()
    prog = Program(plan, source, "python")
    fn = load_python(source, title)

    def run(P: List[float], G: List[float], flat: Sequence[Any], plain: Sequence[Any]) -> Any:
        try:
            loss = fn(P, G, *plain)
        except (ArithmeticError, ValueError, TypeError):  # log(-1), 0 ** -1, a complex power
            return None
        if type(loss) is int:
            loss = float(loss)
        total = sum(G, 0.0)
        if type(loss) is not float or type(total) is not float or loss - loss != 0.0 or total - total != 0.0:
            return None  # NaN or inf (a sum too large for a float is a false alarm the interpreter clears)
        return loss, G

    prog.run_program = run if plan.outputs is None else _python_forward(fn)
    prog.writer = writer
    if plan.train:
        prog.train = update.python_train(prog, run, fn.__globals__)
    return prog


def _python_forward(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A forward-only program's run: its outputs, or None where the interpreter must answer."""

    def run(P: List[float], G: Any, flat: Sequence[Any], plain: Sequence[Any]) -> Any:
        try:
            out = fn(P, [0.0] * len(P), *plain)  # (G: the program reads it, if only to name it)
        except (ArithmeticError, ValueError, TypeError):
            return None
        return out if all(map(isfinite, out)) else None

    return run


def load_python(source: str, title: str) -> Callable[..., Any]:
    """The `program` function of a generated source; tracebacks show its lines."""
    filename = f"<autograd_mini.tape program of {title}, {abs(hash(source)):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["program"]  # type: ignore[no-any-return]


def _positions(pos: Sequence[int]) -> Any:
    """A slice where the positions follow each other (the common case: a list of labels)."""
    if pos and list(pos) == list(range(pos[0], pos[0] + len(pos))):
        return slice(pos[0], pos[0] + len(pos))
    return list(pos)


def _listed(pos: Any) -> Sequence[int]:
    return range(pos.start, pos.stop) if type(pos) is slice else pos  # type: ignore[no-any-return]


def _no_program(*args: Any) -> Any:
    raise RuntimeError("trace: the program was not loaded")
