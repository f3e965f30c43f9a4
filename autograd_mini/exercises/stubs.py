'''The files `autograd-mini exercises start DIR` writes: for each exercise, the function to write
(its name and arguments, a docstring with the formula in words and symbols) and no solution.'''

from __future__ import annotations

from typing import Dict

CHECK = ("Check it: autograd-mini exercises check {folder}\n"
         "(or in Python: exercises.check({name!r}, {function}))")

DERIVATIVES = '''"""Exercise 1 of 5: local derivatives, written as formulas.

Back-propagation multiplies, at every node, the gradient from above by the node's local derivative.
Write each operation's derivative with respect to x as text in autograd_mini's formula language:
numbers, x, + - * / ** and the library's functions (exp, log, sqrt, tanh, sigmoid, sin, cos, ...).
For example the derivative of x**2 is "2*x". You may also use out, the operation's own value at x
(the derivative of exp(x) is "out"), as back-propagation does when it keeps the forward values.

It is graded at many points, the edges of each operation's domain included (large |x|, x near 0).
Each accepted formula becomes a working operation whose backward pass uses your formula
(report.ops, e.g. report.ops["my_softplus"](Value(0.5))).

{check}
"""


def local_derivatives():
    """Return {{operation: its derivative d/dx, as a formula}}; leave None where not done yet."""
    return {{
        "tanh(x)": None,
        "sigmoid(x)": None,  # sigmoid(x) = 1 / (1 + exp(-x)); answer with sigmoid(x) in it
        "x**3": None,  # the power rule: d/dx x**k = k * x**(k - 1)
        "exp(x)": None,
        "log(x)": None,
        "sqrt(x)": None,  # sqrt(x) = x**(1/2)
        "1/x": None,  # 1/x = x**(-1)
        "softplus(x)": None,  # softplus(x) = log(1 + exp(x)): the chain rule, log outside, 1 + exp(x) inside
    }}
'''

NEURON = '''"""Exercise 2 of 5: back-propagation through one neuron, a = g(z) with z = w·a_prev + b.

{check}
"""

import math


def neuron_backward(w, a_prev, z, da, activation):
    """The gradients of one neuron, given the gradient da = ∂C/∂a that arrives from above.

    w           the neuron's m weights (a list of m numbers)
    a_prev      its m inputs (a list of m numbers)
    z           its pre-activation, z = Σ_j w_j·a_j + b (a number)
    da          ∂C/∂a (a number)
    activation  "tanh", "sigmoid" or "relu": the function g, a = g(z)

    Return (dz, dw, db, da_prev):
      dz = da · g'(z)          through the activation: its derivative taken at z
      dw_j = dz · a_j          each weight by the input it multiplies (a list of m numbers)
      db = dz                  ∂z/∂b = 1
      da_prev_j = w_j · dz     each input by the weight that multiplies it (a list of m numbers)
    with tanh'(z) = 1 - tanh(z)², sigmoid'(z) = s·(1 - s) where s = 1/(1 + e^(-z)),
    relu'(z) = 1 if z > 0 else 0.
    """
    raise NotImplementedError
'''

LAYOUT = """    W           n×m: a list of n rows (one per neuron) of m weights
    A_prev      m×N: m rows (one per input), one column per observation
    Z, dA       n×N: Z = W·A_prev + B, and dA where A = g(Z): column k is ∂L_k/∂A[:, k], the
                gradient of observation k's own loss L_k (the 1/N of the mean cost is taken in
                dW and dB, not here)
    activation  "tanh", "sigmoid" or "relu": the function g"""

LAYER = '''"""Exercise 3 of 5: back-propagation through one layer, for one observation (N = 1).

The layer maps the m values of the layer below to n values: Z = W·A_prev + B, then A = g(Z).
Matrices are lists of rows; a column vector with n entries is n rows of one number: [[z1], [z2], ...].

{check}
"""

import math


def layer_backward(W, A_prev, Z, dA, activation):
    """The gradients of a layer for one observation (here N = 1).

{layout}

    Return (dZ, dW, dB, dA_prev):
      dZ = dA ⊙ g'(Z)         n×1: each element times g' taken at its own z
      dW = dZ · A_prevᵀ       n×m: dW[i][j] = dZ[i][0] · A_prev[j][0]
      dB = dZ                 a list of n numbers: dB[i] = dZ[i][0]
      dA_prev = Wᵀ · dZ       m×1: dA_prev[j][0] = Σ_i W[i][j] · dZ[i][0]
    """
    raise NotImplementedError
'''

BATCH = '''"""Exercise 4 of 5: back-propagation through one layer, for a batch of N observations.

Each observation is a column: A_prev is m×N, Z and dA are n×N. The cost is the mean of the N
observations' losses, so the gradients of the parameters W and B are means over the batch, while
dZ and dA_prev keep one column per observation.

{check}
"""

import math


def layer_backward(W, A_prev, Z, dA, activation):
    """The gradients of a layer for a batch of N observations.

{layout}

    Return (dZ, dW, dB, dA_prev):
      dZ = dA ⊙ g'(Z)                 n×N, element by element
      dW = (1/N) · dZ · A_prevᵀ        n×m: the mean over the observations of dZ[:, k]·A_prev[:, k]ᵀ
      dB = (1/N) · Σ_k dZ[:, k]       a list of n numbers: the mean of each row of dZ
      dA_prev = Wᵀ · dZ               m×N: no 1/N here, each observation keeps its own column
    """
    raise NotImplementedError
'''

MLP = '''"""Exercise 5 of 5: a whole network by hand.

Layer l computes Z_l = W_l·A_(l-1) + B_l and A_l = g_l(Z_l), with A_0 = X. Going backward, the
dA_prev of layer l is the dA of layer l-1: that is the whole chain rule of a network.

{check}
"""

from ex4_batch import layer_backward  # your exercise 4 does each layer's step


def mlp_backward(Ws, Bs, X, activations, dA):
    """The gradients of every layer of a network, given dA for its output: column k is ∂L_k/∂A_L[:, k],
    observation k's own loss (the 1/N of the mean cost is taken in each layer's dW and dB).

    Ws           [W_1, ..., W_L], W_l is n_l×n_(l-1) (lists of rows)
    Bs           [B_1, ..., B_L], B_l a list of n_l numbers
    X            n_0×N: the inputs, one column per observation
    activations  [g_1, ..., g_L], each "tanh", "sigmoid" or "relu"
    dA           n_L×N

    First the forward pass, keeping every Z_l and A_l:  Z_l = W_l·A_(l-1) + B_l (B_l added to each
    column), A_l = g_l(Z_l). Then from l = L down to 1:  (dZ, dW_l, dB_l, dA_prev) =
    layer_backward(W_l, A_(l-1), Z_l, dA_l, g_l), and dA_(l-1) = dA_prev.

    Return [(dW_1, dB_1), ..., (dW_L, dB_L)], the first layer first.
    """
    raise NotImplementedError
'''

TEXTS = {"derivatives": DERIVATIVES, "neuron": NEURON, "layer": LAYER, "batch": BATCH, "mlp": MLP}


def stub(name: str, function: str, folder: str) -> str:
    """The stub file of exercise `name`, whose check command names `folder`."""
    check = CHECK.format(folder=folder, name=name, function=function)
    fields: Dict[str, str] = {"check": check, "layout": LAYOUT}
    return TEXTS[name].format(**fields)
