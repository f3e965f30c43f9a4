"""The arguments of a traced function: numbers, or nested lists of numbers.

`read(args)` gives their shape (the key a step's programs are cached by), the numbers in order
(flat) and the arguments as the program indexes them (nested lists; a numpy array becomes one).
`wrap(args, names)` turns every number into a leaf Value, labelled by where it sits (``X[3][1]``),
so that each operation on it is recorded as a node of the graph.

>>> shape, flat, _ = read(([[1.0, 2.0], [3.0, 4.0]], [1, -1]))
>>> shape, flat
(((2, 2), 2), [1.0, 2.0, 3.0, 4.0, 1, -1])
"""

from __future__ import annotations

from functools import reduce
from itertools import chain
from numbers import Real
from operator import iadd
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..engine import Value

_NUMBERS = {float, int}
_LISTS = {list, tuple}


class NotNumbers(Exception):
    """An argument that is not a number or a nested list of numbers (the interpreter decides)."""


def read(args: Sequence[Any]) -> Tuple[Tuple[Any, ...], List[Any], List[Any]]:
    """(shape, flat numbers, arguments as lists). NotNumbers for anything else."""
    shape, flat, plain = [], [], []  # type: ignore[var-annotated]
    for a in args:
        key, numbers, as_list = _read(a)
        shape.append(key)
        flat.extend(numbers)
        plain.append(as_list)
    return tuple(shape), flat, plain


def _read(x: Any) -> Tuple[Any, List[Any], Any]:
    """(shape key, numbers, x as lists): a number has key None, a list its length (of numbers) or
    a pair (rows, columns) for a matrix, else the tuple of its items' keys."""
    t = type(x)
    if t is float or t is int:
        return None, [x], x
    if t is list or t is tuple:
        kinds = _kinds(x)
        if kinds <= _NUMBERS:
            return len(x), list(x), x
        if kinds <= _LISTS:  # a matrix of numbers?
            lengths = [*map(len, x)]
            flat: List[Any] = reduce(iadd, x, [])  # the rows added in turn: cheaper than chain
            if lengths.count(lengths[0]) == len(x) and _kinds(flat) <= _NUMBERS:
                return (len(x), lengths[0]), flat, x
        parts = [_read(item) for item in x]
        return (
            tuple(p[0] for p in parts),
            list(chain.from_iterable(p[1] for p in parts)),
            [p[2] for p in parts],
        )
    if hasattr(x, "tolist") and not isinstance(x, (str, bytes)):  # a numpy array or number
        listed = x.tolist()
        if type(listed) is not t:
            return _read(listed)
    if isinstance(x, Real) and not isinstance(x, bool):  # a Fraction, a numpy float: as given
        return None, [x], x
    raise NotNumbers(x)


def _kinds(items: Sequence[Any]) -> Set[type]:
    """The types of `items`, at C speed: counted in a list where they are all one (counting
    compares by identity first: cheaper than adding each to a set)."""
    kinds = [*map(type, items)]
    return {kinds[0]} if kinds and kinds.count(kinds[0]) == len(kinds) else set(kinds)


def wrap(
    args: Sequence[Any], names: Sequence[str]
) -> Tuple[List[Any], Dict[Value, Any], List[Tuple[str, Tuple[int, ...]]]]:
    """The arguments with every number replaced by a leaf Value labelled by its place.

    Returns (wrapped arguments, {leaf: the number given}, [(argument name, index path)] in flat
    order, so that the k-th leaf read in order is flat number k).
    """
    raw: Dict[Value, Any] = {}
    places: List[Tuple[str, Tuple[int, ...]]] = []

    def leaf(x: Any, name: str, path: Tuple[int, ...]) -> Any:
        if type(x) is list or type(x) is tuple:
            return [leaf(item, name, (*path, i)) for i, item in enumerate(x)]
        v = Value(x, label=name + "".join(f"[{i}]" for i in path))
        raw[v] = x
        places.append((name, path))
        return v

    wrapped = [leaf(a, name, ()) for a, name in zip(args, names)]
    return wrapped, raw, places


def read_buffers(args: Sequence[Any]) -> Optional[Tuple[Tuple[Any, ...], List[memoryview]]]:
    """(shape, the arguments as memoryviews) when every argument is an array of one or two
    dimensions with the buffer protocol (``array.array('d')``, a numpy array) holding doubles or
    integers in C order: their numbers are then read without a Python object each. Else None."""
    shape, views = [], []
    for a in args:
        if type(a) in _LISTS or type(a) in _NUMBERS or isinstance(a, (str, bytes, bytearray)):
            return None
        try:
            m = memoryview(a)
        except TypeError:
            return None
        dims = m.shape or ()
        if m.ndim not in (1, 2) or not m.c_contiguous or m.format not in _FORMATS or 0 in dims:
            return None
        shape.append(dims[0] if m.ndim == 1 else (dims[0], dims[1]))
        views.append(m)
    return tuple(shape), views


_FORMATS = {"d", "l", "q", "i"}  # doubles, integers
