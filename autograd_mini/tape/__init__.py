"""The program autodiff writes: trace a function once, then run its forward and backward pass as
generated Python or C.

>>> from autograd_mini import Value
>>> from autograd_mini.tape import trace
>>> w, b = Value(-3.0, label="w"), Value(2.0, label="b")
>>> step = trace(lambda x: (w * x + b).tanh(), 0.5)
>>> round(step(0.5), 6), round(w.grad, 6)
(0.462117, 0.393224)
>>> print(step.source.splitlines()[0])
\"\"\"the function: the forward and the backward pass, written out by autograd_mini.tape.

See `trace` for what a trace records (values flow, control flow is recorded).
"""

from .checking import TraceMismatch
from .trace import Step, source_of, trace

__all__ = ["Step", "TraceMismatch", "source_of", "trace"]
