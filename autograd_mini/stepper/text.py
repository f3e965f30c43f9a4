"""The words of the matrix panel: a layer's formulas, and what its matrices hold.

>>> formulas('tanh', 1, False, True)[2:]
["dZ = dA ⊙ tanh'(Z)", 'dW = dZ·A_prevᵀ', 'dB = dZ', 'dA_prev = Wᵀ·dZ']
"""

from __future__ import annotations

from typing import List, Optional


def formulas(activation: Optional[str], n_obs: int, fused: bool, inputs_are_nodes: bool) -> List[str]:
    """The forward and backward formulas of one layer; the batch form when `n_obs` > 1."""
    batch = n_obs > 1
    z = "Z = W·A_prev + B" + (" (B added to each column)" if batch else "")
    out = [z, f"A = {activation}(Z)" if activation else "A = Z (no activation)"]
    if fused:
        out.append(f"dZ = dA ⊙ {activation}'(Z), formed inside each fused node's rule" if activation
                   else "dZ = dA")
    elif activation:
        out.append(f"dZ = dA ⊙ {activation}'(Z)")
    else:
        out.append("dZ = dA (no activation: Z is the output)")
    if batch:
        out += ["dW = dZ·A_prevᵀ = Σ_k dZ[:,k]·A_prev[:,k]ᵀ", "dB = Σ_k dZ[:,k] (the columns summed)"]
    else:
        out += ["dW = dZ·A_prevᵀ", "dB = dZ"]
    if inputs_are_nodes:
        out.append("dA_prev = Wᵀ·dZ")
    return out


def batch_note(n_obs: int) -> str:
    """What the gradient matrices show, in words."""
    what = ("Each d-matrix shows the engine's gradients dL/d(entry) of this page's output L, entry by "
            "entry, as the backward steps write them (the entry just written is outlined).")
    if n_obs == 1:
        return what + " One observation: A_prev, Z and A are single columns."
    return (what + f" A batch of N = {n_obs} observations: column k is observation k. When L is a mean "
            "over the batch, the 1/N is already inside dA and dZ, so dW = dZ·A_prevᵀ and dB = Σ dZ here are "
            "the textbook's (1/N)·dZ·Aᵀ and (1/N)·Σ dZ, whose dZ is that of one observation alone.")
