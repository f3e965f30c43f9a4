"""The backward pass: the topological order, and the one walk that applies the chain rule.

`propagate` is the walk. It visits the nodes from the output back to the inputs and has each one
send its upstream gradient to its parents, multiplied by its local derivatives. A node whose
upstream gradient is exactly 0 sends nothing and its local derivative is not evaluated, so that
``sqrt(x) * 0`` at x = 0 has gradient 0, not an error. `backward()` (into ``.grad``), `grad()`,
`explain()` and everything built on them (the stepper page, the tape) go through this one walk;
what differs is only where the gradients are kept, a `store`:

- `IntoGrads` keeps them in the nodes' ``.grad`` (``backward()``) and can undo the pass;
- `InDict` keeps them in a dict and leaves ``.grad`` alone (``grad()``, ``explain()``).
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any, Dict, List, Tuple

from .mode import is_anomaly_enabled
from .text import call_text

Node = Any  # a Value; this module does not import value.py, which imports it
_GRAD = attrgetter("grad")


def topological_order(root: Node) -> List[Node]:
    """Every node `root` depends on, each once, inputs before the nodes made from them.

    An iterative depth-first walk (no recursion limit) that visits parents in their recorded
    order, so the same graph always gives the same order. The backward pass runs it in reverse.
    """
    order: List[Node] = []
    seen = {root}
    placed = seen.issuperset  # of a node's parents; a seen node is placed once its parents are
    # Two stacks: the nodes being visited, and for each an iterator over the parents not looked at
    # yet. A node is placed (appended) when its iterator runs out, so every edge is looked at once.
    nodes, parents = [root], [iter(root.parents)]
    while parents:
        for p in parents[-1]:
            if p not in seen:
                seen.add(p)
                if placed(p.parents):  # a leaf, or a node whose inputs are all placed: no visit
                    order.append(p)
                    continue
                nodes.append(p)
                parents.append(iter(p.parents))
                break  # go down into p; the iterator resumes after p once p is placed
        else:
            parents.pop()
            order.append(nodes.pop())
    return order


def backward_order(root: Node) -> List[Node]:
    """The nodes whose rules the backward pass applies, in the order it applies them."""
    return [v for v in reversed(topological_order(root)) if v.rule is not None]


def propagate(order: List[Node], store: Any, where: str) -> None:
    """Apply the chain rule to `order` (a topological order), from its last node back.

    For ``.grad`` (an `IntoGrads` store that is not `checked`) the sending is written out here,
    in the loop: it is the engine's hot path. Every other store sends with its `send`.
    """
    fast = type(store) is IntoGrads and not store.checked
    upstream, send = store.upstream, store.send
    v = None
    try:
        for v in reversed(order):
            rule = v.rule
            if rule is None:
                continue
            g = v.grad if fast else upstream(v)
            if not g:  # 0.0, or None (never reached): nothing flows back through v (a Value is never false)
                continue
            if not fast:
                send(v, g)
                continue
            if rule.add_into is not None:  # a neuron: its 2m+1 terms added in one walk
                rule.add_into(g, v)
                continue
            ps = v.parents
            n = len(ps)
            if n == 1:
                a = ps[0]
                a.grad += rule.terms(g, v.data, v.const, a.data)[0]
            elif n == 2:
                a, b = ps
                ga, gb = rule.terms(g, v.data, v.const, a.data, b.data)
                a.grad += ga
                b.grad += gb
            else:
                for p, c in zip(ps, _float_terms(v, g)):
                    p.grad += c
    except (ArithmeticError, ValueError) as e:
        if str(e).startswith(f"{where}:"):  # already says where and what
            raise
        raise type(e)(f"{where}: the local derivative of {call_text(v)} {failure(e)}") from e


def failure(e: Exception) -> str:
    """Why a local derivative could not be computed, in words: 'is infinite (division by zero)'."""
    if isinstance(e, ZeroDivisionError):
        return "is infinite (division by zero)"
    if isinstance(e, OverflowError):
        return "is too large for a float"
    return f"failed: {e}"


class IntoGrads:
    """The gradients in ``.grad``: interior nodes start from 0 (they hold this pass only), leaves
    add to what they hold. `checked` tests every term for a NaN or an infinity."""

    def __init__(self, order: List[Node], root: Node, seed: float, checked: bool) -> None:
        self.order = order
        self.saved = [v.grad for v in order]
        self.leaves = []
        for v in order:
            if v.rule is not None:
                v.grad = 0.0
            else:
                self.leaves.append(v)
        root.grad += seed
        self.checked = checked

    @staticmethod
    def upstream(v: Node) -> float:
        return v.grad  # type: ignore[no-any-return]

    def send(self, v: Node, g: float) -> None:  # checked: every term tested
        for p, c in zip(v.parents, _float_terms(v, g)):
            p.grad = _checked_sum(v, g, p.grad, c)

    def undo(self) -> None:
        for v, old in zip(self.order, self.saved):
            v.grad = old


def _float_terms(v: Node, g: float) -> Any:
    return v.rule.terms(g, v.data, v.const, *[p.data for p in v.parents])


def _checked_sum(v: Node, g: float, old: float, c: float) -> float:
    new = old + c
    if new - new != 0.0 and old - old == 0.0:  # this term made a finite gradient NaN or infinite
        how = "(detect_anomaly)" if is_anomaly_enabled() else "from finite numbers"
        error = ValueError if new != new else OverflowError
        raise error(f"backward: the gradient through {call_text(v)} becomes {new!r} {how} "
                    f"(upstream gradient {g!r}, contribution {c!r})")
    return new


class InDict:
    """The gradients in a dict, ``.grad`` untouched; `steps` keeps what each node sent.

    With `create_graph` the rules run on the nodes themselves and the gradients are Values. A
    Value upstream with data 0 still runs its rule (its graph matters for higher derivatives);
    where that rule is undefined (sqrt' at 0) it sends nothing, as the float pass would.
    """

    def __init__(self, root: Node, seed: Any, create_graph: bool) -> None:
        self.grads: Dict[Node, Any] = {root: seed}
        self.steps: Dict[Node, Tuple[Any, Tuple[Any, ...]]] = {}
        self.create_graph = create_graph
        self.upstream = self.grads.get

    def send(self, v: Node, g: Any) -> None:
        if not self.create_graph:
            terms = tuple(_float_terms(v, g))
        else:
            try:
                terms = tuple(v.rule.terms(g, v, v.const, *v.parents))
            except (ArithmeticError, ValueError):
                if g.data == 0.0:
                    return
                raise
        grads = self.grads
        for p, c in zip(v.parents, terms):
            old = grads.get(p)
            grads[p] = c if old is None else old + c
        self.steps[v] = (g, terms)


def backward(root: Node, seed: float) -> None:
    """``root.backward(seed)``: see `Value.backward`. A ``.grad`` set to None (PyTorch's "no
    gradient yet") counts as 0.0: the pass is taken again from there (none is on the hot path)."""
    order = topological_order(root)
    try:
        _backward(order, root, seed)
    except TypeError:
        unset = [v for v in order if v.grad is None]
        if not unset:
            raise
        for v in unset:
            v.grad = 0.0
        _backward(order, root, seed)


def _backward(order: List[Node], root: Node, seed: float) -> None:
    store = IntoGrads(order, root, seed, checked=is_anomaly_enabled())
    try:
        propagate(order, store, "backward")
        if not store.checked and _some_not_finite(store.leaves) and _finite_inputs(order, seed):
            store.undo()  # find the step that overflowed: this raises there
            propagate(order, IntoGrads(order, root, seed, checked=True), "backward")
    except BaseException:  # even KeyboardInterrupt must not leave half a pass behind
        store.undo()
        raise


def _some_not_finite(leaves: List[Node]) -> bool:
    # one sum instead of a test per leaf (a NaN or an infinity inside the graph reaches a leaf);
    # a sum too large for a float is a false alarm, which the checked pass that follows clears
    total = sum(map(_GRAD, leaves))
    return bool(total - total != 0.0)


def _finite_inputs(order: List[Node], seed: float) -> bool:
    return math.isfinite(seed) and all(math.isfinite(v.data) for v in order)


def chain_rule(root: Node, seed: Any, create_graph: bool = False, where: str = "grad") -> InDict:
    """The backward pass from `root` into a dict: ``.grads[node]`` and ``.steps[node]`` =
    (upstream gradient, what it sent to each parent) for every node that sent something."""
    store = InDict(root, seed, create_graph)
    propagate(topological_order(root), store, where)
    return store
