"""A block of neurons as Python: the matrix formulas of back-propagation, over the whole batch.

    Z = W·A + B,  A = g(Z)                                   (forward)
    dZ = dA ⊙ g'(Z),  dW += dZ·Aᵀ,  dB += dZ,  dA_prev += Wᵀ·dZ   (backward)

Each sum starts from what the gradient holds already and adds its terms in the order the engine's
backward pass does (the observations, and the neurons, ascending or descending as `Plan` found),
so every float is the one `backward()` computes.
"""

from __future__ import annotations

from typing import Any, Dict

from .graph import PARAM, argument_rows
from .plan import Block
from .pyrules import NAN_NOTE


def inputs_ref(prog: Any, b: Block) -> str:
    """The block's input rows: an argument (X), the output of the block before, or a gathered
    list of lists."""
    cache: Dict[int, str] = prog.__dict__.setdefault("xrefs", {})
    if b.uid in cache:
        return cache[b.uid]
    ref = argument_rows(prog.graph, b.inputs)
    found = prog.plan.block_of.get(b.inputs[0][0]) if b.m else None
    if ref is None and found is not None:
        prev = found[0]
        flat = getattr(prev, "flat", False)
        if not flat and prev.N == b.N and all(list(row) == prev.nodes[i] for i, row in enumerate(b.inputs)):
            ref = prog.out(prev)
    if ref is None:
        ref = f"{prog.block_name(b)}_x"
        rows = ",\n        ".join("[" + ", ".join(prog.val(x) for x in row) + "]" for row in b.inputs)
        prog.emit(f"{ref} = [\n        {rows},\n    ]")
    cache[b.uid] = ref
    return ref


def block_forward(prog: Any, b: Block) -> None:
    L = prog.block_name(b)
    W, B, Z = f"{L}_W", f"{L}_B", f"{L}_z"
    prog.uses.add("mul")
    kind = f"{b.act}(w·x+b)" if b.act else "w·x+b"
    prog.comment(f"{L}: {b.n} neurons {kind} on each of {b.N} observations")
    if b.offset is not None:
        o, end = b.offset, b.offset + b.n * b.m
        prog.emit(f"{W} = [P[k : k + {b.m}] for k in range({o}, {end}, {b.m})]")
        prog.emit(f"{B} = P[{end}:{end + b.n}]")
    else:
        rows = ",\n        ".join("[" + ", ".join(prog.val(w) for w in row) + "]" for row in b.weights)
        prog.emit(f"{W} = [\n        {rows},\n    ]")
        prog.emit(f"{B} = [{', '.join(prog.val(c) for c in b.biases)}]")
    X = inputs_ref(prog, b)
    if b.m <= 3:  # written out: (w1·x1 + w2·x2) + b is the sum the engine makes, without sum()'s cost
        one = "," if b.m == 1 else ""
        ws = "(" + ", ".join(f"w{k + 1}" for k in range(b.m)) + one + ")"
        xs = ", ".join(f"x{k + 1}" for k in range(b.m)) + one
        z = " + ".join(f"w{k + 1} * x{k + 1}" for k in range(b.m)) + " + c"
    else:
        ws, xs, z = "w", "x", "sum(map(mul, w, x)) + c"
    if b.act == "relu":  # Z is not kept: the backward pass reads A (relu'(z) = 1 where a > 0)
        prog.comment("A = relu(Z), Z = W·A + B")
        prog.emit(f"{L}_a = [[0.0 if z <= 0.0 else z for {ws}, c in zip({W}, {B}) for z in [{z}]] "
                  f"for {xs} in {X}]  {NAN_NOTE}")
        return
    prog.comment("Z = W·A + B")
    prog.emit(f"{Z} = [[{z} for {ws}, c in zip({W}, {B})] for {xs} in {X}]")
    if b.act is not None:
        prog.uses.add(b.act)
        prog.comment(f"A = {b.act}(Z)")
        prog.emit(f"{L}_a = [list(map({b.act}, zs)) for zs in {Z}]")


