"""Exercise 5: a whole network by hand. The learner chains the layers (dA of layer l-1 is dA_prev of
layer l) and every dW and dB is compared with what ``backward()`` gives for the same network.

The gradients are judged from the last layer down, the order back-propagation computes them in,
so the first wrong one is where the learner's chain first went wrong.
"""

from __future__ import annotations

import random
from typing import Any, List, Optional, Sequence, Tuple

from .grading import Case, Mistake, Output, Verdict, judge
from .layers import matrix, value
from .reference import forward, network_answer
from .shapes import same, scaled, transposed

# the widths of the layers (the input first), their activations, and N
NETWORKS = (((2, 3, 2), ("tanh", "sigmoid"), 3), ((3, 3, 3, 1), ("relu", "tanh", "sigmoid"), 2))


def draw(rng: random.Random, widths: Sequence[int], activations: Sequence[str], N: int) -> Tuple[Any, ...]:
    """Ws, Bs, X, dA of a network whose pre-activations are none near 0 (where relu' jumps)."""
    Ws = [matrix(rng, widths[i + 1], widths[i], 1.0) for i in range(len(activations))]
    X, dA = matrix(rng, widths[0], N, 2.0), matrix(rng, widths[-1], N, 1.0)
    while True:
        Bs = [[value(rng, 0.5) for _ in range(width)] for width in widths[1:]]
        A, fine = X, True
        for W, B, activation in zip(Ws, Bs, activations):
            ahead = forward(W, A, B, activation)
            fine = fine and all(abs(z) > 0.01 for row in ahead["Z"] for z in row)
            A = ahead["A"]
        if fine:
            return Ws, Bs, X, dA


def formula(layer: int, count: int, what: str) -> str:
    grad = f"d{what}{layer} = (1/N)·dZ{layer}·A{layer - 1}ᵀ" if what == "W" else \
        f"dB{layer} = (1/N)·Σ_k dZ{layer}[:, k]"
    upstream = "dA (given)" if layer == count else \
        f"dA{layer} = W{layer + 1}ᵀ·dZ{layer + 1}, the dA_prev of layer {layer + 1}"
    inputs = " (A0 = X)" if layer == 1 and what == "W" else ""
    return f"{grad}{inputs}, with dZ{layer} = dA{layer} ⊙ g{layer}'(Z{layer}) and {upstream}"


def cases(rng: random.Random) -> List[Case]:
    out = []
    for widths, activations, N in NETWORKS:
        Ws, Bs, X, dA = draw(rng, widths, activations, N)
        right = network_answer(Ws, Bs, X, activations, dA)
        L = len(activations)
        outputs, mistakes = [], []
        for layer in range(L, 0, -1):  # the last layer first: the order back-propagation goes in
            for what, key in (("W", "dW"), ("B", "dB")):
                name, r = f"d{what}{layer}", right[layer - 1][key]
                dims = f"{widths[layer]}×{widths[layer - 1]}" if what == "W" else f"{widths[layer]}"
                outputs.append(Output(name, r, dims, formula(layer, L, what)))
                mistakes += [
                    Mistake(name, scaled(r, float(N)), f"You forgot the 1/N in layer {layer}: your {name} "
                                                           f"is N = {N} times too large."),
                    Mistake(name, scaled(r, -1.0), f"A sign error in layer {layer}: your {name} is −1 "
                                                        "times the right one."),
                ]
                if layer < L:
                    power = L - layer
                    times = f"N = {N}" if power == 1 else f"N^{power} = {N ** power}"
                    words = (f"Your {name} is {times} times too small: you divided dA_prev by N on the way "
                             "down, so the 1/N was applied again in each layer below. dA_prev = Wᵀ·dZ has "
                             "no 1/N.")
                    mistakes.append(Mistake(name, scaled(r, float(N) ** -power), words))
                if what == "W":
                    words = f"You transposed {name}: like W{layer}, it has a row per neuron."
                    mistakes.append(Mistake(name, transposed(r), words))
        label = f"widths {'-'.join(map(str, widths))}, {', '.join(activations)}, N={N}"
        out.append(Case((Ws, Bs, X, activations, dA), label, _judging(outputs, mistakes, L)))
    return out


def _judging(outputs: List[Output], mistakes: List[Mistake], count: int) -> Any:
    return lambda returned: judge_network(returned, outputs, mistakes, count)


def judge_network(returned: Any, outputs: List[Output], mistakes: List[Mistake],
                  count: int) -> Optional[Verdict]:
    """`returned` is [(dW1, dB1), ..., (dWL, dBL)], the first layer first."""
    if not isinstance(returned, list) or len(returned) != count or \
            not all(isinstance(p, list) and len(p) == 2 for p in returned):
        return Verdict(f"return a list of {count} pairs (dW, dB), one per layer, the first layer first",
                       False)
    backward = [g for pair in reversed(returned) for g in pair]
    forward_order = [g for pair in returned for g in pair]
    if count > 1 and all(same(g, o.right) for g, o in zip(forward_order, outputs)):
        return Verdict("you returned the layers last first: return them in the network's order, "
                       "the first layer first", True)
    return judge(backward, outputs, mistakes)
