"""The seed's matrix formulas, proven with numbers.

A `Linear(m, n)` layer is the n×m matrix W and the n-vector B. We feed it a batch of N observations
(A_prev, an m×N matrix: column i is observation i), take the cost C = mean over the batch of a
per-observation cost c_i = Σ_j (a_j - y_j)², and let the engine back-propagate element by element.
Independently, numpy evaluates the formulas

    dZ = dA ⊙ g'(Z),  dW = (1/N)·dZ·A_prevᵀ,  dB = (1/N)·Σ_cols dZ,  dA_prev = (1/N)·Wᵀ·dZ

where column i of dA and dZ is the derivative of observation i's own cost c_i. Every element must
agree to 1e-10.
"""

from __future__ import annotations

import random
from typing import Callable, Dict, Optional

import needs
import pytest

from autograd_mini import Value, nn, total

np = needs.module("numpy", "pip install -e '.[test]'")

ACTIVATIONS: Dict[Optional[str], Callable] = {
    None: lambda z: (z, np.ones_like(z)),
    "relu": lambda z: (np.maximum(z, 0.0), (z > 0.0).astype(float)),
    "tanh": lambda z: (np.tanh(z), 1.0 - np.tanh(z) ** 2),
    "sigmoid": lambda z: (1.0 / (1.0 + np.exp(-z)), np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
}


@pytest.mark.parametrize("fused", [False, True])  # z and a nodes, or one node a = g(w·x+b) per neuron
@pytest.mark.parametrize("N", [1, 7])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_engine_gradients_are_the_matrix_formulas(activation: Optional[str], N: int, fused: bool) -> None:
    m, n = 3, 4
    rng = np.random.default_rng(42)
    A_prev = rng.normal(size=(m, N))  # m×N: one column per observation
    Y = rng.normal(size=(n, N))  # targets, one column per observation
    layer = nn.Linear(m, n, activation=activation, rng=random.Random(7), fused=fused)
    for b in layer.bias:  # non-zero biases (they start at 0), so B matters in the check
        b.data = float(rng.normal())

    # ---- the engine: one scalar graph for the whole batch ----
    inputs = [[Value(float(A_prev[k, i])) for k in range(m)] for i in range(N)]  # observation i's A_prev
    outputs = [layer(x) for x in inputs]
    per_obs = [total([(a - float(Y[j, i])) ** 2 for j, a in enumerate(out)]) for i, out in enumerate(outputs)]
    cost = total(per_obs) * (1.0 / N)
    cost.backward()

    # ---- the formulas, in numpy, from the same numbers ----
    W = np.array([[w.data for w in row] for row in layer.weight])  # n×m
    B = np.array([[b.data] for b in layer.bias])  # n×1, broadcast over the N columns
    Z = W @ A_prev + B  # n×N
    A, g_prime = ACTIVATIONS[activation](Z)
    dA = 2.0 * (A - Y)  # d c_i / d A^(i), column by column
    dZ = dA * g_prime  # dZ = dA ⊙ g'(Z)
    dW = (dZ @ A_prev.T) / N  # dW = (1/N)·dZ·A_prevᵀ
    dB = dZ.sum(axis=1) / N  # dB = (1/N)·Σ over the observations of dZ
    # dA_prev = Wᵀ·dZ is the derivative of one observation's own cost c_i. The cost we minimise is
    # the mean C = (1/N)·Σ c_i, so observation i's inputs reach C only through c_i, weighted by 1/N:
    # that 1/N is why dA_prev carries it too, just as dW and dB do.
    dA_prev = (W.T @ dZ) / N  # m×N

    # forward values first: the engine computed the same Z and A
    for i, out in enumerate(outputs):
        for j, a in enumerate(out):
            assert a.data == pytest.approx(A[j, i], abs=1e-12)
    # every element of dW, dB and of each observation's dA_prev
    for j in range(n):
        for k in range(m):
            assert abs(layer.weight[j][k].grad - dW[j, k]) <= 1e-10, (j, k)
        assert abs(layer.bias[j].grad - dB[j]) <= 1e-10, j
    for i in range(N):
        for k in range(m):
            assert abs(inputs[i][k].grad - dA_prev[k, i]) <= 1e-10, (i, k)

    if fused and activation is not None:  # no z nodes: dZ lives only inside each neuron's rule
        assert {a.op for out in outputs for a in out} == {f"{activation}(w·x+b)"}
        return
    # and dZ itself: each observation's z node (labelled Lj.Nj.z) holds ∂C/∂z = (1/N)·dZ
    for i, out in enumerate(outputs):
        for j, a in enumerate(out):
            z = a if activation is None else a.parents[0]
            assert z.label == f"L1.N{j + 1}.z"
            assert abs(z.grad - dZ[j, i] / N) <= 1e-10, (i, j)


def test_two_layers_chain_the_formulas() -> None:
    # dA for layer 1 is layer 2's dA_prev: the formulas chained through an MLP, one observation
    rng = np.random.default_rng(3)
    model = nn.MLP(3, [5, 2], activation="tanh", rng=random.Random(1))
    for b in model.parameters():
        if b.label.endswith(".b"):
            b.data = float(rng.normal())
    x = rng.normal(size=(3, 1))
    y = rng.normal(size=(2, 1))
    out = model([float(v) for v in x[:, 0]])
    cost = total([(a - float(y[j, 0])) ** 2 for j, a in enumerate(out)])
    cost.backward()

    (W1, B1), (W2, B2) = [
        (np.array([[w.data for w in row] for row in L.weight]), np.array([[b.data] for b in L.bias]))
        for L in model.layers
    ]
    Z1 = W1 @ x + B1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + B2  # linear last layer: A2 = Z2
    dZ2 = 2.0 * (Z2 - y)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (1.0 - A1**2)
    for L, dW, dB in ((model.layers[0], dZ1 @ x.T, dZ1[:, 0]), (model.layers[1], dZ2 @ A1.T, dZ2[:, 0])):
        got_W = np.array([[w.grad for w in row] for row in L.weight])
        got_B = np.array([b.grad for b in L.bias])
        assert np.max(np.abs(got_W - dW)) <= 1e-10
        assert np.max(np.abs(got_B - dB)) <= 1e-10
