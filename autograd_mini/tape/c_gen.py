"""The program as C: the same steps as the Python program, on two arrays of doubles.

Every node has a slot: ``v[k]`` holds its value and ``d[k]`` its gradient. The parameters come
first (their gradients start from what ``.grad`` holds, so each sum adds to it as `backward()`
does), then the call's numbers, then the nodes. A block of neurons is three loops; a sum or a
neuron over many inputs is a loop over a table of slots. The function is

    int program(const double *in, double *out, double *keep)

with ``in`` = [P, G, the call's numbers] and ``out`` = [the value, G]; ``keep``, if not NULL,
receives v and d (for `Step.check`). It returns 0, or 1 when a
floating-point exception (an overflow, a NaN made from numbers, a division by zero) or a number
that is not finite means the interpreter must answer this call.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Dict, List, Sequence

from . import crules
from .cblocks import block_backward, block_forward, map_backward, map_forward
from .graph import ARG, CONST, DERIVED, PARAM
from .maps import Map
from .names import Names
from .plan import UNSAFE, Block, Plan

_TABLE_FROM = 6  # a sum or a neuron with more inputs than this loops over a table
_PART_LINES = 400  # lines per function


class CProgram:
    """Writes the C source of a plan (see the module doc)."""

    def __init__(self, plan: Plan, n_numbers: int, title: str) -> None:
        self.plan, self.graph, self.nodes = plan, plan.graph, plan.graph.nodes
        self.names = Names(plan)
        self.title = title
        self.np, self.nx = len(plan.layout), n_numbers
        self.slot: Dict[int, int] = {}
        self.extra: Dict[str, int] = {}  # block -> offsets of its Z and dZ arrays
        self.size = self._slots()
        self.tables: List[str] = []
        self.lines: List[str] = []

    def _slots(self) -> int:
        nodes, plan = self.nodes, self.plan
        size = self.np + self.nx
        for b in plan.blocks:
            L = self.names.block[-b.uid - 1]
            base = size
            if isinstance(b, Map):  # its values, row by row
                for i, row in enumerate(b.nodes):
                    for j, v in enumerate(row):
                        self.slot[v] = base + i * b.n + j
                size += b.N * b.n
                continue
            for i, row in enumerate(b.nodes):
                for j, v in enumerate(row):
                    self.slot[v] = base + i * b.n + j
            size += b.N * b.n
            self.extra[L + "_z"] = size if b.act == "sigmoid" else base
            size += b.N * b.n if b.act == "sigmoid" else 0
        for v, nd in enumerate(nodes):
            if nd.kind == PARAM:
                self.slot[v] = plan.p_pos[v]
            elif nd.kind == ARG:
                self.slot[v] = self.np + nd.flat
            elif v not in self.slot:
                self.slot[v] = size
                size += 2 if nd.act == "sigmoid" else 1  # a sigmoid neuron keeps its z beside it
        return size

    def v(self, node: int) -> str:
        return f"v[{self.slot[node]}]"

    def d(self, node: int) -> str:
        return f"d[{self.slot[node]}]"

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)

    def table(self, name: str, values: Sequence[int]) -> str:
        self.tables.append(f"static const int {name}[{len(values)}] = {{{', '.join(map(str, values))}}};")
        return name

    def part(self, u: int, scalar: Callable[[int], None], on_map: Callable[..., None],
             on_block: Callable[..., None]) -> Callable[[], None]:
        """What writes unit `u` of the plan: a node (u >= 0), or a map or a block of neurons."""
        if u >= 0:
            return partial(scalar, u)
        b = self.plan.block(u)
        return partial(on_map if isinstance(b, Map) else on_block, self, b)

    def source(self) -> str:
        units: List[List[str]] = []  # each a whole step: a line, or a block's loops

        def unit(write: Callable[[], None]) -> None:
            self.lines = []
            write()
            units.append(self.lines)

        def constants() -> None:
            self.emit("/* forward */")
            for v, nd in enumerate(self.nodes):
                if nd.kind == CONST:
                    self.emit(f"{self.v(v)} = {crules.literal(nd.data)};")

        unit(constants)
        for u in self.plan.forward:
            unit(self.part(u, self.scalar_forward, map_forward, block_forward))
        root = self.graph.root
        unit(lambda: self.emit("/* backward, in the order backward() takes the steps */"))
        unit(lambda: self.emit(f"{self.d(root)} += 1.0;"))
        for u in self.plan.backward:
            unit(self.part(u, self.scalar_backward, map_backward, block_backward))
        return self._file(units)

    def _file(self, units: List[List[str]]) -> str:
        """The program: the steps in functions of a few hundred lines each (a compiler optimizes a
        long straight run of code in a time that grows faster than its length), then `program`."""
        parts: List[List[str]] = [[]]
        for lines in units:
            if len(parts[-1]) + len(lines) > _PART_LINES and parts[-1]:
                parts.append([])
            parts[-1].extend(lines)
        code = []
        for k, lines in enumerate(parts):
            code += [f"static void part{k}(double *v, double *d) {{", *lines, "}", ""]
        np_, nx, size = self.np, self.nx, self.size
        head = [
            f"/* {self.title}: the forward and the backward pass, written out by autograd_mini.tape.",
            "   in = [P, G, the call's numbers], out = [the value, G]; returns 1 where the",
            "   interpreter must answer (a floating-point exception, a number that is not finite). */",
            "#include <fenv.h>",
            "#include <math.h>",
            "#include <stdlib.h>",
            "#include <string.h>",
            "",
            crules.HELPERS,
            *self.tables,
            "",
            "static volatile double sink;  /* terms computed only to fail where the interpreter fails */",
            "",
            *code,
            "int program(const double *in, double *out, double *keep) {",
            f"    double *v = malloc(2 * {size} * sizeof(double));",
            "    if (v == NULL) return 2;",
            f"    double *d = v + {size};  /* d[k]: the gradient of the node whose value is v[k] */",
            "    fexcept_t flags;",
            "    fegetexceptflag(&flags, FE_ALL_EXCEPT);",
            "    feclearexcept(FE_ALL_EXCEPT);",
            f"    memcpy(v, in, {np_} * sizeof(double));  /* P */",
            f"    memcpy(v + {np_}, in + {2 * np_}, {nx} * sizeof(double));  /* the call's numbers */",
            f"    memcpy(d, in + {np_}, {np_} * sizeof(double));  /* G */",
            f"    memset(d + {np_}, 0, {size - np_} * sizeof(double));",
            *[f"    part{k}(v, d);" for k in range(len(parts))],
            f"    out[0] = {self.v(self.graph.root)};",
        ]
        tail = [
            f"    memcpy(out + 1, d, {np_} * sizeof(double));",
            "    int status = fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO) != 0;",
            f"    for (int k = 0; k <= {np_}; k++)",
            "        if (!isfinite(out[k])) status = 1;",
            "    fesetexceptflag(&flags, FE_ALL_EXCEPT);",
            f"    if (keep != NULL) memcpy(keep, v, 2 * {size} * sizeof(double));",
            "    free(v);",
            "    return status;",
            "}",
        ]
        return "\n".join(head + tail) + "\n"

    def name(self, v: int) -> str:
        return self.names.node.get(v, "")

    def scalar_forward(self, v: int) -> None:
        nd = self.nodes[v]
        ps = nd.parents
        if nd.rule == "neuron":
            self.neuron_forward(v)
        elif nd.rule in ("sum", "max") or nd.kind == DERIVED:
            if nd.rule == "max":
                t = self.table(f"T{v}", [self.slot[p] for p in ps])
                self.emit(f"{self.v(v)} = maxof(v, {t}, {len(ps)});  /* {self.name(v)} */")
                return
            c = f" + {crules.literal(nd.const)}" if nd.const else ""
            if len(ps) > _TABLE_FROM:
                t = self.table(f"T{v}", [self.slot[p] for p in ps])
                self.emit(
                    f"{{ double s = 0.0; for (int k = 0; k < {len(ps)}; k++) s += v[{t}[k]]; "
                    f"{self.v(v)} = s{c}; }}  /* {self.name(v)} */"
                )
            else:
                self.emit(
                    f"{self.v(v)} = 0.0 + {' + '.join(self.v(p) for p in ps)}{c};  /* {self.name(v)} */"
                )
        else:
            self.emit(f"{self.v(v)} = {crules.forward(nd, [self.v(p) for p in ps])};  /* {self.name(v)} */")

    def neuron_forward(self, v: int) -> None:
        nd = self.nodes[v]
        ws, xs, b = nd.weights(), nd.inputs(), nd.parents[-1]
        act = nd.act
        store = f"{self.v(v)} = {act}(z);" if act else f"{self.v(v)} = z;"
        if act == "sigmoid":
            store = f"v[{self.slot[v] + 1}] = z; " + store
        if len(ws) > _TABLE_FROM:
            tw = self.table(f"W{v}", [self.slot[w] for w in ws])
            if nd.numbers:
                consts = ", ".join(crules.literal(x) for x in nd.const)
                self.tables.append(f"static const double X{v}[{len(ws)}] = {{{consts}}};")
                x = f"X{v}[k]"
            else:
                x = f"v[{self.table(f'X{v}', [self.slot[x] for x in xs])}[k]]"
            self.emit(
                f"{{ double z = 0.0; for (int k = 0; k < {len(ws)}; k++) z += v[{tw}[k]] * {x}; "
                f"z += {self.v(b)}; {store} }}  /* {self.name(v)} */"
            )
            return
        xr = [crules.literal(x) for x in nd.const] if nd.numbers else [self.v(x) for x in xs]
        terms = "".join(f" + {self.v(w)} * {x}" for w, x in zip(ws, xr))
        self.emit(f"{{ double z = 0.0{terms}; z += {self.v(b)}; {store} }}  /* {self.name(v)} */")

    def add(self, p: int, term: str, unsafe: bool = False) -> None:
        if self.plan.live[p] or self.nodes[p].kind == PARAM:
            self.emit(f"{self.d(p)} += {term};")
        elif unsafe:
            self.emit(f"sink = {term};")

    def scalar_backward(self, v: int) -> None:
        nd = self.nodes[v]
        self.emit(f"/* {self.name(v)} */")
        if nd.rule == "neuron":
            self.neuron_backward(v)
            return
        if nd.rule == "sum" and len(nd.parents) > _TABLE_FROM:
            t = f"T{v}"
            self.emit(f"for (int k = 0; k < {len(nd.parents)}; k++) d[{t}[k]] += {self.d(v)};")
            return
        terms = crules.backward(nd, self.d(v), self.v(v), [self.v(p) for p in nd.parents])
        for p, term in zip(nd.parents, terms):
            self.add(p, term, nd.rule in UNSAFE)

    def neuron_backward(self, v: int) -> None:
        nd = self.nodes[v]
        ws, xs, b = nd.weights(), nd.inputs(), nd.parents[-1]
        dz = self.d(v)
        if nd.act:
            dz = crules.act_grad(nd.act, self.d(v), self.v(v), f"v[{self.slot[v] + 1}]")
        self.emit(f"{{ double dz = {dz};")
        self.emit("if (dz != 0.0) {", 2)  # backward() skips a neuron whose dz is 0
        if len(ws) > _TABLE_FROM:
            x = f"X{v}[k]" if nd.numbers else f"v[X{v}[k]]"
            also = "" if nd.numbers else f" d[X{v}[k]] += dz * v[W{v}[k]];"
            self.emit(f"for (int k = 0; k < {len(ws)}; k++) {{ d[W{v}[k]] += dz * {x};{also} }}", 3)
        else:
            xr = [crules.literal(x) for x in nd.const] if nd.numbers else [self.v(x) for x in xs]
            for k, w in enumerate(ws):
                self.emit(f"{self.d(w)} += dz * {xr[k]};", 3)
                if not nd.numbers:
                    self.emit(f"{self.d(xs[k])} += dz * {self.v(w)};", 3)
        self.emit(f"{self.d(b)} += dz;", 3)
        self.emit("}", 2)
        self.emit("}")

    def block_name(self, b: Block) -> str:
        return self.names.block[-b.uid - 1]
