"""What the transforms share: their checks, their inputs and outputs, and how deep they are nested.

A transform called at the top returns floats. Called inside another transform's function (to
any depth), it returns Values instead, built by running the rules on the graph, so that the outer
transform can differentiate them: that is how ``jacfwd(jacfwd(f))`` and ``hessian`` compose.
Each call makes fresh input nodes, ``x + 0`` of what it was given, and differentiates with
respect to those nodes alone, so an inner transform never confuses its variable with an outer
one's (a function that uses the outer x beside its own argument gets the right derivative).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from numbers import Integral, Real
from typing import Any, Callable, Iterator, List, Sequence, Tuple, Union

from .. import checks
from ..engine import Value, enable_grad

Argnums = Union[None, int, Tuple[int, ...]]

_depth = threading.local()


def nested() -> bool:
    """Whether a transform called now runs inside another transform's function."""
    return getattr(_depth, "n", 0) > 0


@contextmanager
def inside() -> Iterator[None]:
    """Run a transform's function: deeper by one, with the graph recorded (even under no_grad)."""
    _depth.n = getattr(_depth, "n", 0) + 1
    try:
        with enable_grad():
            yield
    finally:
        _depth.n -= 1


def function(f: Any, where: str) -> Callable[..., Any]:
    if not callable(f):
        raise TypeError(f"{where}: f must be callable, got {checks.shown(f)}")
    return f  # type: ignore[no-any-return]


def sequence(xs: Any, where: str) -> List[Any]:
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{where}: expected a tuple or list, got {checks.shown(xs)}")
    return list(xs)


def number(x: Any, graph: bool, where: str) -> Any:
    """A tangent or cotangent: a float, or a Value when an outer transform differentiates it."""
    if type(x) is Value:
        return x if graph else x.data
    return checks.real(x, where, "a real number or a Value")


def argnums_of(argnums: Any, where: str) -> Argnums:
    """`argnums` as torch.func takes it (an int or a tuple of ints), or None for all arguments."""
    if argnums is None:
        return None
    if isinstance(argnums, tuple):
        if not argnums:
            raise ValueError(f"{where}: argnums must name at least one argument, got ()")
        return tuple(checks.integer(a, f"{where}: argnums") for a in argnums)
    if isinstance(argnums, list):
        raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got list {argnums!r}")
    return checks.integer(argnums, f"{where}: argnums")


def selected(argnums: Argnums, n: int, where: str) -> List[int]:
    """The positions of the arguments to differentiate, for a call with `n` arguments."""
    nums = range(n) if argnums is None else (argnums,) if isinstance(argnums, int) else argnums
    if not nums:
        raise ValueError(f"{where}: f was called with no arguments, so there is nothing to differentiate")
    out = []
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"{where}: argnums {a} is out of range for {n} argument{'s' * (n != 1)}")
        out.append(a % n)
    if len(set(out)) != len(out):
        raise ValueError(f"{where}: argnums {argnums!r} names an argument twice")
    return out


def inputs(
    args: Sequence[Any], positions: Sequence[int], graph: bool, where: str
) -> Tuple[List[Any], List[Value]]:
    """(the arguments to call f with, the input nodes to differentiate with respect to).

    The argument at each position becomes a fresh node: ``x + 0`` of a Value when nested (joined
    to the outer graph), a new leaf otherwise. The other arguments are constants (see `constant`).
    """
    chosen = set(positions)
    call = [a if i in chosen else constant(a, graph) for i, a in enumerate(args)]
    nodes = []
    for i in positions:
        a = args[i]
        if type(a) is Value:
            x = a + 0.0 if graph else Value(a.data, a.label)
        else:
            x = Value(checks.real(a, f"{where}: argument {i}", "a real number or a Value"))
        call[i] = x
        nodes.append(x)
    return call, nodes


def constant(a: Any, graph: bool) -> Any:
    """An argument not differentiated, as f receives it: as torch.func passes a tensor on, a float
    becomes a Value that gets no derivative (so that f may call ``q.exp()`` on it), and so does a
    Value at the top (a new leaf: the caller's graph is left out); nested, a Value is passed on
    itself, so that the outer transform differentiates through it. An int (an exponent, a count),
    a bool and anything else are passed on as they are."""
    if type(a) is Value:
        return a if graph else Value(a.data, a.label)
    if isinstance(a, Real) and not isinstance(a, Integral):
        return Value(float(a))
    return a


def evaluate(f: Callable[..., Any], args: Sequence[Any], where: str) -> Tuple[Any, List[Value]]:
    """f(*args), and its outputs in order: f must return a Value or a (nested) list or tuple of them."""
    with inside():
        out = f(*args)
    return out, outputs(out, f"{where}: f must return a Value or a list or tuple of Values")


def outputs(out: Any, what: str) -> List[Value]:
    found = flat(out, what)
    for x in found:
        if type(x) is not Value:
            got = checks.shown(x) if x is out else f"{checks.shown(out)} holding {checks.shown(x)}"
            raise TypeError(f"{what}, got {got}")
    return found


def flat(x: Any, what: str) -> List[Any]:
    """The items of `x`, a (nested) list or tuple, in order (`x` itself if it is neither)."""
    found: List[Any] = []
    stack = [x]
    while stack:
        item = stack.pop()
        if not isinstance(item, (list, tuple)):
            found.append(item)
        elif not item:
            raise ValueError(f"{what}, got an empty {type(item).__name__}")
        else:
            stack.extend(reversed(item))
    return found


def shaped(out: Any, results: Sequence[Any]) -> Any:
    """`results` (one per output of `out`, in order) in the shape of `out`: lists stay lists and
    tuples stay tuples, as torch.func does."""
    items = iter(results)

    def build(x: Any) -> Any:
        if type(x) is Value:
            return next(items)
        parts = [build(y) for y in x]
        return parts if isinstance(x, list) else tuple(parts)

    return build(out)


def per_argnums(row: Sequence[Any], argnums: Argnums) -> Any:
    """One output's derivatives, one per selected argument: a list for all arguments (argnums
    None), the derivative itself for an int, a tuple for a tuple, as torch.func does."""
    if argnums is None:
        return list(row)
    if isinstance(argnums, int):
        return row[0]
    return tuple(row)


def result(x: Any, graph: bool) -> Any:
    """A number as a transform returns it: a float, or a Value when an outer transform needs it."""
    if graph:
        return x if type(x) is Value else Value(x)
    return x.data if type(x) is Value else float(x)


def scalar(out: Any, where: str) -> None:
    if type(out) is not Value:
        raise TypeError(f"{where}: f must return one Value, got {checks.shown(out)}")

