"""How the monitor sees gradients carried across an optimizer step without `zero_grad()`.

After a step the monitor replaces each parameter's ``.grad`` by the same number as a `CarriedGrad`,
a float that stays a CarriedGrad when anything is added to it. `zero_grad()` (the optimizer's, the
model's, or ``p.grad = 0.0`` by hand) puts a plain float back; a `backward()` without it adds to
the CarriedGrad, which stays one. So at the next step a CarriedGrad means "nothing reset this
gradient since the last step", whatever way the loop resets them. The numbers are never changed.

A compiled C step (``autograd_mini.tape``, backend 'c') writes plain floats back, so it hides the
mark: with it, this one check sees nothing (the others still work).
"""

from __future__ import annotations

from typing import List, Sequence

from ..engine import Value


class CarriedGrad(float):
    """A gradient left over from the previous step: equal to it, and marked so while added to."""

    __slots__ = ()

    def __add__(self, other: float) -> float:
        total = float.__add__(self, other)
        return total if total is NotImplemented else CarriedGrad(total)

    def __radd__(self, other: float) -> float:
        total = float.__radd__(self, other)
        return total if total is NotImplemented else CarriedGrad(total)


def mark(params: Sequence[Value]) -> None:
    """Mark every parameter's current gradient as carried over (the numbers stay the same). A zero
    is left alone: adding to it is the same as starting afresh."""
    for p in params:
        g = p.grad
        if type(g) is float and g != 0.0:
            p.grad = CarriedGrad(g)


def carried(params: Sequence[Value]) -> List[Value]:
    """The parameters whose gradient nothing has reset since `mark`."""
    return [p for p in params if type(p.grad) is CarriedGrad]


def unmark(params: Sequence[Value]) -> None:
    """Plain floats again (same numbers): when the monitor stops watching."""
    for p in params:
        if type(p.grad) is CarriedGrad:
            p.grad = float(p.grad)
