"""The known wrong answers of back-propagation through an activation and a linear layer, each with
the words a teacher would say. Each wrong answer is computed (from the inputs and the engine's
right answer) so that a learner's output can be recognised as it.

Symbols are passed in, so one list serves a layer (dZ, A_prev, ⊙) and a neuron (dz, a_prev, ·).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Sequence, Tuple

from .reference import derivative_at, layer_answer
from .shapes import product, scaled, transposed

Matrix = List[List[float]]

G_PRIME = {
    "tanh": "g'(Z) = 1 − tanh(Z)²",
    "sigmoid": "g'(Z) = σ(Z)·(1 − σ(Z))",
    "relu": "g'(Z) = 1 where Z > 0, else 0",
}
# g' written for the output A = g(Z), which a learner may apply to Z by mistake
OUTPUT_FORM: Dict[str, Tuple[Callable[[float], float], str]] = {
    "tanh": (lambda z: 1.0 - z * z,
             "1 − Z²: that is tanh' written for the output, 1 − A² with A = tanh(Z)"),
    "sigmoid": (lambda z: z * (1.0 - z),
                "Z·(1 − Z): that is σ' written for the output, A·(1 − A) with A = σ(Z)"),
}


def each(m: Matrix, f: Callable[[float], float]) -> Matrix:
    return [[f(x) for x in row] for row in m]


def times(a: Matrix, b: Matrix) -> Matrix:
    return [[x * y for x, y in zip(r, s)] for r, s in zip(a, b)]


def dz_mistakes(activation: str, Z: Matrix, A: Matrix, dA: Matrix, dZ: Matrix, s: Dict[str, str]
                ) -> List[Tuple[Matrix, str]]:
    """(wrong dZ, words) for the activation step dZ = dA ⊙ g'(Z); `s` names the symbols."""
    rule = f"Use {s['dZ']} = {s['dA']} {s['x']} g'({s['Z']}), with {G_PRIME[activation].replace('Z', s['Z'])}"
    found = [
        (dA, f"You forgot g'({s['Z']}): your {s['dZ']} is {s['dA']}. {rule}."),
        (times(dA, each(A, lambda a: derivative_at(activation, a))),
         f"You evaluated g' at {s['A']} = g({s['Z']}) instead of at {s['Z']}. {rule}."),
        (scaled(dZ, -1.0), f"A sign error: your {s['dZ']} is −1 times the right one. {rule}."),
        (times(dA, A), f"You multiplied by g({s['Z']}) = {s['A']}, the activation itself, not by its "
                       f"derivative. {rule}."),
    ]
    for other in G_PRIME:
        if other != activation:
            used = times(dA, each(Z, lambda z, other=other: derivative_at(other, z)))  # type: ignore[misc]
            found.append((used, f"You used the derivative of {other}, but the activation here is "
                                f"{activation}. {rule}."))
    if activation in OUTPUT_FORM:
        f, said = OUTPUT_FORM[activation]
        said = said.replace("Z", s["Z"]).replace("A", s["A"])
        words = f"You computed {said}, so put {s['A']} in it, not {s['Z']}. {rule}."
        found.append((times(dA, each(Z, f)), words))
    return found


