"""The statements (`steps`) as Python: a node is a line, a layer a few list comprehensions over the
batch, a map one comprehension; formulas printed by `expr.PYTHON`, the interpreter's own syntax.

    Z = W·A + B,  A = g(Z)                                   (forward)
    dZ = dA ⊙ g'(Z),  dW += dZ·Aᵀ,  dB += dZ,  dA_prev += Wᵀ·dZ   (backward)

The program is ``program(P, G, *arguments)``: P holds the parameters' values and G their
gradients, which it adds to as `backward()` adds to ``.grad``; it returns the function's value.
Every sum adds its terms in the order `backward()` does (`plan`), so the floats are the same.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Set

from ..engine.expr import PYTHON, Expr
from . import formulas, outputs, update
from .graph import ARG, CONST, PARAM, argument_row
from .maps import Map
from .names import Names
from .plan import Block, Plan
from .pylayers import block_backward, block_forward
from .steps import Refs, Steps, arrays

_POOL = "abcefhkmnpqstuvwxyz"


class PythonPrinter:
    """Writes the Python source of a plan's statements (see the module doc)."""

    def __init__(self, plan: Plan, arg_names: Sequence[str], title: str) -> None:
        self.plan, self.graph, self.nodes = plan, plan.graph, plan.graph.nodes
        self.args = list(arg_names)
        self.names = Names(plan, self.args)
        self.title = title
        self.steps = Steps(plan)
        self.lines: List[str] = []
        self.trees: List[Expr] = []  # every formula printed: the helpers are those they call
        self.mul = False
        self.grads: Dict[int, str] = {}
        self.made: Set[int] = set()  # arrays of gradients that exist
        self.ready: Set[int] = set()  # blocks whose dZ was made with the block after them
        self.zs: Dict[int, str] = {}  # scalar neurons whose activation reads z: its variable
        self.xrefs: Dict[int, str] = {}
        self.formulas: Dict[int, str] = {}
        self.bound = self.names.bound  # small programs: the parameters by their labels (w, b)

    # ---- references ----

    def val(self, v: int) -> str:
        nd = self.nodes[v]
        if nd.kind == PARAM:
            return self.bound.get(v) or f"P[{self.plan.p_pos[v]}]"
        if nd.kind == ARG:
            return nd.path[0] + "".join(f"[{i}]" for i in nd.path[1])
        if nd.kind == CONST:
            return self.print(formulas.Num(nd.data))
        found = self.plan.block_of.get(v)
        if found is not None:
            b, i, j = found
            return f"{self.out(b)}[{i}]" if isinstance(b, Map) and b.flat else f"{self.out(b)}[{i}][{j}]"
        return self.names.node[v]

    def ref(self, v: int, grad: bool) -> str:
        return self.grad_ref(v) if grad else self.val(v)

    def print(self, e: Expr, local: Optional[Dict[str, str]] = None) -> str:
        self.trees.append(e)
        return PYTHON.print(e, Refs(self, local or {}))

    def seq(self, vs: Sequence[int]) -> str:
        """A list of node values: a slice of P, a block's row, an argument's row, or a tuple."""
        pos = [self.plan.p_pos.get(v, -1) for v in vs]
        if vs and pos[0] >= 0 and not self.bound and pos == list(range(pos[0], pos[0] + len(vs))):
            return "P" if len(vs) == len(self.plan.layout) else f"P[{pos[0]}:{pos[0] + len(vs)}]"
        found = self.plan.block_of.get(vs[0]) if vs else None
        flat = found is not None and isinstance(found[0], Map) and found[0].flat
        if found is not None and not flat and list(vs) == found[0].nodes[found[1]]:
            return f"{self.out(found[0])}[{found[1]}]"
        return (
            argument_row(self.graph, vs) or "(" + ", ".join(map(self.val, vs)) + ("," * (len(vs) == 1)) + ")"
        )

    def block_name(self, b: Any) -> str:
        return self.names.block[-b.uid - 1]

    def out(self, b: Any) -> str:
        """The list (of lists) of a block's outputs or a map's values."""
        return self.block_name(b) if isinstance(b, Map) else f"{self.block_name(b)}_{'a' if b.act else 'z'}"

    def grad_array(self, b: Any) -> str:
        return f"d_{self.block_name(b)}" if isinstance(b, Map) else f"{self.block_name(b)}_da"

    def grad_ref(self, v: int) -> str:
        if self.nodes[v].kind == PARAM:
            name = self.bound.get(v)
            return "d_" + name if name else f"G[{self.plan.p_pos[v]}]"
        found = self.plan.block_of.get(v)
        if found is not None:
            b, i, j = found
            flat = isinstance(b, Map) and b.flat
            return f"{self.grad_array(b)}[{i}]" if flat else f"{self.grad_array(b)}[{i}][{j}]"
        if v not in self.grads:
            self.grads[v] = self.names.fresh("d_" + self.names.node[v], v)
        return self.grads[v]

    def add(self, v: int, term: str, first: Any) -> None:
        """Node v's gradient += term (= term, for the first term of a scalar's gradient; `first`
        may be the set of the nodes whose first term is still to come)."""
        if isinstance(first, set):
            first, _ = v in first, first.discard(v)
        found = self.plan.block_of.get(v)
        if found is not None:
            self.make_da(found[0])
        self.emit(f"{self.grad_ref(v)} {'=' if first else '+='} {term}")

    def make_da(self, b: Any) -> None:
        if b.uid not in self.made:
            self.made.add(b.uid)
            zeros = (
                f"[0.0] * {b.N}"
                if isinstance(b, Map) and b.flat
                else f"[[0.0] * {b.n} for _ in range({b.N})]"
            )
            self.emit(f"{self.grad_array(b)} = {zeros}")

    def emit(self, line: str) -> None:
        if not line.startswith("#") and re.search(
            r"0\.0 if ([\w\[\]]+) <= 0\.0 else \1(?![\w\[])", line
        ):  # relu's formula, kept as written
            line += "  # noqa: FURB136 (max(0.0, z) would turn a NaN into 0)"
        self.lines.append("    " + line)

    # ---- the program ----

    def source(self) -> str:
        for st in self.steps.forward + self.steps.backward:
            getattr(self, "_" + st[0])(*st[1:])
        if self.bound:
            self.emit(f"G[:] = [{', '.join('d_' + n for n in self.bound.values())}]")
        forward_only = self.plan.outputs is not None
        self.emit(f"return {outputs.python_return(self) if forward_only else self.val(self.graph.root)}")
        params = ", ".join(["P", "G", *self.args])
        said = outputs.SAID[forward_only]
        head = [
            f'"""{self.title}: {said[0]}, written out by autograd_mini.tape.',
            "",
            f"program({params}) {said[1]}",
            said[2],
            '"""',
            "",
            *self._helpers(),
            f"def program({params}):",
        ]
        if self.bound:
            one = "," if len(self.bound) == 1 else ""
            head += [
                f"    {', '.join(self.bound.values())}{one} = P",
                f"    {', '.join('d_' + n for n in self.bound.values())}{one} = G",
            ]
        tail = ["", "", update.source("python")] if self.plan.train else []
        return "\n".join(head + self.lines + tail) + "\n"

    def _helpers(self) -> List[str]:
        """The imports and functions the program calls, and no other."""
        primitives, ops = formulas.helpers(self.trees)
        extra = {"exp"} if "sigmoid" in primitives else set()
        math = sorted((primitives | extra | ({"sqrt"} if self.plan.train else set())) - {"abs", "sigmoid"})
        text = " ".join(self.lines)
        math += [n for n in ("inf", "nan") if re.search(rf"\b{n}\b", text)]
        lines = [f"from math import {', '.join(sorted(math))}"] if math else []
        lines += ["from operator import mul"] if self.mul else []
        lines += [""] if lines else []
        if "sigmoid" in primitives:  # the engine's: no exp that overflows
            lines += [
                "",
                "def sigmoid(x):",
                "    if x >= 0.0:",
                "        return 1.0 / (1.0 + exp(-x))",
                "    e = exp(x)",
                "    return e / (1.0 + e)",
                "",
            ]
        for name, op in ops:
            body = PYTHON.print(formulas.helper_body(op), {a: a for a in op.args})
            lines += ["", f"def {name}({', '.join(op.args)}):", f"    return {body}", ""]
        return lines + [""]

    def _comment(self, text: str) -> None:
        self.emit("# " + text)

    def _let(self, v: int, tree: Expr) -> None:
        self.formulas[v] = f"{self.names.node[v]} = {self.print(tree, {})}"
        self.emit(self.formulas[v])

    def _check(self, v: int, cond: Expr, error: Any, message: str, names: Dict[str, Expr]) -> None:
        said = message.format(**{n: "{" + self.print(e, {}) + "!r}" for n, e in names.items()})
        self.emit(f"if {PYTHON.print(cond, Refs(self, {}), plain=True)}:")
        self.emit(f"    raise {error.__name__}(f{said!r})")

    def _sum(self, v: int, whole: Optional[Map]) -> None:
        nd = self.nodes[v]
        c = f" + {self.print(formulas.Num(nd.const))}" if nd.const else ""
        refs = self.out(whole) if isinstance(whole, Map) else _list([self.val(p) for p in nd.parents])
        self.formulas[v] = f"{self.names.node[v]} = sum({refs}){c}"
        self.emit(self.formulas[v])

    def _max(self, v: int) -> None:
        self.emit(f"{self.names.node[v]} = max({_list([self.val(p) for p in self.nodes[v].parents])})")

    def _neuron(self, v: int, act: Any) -> None:
        nd, name = self.nodes[v], self.names.node[v]
        ws, xs, b = nd.weights(), nd.inputs(), self.val(nd.parents[-1])
        if len(ws) <= 3:
            xr = [self.print(formulas.Num(x)) for x in nd.const] if nd.numbers else list(map(self.val, xs))
            z = " + ".join([*(f"{self.val(w)} * {x}" for w, x in zip(ws, xr)), b]) if ws else f"0.0 + {b}"
        else:
            self.mul = True
            xseq = (
                "(" + ", ".join(self.print(formulas.Num(x)) for x in nd.const) + ")"
                if nd.numbers
                else self.seq(xs)
            )
            z = f"sum(map(mul, {self.seq(ws)}, {xseq})) + {b}"
        if act is not None:  # z kept in a variable: the activation (or its derivative) reads it again
            self.zs[v] = self.names.fresh(name + "_z", v)
            self.emit(f"{self.zs[v]} = {z}")
            z = self.print(act[0], {"z": self.zs[v]})
        self.formulas[v] = f"{name} = {z}"
        self.emit(self.formulas[v])

    # ---- backward ----

    def _seed(self, v: int) -> None:
        self.add(v, "1.0", self.steps.scalar(v))

    def _about(self, v: int) -> None:
        if v in self.formulas:
            self.emit("# " + " ".join(self.formulas[v].split()))

    def _grad(self, p: int, term: Expr, first: bool) -> None:
        self.add(p, self.print(term, {}), first)

    def _sink(self, term: Expr) -> None:
        self.emit(f"_ = {self.print(term, {})}")  # computed to fail where the interpreter fails

    def _sum_back(self, v: int, whole: Any, firsts: Set[int]) -> None:
        g = self.grad_ref(v)
        if not isinstance(whole, Map):  # the rows' column: scalars here
            for p in whole.members():
                self.add(p, g, firsts)
            return
        D = self.grad_array(whole)
        if whole.uid in self.made:
            self.emit(f"{D} = [d + {g} for d in {D}]")
        else:
            self.made.add(whole.uid)
            self.emit(f"{D} = [{g}] * {whole.N}")

    def _neuron_back(self, v: int, act: Any, firsts: Set[int]) -> None:
        nd = self.nodes[v]
        dz = self.grad_ref(v)
        if act is not None:
            dz, z = self.names.fresh("dz_" + self.names.node[v], v), self.zs.get(v, "")
            self.emit(
                f"{dz} = {self.print(act[1], {'g': self.grad_ref(v), 'a': self.val(v), 'z': z})}"
            )
        ws, xs, b = nd.weights(), nd.inputs(), nd.parents[-1]
        if not self._vectorized(ws, xs, dz):
            xr = [self.print(formulas.Num(x)) for x in nd.const] if nd.numbers else list(map(self.val, xs))
            for k, w in enumerate(ws):
                if self.steps.target(w):
                    self.add(w, f"{dz} * {xr[k]}", firsts)  # dW += dZ * A
                if not nd.numbers and self.steps.target(xs[k]):
                    self.add(xs[k], f"{dz} * {self.val(w)}", firsts)  # dA_prev += W * dZ
        if self.steps.target(b):
            self.add(b, dz, firsts)  # dB += dZ

    def _vectorized(self, ws: Sequence[int], xs: Sequence[int], dz: str) -> bool:
        """A neuron's terms in one comprehension, where its weights are a slice of P and its inputs
        the same weights (w·w, as in L2) or inputs that need no gradient."""
        sl = self.seq(ws) if not self.bound and len(ws) > 3 else ""
        if not sl.startswith("P"):
            return False
        G = f"G{sl[1:]}"
        if list(xs) == list(ws):
            self.emit(f"{G if sl != 'P' else 'G[:]'} = [q + {dz} * p + {dz} * p for q, p in zip({G}, {sl})]")
            return True
        if xs and not any(self.steps.target(x) for x in xs):
            self.emit(f"{G if sl != 'P' else 'G[:]'} = [q + {dz} * x for q, x in zip({G}, {self.seq(xs)})]")
            return True
        return False

    # ---- maps ----

    def _vars(self, n: int, prefer: str = "") -> List[str]:
        used = self.names.used
        free = [c for c in prefer + _POOL if c not in used and "r" + c not in used]
        return (list(dict.fromkeys(free)) + [f"e{k}" for k in range(n)])[:n]

    def _loop(
        self, m: Map, sources: List[Any], expr: str, desc: bool = False, nested: Optional[bool] = None
    ) -> str:
        """A comprehension of `expr` over the map's places; `sources` are (list, flat?, variable)."""
        sources = [s for s in sources if re.search(rf"\b{s[2]}\b", expr)] or sources[:1]
        rev = "[::-1]" if desc else ""
        if m.flat:
            pats = [var if flat else f"({var},)" for _, flat, var in sources]
            body = f"[{expr}]" if nested else expr
            return f"[{body} for {_zip(pats, [ref + rev for ref, _, _ in sources])}]"
        rows = [f"r{var}" for _, _, var in sources]
        inner = _zip([v for _, _, v in sources], [r + rev for r in rows])
        outer = _zip(rows, [ref + rev for ref, _, _ in sources])
        return (
            f"[{expr} for {outer} for {inner}]" if nested is False else f"[[{expr} for {inner}] for {outer}]"
        )

    def _sources(self, m: Map, names: List[str]) -> List[Any]:
        return [
            (
                a.name if not hasattr(a, "uid") or a.uid == 0 else self.out(a),
                bool(getattr(a, "flat", False)),
                v,
            )
            for a, v in zip(arrays(m), names)
        ]

    def _map(self, m: Map, tree: Expr) -> None:
        names = self._vars(len(arrays(m)))
        expr = self.print(tree, {f"e{k}": n for k, n in enumerate(names)})
        self.emit(f"# {self.out(m)}: {m.template.rule} of each element ({m.N} × {m.n})")
        self.emit(f"{self.out(m)} = {self._loop(m, self._sources(m, names), expr)}")

    def _map_back(self, m: Map, terms: List[Expr], firsts: Set[int]) -> None:
        g, o, x, *names = self._vars(len(arrays(m)) + 3, "gox")
        local = {"g": g, "o": o, **{f"e{k}": n for k, n in enumerate(names)}}
        self.make_da(m)
        base = [(self.grad_array(m), m.flat, g), (self.out(m), m.flat, o), *self._sources(m, names)]
        self.emit(f"# {self.out(m)}, backward: {m.template.rule}' of each element")
        done: List[Any] = []
        for (kind, a), tree in zip(m.slots, terms):
            term = self.print(tree, local)
            if kind == "same" and a.uid != 0 and self.plan.live[a.nodes[0][0]]:
                D, flat = self.grad_array(a), bool(getattr(a, "flat", False))
                if a.uid in self.made or any(a is b for b in done):
                    expr = self._loop(m, [*base, (D, flat, x)], f"{x} + {term}", nested=not flat)
                else:
                    self.made.add(a.uid)
                    expr = self._loop(m, base, term, nested=not flat)
                done.append(a)
                self.emit(f"{D} = {expr}")
            elif kind == "node" and self.steps.target(a):  # one sum, in the backward pass's order
                if self.steps.scalar(a):
                    ref = self.grad_ref(a)
                    start = "" if a in firsts else f", {ref}"
                    firsts.discard(a)
                else:
                    start = f", {self.grad_ref(a)}"
                    if a in self.plan.block_of:
                        self.make_da(self.plan.block_of[a][0])
                self.emit(f"{self.grad_ref(a)} = sum({self._loop(m, base, term, m.desc, False)}{start})")
            elif kind != "lit" and formulas.kind(m.template)[0]:
                self.emit(f"_ = {self._loop(m, base, term)}")  # fails where the interpreter fails

    # ---- rows: each sample's statements, written out ----

    def _rows(self, r: Any, groups: List[Any]) -> None:
        for _, statements in groups:
            for st in statements:
                getattr(self, "_" + st[0])(*st[1:])

    _rows_back = _rows

    # ---- blocks of neurons ----

    def _block(self, b: Block, act: Any) -> None:
        block_forward(self, b, act)

    def _block_back(self, b: Block, act: Any, firsts: Set[int]) -> None:
        block_backward(self, b, act, firsts)


def _zip(names: List[str], its: List[str]) -> str:
    return f"{names[0]} in {its[0]}" if len(names) == 1 else f"{', '.join(names)} in zip({', '.join(its)})"


def _list(refs: Sequence[str]) -> str:
    """`[a, b, c]`, wrapped over several lines when long."""
    text = ", ".join(refs)
    if len(text) <= 90:
        return f"[{text}]"
    lines, line = [], ""
    for r in refs:
        if line and len(line) + len(r) > 90:
            lines.append(line.rstrip())
            line = ""
        line += r + ", "
    lines.append(line.rstrip())
    return "[\n        " + "\n        ".join(lines) + "\n    ]"
