"""The demo network trained by hand: lists of floats and the matrix formulas, no autodiff.

This is the yardstick for the MLP benchmark: what plain Python does when every derivative is
written out. For layer l with weights W (n rows of m), bias B, input A (one row per observation)
and pre-activation Z:

    forward   Z = W·A + B,  A_next = relu(Z) (the last layer is linear)
    backward  dZ = dA ⊙ relu'(Z),  dW = dZ·Aᵀ,  dB = Σ dZ,  dA_prev = Wᵀ·dZ

summed over the batch; the 1/N of the mean is already in the loss gradient that starts dZ.
The L2 term α·Σp² adds 2α·p to each parameter's gradient.

>>> weights = [([[0.5, -0.25]], [0.1])]                 # one linear neuron
>>> loss = hand_step(weights, [[1.0, 2.0]], [1.0], lr=0.1, alpha=0.0)
>>> round(loss, 12), [round(w, 12) for w in weights[0][0][0]], weights[0][1]  # margin 0.9 > 0
(0.9, [0.6, -0.05], [0.2])
"""

from __future__ import annotations

from operator import mul
from typing import List, Sequence, Tuple

Layer = Tuple[List[List[float]], List[float]]  # (W: n rows of m floats, B: n floats)


def hand_step(
    weights: List[Layer], X: Sequence[Sequence[float]], y: Sequence[float], lr: float, alpha: float
) -> float:
    """One full-batch SGD step on hinge loss + alpha·Σp², in place; returns the loss before it."""
    n = len(X)
    last = len(weights) - 1

    # forward, keeping each layer's input rows and pre-activations for the backward pass
    A: List[Sequence[float]] = list(X)
    inputs: List[List[Sequence[float]]] = []
    pre: List[List[List[float]]] = []
    for li, (W, B) in enumerate(weights):
        Z = [[sum(map(mul, row, a)) + b for row, b in zip(W, B)] for a in A]
        inputs.append(A)
        pre.append(Z)
        A = Z if li == last else [[z if z > 0.0 else 0.0 for z in zr] for zr in Z]  # type: ignore[misc]

    # hinge loss mean(max(0, 1 - y·score)) plus the L2 term
    margins = [1.0 - yi * a[0] for yi, a in zip(y, A)]
    data_loss = sum([m for m in margins if m > 0.0]) / n
    squares = sum([sum(map(mul, row, row)) for W, _ in weights for row in W])
    squares += sum([sum(map(mul, B, B)) for _, B in weights])
    loss = data_loss + alpha * squares

    # backward: dScore = -y/N where the margin is positive, then layer by layer
    dZ = [[-yi / n] if m > 0.0 else [0.0] for yi, m in zip(y, margins)]
    k = 2.0 * alpha
    for li in range(last, -1, -1):
        W, B = weights[li]
        dZT = list(zip(*dZ))  # one row per neuron, one column per observation
        AT = list(zip(*inputs[li]))  # one row per input unit
        dW = [[sum(map(mul, dz, a)) for a in AT] for dz in dZT]  # dZ·Aᵀ
        dB = [sum(dz) for dz in dZT]
        # dA_prev = Wᵀ·dZ and dZ_prev = dA_prev ⊙ relu'(Z_prev) in one pass, skipping the sums that
        # relu' zeroes (as anyone writing this by hand would); it uses W before its update
        if li > 0:
            WT = list(zip(*W))
            dZ = [
                [sum(map(mul, col, dz)) if z > 0.0 else 0.0 for col, z in zip(WT, zp)]
                for dz, zp in zip(dZ, pre[li - 1])
            ]
        for row, drow in zip(W, dW):
            row[:] = [w - lr * (dw + k * w) for w, dw in zip(row, drow)]
        B[:] = [b - lr * (db + k * b) for b, db in zip(B, dB)]
    return loss