_DZ = {
    "relu": "[[d if a > 0.0 else 0.0 * a for d, a in zip(ds, r)] for ds, r in zip({D}, {A})]",
    "tanh": "[[d * (1.0 - a * a) for d, a in zip(ds, r)] for ds, r in zip({D}, {A})]",
    "sigmoid": "[[d * a * sigmoid(-z) for d, a, z in zip(ds, r, zs)] for ds, r, zs in zip({D}, {A}, {Z})]",
}


def block_backward(prog: Any, b: Block) -> None:
    L = prog.block_name(b)
    D, A = f"{L}_da", prog.out(b)
    if b.uid not in prog.__dict__.setdefault("dz_ready", set()):
        prog.make_da(b)
    rev = "[::-1]" if b.obs_desc else ""
    prog.comment(f"{L}, backward: its {b.n} neurons on each of {b.N} observations")
    DZ = D
    if b.act is not None:
        DZ = f"{L}_dz"
        if b.uid not in prog.__dict__.setdefault("dz_ready", set()):
            prog.comment(f"dZ = dA * {b.act}'(Z)")
            prog.emit(f"{DZ} = " + _DZ[b.act].format(D=D, A=A, Z=f"{L}_z"))
    X = inputs_ref(prog, b)
    params = [w for row in b.weights for w in row] + list(b.biases)
    if any(prog.target(w) for w in params):
        order = "last to first" if b.obs_desc else "first to last"
        prog.comment(f"dW += dZ * A, dB += dZ: each sum over the observations, {order}, skipping")
        prog.comment("those whose dz is 0, as backward() does")
        prog.emit(f"dZT = list(zip(*{DZ}{rev}))")
        _weight_grads(prog, b, f"{X}{rev}")
    inputs = [x for row in b.inputs for x in row]
    if any(prog.target(x) for x in inputs):
        order = "last to first" if b.neu_desc else "first to last"
        prog.comment(f"dA_prev += W * dZ: each sum over the neurons, {order}")
        nrev = "[::-1]" if b.neu_desc else ""
        prog.emit(f"WT = list(zip(*{L}_W{nrev}))")
        _input_grads(prog, b, X, DZ if not nrev or b.n == 1 else f"[r[::-1] for r in {DZ}]")


def _weight_grads(prog: Any, b: Block, rows: str) -> None:
    L = prog.block_name(b)
    prog.emit(f"{L}_in = {rows}")
    prog.emit("for j, dz in enumerate(dZT):")
    prog.emit(f"    kept = [a for a, d in zip({L}_in, dz) if d]")
    prog.emit("    if kept:")
    prog.emit("        dz = [d for d in dz if d]")
    if b.offset is not None:
        o, m, end = b.offset, b.m, b.offset + b.n * b.m
        prog.emit(f"        o = {o} + {m} * j" if o else f"        o = {m} * j")
        prog.emit(
            f"        G[o : o + {m}] = [sum(map(mul, dz, a), q) for a, q in zip(zip(*kept), G[o : o + {m}])]"
        )
        prog.emit(f"        G[{end} + j] = sum(dz, G[{end} + j])")
        return
    pos = prog.plan.p_pos
    wq = [[pos[w] if prog.graph.nodes[w].kind == PARAM else -1 for w in row] for row in b.weights]
    bq = [pos[c] if prog.graph.nodes[c].kind == PARAM else -1 for c in b.biases]
    prog.emit(f"        for a, q in zip(zip(*kept), {wq}[j]):  # where each weight's gradient is in G")
    prog.emit("            if q >= 0:")
    prog.emit("                G[q] = sum(map(mul, dz, a), G[q])")
    prog.emit(f"        q = {bq}[j]")
    prog.emit("        if q >= 0:")
    prog.emit("            G[q] = sum(dz, G[q])")


