"""Reverse mode for the transforms: one pass of the engine's backward walk, into a dict.

The engine's walk (`chain_rule`, the one `grad()` makes) leaves every ``.grad`` alone. On floats
a gradient that becomes infinite or NaN from finite numbers is an error here, naming the step
where a term first did, as ``backward()`` does: finite numbers in, finite numbers out.
"""

from __future__ import annotations

import math
from typing import Any, List, Sequence

from ..engine import Value, backward_order, call_text, chain_rule, enable_grad
from .passes import note


def pull(root: Value, xs: Sequence[Value], graph: bool, where: str) -> List[Any]:
    """One reverse-mode pass: d(root)/dx for each x (Values with ``graph``, else floats)."""
    note("reverse")
    with enable_grad():
        walk = chain_rule(root, Value(1.0) if graph else 1.0, graph, where)
    found = [walk.grads.get(x, 0.0) for x in xs]
    if not graph and not all(map(math.isfinite, found)):
        _not_finite(root, walk, found, where)
    return found


def _not_finite(root: Value, walk: Any, found: List[float], where: str) -> None:
    order = backward_order(root)
    if not all(math.isfinite(v.data) for v in order) or not all(math.isfinite(p.data) for p in root.parents):
        return  # NaN or an infinity was put in: it flows through, as IEEE arithmetic says
    for v in order:  # from the output back: the first term that is not finite
        upstream, terms = walk.steps.get(v, (0.0, ()))
        for term in terms:
            if not math.isfinite(term):
                error = ValueError if term != term else OverflowError
                raise error(f"{where}: the gradient through {call_text(v)} becomes {term!r} from finite "
                            f"numbers (upstream gradient {upstream!r})")
    bad = next(g for g in found if not math.isfinite(g))
    raise OverflowError(f"{where}: a derivative becomes {bad!r} from finite numbers (a sum too large)")
