"""`trace`: record a function's graph once, then run it as a generated program at every call.

Like ``torch.jit.trace``, a trace runs the function once and records what happened: **values flow,
control flow is recorded.** An ``if`` on an argument's value, a loop whose length depends on one, a
number read from a node's data and used as a constant: each takes the path (or the number) of the
traced call, for every later call. `Step.check` runs the interpreter on a call and says where the
graph or a number would differ. Library code whose graph depends on values (a loss picking the
logit of the label) is written so that it does not, or tells the trace (`autograd_mini.trace_hooks`).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .. import checks
from .. import trace_hooks as hooks
from ..engine import Value, enable_grad, total
from . import args as arguments
from . import graph as graphs
from . import outputs, update
from .backends import build
from .names import argument_names
from .plan import Plan
from .program import Program

BACKENDS = ("python", "c", "auto")


def trace(fn: Callable[..., Any], *args: Any, backend: str = "python", check: bool = False,
          optimizer: Any = None, backward: bool = True) -> Step:
    """Run ``fn(*args)`` once, record its graph and write it as a program; returns the `Step`.

    `fn` takes numbers (or nested lists of numbers) and returns a scalar Value; the Values it
    reaches that are not made from its arguments (a model's weights) are its parameters. Calling
    the step, ``step(*args)``, returns ``fn(*args).data`` and adds d fn / d p to ``p.grad`` of each
    parameter, as ``fn(*args).backward()`` does, without building a Value. `backend` is 'python',
    'c' (compiled with the system's C compiler, cached) or 'auto' (C where a compiler is found).
    With ``check=True`` every call also runs the interpreter and compares (slow: for debugging).
    With an `optimizer` (SGD, Adam or AdamW over the parameters), each call is a whole training
    step, ``opt.zero_grad(); fn(*args).backward(); opt.step()``, the update inside the program:
    the parameters' ``.data`` and ``.grad`` and ``opt.state_dict()`` are what that loop gives.
    With ``backward=False`` the program is the forward pass alone (an evaluation): `fn` may return
    a Value or (nested) lists of Values, and the step returns their numbers in that shape, as
    ``fn(*args)`` under no_grad gives them; no ``.grad`` changes.

    Values flow, control flow is recorded: see the module doc. A call whose arguments have
    another shape traces again (a program per shape).

    >>> from autograd_mini import Value
    >>> w = Value(-3.0, label="w")
    >>> step = trace(lambda x: (w * x + 2.0).tanh(), 0.5)
    >>> loss = step(0.5)
    >>> round(loss, 6), round(w.grad, 6)
    (0.462117, 0.393224)
    """
    step = Step(fn, backend, check, optimizer, backward)
    step.program(args)
    return step


class Step:
    """A traced function: call it like the function; see `trace`."""

    def __init__(self, fn: Callable[..., Any], backend: str = "python", check: bool = False,
                 optimizer: Any = None, backward: bool = True) -> None:
        from ..optim import Optimizer

        if not callable(fn):
            raise TypeError(f"trace: fn must be callable, got {checks.shown(fn)}")
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            got = checks.shown(optimizer)
            raise TypeError(f"trace: optimizer must be an autograd_mini.optim optimizer, got {got}")
        self.optimizer = optimizer
        self.backward = checks.flag(backward, "trace: backward")
        if not self.backward and (optimizer is not None or check):
            raise ValueError("trace: backward=False runs the forward pass alone: it takes no optimizer and "
                             "no check=True (compare step(*args) with fn(*args) under no_grad instead)")
        checks.one_of(backend, BACKENDS, "trace: backend")
        self.fn = fn
        self.backend = backend
        self.checking = checks.flag(check, "trace: check")
        self.programs: Dict[Tuple[Any, ...], Program] = {}
        self.last: Optional[Program] = None
        self.fallbacks = 0  # calls the interpreter answered (a failed check, an error, a NaN)

    @property
    def source(self) -> str:
        """The program of the latest call's shape, as text (Python, or C for the C backend)."""
        return self._latest().source

    @property
    def parameters(self) -> List[Value]:
        """The Values the program reads (``.data``) and adds gradients to (``.grad``), in its order."""
        return list(self._latest().params)

    @property
    def backend_used(self) -> str:
        """'python' or 'c': what runs the latest call's shape ('auto' picks one)."""
        return self._latest().backend

    def __call__(self, *args: Any) -> Any:
        if self.optimizer is not None and not self.checking:  # numpy arrays straight into C
            loss = update.train_arrays(self, args)
            if loss is not None:
                return loss
        try:
            shape, flat, plain = arguments.read(args)
        except arguments.NotNumbers:
            return self.interpret(args)  # the interpreter says what is wrong, as always
        prog = self.programs.get(shape)
        if prog is None:
            prog = self.program(args)
        self.last = prog
        if not self.backward:
            numbers = prog.forward(flat, plain)
            if numbers is None:
                self.fallbacks += 1
                return self.interpret(plain)
            return outputs.rebuild(numbers, prog.shape)
        if self.checking:
            from .checking import check_call

            check_call(self, prog, args)
        if self.optimizer is not None:
            return update.train(self, prog, flat, plain, args)
        result = prog.run(flat, plain)
        if result is None:
            self.fallbacks += 1
            return self.interpret(plain)  # (the numbers as lists, as the program read them)
        return result

    def run(self, batches: Iterable[Sequence[Any]]) -> List[Any]:
        """Call the step on each tuple of arguments (each mini-batch) in turn: the losses. With an
        optimizer, the C program takes the batches in one call (the parameters, gradients and
        optimizer state are written back once, when it returns)."""
        if self.optimizer is not None:
            return update.run_many(self, batches)
        return [self(*batch) for batch in batches]

    def check(self, *args: Any) -> None:
        """Run the interpreter on this call too and raise `TraceMismatch` where it and the program
        differ: a node the graph no longer has (the function took another path), or the first
        value or gradient that differs. Changes no ``.grad``."""
        from .checking import check_call

        try:
            shape = arguments.read(args)[0]
        except arguments.NotNumbers as e:
            raise TypeError(
                f"trace: arguments must be numbers or nested lists of numbers, got {checks.shown(e.args[0])}"
            ) from None
        check_call(self, self.programs.get(shape) or self.program(args), args)

    def interpret(self, args: Sequence[Any]) -> Any:
        """The call as the interpreter runs it: ``out = fn(*args); out.backward(); out.data``
        (with backward=False, fn(*args) under no_grad, as numbers)."""
        if not self.backward:
            return outputs.interpret(self.fn, args, _title(self.fn))
        with enable_grad():  # (as the program, which computes the gradients under no_grad() too)
            out = self.fn(*args)
        if type(out) is not Value:
            raise TypeError(f"trace: fn must return a Value, got {checks.shown(out)}")
        out.backward()
        return out.data

    def program(self, args: Sequence[Any]) -> Program:
        """The program for calls shaped like `args`: recorded now if there is none yet."""
        try:
            shape, _, plain = arguments.read(args)
        except arguments.NotNumbers as e:
            raise TypeError(
                f"trace: arguments must be numbers or nested lists of numbers, got {checks.shown(e.args[0])}"
            ) from None
        graph, names, out_shape = record(self.fn, plain, self.backward)
        plan = Plan(graph, None if self.backward else list(graph.nodes[graph.root].parents))
        plan.train = self.optimizer is not None
        prog = build(plan, names, _title(self.fn), self.backend)
        prog.shape = out_shape
        self.programs[shape] = self.last = prog
        return prog

    def _latest(self) -> Program:
        if self.last is None:
            raise ValueError("trace: nothing traced yet")
        return self.last


def source_of(root: Value, title: str = "the formula", backend: str = "python") -> str:
    """The program of `root`'s graph as text, every leaf a parameter (what ``autograd-mini compile``
    prints). `backend` is 'python' or 'c'.

    >>> from autograd_mini import Value
    >>> x = Value(2.0, label="x")
    >>> print(source_of(x * x).splitlines()[-1])
        return v1
    """
    checks.one_of(backend, ("python", "c"), "source_of: backend")
    if type(root) is not Value:
        raise TypeError(f"source_of: root must be a Value, got {checks.shown(root)}")
    graph, loose = graphs.read(root, None, [])
    graphs.settle(graph, loose)
    plan = Plan(graph)
    if backend == "c":
        from .cprint import CPrinter

        return CPrinter(plan, 0, title).source()
    from .pyprint import PythonPrinter

    return PythonPrinter(plan, [], title).source()


def record(fn: Callable[..., Any], plain: Sequence[Any],
           backward: bool = True) -> Tuple[graphs.Graph, List[str], Any]:
    """Run `fn` on argument leaves and read the graph it returns (parameters settled); without
    `backward`, the graph of the sum of its outputs, and their shape (`outputs`)."""
    names = argument_names(_parameter_names(fn, len(plain)))
    wrapped, raw, places = arguments.wrap(plain, names)
    rec = hooks.Recorder(raw)
    before = hooks.start(rec)
    try:
        with enable_grad():
            out = fn(*wrapped)
    except Exception as e:
        hooks.start(before)
        _explain_failure(fn, plain, e)
        raise
    finally:
        hooks.start(before)
    shape = None
    if not backward:
        values, shape = outputs.flatten(out, _title(fn))
        with enable_grad():
            out = total(values)
        del values
    if type(out) is not Value:
        raise TypeError(f"trace: fn must return a Value, got {checks.shown(out)}")
    graph, loose = graphs.read(out, rec, places)
    del out, rec, wrapped, raw  # so that the leaves made inside fn die with the graph
    graphs.settle(graph, loose)
    return graph, names, shape


def _explain_failure(fn: Callable[..., Any], plain: Sequence[Any], error: Exception) -> None:
    """fn failed on Values: run it on the numbers, which raises the interpreter's own error, or,
    if that works, say that the function cannot take Values."""
    try:
        fn(*plain)
    except Exception:
        raise
    raise TypeError(
        f"trace: {_title(fn)} works on numbers but fails when its arguments are Values "
        f"(as a trace passes them): {type(error).__name__}: {error}"
    ) from error


def _parameter_names(fn: Callable[..., Any], n: int) -> List[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[k] if k < len(names) else f"arg{k}" for k in range(n)]


def _title(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", "") or type(fn).__name__
    return "the function" if name == "<lambda>" else name