def _dot(n: int, start: str = "") -> tuple:
    """(weights' pattern, dz's pattern, Σ_j w_j·dz_j) over n neurons: written out for a few
    neurons (the same sum from 0, without sum()'s cost), else sum(map(mul, ...))."""
    if n > 3:
        return "w", "dz", f"sum(map(mul, w, dz){', ' + start if start else ''})"
    one = "," if n == 1 else ""
    ws, ds = [f"w{k + 1}" for k in range(n)], [f"d{k + 1}" for k in range(n)]
    terms = [f"{w} * {d}" for w, d in zip(ws, ds)]
    dot = " + ".join([start, *terms] if start else terms)
    return f"({', '.join(ws)}{one})", f"({', '.join(ds)}{one})", dot


def _input_grads(prog: Any, b: Block, X: str, dzn: str) -> None:
    found = prog.plan.block_of.get(b.inputs[0][0])
    if found is not None and X == prog.out(found[0]):
        prev = found[0]
        D = prog.grad_array(prev)
        alone = prog.plan.sources.get(prev.uid) == {b.uid}
        if isinstance(prev, Block) and prev.act is not None and prev.uid not in prog.made and alone:
            _fused(prog, prev, dzn, b.n)
        elif prev.uid in prog.made:
            wp, dp, dot = _dot(b.n, "s")
            prog.emit(f"{D} = [[{dot} for {wp}, s in zip(WT, ss)] for {dp}, ss in zip({dzn}, {D})]")
        else:
            prog.made.add(prev.uid)
            wp, dp, dot = _dot(b.n)
            prog.emit(f"{D} = [[{dot} for {wp} in WT] for {dp} in {dzn}]")
        return
    L = prog.block_name(b)
    prog.emit(f"{L}_dzr = {dzn}")
    for i, row in enumerate(b.inputs):
        for k, x in enumerate(row):
            _add_sum(prog, x, f"WT[{k}], {L}_dzr[{i}]")


_FUSED = {
    "relu": "[[{dot} if a > 0.0 else 0.0 * a for {wp}, a in zip(WT, r)] for {dp}, r in zip({n}, {A})]",
    "tanh": "[[({dot}) * (1.0 - a * a) for {wp}, a in zip(WT, r)] for {dp}, r in zip({n}, {A})]",
    "sigmoid": "[[({dot}) * a * sigmoid(-z) for {wp}, a, z in zip(WT, r, zs)] "
    "for {dp}, r, zs in zip({n}, {A}, {Z})]",
}


def _fused(prog: Any, prev: Block, dzn: str, n: int) -> None:
    """The block before is this one's alone: its dZ = (Wᵀ·dZ) ⊙ g'(Z) in one pass, and where
    relu is off the sum is not even computed (dz is 0 there whatever dA is)."""
    L = prog.block_name(prev)
    prog.dz_ready.add(prev.uid)
    prog.made.add(prev.uid)
    prog.comment(f"and with it {L}'s dZ = dA * {prev.act}'(Z)")
    wp, dp, dot = _dot(n)
    prog.emit(f"{L}_dz = " + _FUSED[str(prev.act)].format(n=dzn, A=prog.out(prev), Z=f"{L}_z", wp=wp, dp=dp,
                                                          dot=dot))


def _add_sum(prog: Any, v: int, args: str) -> None:
    """Node v's gradient += sum(map(mul, args)), the sum starting from what it holds."""
    if not prog.target(v):
        return
    nd = prog.graph.nodes[v]
    found = prog.plan.block_of.get(v)
    if nd.kind == PARAM:
        ref = f"G[{prog.plan.p_pos[v]}]"
    elif found is not None:
        prog.make_da(found[0])
        ref = prog.grad_ref(v)
    else:
        ref = prog.grad(v)
        if v not in prog.assigned:
            prog.assigned.add(v)
            prog.emit(f"{ref} = sum(map(mul, {args}))")
            return
    prog.emit(f"{ref} = sum(map(mul, {args}), {ref})")
