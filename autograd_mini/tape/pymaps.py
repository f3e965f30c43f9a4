"""A map (one operation on every element of an array, see `maps`) as Python comprehensions.

Forward: ``L1_a = [[relu(z) for z in r] for r in L1_z]``. Backward: each term goes to the element
at the same place of the parent's gradient array, or, for a parent all the elements share, into
one sum taken in the order the backward pass takes the elements.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from . import pyrules
from .graph import PARAM
from .maps import ArgArray, Map
from .plan import UNSAFE

_POOL = "abcefhkmnpqstuvwxyz"


def _vars(prog: Any, n: int, prefer: str = "") -> List[str]:
    """`n` one-letter names for a comprehension's variables (the letters of `prefer` first), none
    a name the program uses."""
    free = [c for c in prefer + _POOL if c not in prog.names.used and "r" + c not in prog.names.used]
    free = list(dict.fromkeys(free)) + [f"e{k}" for k in range(n)]
    return free[:n]


def _arrays(m: Map) -> List[Any]:
    """The arrays the map reads, each once, in the order of its slots."""
    seen: List[Any] = []
    for kind, a in m.slots:
        if kind == "same" and all(a is not b for b in seen):
            seen.append(a)
    return seen


def _flat(prog: Any, arr: Any) -> bool:
    return bool(getattr(arr, "flat", False))


def _name(prog: Any, arr: Any) -> str:
    return arr.name if isinstance(arr, ArgArray) else str(prog.out(arr))


def _refs(prog: Any, m: Map, names: List[str], arrays: List[Any]) -> List[str]:
    refs = []
    for kind, a in m.slots:
        if kind == "same":
            refs.append(names[next(k for k, b in enumerate(arrays) if b is a)])
        elif kind == "node":
            refs.append(prog.val(a))
        else:
            refs.append(prog.lit(a))
    return refs


def _loop(prog: Any, m: Map, sources: List[Tuple[str, Any, str]], expr: str, desc: bool = False,
          nested_out: Optional[bool] = None) -> str:
    """A comprehension of `expr` over the map's places. `sources` are (array expression, its
    layout: 'flat' or 'nested', element variable); those whose variable `expr` does not use are
    left out. The result is a list of lists unless the map is a column (or `nested_out` says
    otherwise)."""
    used = [src for src in sources if re.search(rf"\b{src[2]}\b", expr)] or sources[:1]
    sources = used
    rev = "[::-1]" if desc else ""
    if m.flat:
        pats = [var if layout == "flat" else f"({var},)" for _, layout, var in sources]
        its = [f"{ref}{rev}" for ref, _, _ in sources]
        body = f"[{expr}]" if nested_out else expr
        return f"[{body} for {_zip(pats, its)}]"
    rows = [f"r{var}" for _, _, var in sources]
    inner = f"{_zip([v for _, _, v in sources], [f'{r}{rev}' for r in rows])}"
    outer = f"{_zip(rows, [f'{ref}{rev}' for ref, _, _ in sources])}"
    if nested_out is False:  # one flat list, row after row
        return f"[{expr} for {outer} for {inner}]"
    return f"[[{expr} for {inner}] for {outer}]"


def _zip(names: List[str], its: List[str]) -> str:
    if len(names) == 1:
        return f"{names[0]} in {its[0]}"
    return f"{', '.join(names)} in zip({', '.join(its)})"


def _layout(prog: Any, arr: Any) -> str:
    return "flat" if _flat(prog, arr) else "nested"


def map_forward(prog: Any, m: Map) -> None:
    arrays = _arrays(m)
    names = _vars(prog, len(arrays))
    expr = pyrules.forward(m.template, _refs(prog, m, names, arrays), prog)
    sources = [(_name(prog, a), _layout(prog, a), v) for a, v in zip(arrays, names)]
    prog.comment(f"{prog.out(m)}: {m.template.rule} of each element ({m.N} × {m.n})")
    prog.emit(f"{prog.out(m)} = {_loop(prog, m, sources, expr)}")


def map_backward(prog: Any, m: Map) -> None:
    arrays = _arrays(m)
    g, o, x, *names = _vars(prog, len(arrays) + 3, "gox")
    refs = _refs(prog, m, names, arrays)
    terms = pyrules.backward(m.template, g, o, refs, prog)
    prog.make_da(m)
    base = [(prog.grad_array(m), _layout(prog, m), g), (prog.out(m), _layout(prog, m), o)]
    base += [(_name(prog, a), _layout(prog, a), v) for a, v in zip(arrays, names)]
    prog.comment(f"{prog.out(m)}, backward: {m.template.rule}' of each element")
    done: List[Any] = []
    for (kind, a), term in zip(m.slots, terms):
        if kind == "same" and a.uid != 0 and prog.plan.live[a.nodes[0][0]]:
            _into_array(prog, m, a, term, base, done, x)
        elif kind == "node" and prog.target(a):
            _into_node(prog, m, a, term, base)
        elif kind != "lit" and m.template.rule in UNSAFE:
            prog.emit(f"_ = {_loop(prog, m, base, term)}")  # fails where the interpreter fails


def _into_array(
    prog: Any, m: Map, arr: Any, term: str, base: List[Tuple[str, str, str]], done: List[Any], x: str
) -> None:
    """Each element of `arr`'s gradient array += its term (the first term sets it)."""
    D = prog.grad_array(arr)
    nested = not _flat(prog, arr)
    if arr.uid in prog.made or any(a is arr for a in done):
        expr = _loop(prog, m, [*base, (D, _layout(prog, arr), x)], f"{x} + {term}", nested_out=nested)
    else:
        prog.made.add(arr.uid)
        expr = _loop(prog, m, base, term, nested_out=nested)
    done.append(arr)
    prog.emit(f"{D} = {expr}")


def _into_node(prog: Any, m: Map, v: int, term: str, base: List[Tuple[str, str, str]]) -> None:
    """A parent all elements share: one sum of their terms, in the backward pass's order."""
    terms = _loop(prog, m, base, term, desc=m.desc, nested_out=False)
    nd = prog.graph.nodes[v]
    if nd.kind == PARAM:
        ref = prog.grad_ref(v)
        prog.emit(f"{ref} = sum({terms}, {ref})")
        return
    found = prog.plan.block_of.get(v)
    if found is not None:
        prog.make_da(found[0])
        ref = prog.grad_ref(v)
        prog.emit(f"{ref} = sum({terms}, {ref})")
        return
    ref = prog.grad(v)
    start = f", {ref}" if v in prog.assigned else ""
    prog.assigned.add(v)
    prog.emit(f"{ref} = sum({terms}{start})")
