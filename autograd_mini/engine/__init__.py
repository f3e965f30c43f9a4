"""The scalar engine: `Value`, its operations, and reverse-mode differentiation.

Read it in this order: `value.py` (the node and each operation's forward value), `rules.py` (each
operation's local derivative, in the same order), `activations.py` (the one activation table),
`neuron.py` (a neuron as one node: dot, linear, linear_batch), `backward.py` (the topological
order and the one walk that applies the chain rule), `grad.py`, `mode.py` (no_grad,
detect_anomaly), `text.py` (how a node describes itself).

>>> x = Value(3.0)
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad
8.0
"""

from .activations import ACTIVATIONS, Activation
from .backward import backward_order, chain_rule, topological_order
from .grad import grad
from .mode import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .neuron import NEURON_RULES, NeuronRule, dot, linear, linear_batch
from .rules import RULES, Rule
from .text import call_text, op_text
from .value import Value, record, total

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "NEURON_RULES",
    "NeuronRule",
    "RULES",
    "Rule",
    "Value",
    "backward_order",
    "call_text",
    "chain_rule",
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