def layer_mistakes(W: Matrix, A_prev: Matrix, B: List[float], dA: Matrix, activation: str,
                   Z: Matrix, A: Matrix, right: Dict[str, Any], formulas: Dict[str, str]
                   ) -> List[Tuple[str, Any, str]]:
    """(output, wrong value, words) for the layer exercise (N = 1) and the batch exercise."""
    n, m, N = len(W), len(A_prev), len(dA[0])
    s = {"dZ": "dZ", "dA": "dA", "Z": "Z", "A": "A", "x": "⊙"}
    found = [("dZ", v, w) for v, w in dz_mistakes(activation, Z, A, dA, right["dZ"], s)]
    plain = layer_answer(W, A_prev, B, dA, None)  # what a layer gives that skips g': dZ = dA
    use = {name: f"Use {formula}." for name, formula in formulas.items()}
    for name in ("dW", "dB", "dA_prev"):
        found.append((name, plain[name], f"Your {name} is built from dA, not dZ: first dZ = dA ⊙ g'(Z), "
                                         f"then {formulas[name]}."))
        found.append((name, scaled(right[name], -1.0), f"A sign error: your {name} is −1 times the right "
                                                     f"one. {use[name]}"))
    dW, dZ = right["dW"], right["dZ"]
    found.append(("dW", transposed(dW), "You transposed dW: it has a row per neuron and a column per input "
                                        f"(n×m, like W). {use['dW']}"))
    by_rows = [sum(column) for column in zip(*dZ)]  # one sum per observation, over the neurons
    axis = ("You summed dB over the wrong axis: over the n neurons of each observation. dB has one "
            f"number per neuron: add each row of dZ along its N observations. {use['dB']}")
    found += [("dB", by_rows, axis), ("dB", scaled(by_rows, 1.0 / N), axis)]
    found.append(("dB", [[b] for b in right["dB"]], "Your numbers are right, but dB is a list of n numbers, "
                                                    "not an n×1 column: return [row[0] for row in dB]."))
    found.append(("dB", dZ, f"You returned the matrix dZ: dB is a list of n numbers. {use['dB']}"))
    if N > 1:
        found += [
            ("dZ", scaled(dZ, 1.0 / N), "dZ has no 1/N: it is each observation's own, dZ = dA ⊙ g'(Z); "
                                        "the 1/N goes into dW and dB only."),
            ("dW", scaled(dW, float(N)), f"You forgot the 1/N: your dW is N = {N} times too large. Average "
                                         f"over the observations: {formulas['dW']}."),
            ("dB", scaled(right["dB"], float(N)), f"You forgot the 1/N: your dB is N = {N} times too large. "
                                                  f"Average over the observations: {formulas['dB']}."),
            ("dA_prev", scaled(right["dA_prev"], 1.0 / N),
             "You divided dA_prev by N: only dW and dB are averaged over the batch. dA_prev has a column "
             "per observation, each its own: dA_prev = Wᵀ·dZ, with no 1/N."),
        ]
    if n == m:
        found.append(("dA_prev", product(W, dZ), "You used W instead of Wᵀ: dA_prev = Wᵀ·dZ, that is "
                      "dA_prev[j][k] = Σ_i W[i][j]·dZ[i][k] (down the columns of W)."))
    return found


def neuron_mistakes(w: Sequence[float], a_prev: Sequence[float], activation: str, z: float, a: float,
                    da: float, right: Dict[str, Any]) -> List[Tuple[str, Any, str]]:
    """(output, wrong value, words) for one neuron: dz = da·g'(z), dw_j = dz·a_j, db = dz,
    da_prev_j = w_j·dz."""
    s = {"dZ": "dz", "dA": "da", "Z": "z", "A": "a", "x": "·"}
    wrong_dz = dz_mistakes(activation, [[z]], [[a]], [[da]], [[right["dz"]]], s)
    found: List[Tuple[str, Any, str]] = [("dz", v[0][0], words) for v, words in wrong_dz]
    found += [
        ("dw", right["da_prev"], "You used the weights: dw_j = dz·a_j, the input that w_j multiplies."),
        ("da_prev", right["dw"], "You used the inputs: da_prev_j = w_j·dz, the weight that multiplies a_j."),
        ("dw", [da * x for x in a_prev], "Your dw is built from da, not dz: first dz = da·g'(z), "
                                         "then dw_j = dz·a_j."),
        ("da_prev", [da * x for x in w], "Your da_prev is built from da, not dz: first dz = da·g'(z), "
                                         "then da_prev_j = w_j·dz."),
        ("db", da, "Your db is da, not dz: db = dz = da·g'(z)."),
    ]
    for name in ("dw", "db", "da_prev"):
        sign = f"A sign error: your {name} is −1 times the right one."
        found.append((name, scaled(right[name], -1.0), sign))
    return found
