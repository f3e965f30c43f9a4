"""A block of neurons as C loops: Z = W·A + B and A = g(Z) forward; dZ = dA ⊙ g'(Z), dW += dZ·Aᵀ,
dB += dZ and dA_prev += Wᵀ·dZ backward, each sum in the order `backward()` adds its terms."""

from __future__ import annotations

from typing import Any, List

from . import crules
from .plan import Block


class _Access:
    """Where the k-th of some nodes lives: ``v[base + k]`` if their slots follow each other,
    else ``v[table[k]]``."""

    def __init__(self, cp: Any, nodes: List[int], name: str) -> None:
        slots = [cp.slot[v] for v in nodes]
        self.base = slots[0] if slots == list(range(slots[0], slots[0] + len(slots))) else None
        self.name = None if self.base is not None else cp.table(name, slots)

    def at(self, k: str) -> str:
        return f"{self.base} + {k}" if self.base is not None else f"{self.name}[{k}]"


def _parts(cp: Any, b: Block) -> tuple:
    """(name, weights, biases, inputs, where A starts), made once per block."""
    made = cp.__dict__.setdefault("parts", {})
    if b.uid not in made:
        made[b.uid] = _make_parts(cp, b)
    return made[b.uid]  # type: ignore[no-any-return]


def _make_parts(cp: Any, b: Block) -> tuple:
    L = cp.block_name(b)
    W = _Access(cp, [w for row in b.weights for w in row], f"{L}_W")
    B = _Access(cp, list(b.biases), f"{L}_B")
    X = _Access(cp, [x for row in b.inputs for x in row], f"{L}_X")
    A = cp.slot[b.nodes[0][0]]
    return L, W, B, X, A


def block_forward(cp: Any, b: Block) -> None:
    L, W, B, X, A = _parts(cp, b)
    N, n, m = b.N, b.n, b.m
    kind = f"{b.act}(w.x+b)" if b.act else "w.x+b"
    cp.emit(
        f"/* {L}: {n} neurons {kind} on each of {N} observations: Z = W.A + B"
        + (f", A = {b.act}(Z) */" if b.act else " */")
    )
    cp.emit(f"for (int i = 0; i < {N}; i++)")
    cp.emit(f"for (int j = 0; j < {n}; j++) {{", 2)
    cp.emit("double z = 0.0;", 3)
    cp.emit(f"for (int k = 0; k < {m}; k++) z += v[{W.at(f'j * {m} + k')}] * v[{X.at(f'i * {m} + k')}];", 3)
    cp.emit(f"z += v[{B.at('j')}];", 3)
    if b.act == "sigmoid":
        cp.emit(f"v[{cp.extra[L + '_z']} + i * {n} + j] = z;", 3)
    cp.emit(f"v[{A} + i * {n} + j] = {b.act + '(z)' if b.act else 'z'};", 3)
    cp.emit("}", 2)


def block_backward(cp: Any, b: Block) -> None:
    L, W, B, X, A = _parts(cp, b)
    N, n, m = b.N, b.n, b.m
    cp.emit(f"/* {L}, backward */")
    dz = f"d[{A} + i * {n} + j]"
    if b.act is not None:
        DZ = cp.extra[L + "_dz"]
        cp.emit(f"/* dZ = dA * {b.act}'(Z) */")
        cp.emit(f"for (int i = 0; i < {N}; i++)")
        cp.emit(f"for (int j = 0; j < {n}; j++)", 2)
        grad = crules.act_grad(
            b.act, f"d[{A} + i * {n} + j]", f"v[{A} + i * {n} + j]", f"v[{cp.extra[L + '_z']} + i * {n} + j]"
        )
        cp.emit(f"v[{DZ} + i * {n} + j] = {grad};", 3)
        dz = f"v[{DZ} + i * {n} + j]"
    obs = f"int i = {N - 1}; i >= 0; i--" if b.obs_desc else f"int i = 0; i < {N}; i++"
    neu = f"int j = {n - 1}; j >= 0; j--" if b.neu_desc else f"int j = 0; j < {n}; j++"
    order = "last to first" if b.obs_desc else "first to last"
    cp.emit(f"/* dW += dZ * A, dB += dZ: each sum over the observations, {order}, skipping dz = 0 */")
    cp.emit(f"for (int j = 0; j < {n}; j++) {{")
    cp.emit(f"for (int k = 0; k < {m}; k++) {{", 2)
    cp.emit(f"double s = d[{W.at(f'j * {m} + k')}];", 3)
    cp.emit(f"for ({obs}) {{ double g = {dz}; if (g != 0.0) s += g * v[{X.at(f'i * {m} + k')}]; }}", 3)
    cp.emit(f"d[{W.at(f'j * {m} + k')}] = s;", 3)
    cp.emit("}", 2)
    cp.emit(f"double s = d[{B.at('j')}];", 2)
    cp.emit(f"for ({obs}) {{ double g = {dz}; if (g != 0.0) s += g; }}", 2)
    cp.emit(f"d[{B.at('j')}] = s;", 2)
    cp.emit("}")
    if not any(cp.plan.live[x] for row in b.inputs for x in row):
        return
    order = "last to first" if b.neu_desc else "first to last"
    cp.emit(f"/* dA_prev += W * dZ: each sum over the neurons, {order} */")
    cp.emit(f"for (int i = 0; i < {N}; i++)")
    cp.emit(f"for (int k = 0; k < {m}; k++) {{", 2)
    cp.emit(f"double s = d[{X.at(f'i * {m} + k')}];", 3)
    cp.emit(f"for ({neu}) {{ double g = {dz}; if (g != 0.0) s += g * v[{W.at(f'j * {m} + k')}]; }}", 3)
    cp.emit(f"d[{X.at(f'i * {m} + k')}] = s;", 3)
    cp.emit("}", 2)
