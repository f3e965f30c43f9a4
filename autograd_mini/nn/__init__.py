"""Neural-network building blocks on the scalar engine: `Module`, `Neuron`, `Linear`, `MLP`, and
the losses of `autograd_mini.losses` under the same names.

>>> import random
>>> from autograd_mini import nn
>>> model = nn.MLP(2, [4, 1], activation='tanh', rng=random.Random(0))
>>> loss = nn.mse_loss([model([1.0, 2.0])], [0.5])
>>> loss.backward()
>>> len(model.parameters())
17
"""

from ..losses import bce_with_logits, hinge_loss, l2_regularization, mse_loss, softmax_cross_entropy
from .layers import ACTIVATIONS, MLP, Linear, Neuron, init_std
from .module import IncompatibleKeys, Module

__all__ = [
    "ACTIVATIONS",
    "IncompatibleKeys",
    "MLP",
    "Linear",
    "Module",
    "Neuron",
    "bce_with_logits",
    "hinge_loss",
    "init_std",
    "l2_regularization",
    "mse_loss",
    "softmax_cross_entropy",
]
