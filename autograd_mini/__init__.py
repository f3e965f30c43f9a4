"""autograd_mini: a scalar reverse-mode autodiff engine you can read, with a small nn library.

>>> from autograd_mini import Value
>>> x = Value(0.5, label='x')
>>> y = (2 * x).tanh()
>>> y.backward()
>>> round(x.grad, 6)
0.839949
"""

from . import datasets, losses, nn, optim
from .check import GradcheckError, gradcheck
from .engine import (
    BuiltinNameWarning,
    DetachedNumberWarning,
    Value,
    defop,
    detect_anomaly,
    dot,
    enable_grad,
    grad,
    is_grad_enabled,
    linear,
    linear_batch,
    no_grad,
    topological_order,
    total,
)
from .explanation import explain, explain_forward, explain_layer


# (no typing import in this module: its names would show in the package's namespace)
def _jupyter_bundle(value: Value, include: object = None, exclude: object = None) -> dict[str, str]:
    from .viz import jupyter_bundle  # only when a notebook shows a Value: the pictures load lazily

    return jupyter_bundle(value, include, exclude)


# Jupyter shows a Value as its graph. The hook is set here, where both modules are known, so that
# the engine never imports the pictures (which import the engine).
Value._repr_mimebundle_ = _jupyter_bundle

__version__ = "0.1.0"

__all__ = [
    "Value",
    "BuiltinNameWarning",
    "DetachedNumberWarning",
    "defop",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "explain",
    "explain_forward",
    "explain_layer",
    "grad",
    "gradcheck",
    "GradcheckError",
    "is_grad_enabled",
    "linear",
    "linear_batch",
    "no_grad",
    "topological_order",
    "total",
    "datasets",
    "losses",
    "nn",
    "optim",
    "__version__",
]
