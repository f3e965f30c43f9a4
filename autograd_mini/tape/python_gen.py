"""The program as Python: the forward pass, then the backward pass in the engine's order.

Each scalar node is one line, with the formula its rule applies; each block of neurons is a few
list comprehensions over the batch, the matrix formulas of back-propagation:

    Z = W·A + B,  A = g(Z)                                   (forward)
    dZ = dA ⊙ g'(Z),  dW += dZ·Aᵀ,  dB += dZ,  dA_prev += Wᵀ·dZ   (backward)

Every sum adds its terms in the order `backward()` adds them, so the floats are the same.
The program is `program(P, G, *arguments)`: P holds the parameters' values and G their gradients,
which it adds to, as `backward()` adds to ``.grad``; it returns the function's value.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from . import pyrules
from .graph import ARG, CONST, PARAM, argument_row
from .maps import Map
from .names import RESERVED, Names, identifier
from .plan import UNSAFE, Plan
from .pyblocks import block_backward, block_forward
from .pymaps import map_backward, map_forward
from .pyrules import literal


class PythonProgram:
    """Writes the Python source of a plan (see the module doc)."""

    def __init__(self, plan: Plan, arg_names: Sequence[str], title: str) -> None:
        self.plan, self.graph = plan, plan.graph
        self.nodes = plan.graph.nodes
        self.args = list(arg_names)
        self.names = Names(plan, self.args)
        self.title = title
        self.lines: List[str] = []
        self.uses: Set[str] = set()  # the helpers and math functions the program calls
        self.grads: Dict[int, str] = {}  # scalar node -> its gradient's variable
        self.assigned: Set[int] = set()  # scalar gradients that have a value already
        self.made: Set[int] = set()  # blocks whose dA array exists
        self.znames: Dict[int, str] = {}  # sigmoid neurons: the variable that keeps z
        self.formulas: Dict[int, str] = {}  # scalar node -> its forward line, recalled in the backward
        self.small = not plan.blocks and len(self.names.node) <= 40  # then each step says its formula
        self.bound = self._bind_params()

    # ---- references ----

    def val(self, v: int) -> str:
        """The expression for node v's value."""
        nd = self.nodes[v]
        if nd.kind == PARAM:
            return self.bound.get(v) or f"P[{self.plan.p_pos[v]}]"
        if nd.kind == ARG:
            name, path = nd.path
            return name + "".join(f"[{i}]" for i in path)
        if nd.kind == CONST:
            return self.lit(nd.data)
        found = self.plan.block_of.get(v)
        if found is not None:
            b, i, j = found
            return f"{self.out(b)}[{i}]" if isinstance(b, Map) and b.flat else f"{self.out(b)}[{i}][{j}]"
        return self.names.node[v]

    def lit(self, x: float) -> str:
        text = literal(x)
        self.uses.update(name for name in ("inf", "nan") if name in text)
        return f"({text})" if text.startswith("-") else text

    def seq(self, vs: Sequence[int]) -> str:
        """A list of node values: a slice of P, a block's row, an argument's row, or a tuple."""
        pos = [self.plan.p_pos.get(v, -1) for v in vs]
        if vs and pos[0] >= 0 and not self.bound and pos == list(range(pos[0], pos[0] + len(vs))):
            return "P" if len(vs) == len(self.plan.layout) else f"P[{pos[0]}:{pos[0] + len(vs)}]"
        found = self.plan.block_of.get(vs[0]) if vs else None
        flat = found is not None and isinstance(found[0], Map) and found[0].flat
        if found is not None and not flat and list(vs) == found[0].nodes[found[1]]:
            return f"{self.out(found[0])}[{found[1]}]"
        row = argument_row(self.graph, vs)
        if row is not None:
            return row
        return "(" + ", ".join(self.val(v) for v in vs) + ("," if len(vs) == 1 else "") + ")"

    def out(self, b: Any) -> str:
        """The list (of lists) that holds a block's outputs or a map's values."""
        if isinstance(b, Map):
            return self.block_name(b)
        return f"{self.block_name(b)}_{'a' if b.act else 'z'}"

    def grad_array(self, b: Any) -> str:
        """The list (of lists) that holds a block's dA or a map's gradients."""
        return f"d_{self.block_name(b)}" if isinstance(b, Map) else f"{self.block_name(b)}_da"

    def grad_ref(self, v: int) -> str:
        """The expression for node v's gradient (where the program keeps one)."""
        nd = self.nodes[v]
        if nd.kind == PARAM:
            name = self.bound.get(v)
            return "d_" + name if name else f"G[{self.plan.p_pos[v]}]"
        found = self.plan.block_of.get(v)
        if found is not None:
            b, i, j = found
            flat = isinstance(b, Map) and b.flat
            return f"{self.grad_array(b)}[{i}]" if flat else f"{self.grad_array(b)}[{i}][{j}]"
        return self.grad(v)

    def block_name(self, b: Any) -> str:
        return self.names.block[-b.uid - 1]

    def grad(self, v: int) -> str:
        if v not in self.grads:
            self.grads[v] = self.names.fresh("d_" + self.names.node[v], v)
        return self.grads[v]

    def target(self, v: int) -> bool:
        """Whether the program keeps node v's gradient."""
        return self.plan.live[v] or self.nodes[v].kind == PARAM

    def add(self, v: int, term: str, source_unsafe: bool = False) -> None:
        """Add `term` to node v's gradient (the first term of a scalar node's gradient sets it)."""
        nd = self.nodes[v]
        if not self.target(v):
            if source_unsafe:  # computed anyway: where it fails, the interpreter fails too
                self.emit(f"_ = {term}")
            return
        if nd.kind == PARAM:
            self.emit(f"{self.grad_ref(v)} += {term}")
            return
        found = self.plan.block_of.get(v)
        if found is not None:
            self.make_da(found[0])
            self.emit(f"{self.grad_ref(v)} += {term}")
            return
        op = "+=" if v in self.assigned else "="
        self.assigned.add(v)
        self.emit(f"{self.grad(v)} {op} {term}")

    def make_da(self, b: Any) -> None:
        if b.uid not in self.made:
            self.made.add(b.uid)
            if isinstance(b, Map) and b.flat:
                self.emit(f"{self.grad_array(b)} = [0.0] * {b.N}")
            else:
                self.emit(f"{self.grad_array(b)} = [[0.0] * {b.n} for _ in range({b.N})]")

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    def comment(self, text: str) -> None:
        self.lines.append("    # " + text)

    # ---- the program ----

    def write_unit(self, u: int, scalar: Callable[[int], None], on_map: Callable[..., None],
                   on_block: Callable[..., None]) -> None:
        """Write unit `u` of the plan: a node (u >= 0), or a map or a block of neurons."""
        if u >= 0:
            scalar(u)
        else:
            b = self.plan.block(u)
            (on_map if isinstance(b, Map) else on_block)(self, b)

    def source(self) -> str:
        self.comment("forward")
        for u in self.plan.forward:
            self.write_unit(u, self.scalar_forward, map_forward, block_forward)
        body_forward = self.lines
        self.lines = []
        root = self.graph.root
        self.comment("backward, in the order backward() takes the steps")
        if self.target(root):
            self.add(root, "1.0")
        for u in self.plan.backward:
            self.write_unit(u, self.scalar_backward, map_backward, block_backward)
        if self.bound:
            self.emit(f"G[:] = [{', '.join('d_' + n for n in self.bound.values())}]")
        self.emit(f"return {self.val(root)}")
        return self._module(body_forward + self.lines)

    def _module(self, body: List[str]) -> str:
        params = ", ".join(["P", "G", *self.args])
        head = [
            f'"""{self.title}: the forward and the backward pass, written out by autograd_mini.tape.',
            "",
            f"program({params}) returns the value. P holds the parameters' values, G their",
            "gradients, to which it adds, as backward() adds to .grad.",
            '"""',
            "",
        ]
        head += pyrules.imports(self.uses)
        head += pyrules.helpers(self.uses)
        head += [f"def program({params}):"]
        if self.bound:
            one = "," if len(self.bound) == 1 else ""
            head += [
                f"    {', '.join(self.bound.values())}{one} = P",
                f"    {', '.join('d_' + n for n in self.bound.values())}{one} = G",
            ]
        return "\n".join(head + body) + "\n"

    def scalar_forward(self, v: int) -> None:
        nd = self.nodes[v]
        name = self.names.node[v]
        if nd.rule == "neuron":
            self.neuron_forward(v, name)
            return
        whole = self.whole_map(nd)
        if whole is not None:  # a sum of a whole list: in its order, as the engine adds it
            self.emit(f"{name} = sum({self.out(whole)})" + (f" + {self.lit(nd.const)}" if nd.const else ""))
            return
        refs = [self.val(p) for p in nd.parents]
        self.formulas[v] = f"{name} = {pyrules.forward(nd, refs, self)}"
        self.emit(self.formulas[v])

    def whole_map(self, nd: Any) -> Optional[Map]:
        """The map a sum node adds up, whole and in order (a column), if that is what it does."""
        if nd.rule != "sum" or not nd.parents:
            return None
        found = self.plan.block_of.get(nd.parents[0])
        if found is None or not isinstance(found[0], Map) or not found[0].flat:
            return None
        m = found[0]
        return m if list(nd.parents) == m.members() else None

    def neuron_forward(self, v: int, name: str) -> None:
        nd = self.nodes[v]
        ws, xs = nd.weights(), nd.inputs()
        b = self.val(nd.parents[-1])
        if len(ws) <= 3:
            xrefs = [self.lit(x) for x in nd.const] if nd.numbers else [self.val(x) for x in xs]
            z = " + ".join([*(f"{self.val(w)} * {x}" for w, x in zip(ws, xrefs)), b]) if ws else f"0.0 + {b}"
        else:
            self.uses.add("mul")
            xseq = "(" + ", ".join(self.lit(x) for x in nd.const) + ")" if nd.numbers else self.seq(xs)
            z = f"sum(map(mul, {self.seq(ws)}, {xseq})) + {b}"
        if nd.act is None:
            self.emit(f"{name} = {z}")
            return
        self.uses.add(nd.act)
        if nd.act == "sigmoid":  # its derivative reads z again
            zname = self.znames[v] = self.names.fresh(name + "_z", v)
            self.emit(f"{zname} = {z}")
            z = zname
        self.emit(f"{name} = {nd.act}({z})")

    def scalar_backward(self, v: int) -> None:
        nd = self.nodes[v]
        g = self.grad(v)
        if nd.rule == "neuron":
            self.neuron_backward(v, g)
            return
        whole = self.whole_map(nd)
        if whole is not None and whole.live:  # each element gets g
            D = self.grad_array(whole)
            if whole.uid in self.made:
                self.emit(f"{D} = [d + {g} for d in {D}]")
            else:
                self.made.add(whole.uid)
                self.emit(f"{D} = [{g}] * {whole.N}")
            return
        refs = [self.val(p) for p in nd.parents]
        if self.small and v in self.formulas:
            self.comment(self.formulas[v])
        terms = pyrules.backward(nd, g, self.val(v), refs, self)
        for p, term in zip(nd.parents, terms):
            self.add(p, term, nd.rule in UNSAFE)

    def neuron_backward(self, v: int, g: str) -> None:
        nd = self.nodes[v]
        dz = g
        if nd.act is not None:
            dz = self.names.fresh("dz_" + self.names.node[v], v)
            self.comment(f"{self.names.node[v]}: dz = da * {nd.act}'(z), then the dot rule with dz")
            self.emit(f"{dz} = {pyrules.act_grad(nd.act, g, self.val(v), self.znames.get(v, ''))}")
        ws, xs, b = nd.weights(), nd.inputs(), nd.parents[-1]
        if not self._vectorized(ws, xs, dz):
            xrefs = [self.lit(x) for x in nd.const] if nd.numbers else [self.val(x) for x in xs]
            for k, w in enumerate(ws):
                self.add(w, f"{dz} * {xrefs[k]}")  # dW += dZ * A
                if not nd.numbers:
                    self.add(xs[k], f"{dz} * {self.val(w)}")  # dA_prev += W * dZ
        self.add(b, dz)  # dB += dZ

    def _vectorized(self, ws: Sequence[int], xs: Sequence[int], dz: str) -> bool:
        """The terms of a neuron whose weights are a slice of P, in one comprehension: its inputs
        are those same weights (w·w, as in L2) or need no gradient."""
        if self.bound or len(ws) <= 3:
            return False
        sl = self.seq(ws)
        if not sl.startswith("P"):
            return False
        if list(xs) == list(ws):
            self.emit(f"G{sl[1:] or '[:]'} = [q + {dz} * p + {dz} * p for q, p in zip(G{sl[1:]}, {sl})]")
            return True
        if xs and not any(self.target(x) for x in xs):
            self.uses.add("mul")
            self.emit(f"G{sl[1:] or '[:]'} = [q + {dz} * x for q, x in zip(G{sl[1:]}, {self.seq(xs)})]")
            return True
        return False

    def _bind_params(self) -> Dict[int, str]:
        """Small programs name their parameters by their labels (w, b) instead of P[k]."""
        g = self.graph
        if self.plan.blocks or not 0 < len(g.params) <= 8:
            return {}
        order = [v for v, _ in sorted(self.plan.p_pos.items(), key=lambda item: item[1])]
        names = [identifier(self.nodes[v].label) if self.nodes[v].label else "" for v in order]
        if "" in names or len(set(names)) < len(names) or set(names) & (RESERVED | set(self.args)):
            return {}
        for n in names:
            self.names.used.update((n, "d_" + n))
        return dict(zip(order, names))


def argument_names(names: Sequence[str]) -> List[str]:
    """The traced function's parameter names as the program's, made valid and free."""
    out: List[str] = []
    for k, n in enumerate(names):
        name = identifier(n)
        while name in RESERVED or name in out:
            name += "_"
        out.append(name if n else f"arg{k}")
    return out
