"""The activation functions a layer may use, read from the op table (the ops marked `activation`).

Each `Activation` has its function on floats and its derivative g·g'(z), both compiled from the
op's one definition: the derivative is written with the output a = g(z) where the formula says
``out`` (and z where it says x), so the same function runs on floats and, for higher
derivatives, on Values. A fused neuron a = g(w·x + b) (`neuron.py`) uses exactly these.

>>> ACTIVATIONS['tanh'].function(0.5) == math.tanh(0.5)
True
>>> ACTIVATIONS['relu'].needs_z, ACTIVATIONS['sigmoid'].needs_z   # sigmoid's reads z: s(-z)
(False, True)
"""

from __future__ import annotations

import math  # noqa: F401  (the doctest above)
from typing import Any, Callable, Dict, NamedTuple

from .expr import PYTHON, Name, names_in, times
from .op import BUILT_IN, Op, any_functions, compile_function, float_functions


class Activation(NamedTuple):
    name: str
    function: Callable[[float], float]
    grad: Callable[[Any, Any, Any], Any]  # (g, z, a) -> g·g'(z)
    needs_z: bool  # whether `grad` reads z (else z may be passed as None)


def activation(op: Op) -> Activation:
    """`op` (one input; its constant, if any, at its default) as an activation of a layer."""
    x = op.args[0]
    fixed = {op.const: repr(float(op.default))} if op.const else {}  # type: ignore[arg-type]
    if op.primitive():
        function = op.forward
    else:
        body = f"    return {PYTHON.print(op.value, {x: 'z', **fixed})}"
        scope = float_functions(op.value, table=BUILT_IN)
        function = compile_function("function", ["z"], body, scope, op.name)
    d = op.grads[0]
    body = f"    return {PYTHON.print(times(Name('g'), d), {x: 'z', 'out': 'a', 'g': 'g', **fixed})}"
    grad = compile_function("grad", ["g", "z", "a"], body, any_functions([d], op), op.name)
    return Activation(op.name, function, grad, x in names_in(d))


ACTIVATIONS: Dict[str, Activation] = {name: activation(op) for name, op in BUILT_IN.items() if op.for_layers}
