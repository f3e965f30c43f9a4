"""jvp, vjp, jacfwd, jacrev, hessian, hvp and grad, shaped as torch.func's.

Each transform calls f once, on fresh input nodes, then makes its passes over the graph f
recorded: forward-mode passes (`forward.push`, one tangent each) or reverse-mode passes
(`reverse.pull`, the engine's backward walk, one output each). Nested inside another transform's
function, a transform builds its results as Values (see `args`), which is how hessian is jacfwd of
jacrev.
"""

from __future__ import annotations

from typing import Any, Callable, List, Sequence, Tuple

from ..engine import Value, enable_grad, total
from . import args as a
from .forward import Reach, graph_order, push
from .reverse import pull

Rows = Callable[[List[Value], List[Value], bool], List[List[Any]]]  # (outputs, inputs, graph) -> rows


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Tuple[Any, Any]:
    """(f(*primals), the derivative of f at the primals in the direction `tangents`): one call of f
    and one forward-mode pass, as ``torch.func.jvp``.

    Both are floats, or lists (tuples) of floats when f returns a list (tuple) of Values.

    >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    (6.0, 3.0)
    """
    return _jvp(f, primals, tangents, "jvp", "tangents")


def _jvp(f: Any, primals: Any, tangents: Any, where: str, tangents_name: str) -> Tuple[Any, Any]:
    a.function(f, where)
    ps = a.sequence(primals, f"{where}: primals")
    ts = a.sequence(tangents, f"{where}: {tangents_name}")
    if not ps:
        raise ValueError(f"{where}: primals is empty, so there is nothing to differentiate")
    if len(ts) != len(ps):
        count = f"{len(ts)} value{'s' * (len(ts) != 1)}"
        raise ValueError(f"{where}: {tangents_name} has {count} but primals has {len(ps)}")
    graph = a.nested()
    ts = [a.number(t, graph, f"{where}: {tangents_name}[{i}]") for i, t in enumerate(ts)]
    call, xs = a.inputs(ps, range(len(ps)), graph, where)
    out, leaves = a.evaluate(f, call, where)
    moved = push(graph_order(leaves), dict(zip(xs, ts)), graph, where)
    values = [a.result(v, graph) for v in leaves]
    return a.shaped(out, values), a.shaped(out, [a.result(moved.get(v, 0.0), graph) for v in leaves])


def vjp(f: Callable[..., Any], *primals: Any) -> Tuple[Any, Callable[[Any], Tuple[Any, ...]]]:
    """(f(*primals), vjp_fn) as ``torch.func.vjp``: ``vjp_fn(cotangents)`` is Σₖ cₖ·∂outₖ/∂xᵢ for
    each primal xᵢ, a tuple of floats, from one reverse-mode pass. The cotangents are a number
    when f returns one Value, else a list of numbers, one per output.

    >>> out, vjp_fn = vjp(lambda x, y: [x * y, x + y], 2.0, 3.0)
    >>> out, vjp_fn([1.0, 10.0])
    ([6.0, 5.0], (13.0, 12.0))
    """
    where = "vjp"
    a.function(f, where)
    if not primals:
        raise ValueError(f"{where}: no primals, so there is nothing to differentiate")
    graph = a.nested()
    call, xs = a.inputs(primals, range(len(primals)), graph, where)
    out, leaves = a.evaluate(f, call, where)

    def vjp_fn(cotangents: Any) -> Tuple[Any, ...]:
        name = "vjp_fn"
        if type(out) is Value:
            cs = [a.number(cotangents, graph, f"{name}: cotangents")]
        else:
            where_c = f"{name}: cotangents"
            given = a.flat(a.sequence(cotangents, where_c), f"{where_c} needs one number per output")
            if len(given) != len(leaves):
                raise ValueError(f"{name}: f returned {len(leaves)} Values but cotangents has {len(given)}")
            cs = [a.number(c, graph, f"{name}: cotangents[{i}]") for i, c in enumerate(given)]
        root = _weighted(leaves, cs, name)
        grads = [0.0] * len(xs) if root is None else pull(root, xs, graph, name)
        return tuple(a.result(g, graph) for g in grads)

    return a.shaped(out, [a.result(v, graph) for v in leaves]), vjp_fn


def _weighted(outputs: List[Value], cotangents: List[Any], where: str) -> Any:
    """Σₖ cₖ·outₖ as a node of the graph (None when every cₖ is 0), for one reverse pass."""
    terms = []
    with enable_grad():
        for k, (v, c) in enumerate(zip(outputs, cotangents)):
            if type(c) is float and c in (0.0, 1.0):
                term = v if c == 1.0 else None
            else:
                try:
                    term = v * c
                except OverflowError:
                    raise OverflowError(f"{where}: cotangents[{k}] × output {k} is too large for a float "
                                        f"({c!r} × {v.data!r})") from None
            if term is not None:
                terms.append(term)
        return None if not terms else terms[0] if len(terms) == 1 else total(terms)


