"""Forward mode, and the function transforms of ``torch.func``: jvp, vjp, jacrev, jacfwd, hessian,
hvp, grad.

Functions take positional scalar arguments (numbers or Values) and return a Value, or a list or
tuple of Values; the transforms return Python floats, shaped as torch.func shapes its tensors.
An argument that `argnums` leaves out still reaches f as a Value (a constant) when it is a float
or a Value, as torch.func passes a tensor on; an int, a bool or anything else reaches f as it is.
Forward mode pushes a tangent through each operation with the local derivatives the operation
already defines for the backward pass, so every op, built in or user-defined, works both ways.
Transforms compose: ``jacfwd(jacfwd(f))``, ``jacrev(jacfwd(f))``, ``hessian(f)`` (forward over
reverse), to any depth.

Why two modes? A Jacobian of m outputs and n inputs costs n forward passes (`jacfwd`) or m reverse
passes (`jacrev`): `count_passes` counts them. `tangents` gives every node of a graph its tangent,
and `autograd_mini.forward_table.explain_forward` shows the forward pass as a table.

>>> from autograd_mini import func
>>> f = lambda x, y: (x * y).sin()
>>> out, tangent = func.jvp(f, (1.0, 2.0), (1.0, 0.0))   # sin(xy), and y·cos(xy) along x
>>> round(out, 6), round(tangent, 6)
(0.909297, -0.832294)
>>> func.jacfwd(f)(1.0, 2.0) == func.jacrev(f)(1.0, 2.0)
True
>>> func.hessian(lambda x, y: x ** 3 * y)(1.0, 2.0)
[[12.0, 3.0], [3.0, 0.0]]
"""

from .forward import tangents
from .passes import Passes, count_passes
from .transforms import grad, hessian, hvp, jacfwd, jacrev, jvp, vjp

__all__ = ["Passes", "count_passes", "grad", "hessian", "hvp", "jacfwd", "jacrev", "jvp", "tangents", "vjp"]
