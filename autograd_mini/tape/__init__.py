"""The program autodiff writes: trace a function once, then run its forward and backward pass as
generated Python or C, without building a single Value.

- `trace(fn, *args, backend=...)` records ``fn``'s graph and returns a `Step`: call it like ``fn``;
  it returns the value and adds the gradients to the parameters' ``.grad``. Values flow, control
  flow is recorded (as with ``torch.jit.trace``); `Step.check` finds where a call would differ.
- `source_of(y)` is the program of a graph already built, as text (what ``autograd-mini compile``
  prints).

How it is built: `graph` reads the nodes (the engine's order), `plan` finds the blocks of neurons,
the elementwise maps (`maps`) and the steps a loss takes once per sample (`rows`) that run as loops,
and checks that every sum can keep the engine's order; `steps` builds the program's statements
once, with each op's own formula trees (`formulas`), and two printers write them: `pyprint` (with
`pylayers`) as Python and `cprint` (with `clayers`, `csyntax`) as C; `cbuild` compiles and caches
the C one, `program` and `cprogram` run them, `update` carries an optimizer's step into them.

>>> from autograd_mini import Value
>>> w, b = Value(-3.0, label="w"), Value(2.0, label="b")
>>> step = trace(lambda x: (w * x + b).tanh(), 0.5)
>>> round(step(0.5), 6), round(w.grad, 6)
(0.462117, 0.393224)
>>> print(step.source.splitlines()[0])
\"\"\"the function: the forward and the backward pass, written out by autograd_mini.tape.
"""

from .checking import TraceMismatch
from .trace import Step, source_of, trace

__all__ = ["Step", "TraceMismatch", "source_of", "trace"]
