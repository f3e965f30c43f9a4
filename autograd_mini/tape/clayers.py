"""A layer over the batch as C loops (the blocks of `plan`), for `cprint`'s printer `prog`.

    Z = W·A + B,  A = g(Z)                                        (forward)
    dZ = dA ⊙ g'(Z),  dW += dZ·Aᵀ,  dB += dZ,  dA_prev += Wᵀ·dZ   (backward)

The forward pass computes four neurons at a time (four sums side by side, each in its own
order); the backward pass takes each observation and neuron in the order `backward()` does.
"""

from __future__ import annotations

from typing import Any, List

from .plan import Block


def parts(prog: Any, b: Block, grad: bool) -> List[Any]:
    """(name, W, B, X, A) of a block, each as index -> its value (or gradient)."""
    L = prog.names.block[-b.uid - 1]
    return [
        L,
        prog.array(f"{L}_W", b.weights, grad),
        prog.array(f"{L}_B", [b.biases], grad),
        prog.array(f"{L}_X", b.inputs, grad),
        prog.array(prog.out(b), b.nodes, grad),
    ]


def block_forward(prog: Any, b: Block, act: Any) -> None:
    L, W, B, X, A = parts(prog, b, False)
    N, n, m = b.N, b.n, b.m
    kind = f"{b.act}(w.x+b)" if b.act else "w.x+b"
    prog.emit(
        f"/* {L}: {n} neurons {kind} on each of {N} observations: Z = W.A + B"
        + (f", A = {b.act}(Z) */" if b.act else " */")
    )
    prog.emit(f"for (int i = 0; i < {N}; i++) {{")
    prog.emit("int j = 0;", 2)
    for lanes in (4, 1):  # four neurons at a time: four sums side by side, each in its own order
        zs = [f"z_{q}" for q in range(lanes)] if lanes > 1 else ["z"]
        prog.emit(f"for (; j + {lanes} <= {n}; j += {lanes}) {{", 2)
        prog.emit(f"double {', '.join(z + ' = 0.0' for z in zs)};", 3)
        rows = [f"(j + {q}) * {m} + k" if q else f"j * {m} + k" for q in range(lanes)]
        adds = " ".join(f"{z} += {W(row)} * x_k;" for z, row in zip(zs, rows))
        prog.emit(f"for (int k = 0; k < {m}; k++) {{ double x_k = {X(f'i * {m} + k')}; {adds} }}", 3)
        for q, z in enumerate(zs):
            jq = f"j + {q}" if q else "j"
            keep = f" v[{prog.zslot[b.uid]} + i * {n} + {jq}] = {z};" if b.uid in prog.zslot else ""
            value = prog.print(act[0], {"z": z}) if act else z
            prog.emit(f"{z} += {B(jq)};{keep} {A(f'i * {n} + {jq}')} = {value};", 3)
        prog.emit("}", 2)
    prog.emit("}")


def block_backward(prog: Any, b: Block, act: Any) -> None:
    """Each neuron node in the order the backward pass takes them, applying its rule as the
    engine's does: dz = dA·g'(z); for each input dW += dz·A, dA_prev += W·dz; dB += dz."""
    L, W, B, X, A = parts(prog, b, False)
    _, dW, dB, dX, dA = parts(prog, b, True)
    N, n, m = b.N, b.n, b.m
    obs = f"int i = {N - 1}; i >= 0; i--" if b.obs_desc else f"int i = 0; i < {N}; i++"
    neu = f"int j = {n - 1}; j >= 0; j--" if b.neu_desc else f"int j = 0; j < {n}; j++"
    here = f"i * {n} + j"
    dz = dA(here)
    if act is not None:
        dz = prog.print(act[1], {"g": dz, "a": A(here), "z": f"v[{prog.zslot.get(b.uid, 0)} + {here}]"})
    inputs = any(prog.plan.live[x] for row in b.inputs for x in row)
    order = "last to first" if b.obs_desc else "first to last"
    prog.comment(
        f"{L}, backward: each observation ({order}), each neuron; dz = dA * g'(z), then for each\n"
        f"       input dW += dz * A{' and dA_prev += W * dz' if inputs else ''}, then dB += dz"
    )
    prog.emit(f"for ({obs})")
    prog.emit(f"for ({neu}) {{", 2)
    prog.emit(f"double g = {dz};", 3)
    prog.emit("if (g == 0.0) continue;  /* backward() skips a neuron whose dz is 0 */", 3)
    w, x = f"j * {m} + k", f"i * {m} + k"
    also = f" {dX(x)} += g * {W(w)};" if inputs else ""
    prog.emit(f"EACH for (int k = 0; k < {m}; k++) {{ {dW(w)} += g * {X(x)};{also} }}", 3)
    prog.emit(f"{dB('j')} += g;", 3)
    prog.emit("}", 2)
