"""The right answers, computed by the engine: a layer (or a network) built from `Value`s, a loss
whose gradient with respect to the layer's output is the given dA, and ``backward()``.

Nothing here writes a gradient formula by hand: the numbers a learner is graded against are the
ones `backward()` and `grad()` give.

The loss follows the seed's convention for a batch of N observations (columns): each observation
k has its own loss L_k = Σ_i dA[i][k]·A[i][k], so that ∂L_k/∂A[:, k] = dA[:, k]; the cost is their
mean C = (1/N)·Σ_k L_k. The parameters' gradients are those of the cost (dW = (1/N)·dZ·A_prevᵀ,
dB = (1/N)·Σ_k dZ[:, k]); dZ and dA_prev are each observation's own (∂L_k/∂Z[:, k], ∂L_k/∂A_prev[:, k]).

>>> r = layer_answer([[2.0]], [[1.0, 3.0]], [0.0], [[1.0, 1.0]], None)
>>> r["dW"], r["dB"], r["dA_prev"]
([[2.0]], [1.0], [[2.0, 2.0]])
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..engine import Value, grad, linear_batch, total

Matrix = List[List[float]]


def _activated(z: Value, activation: Optional[str]) -> Value:
    return z if activation is None else getattr(z, activation)()


def forward(W: Sequence[Sequence[float]], A_prev: Sequence[Sequence[float]], B: Sequence[float],
            activation: Optional[str]) -> Dict[str, Matrix]:
    """Z = W·A_prev + B and A = g(Z), by the engine, as n×N matrices."""
    columns = [list(c) for c in zip(*A_prev)]
    Zs = linear_batch([[Value(w) for w in row] for row in W], columns, [Value(b) for b in B])
    Z = [[zs[i].data for zs in Zs] for i in range(len(W))]
    A = [[_activated(Value(z), activation).data for z in row] for row in Z]
    return {"Z": Z, "A": A}


def layer_answer(W: Sequence[Sequence[float]], A_prev: Sequence[Sequence[float]], B: Sequence[float],
                 dA: Sequence[Sequence[float]], activation: Optional[str]) -> Dict[str, Any]:
    """dZ, dW, dB, dA_prev of the layer A = g(W·A_prev + B) for the upstream gradient dA (n×N), by
    the engine. With `activation` None the layer is Z = W·A_prev + B itself (then dZ = dA)."""
    n, N = len(W), len(A_prev[0])
    Wv = [[Value(w) for w in row] for row in W]
    Bv = [Value(b) for b in B]
    columns = [[Value(a) for a in column] for column in zip(*A_prev)]  # one list per observation
    Zs = linear_batch(Wv, columns, Bv)
    losses = [total([dA[i][k] * _activated(Zs[k][i], activation) for i in range(n)]) for k in range(N)]
    cost = total(losses) / N
    cost.backward()
    per_observation = [grad(losses[k], [*Zs[k], *columns[k]]) for k in range(N)]
    return {
        "dZ": [[per_observation[k][i] for k in range(N)] for i in range(n)],
        "dW": [[w.grad for w in row] for row in Wv],
        "dB": [b.grad for b in Bv],
        "dA_prev": [[per_observation[k][n + j] for k in range(N)] for j in range(len(A_prev))],
    }


def derivative_at(activation: str, x: float) -> float:
    """g'(x) by the engine."""
    v = Value(x)
    return grad(_activated(v, activation), v)  # type: ignore[no-any-return]


def network_answer(Ws: Sequence[Sequence[Sequence[float]]], Bs: Sequence[Sequence[float]],
                   X: Sequence[Sequence[float]], activations: Sequence[str],
                   dA: Sequence[Sequence[float]]) -> List[Dict[str, Any]]:
    """[{dW, dB}] per layer (first layer first) of the network A_l = g_l(W_l·A_(l-1) + B_l), A_0 = X,
    for the upstream gradient dA of its output, with the mean cost of `layer_answer`, by the engine."""
    params = [([[Value(w) for w in row] for row in W], [Value(b) for b in B]) for W, B in zip(Ws, Bs)]
    batch: List[List[float]] = [list(column) for column in zip(*X)]
    outputs: List[List[Value]] = []
    for (Wv, Bv), activation in zip(params, activations):
        outputs = linear_batch(Wv, outputs or batch, Bv, activation)
    N = len(batch)
    cost = total([dA[i][k] * a for k, column in enumerate(outputs) for i, a in enumerate(column)]) / N
    cost.backward()
    return [{"dW": [[w.grad for w in row] for row in Wv], "dB": [b.grad for b in Bv]} for Wv, Bv in params]
