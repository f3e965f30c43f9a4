"""The scalar engine: `Value`, its operations, and reverse-mode differentiation.

Read it in this order: `value.py` (the node), `ops.py` (every operation, defined once by its value
and its local derivatives as formulas), `op.py` (how a definition becomes a rule, a node and a
method; `defop` for your own), `calls.py` (what a formula may call), `expr.py` (the formulas as
data), `methods.py` (Value's operation methods, printed from the table), `activations.py` (the ops
a layer may use), `neuron.py` (a neuron as one node: dot, linear, linear_batch), `backward.py` (the
topological order and the one walk that applies the chain rule), `grad.py`, `mode.py` (no_grad,
detect_anomaly), `text.py` (how a node describes itself).

>>> x = Value(3.0)
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

# ruff: noqa: E402, I001  (Value gets its operation methods before the modules that use them load)
from .value import DetachedNumberWarning, Value, record, total
from .methods import install

install(Value)  # each operation's method, printed from its one definition in ops.py

from .activations import ACTIVATIONS, Activation
from .backward import backward_order, chain_rule, topological_order
from .grad import grad
from .mode import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .neuron import NEURON_RULES, NeuronRule, dot, linear, linear_batch
from .op import OPS, BuiltinNameWarning, Op, defop
from .ops import RULES
from .rules import Rule
from .text import call_text, op_text

__all__ = [
    "ACTIVATIONS",
    "BuiltinNameWarning",
    "DetachedNumberWarning",
    "Activation",
    "NEURON_RULES",
    "NeuronRule",
    "OPS",
    "Op",
    "RULES",
    "Rule",
    "Value",
    "backward_order",
    "call_text",
    "chain_rule",
    "defop",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "linear",
    "linear_batch",
    "no_grad",
    "op_text",
    "record",
    "topological_order",
    "total",
]