def jacrev(f: Callable[..., Any], argnums: Any = None) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one call of f, then one reverse pass per output.

    ``jacrev(f)(*xs)`` differentiates with respect to every argument: a list of n floats for an f
    that returns one Value, one such list per output for an f that returns several (torch.func's
    default is ``argnums=0``: pass it for torch's result). ``argnums`` (an int or a tuple of ints)
    selects arguments as in ``torch.func.jacrev``: an int gives the derivative itself, a tuple a
    tuple of them. The arguments left out reach f as constants (see `args.constant`).

    >>> jacrev(lambda x, y: [x * y, x + y])(2.0, 3.0)
    [[3.0, 2.0], [1.0, 1.0]]
    """
    return _jacrev(f, argnums, "jacrev", scalar=False)


def _jacrev(f: Any, argnums: Any, where: str, scalar: bool) -> Callable[..., Any]:
    def rows(leaves: List[Value], xs: List[Value], graph: bool) -> List[List[Any]]:
        return [pull(v, xs, graph, where) for v in leaves]  # a reverse pass per output

    return _jacobian(f, argnums, where, rows, scalar)


def _jacobian(f: Any, argnums: Any, where: str, rows: Rows, scalar: bool = False) -> Callable[..., Any]:
    """The function giving f's Jacobian with respect to the arguments `argnums` selects, whose
    `rows` (one per output, each with one derivative per selected input) are made by a mode."""
    a.function(f, where)
    nums = a.argnums_of(argnums, where)

    def jacobian(*args: Any) -> Any:
        graph = a.nested()
        call, xs = a.inputs(args, a.selected(nums, len(args), where), graph, where)
        out, leaves = a.evaluate(f, call, where)
        if scalar:
            a.scalar(out, where)
        found = rows(leaves, xs, graph)
        return a.shaped(out, [a.per_argnums([a.result(d, graph) for d in row], nums) for row in found])

    return jacobian


def jacfwd(f: Callable[..., Any], argnums: Any = None) -> Callable[..., Any]:
    """The Jacobian by forward mode: one call of f, then one forward pass per input. Its result
    has the shape `jacrev`'s has (see there for ``argnums``).

    >>> jacfwd(lambda x, y: [x * y, x + y])(2.0, 3.0)
    [[3.0, 2.0], [1.0, 1.0]]
    """
    return _jacfwd(f, argnums, "jacfwd")


def _jacfwd(f: Any, argnums: Any, where: str) -> Callable[..., Any]:
    def rows(leaves: List[Value], xs: List[Value], graph: bool) -> List[List[Any]]:
        reach = Reach(leaves)
        columns = []
        for x in xs:  # a forward pass per input
            moved = push(reach.reached([x]), {x: 1.0}, graph, where)
            columns.append([moved.get(v, 0.0) for v in leaves])
        return [list(row) for row in zip(*columns)]

    return _jacobian(f, argnums, where, rows)


def hessian(f: Callable[..., Any], argnums: Any = None) -> Callable[..., Any]:
    """The matrix of second derivatives, forward over reverse: ``jacfwd(jacrev(f))``, one reverse
    pass (that builds the gradient as Values) and one forward pass per input. For an f of n
    arguments that returns one Value: n lists of n floats. ``argnums`` as in `jacrev`.

    >>> hessian(lambda x, y: x * x * y)(2.0, 3.0)
    [[6.0, 4.0], [4.0, 0.0]]
    """
    return _jacfwd(_jacrev(f, argnums, "hessian", scalar=False), argnums, "hessian")


def hvp(f: Callable[..., Any], primals: Sequence[Any], v: Sequence[Any]) -> List[float]:
    """The Hessian of f at the primals times the vector `v`, a list of floats, without forming the
    Hessian: one reverse pass (the gradient, as Values) and one forward pass along v.

    >>> hvp(lambda x, y: x * x * y, (2.0, 3.0), (1.0, 0.0))
    [6.0, 4.0]
    """
    return _jvp(_jacrev(f, None, "hvp", scalar=True), primals, v, "hvp", "v")[1]  # type: ignore[no-any-return]


def grad(f: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    """``torch.func.grad``: the gradient of an f that returns one Value, with respect to argument
    `argnums`: a float for an int, a tuple of floats for a tuple (None: a list, for all).

    >>> grad(lambda x, y: x * x * y)(2.0, 3.0), grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)
    (12.0, (3.0, 2.0))
    """
    return _jacrev(f, argnums, "grad", scalar=True)
