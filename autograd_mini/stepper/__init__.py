"""Step through back-propagation in the browser: one self-contained HTML page per graph.

`stepper_html(root)` returns the page and `write_stepper(root, path)` writes it. The page shows the
graph (laid out by Graphviz when the page is made), steps through the forward pass (each node's data
in topological order), then through the backward pass in the engine's order (the steps of
`explain(root)`): each step shows ``upstream × local = contribution`` and adds it to the parent's
gradient. For layers of the nn library it also shows the matrices of the formulas, filling in entry
by entry. The page needs no server and makes no network request; it works opened from disk.

    >>> from autograd_mini import Value
    >>> from autograd_mini.stepper import write_stepper
    >>> x = Value(3.0, label='x')
    >>> write_stepper(x * x + x, 'backprop.html')       # doctest: +SKIP
    PosixPath('backprop.html')
"""

from .page import stepper_html, write_stepper

__all__ = ["stepper_html", "write_stepper"]
