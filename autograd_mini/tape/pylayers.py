"""A block of neurons as Python: the matrix formulas of back-propagation, over the whole batch.

    Z = W·A + B,  A = g(Z)                                   (forward)
    dZ = dA ⊙ g'(Z),  dW += dZ·Aᵀ,  dB += dZ,  dA_prev += Wᵀ·dZ   (backward)

g and g' are the activation's formula trees (`steps.activation`), printed by the Python printer.
Each sum starts from what the gradient holds already and adds its terms in the order the engine's
backward pass does (observations and neurons ascending or descending, as `Plan` found).
"""

from __future__ import annotations

from typing import Any, Set, Tuple

from ..engine.expr import BinOp, Expr, Name, Num, Where, children, names_in
from .graph import PARAM, argument_rows
from .plan import Block
from .steps import activation


def inputs_ref(prog: Any, b: Block) -> str:
    """The block's input rows: an argument (X), the output of the block before, or a gathered list."""
    if b.uid in prog.xrefs:
        return str(prog.xrefs[b.uid])
    ref = argument_rows(prog.graph, b.inputs)
    found = prog.plan.block_of.get(b.inputs[0][0]) if b.m else None
    if ref is None and found is not None:
        prev = found[0]
        if (
            not getattr(prev, "flat", False)
            and prev.N == b.N
            and all(list(row) == prev.nodes[i] for i, row in enumerate(b.inputs))
        ):
            ref = prog.out(prev)
    if ref is None:
        ref = f"{prog.block_name(b)}_x"
        rows = ",\n        ".join("[" + ", ".join(map(prog.val, row)) + "]" for row in b.inputs)
        prog.emit(f"{ref} = [\n        {rows},\n    ]")
    prog.xrefs[b.uid] = ref
    return ref


def _dot(n: int, start: str = "", w: str = "w", x: str = "d") -> Tuple[str, str, str]:
    """(w's pattern, x's pattern, Σ_k w_k·x_k): written out for up to 3 terms (the same sum from 0,
    without sum()'s cost), else sum(map(mul, ...))."""
    if n > 3:
        return w, x, f"sum(map(mul, {w}, {x}){', ' + start if start else ''})"
    one = "," if n == 1 else ""
    ws, xs = [f"{w}{k + 1}" for k in range(n)], [f"{x}{k + 1}" for k in range(n)]
    terms = [f"{a} * {c}" for a, c in zip(ws, xs)]
    return (
        f"({', '.join(ws)}{one})",
        f"({', '.join(xs)}{one})",
        " + ".join([start, *terms] if start else terms),
    )


def block_forward(prog: Any, b: Block, act: Any) -> None:
    L = prog.block_name(b)
    W, B, Z = f"{L}_W", f"{L}_B", f"{L}_z"
    prog.mul = True
    prog.emit(f"# {L}: {b.n} neurons {b.act + '(w·x+b)' if b.act else 'w·x+b'} on each of {b.N} observations")
    if b.offset is not None:
        o, end = b.offset, b.offset + b.n * b.m
        prog.emit(f"{W} = [P[k : k + {b.m}] for k in range({o}, {end}, {b.m})]")
        prog.emit(f"{B} = P[{end}:{end + b.n}]")
    else:
        rows = ",\n        ".join("[" + ", ".join(map(prog.val, row)) + "]" for row in b.weights)
        prog.emit(f"{W} = [\n        {rows},\n    ]")
        prog.emit(f"{B} = [{', '.join(map(prog.val, b.biases))}]")
    X = inputs_ref(prog, b)
    ws, xs, z = _dot(b.m, x="x")
    z += " + c"
    if act is not None and "z" not in names_in(act[1]):  # Z is not kept: the backward pass reads A
        prog.emit(f"# A = {b.act}(Z), Z = W·A + B")
        a = prog.print(act[0], {"z": "z"})
        prog.emit(f"{L}_a = [[{a} for {ws}, c in zip({W}, {B}) for z in [{z}]] for {xs} in {X}]")
        return
    prog.emit("# Z = W·A + B")
    prog.emit(f"{Z} = [[{z} for {ws}, c in zip({W}, {B})] for {xs} in {X}]")
    if act is not None:
        prog.emit(f"# A = {b.act}(Z)")
        prog.emit(f"{L}_a = [[{prog.print(act[0], {'z': 'z'})} for z in zs] for zs in {Z}]")


def _dz(prog: Any, act: Any, rows: str, A: str, Z: str, g: str = "d", with_g: str = "") -> str:
    """dZ = dA ⊙ g'(Z), row by row: `rows` gives each row's dA (or, `with_g`, what g is made of)."""
    tree = _zero_times_g(act[1]) if with_g else act[1]
    once = with_g and _count_g(tree) == 1  # then the sum is written where g is, not bound to g
    dz = prog.print(
        tree, {"g": f"({with_g.split('|')[2]})" if once else "g" if with_g else g, "a": "a", "z": "z"}
    )
    z = "z" in names_in(act[1])
    inner, outer = ("a, z", "r, zs") if z else ("a", "r")
    its = f"{A}, {Z}" if z else A
    if with_g:
        wp, dp, dot = with_g.split("|")
        bind = "" if once else f" for g in [{dot}]"
        dz = dz.replace(f"(({dot}) if ", f"({dot} if ")
        return f"[[{dz} for {wp}, {inner} in zip(WT, {outer}){bind}] for {dp}, {outer} in zip({rows}, {its})]"
    return f"[[{dz} for {g}, {inner} in zip(ds, {outer})] for ds, {outer} in zip({rows}, {its})]"


