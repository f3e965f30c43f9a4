"""What a forward-only program returns: ``trace(fn, *args, backward=False)``.

There `fn` returns a Value or (nested) lists of Values (a model's outputs for a batch), and the
program runs the forward statements only and returns their numbers in the same shape: a float,
a list of floats, a list of lists. The graph is read from one sum of the outputs (`total`), made
only so that the trace has a root: the program never computes it.

>>> values, shape = flatten([[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]], "f")
>>> shape, rebuild([1.0, 2.0, 3.0, 4.0], shape)
(('rows', 2, 2), [[1.0, 2.0], [3.0, 4.0]])
"""

from __future__ import annotations

from typing import Any, Callable, List, Sequence, Tuple

from .. import checks
from ..engine import Value, no_grad

SAID = {  # the Python program's first lines: what it computes, what it returns, and G
    False: ("the forward and the backward pass", "returns the value. P holds the parameters' values, G their",
            "gradients, to which it adds, as backward() adds to .grad."),
    True: ("the forward pass", "returns the outputs, in order. P holds the parameters' values",
           "(G is unused)."),
}


def flatten(out: Any, title: str) -> Tuple[List[Value], Any]:
    """(the Values in order, the shape to `rebuild` their numbers in): None for one Value, n for a
    list of n, ('rows', N, m) for N lists of m, else the list of the items' shapes."""
    if type(out) is Value:
        return [out], None
    if type(out) in (list, tuple):
        if all(type(v) is Value for v in out):
            return list(out), len(out)
        if out and all(type(r) in (list, tuple) for r in out):
            m = len(out[0])
            if all(len(r) == m and all(type(v) is Value for v in r) for r in out):
                return [v for r in out for v in r], ("rows", len(out), m)
        values: List[Value] = []
        shapes = []
        for item in out:
            found, shape = flatten(item, title)
            values += found
            shapes.append(shape)
        return values, shapes
    raise TypeError(
        f"trace: with backward=False, {title} must return a Value or (nested) lists of Values, "
        f"got {checks.shown(out)}"
    )


def rebuild(numbers: Sequence[float], shape: Any) -> Any:
    """The numbers in the shape `flatten` gave."""
    if shape is None:
        return numbers[0]
    if type(shape) is int:
        return list(numbers)
    if type(shape) is tuple:
        _, N, m = shape
        return [list(numbers[i * m : (i + 1) * m]) for i in range(N)]
    out, at = [], 0
    for s in shape:
        k = 1 if s is None else s if type(s) is int else s[1] * s[2] if type(s) is tuple else _count(s)
        out.append(rebuild(numbers[at : at + k], s))
        at += k
    return out


def _count(shape: Any) -> int:
    if shape is None:
        return 1
    if type(shape) is int:
        return shape
    if type(shape) is tuple:
        return int(shape[1] * shape[2])
    return sum(map(_count, shape))


def interpret(fn: Callable[..., Any], args: Sequence[Any], title: str) -> Any:
    """The call as the interpreter answers it: ``fn(*args)`` under no_grad, as numbers."""
    with no_grad():
        values, shape = flatten(fn(*args), title)
    return rebuild([v.data for v in values], shape)


def python_return(printer: Any) -> str:
    """The Python program's returned list: a block's outputs read row by row, or the nodes."""
    outs = printer.plan.outputs
    for b in printer.plan.blocks:
        if list(b.members()) == outs:
            flat = getattr(b, "flat", False)
            return f"list({printer.out(b)})" if flat else f"[x for row in {printer.out(b)} for x in row]"
    return "[" + ", ".join(map(printer.val, outs)) + "]"


def c_write(printer: Any) -> Tuple[str, int]:
    """(the C lines that copy the outputs into out, how many there are)."""
    slots = [printer.slot[v] for v in printer.plan.outputs]
    n = len(slots)
    if slots == list(range(slots[0], slots[0] + n)):
        return f"    memcpy(out, v + {slots[0]}, {n} * sizeof(double));", n
    printer.tables.append(f"static const int outputs_at[{n}] = {{{', '.join(map(str, slots))}}};")
    return f"    for (int k = 0; k < {n}; k++) out[k] = v[outputs_at[k]];", n
