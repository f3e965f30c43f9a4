"""A block of neurons as C loops: Z = W·A + B and A = g(Z) forward; dZ = dA ⊙ g'(Z), dW += dZ·Aᵀ,
dB += dZ and dA_prev += Wᵀ·dZ backward, each sum in the order `backward()` adds its terms."""

from __future__ import annotations

from typing import Any, List

from . import crules
from .graph import PARAM
from .maps import ArgArray, Map
from .plan import UNSAFE, Block


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
    """The neuron nodes in the order the backward pass takes them (observations, then neurons,
    each ascending or descending as `Plan` found), each applying its rule in place as the engine's
    does: dz = dA·g'(z), then for each input k, dW += dz·A and dA_prev += W·dz, then dB += dz;
    a neuron whose dz is 0 is skipped."""
    L, W, B, X, A = _parts(cp, b)
    N, n, m = b.N, b.n, b.m
    obs = f"int i = {N - 1}; i >= 0; i--" if b.obs_desc else f"int i = 0; i < {N}; i++"
    neu = f"int j = {n - 1}; j >= 0; j--" if b.neu_desc else f"int j = 0; j < {n}; j++"
    here = f"{A} + i * {n} + j"
    dz = f"d[{here}]"
    if b.act is not None:
        dz = crules.act_grad(b.act, dz, f"v[{here}]", f"v[{cp.extra[L + '_z']} + i * {n} + j]")
    inputs = any(cp.plan.live[x] for row in b.inputs for x in row)
    order = ("last" if b.obs_desc else "first") + " to " + ("first" if b.obs_desc else "last")
    cp.emit(f"/* {L}, backward: each observation ({order}), each neuron; dz = dA * g'(z), then for each")
    cp.emit("   input dW += dz * A" + (" and dA_prev += W * dz" if inputs else "") + ", then dB += dz */")
    cp.emit(f"for ({obs})")
    cp.emit(f"for ({neu}) {{", 2)
    cp.emit(f"double g = {dz};", 3)
    cp.emit("if (g == 0.0) continue;  /* backward() skips a neuron whose dz is 0 */", 3)
    cp.emit(f"for (int k = 0; k < {m}; k++) {{", 3)
    w, x = W.at(f"j * {m} + k"), X.at(f"i * {m} + k")
    cp.emit(f"d[{w}] += g * v[{x}];", 4)
    if inputs:
        cp.emit(f"d[{x}] += g * v[{w}];", 4)
    cp.emit("}", 3)
    cp.emit(f"d[{B.at('j')}] += g;", 3)
    cp.emit("}", 2)


def _elements(cp: Any, arr: Any) -> _Access:
    """Where the elements of an array (a block's outputs, a map, an argument) lie, row by row."""
    made = cp.__dict__.setdefault("elements", {})
    if id(arr) not in made:
        made[id(arr)] = _Access(cp, [v for row in arr.nodes for v in row], f"E{len(made)}")
    return made[id(arr)]  # type: ignore[no-any-return]


def _map_refs(cp: Any, m: Map) -> List[str]:
    refs = []
    for kind, a in m.slots:
        if kind == "same":
            refs.append(f"v[{_elements(cp, a).at('k')}]")
        elif kind == "node":
            refs.append(cp.v(a))
        else:
            refs.append(crules.literal(a))
    return refs


def map_forward(cp: Any, m: Map) -> None:
    M = _elements(cp, m)
    expr = crules.forward(m.template, _map_refs(cp, m))
    cp.emit(f"/* {cp.block_name(m)}: {m.template.rule} of each element ({m.N} x {m.n}) */")
    cp.emit(f"for (int k = 0; k < {m.N * m.n}; k++) v[{M.at('k')}] = {expr};")


def map_backward(cp: Any, m: Map) -> None:
    M = _elements(cp, m)
    refs = _map_refs(cp, m)
    terms = crules.backward(m.template, "g", f"v[{M.at('k')}]", refs)
    lines = []
    for (kind, a), term in zip(m.slots, terms):
        if kind == "same" and not isinstance(a, ArgArray) and cp.plan.live[a.nodes[0][0]]:
            lines.append(f"d[{_elements(cp, a).at('k')}] += {term};")
        elif kind == "node" and (cp.plan.live[a] or cp.nodes[a].kind == PARAM):
            lines.append(f"{cp.d(a)} += {term};")
        elif kind != "lit" and m.template.rule in UNSAFE:
            lines.append(f"sink = {term};")
    if not lines:
        return
    loop = f"int k = {m.N * m.n - 1}; k >= 0; k--" if m.desc else f"int k = 0; k < {m.N * m.n}; k++"
    cp.emit(f"/* {cp.block_name(m)}, backward: {m.template.rule}' of each element, last to first */"
            if m.desc else f"/* {cp.block_name(m)}, backward: {m.template.rule}' of each element */")
    cp.emit(f"for ({loop}) {{ double g = d[{M.at('k')}]; {' '.join(lines)} }}")