def _zero_times_g(e: Expr) -> Expr:
    """`e` with g·0·x written 0·x: the same for any finite g, so where a relu is off the sum that
    makes g is not computed (a sum that is not finite makes the interpreter raise anyway)."""
    if isinstance(e, BinOp) and e.op == "*" and e.left == BinOp("*", Name("g"), Num(0.0)):
        return BinOp("*", Num(0.0), e.right)
    if isinstance(e, Where):
        return Where(e.cond, _zero_times_g(e.then), _zero_times_g(e.other))
    return e


def _count_g(e: Expr) -> int:
    return 1 if e == Name("g") else sum(_count_g(c) for c in children(e))


def block_backward(prog: Any, b: Block, act: Any, firsts: Set[int]) -> None:
    L = prog.block_name(b)
    D, A = f"{L}_da", prog.out(b)
    if b.uid not in prog.ready:
        prog.make_da(b)
    rev = "[::-1]" if b.obs_desc else ""
    prog.emit(f"# {L}, backward: its {b.n} neurons on each of {b.N} observations")
    DZ = D
    if act is not None:
        DZ = f"{L}_dz"
        if b.uid not in prog.ready:
            prog.emit(f"# dZ = dA * {b.act}'(Z)")
            prog.emit(f"{DZ} = {_dz(prog, act, D, A, f'{L}_z')}")
    X = inputs_ref(prog, b)
    if any(prog.steps.target(w) for w in [*[w for row in b.weights for w in row], *b.biases]):
        order = "last to first" if b.obs_desc else "first to last"
        prog.emit(f"# dW += dZ * A, dB += dZ: each sum over the observations, {order}, skipping")
        prog.emit("# those whose dz is 0, as backward() does")
        prog.emit(f"dZT = list(zip(*{DZ}{rev}))")
        _weight_grads(prog, b, f"{X}{rev}")
    if any(prog.steps.target(x) for row in b.inputs for x in row):
        nrev = "[::-1]" if b.neu_desc else ""
        prog.emit(
            f"# dA_prev += W * dZ: each sum over the neurons, {'last to first' if nrev else 'first to last'}"
        )
        prog.emit(f"WT = list(zip(*{L}_W{nrev}))")
        _input_grads(prog, b, X, DZ if not nrev or b.n == 1 else f"[r[::-1] for r in {DZ}]", firsts)


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
    pos, nodes = prog.plan.p_pos, prog.graph.nodes
    wq = [[pos[w] if nodes[w].kind == PARAM else -1 for w in row] for row in b.weights]
    bq = [pos[c] if nodes[c].kind == PARAM else -1 for c in b.biases]
    prog.emit(f"        for a, q in zip(zip(*kept), {wq}[j]):  # where each weight's gradient is in G")
    prog.emit("            if q >= 0:")
    prog.emit("                G[q] = sum(map(mul, dz, a), G[q])")
    prog.emit(f"        q = {bq}[j]")
    prog.emit("        if q >= 0:")
    prog.emit("            G[q] = sum(dz, G[q])")


def _input_grads(prog: Any, b: Block, X: str, dzn: str, firsts: Set[int]) -> None:
    found = prog.plan.block_of.get(b.inputs[0][0])
    if found is not None and X == prog.out(found[0]):
        prev = found[0]
        D = prog.grad_array(prev)
        alone = prog.plan.sources.get(prev.uid) == {b.uid}
        if isinstance(prev, Block) and prev.act is not None and prev.uid not in prog.made and alone:
            # the block before is this one's alone: its dZ = (Wᵀ·dZ) ⊙ g'(Z) in one pass
            prog.ready.add(prev.uid)
            prog.made.add(prev.uid)
            P = prog.block_name(prev)
            prog.emit(f"# and with it {P}'s dZ = dA * {prev.act}'(Z)")
            pattern = "|".join(_dot(b.n))
            prog.emit(
                f"{P}_dz = {_dz(prog, activation(prev.act), dzn, prog.out(prev), f'{P}_z', with_g=pattern)}"
            )
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
            if not prog.steps.target(x):
                continue
            ref, args = prog.grad_ref(x), f"WT[{k}], {L}_dzr[{i}]"
            if x in prog.plan.block_of:
                prog.make_da(prog.plan.block_of[x][0])
            prog.emit(
                f"{ref} = sum(map(mul, {args}))" if x in firsts else f"{ref} = sum(map(mul, {args}), {ref})"
            )
