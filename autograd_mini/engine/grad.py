"""`grad()`: derivatives as values, and derivatives of derivatives, with `.grad` left alone."""

from __future__ import annotations

from typing import Any, List, Sequence, Union

from .. import checks
from .backward import chain_rule
from .mode import check_recorded, enable_grad, is_grad_enabled
from .value import Value


def grad(output: Value, inputs: Union[Value, Sequence[Value]], create_graph: bool = False) -> Any:
    """d(output)/d(input) for each input (a list), or for one input given alone (one result).

    With ``create_graph=False`` the results are floats. With ``create_graph=True`` they are
    `Value`s, built by running the same derivative rules on the graph's nodes, so they can be
    differentiated again. An input the output does not depend on gets 0. An output computed under
    `no_grad()` (a leaf with no graph) is refused with a ValueError, unless it is one of the inputs
    (d(x)/d(x) = 1), rather than giving a 0 that only looks like an answer. The pass is the one
    `backward()` makes (see `backward.propagate`), into a dict instead of ``.grad``.

    >>> x = Value(2.0)
    >>> y = x ** 4
    >>> dy = grad(y, x, create_graph=True)
    >>> d2y = grad(dy, x, create_graph=True)
    >>> dy.data, d2y.data, grad(d2y, [x])
    (32.0, 48.0, [48.0])
    """
    if type(output) is not Value:
        raise TypeError(f"grad: output must be a Value, got {checks.shown(output)}")
    single = type(inputs) is Value
    xs: List[Value] = [inputs] if single else list(inputs)  # type: ignore[list-item, arg-type]
    for x in xs:
        if type(x) is not Value:
            raise TypeError(f"grad: inputs must be Values, got {checks.shown(x)}")
    checks.flag(create_graph, "grad: create_graph")
    if output.rule is None and not any(x is output for x in xs):
        check_recorded(output, "grad")
    if create_graph and not is_grad_enabled():  # asked for a graph: record it even under no_grad
        with enable_grad():
            return grad(output, inputs, create_graph)
    grads = chain_rule(output, Value(1.0) if create_graph else 1.0, create_graph).grads
    results = [grads.get(x, 0.0) for x in xs]
    if create_graph:
        results = [r if type(r) is Value else Value(r) for r in results]
    return results[0] if single else results
