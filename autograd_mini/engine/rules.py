"""`Rule`: how a node sends its upstream gradient back to its parents.

Every node of a kind shares one rule. ``terms(g, out, const, *inputs)`` returns what the upstream
gradient `g` contributes to each input: `out` is the node's value, `const` the number the node
keeps (the c of ``x * c``), `inputs` its parents' values. The backward pass calls it with floats;
``grad(..., create_graph=True)`` calls the very same function with the `Value` nodes, so the
gradients it builds can be differentiated again. The operations' rules are compiled from their
formulas (`op.py`, `ops.py`); a neuron's rule is in `neuron.py`.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

Terms = Callable[..., Sequence[Any]]


class Rule:
    """An operation's name, the symbol pictures show for it, and its local derivatives.

    `add_into(g, node)`, when a rule has it, adds the same terms to the parents' ``.grad`` in
    place, in one walk: the neuron's rule has it (a neuron has 2m+1 inputs).
    """

    __slots__ = ("name", "symbol", "terms", "add_into")

    def __init__(
        self, name: str, symbol: str, terms: Terms, add_into: Optional[Callable[[float, Any], None]] = None
    ) -> None:
        self.name = name
        self.symbol = symbol
        self.terms = terms
        self.add_into = add_into

    def __repr__(self) -> str:
        return f"Rule({self.name!r}, {self.symbol!r})"


# A sum of any number of Values (the numbers in it folded into its constant): each input gets g.
SUM = Rule("sum", "sum", lambda g, out, c, *inputs: (g,) * len(inputs))
