"""The statements (`steps`) as C: the same lines as the Python program, with C's syntax for the
same formula trees (`C`), and loops where Python has comprehensions.

Every node has a slot in one workspace of doubles: ``v[k]`` its value, ``d[k]`` its gradient.
The names of the Python program are macros for them (``#define v5 v[12]``, ``#define L1_a (v +
300)``), so the two programs read alike. Parameters come first (``P``, their gradients ``G``,
which start from ``.grad``), then the call's numbers, then the nodes. The function is

    int program(const double *in, double *out, double *work)

with ``in`` = [P, G, the call's numbers], ``out`` = [the value, G] and ``work`` the caller's
workspace of 2·SIZE doubles (kept between calls: no allocation per call; NULL allocates one).
It returns 0, or 1 when a floating-point exception (an overflow, a NaN made from numbers, a
division by zero, a failed check) or a number that is not finite means the interpreter answers.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from ..engine.expr import Expr, names_in
from . import formulas, outputs, update
from .clayers import block_backward, block_forward
from .csyntax import FILE, SIGMOID, C, run_time
from .csyntax import literal as _literal
from .graph import ARG, CONST, PARAM
from .maps import ArgArray, Map
from .names import Names
from .plan import Block, Plan
from .rows import Column, Rows
from .steps import Refs, Steps, activation, arrays

_PART_LINES = 400  # lines per function: a compiler takes longer than linear time on a long one
_LOOP_FROM = 6  # a neuron with more inputs than this loops over them


class CPrinter:
    """Writes the C source of a plan's statements (see the module doc)."""

    def __init__(self, plan: Plan, n_numbers: int, title: str) -> None:
        self.plan, self.graph, self.nodes = plan, plan.graph, plan.graph.nodes
        self.names = Names(plan, plan.graph.starts)
        self.bound = self.names.bound
        self.title, self.np, self.nx = title, len(plan.layout), n_numbers
        self.slot: Dict[int, int] = {}
        self.zslot: Dict[Any, int] = {}  # a block or neuron whose activation reads z: where z is
        self.macros: List[str] = ["#define P v", "#define G d"]
        self.tables: List[str] = []
        self.pointers: Dict[Any, Callable[[str], str]] = {}
        self.gnames: Dict[int, str] = {}
        self.trees: List[Expr] = []
        self.forwards: Dict[int, str] = {}
        self.lines: List[str] = []
        self.sink = False
        self.loop: Any = None  # the rows whose loop is being written: row 0 of every array is row i
        self.indent = 0
        self.width: Dict[Any, int] = {}  # rows -> the slots of one sample's nodes
        self.size = self._slots()

    def _slots(self) -> int:
        size = self.np + self.nx
        for b in self.plan.blocks:
            for i, row in enumerate(b.nodes):
                for j, v in enumerate(row):
                    self.slot[v] = size + i * b.n + j
            size += b.N * b.n
            if _keeps_z(b.act):
                self.zslot[b.uid] = size
                size += b.N * b.n
        for r in self.plan.rows:  # a sample's nodes side by side: sample i's k-th at base + i * width + k
            keeps = [_keeps_z(self.nodes[col.members()[0]].act) for col in r.columns]
            width, at = len(keeps) + sum(keeps), 0
            for col, z in zip(r.columns, keeps):
                for i, v in enumerate(col.members()):
                    self.slot[v] = size + i * width + at
                    if z:
                        self.zslot[v] = size + i * width + at + 1
                at += 1 + z
            self.width[r] = width
            size += r.N * width
        for v, nd in enumerate(self.nodes):
            if nd.kind == PARAM:
                self.slot[v] = self.plan.p_pos[v]
            elif nd.kind == ARG:
                self.slot[v] = self.np + nd.flat
            elif v not in self.slot:
                self.slot[v] = size
                if _keeps_z(nd.act):
                    self.zslot[v] = size + 1
                    size += 1
                size += 1
        for name, start in self.graph.starts.items():
            self.macros.append(f"#define {name} (v + {self.np + start})")
        for v, name in self.bound.items():
            k = self.plan.p_pos[v]
            self.macros += [f"#define {name} P[{k}]", f"#define d_{name} G[{k}]"]
        for v, name in self.names.node.items():
            found = self.plan.row_of.get(v)  # (rows, sample, k)
            if found is not None and found[1] > 0:
                continue  # (a later sample's node: its column has sample 0's name)
            gname = self.gnames[v] = self.names.fresh("d_" + name, v)
            if found is None:
                self.macros += [f"#define {name} v[{self.slot[v]}]", f"#define {gname} d[{self.slot[v]}]"]
                continue
            sample = f"{self.slot[v]} + (i) * {self.width[found[0]]}"  # sample i's
            self.macros += [f"#define {name}(i) v[{sample}]", f"#define {gname}(i) d[{sample}]"]
            self.pointers[(name, False)] = f"{name}({{}})".format
            self.pointers[(name, True)] = f"{gname}({{}})".format
        return size

    # ---- references ----

    def ref(self, v: int, grad: bool = False) -> str:
        nd = self.nodes[v]
        if v in self.bound:
            return ("d_" if grad else "") + self.bound[v]
        if nd.kind == PARAM:
            return f"{'G' if grad else 'P'}[{self.plan.p_pos[v]}]"
        if nd.kind == CONST and not grad:
            return f"({_literal(nd.data)})" if _literal(nd.data).startswith("-") else _literal(nd.data)
        found = self.plan.places.get(v)
        if found is not None and self.loop is not None and found[1] == 0 and found[0].N == self.loop.N:
            arr, _, j = found  # row 0 of an array, in the rows' loop: row i
            at = f"i * {arr.n} + {j}" if arr.n > 1 else "i"
            if isinstance(arr, ArgArray):  # (its numbers: X[i * n + j], their gradients beside)
                return f"d[{self.np + self.graph.starts[arr.name]} + {at}]" if grad else f"{arr.name}[{at}]"
            return self.array(self.out(arr), arr.nodes, grad)(at)
        if nd.kind == ARG and not grad:
            return f"{nd.path[0]}[{nd.flat - self.graph.starts[nd.path[0]]}]"
        if v in self.names.node and v not in self.plan.row_of:
            return self.gnames[v] if grad else self.names.node[v]
        if found is not None and nd.kind != ARG:
            arr, i, j = found
            return self.array(self.out(arr), arr.nodes, grad)(str(i * arr.n + j))
        return f"{'d' if grad else 'v'}[{self.slot[v]}]"

    def out(self, arr: Any) -> str:
        """The name of an array: a block's outputs (L1_a), a map's values, an argument."""
        if isinstance(arr, Block):
            return f"{self.names.block[-arr.uid - 1]}_{'a' if arr.act else 'z'}"
        if isinstance(arr, Column):  # (named as its first node)
            return self.names.node[arr.members()[0]]
        return self.names.block[-arr.uid - 1] if isinstance(arr, Map) else str(arr.name)

    def print(self, e: Expr, local: Optional[Dict[str, str]] = None) -> str:
        self.trees.append(e)
        return C.print(e, Refs(self, local or {}))

    def array(self, name: str, nodes: Sequence[Sequence[int]], grad: bool = False) -> Callable[[str], str]:
        """Index -> the value (or gradient) of nodes laid out row by row: through a pointer macro
        (``L1_a[i * 16 + j]``) where their slots follow each other, else a table of their slots."""
        key = (name, grad)
        if key not in self.pointers:
            slots = [self.slot[v] for row in nodes for v in row]
            pre = "d" if grad else "v"
            whole = slots == list(range(slots[0], slots[0] + len(slots)))
            if not grad and whole and slots[0] == self.np + self.graph.starts.get(name, -self.np - 1):
                label = name  # an argument, from its first number: its own macro
            else:  # (a map's values keep the map's name)
                mine = not grad and name in self.names.block
                label = name if mine else self.names.fresh(("d_" if grad else "") + name, len(self.pointers))
                if whole:
                    self.macros.append(f"#define {label} ({pre} + {slots[0]})")
                else:
                    self.tables.append(
                        f"static const int {label}_at[{len(slots)}] = {{{', '.join(map(str, slots))}}};"
                    )
            at = f"{label}[{{}}]" if whole else f"{pre}[{label}_at[{{}}]]"
            self.pointers[key] = at.format
        return self.pointers[key]

    def zref(self, v: int) -> str:
        """Where a neuron keeps its z (sample i's, in the rows' loop)."""
        at = f" + i * {self.width[self.loop]}" if self.loop is not None else ""
        return f"v[{self.zslot.get(v, 0)}{at}]"

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * (depth + self.indent) + line)

    # ---- the program ----

    def source(self) -> str:
        steps = Steps(self.plan)
        later = {v for r in self.plan.rows for g in r.groups[1:] for v in g}  # (the loop reads sample 0's)
        unread = {p for v in later for p in self.nodes[v].parents} - {
            p for v, nd in enumerate(self.nodes) if v not in later for p in nd.parents}
        units: List[List[str]] = [
            [
                f"    v[{self.slot[v]}] = {self.ref(v)};  /* a constant */"
                for v, nd in enumerate(self.nodes)
                if nd.kind == CONST and v not in unread
            ]
        ]
        for st in steps.forward + steps.backward:
            self.lines = []
            getattr(self, "_" + st[0])(*st[1:])
            units.append(self.lines)
        parts: List[List[str]] = [[]]
        for lines in units:
            if len(parts[-1]) + len(lines) > _PART_LINES and parts[-1]:
                parts.append([])
            parts[-1].extend(lines)
        code = []
        for k, lines in enumerate(parts):
            code += [f"static PART void part{k}(double *v, double *d) {{", *lines, "}", ""]
        np_, size = self.np, self.size
        root = self.ref(self.graph.root) if self.plan.outputs is None else ""
        primitives, ops = formulas.helpers(self.trees)
        helpers = [SIGMOID] if "sigmoid" in primitives else []
        for name, op in ops:
            body = C.print(formulas.helper_body(op), {a: a for a in op.args})
            helpers.append(
                f"static double {name}({', '.join('double ' + a for a in op.args)}) {{ return {body}; }}\n"
            )
        sink = ["static volatile double sink;  /* terms kept to fail as the interpreter does */"] * self.sink
        calls = run_time("\n".join([*helpers, *code]) + (update.source("c") if self.plan.train else ""))
        helpers = [*calls, *([""] if calls else []), *helpers]
        write_out, n_out = f"    out[0] = {root};\n    memcpy(out + 1, d, {np_} * sizeof(double));", np_ + 1
        if self.plan.outputs is not None:
            write_out, n_out = outputs.c_write(self)
        text = FILE.format(
            title=self.title, np=np_, nx=self.nx, in_x=2 * np_, size=size, write_out=write_out, n_out=n_out,
            top="\n".join([*helpers, *sink, *self.tables, "", *self.macros, "", *code]),
            calls="\n".join(f"    part{k}(v, d);" for k in range(len(parts))),
        )
        if not self.plan.train:
            return text
        undefs = [f"#undef {m.split()[1]}" for m in self.macros]  # the optimizer's names are its own
        return "\n".join([text, *undefs, "", update.source("c")])

    def comment(self, text: str) -> None:
        self.emit(f"/* {text} */")

    _comment = comment  # (the statement)

    def _let(self, v: int, tree: Expr) -> None:
        self.forwards[v] = f"{self.ref(v)} = {self.print(tree)};"
        self.emit(self.forwards[v])

    def _check(self, v: int, cond: Expr, error: Any, message: str, names: Dict[str, Expr]) -> None:
        said = message.split("{")[0].strip(" (,")
        self.emit(
            f"if ({C.print(cond, Refs(self, {}), plain=True)}) feraiseexcept(FE_INVALID);  /* {said} */"
        )

    def _sum(self, v: int, whole: Optional[Map]) -> None:
        nd = self.nodes[v]
        c = f" + {_literal(nd.const)}" if nd.const else ""
        if whole is not None:
            M = self.array(self.out(whole), whole.nodes)
            loop = f"for (int k = 0; k < {whole.N}; k++) s += {M('k')};"
            line = f"{{ double s = 0.0; {loop} {self.ref(v)} = s{c}; }}"
        else:
            line = f"{self.ref(v)} = 0.0 + {' + '.join(self.ref(p) for p in nd.parents)}{c};"
        self.forwards[v] = line
        self.emit(line)

    def _max(self, v: int) -> None:
        ps = [self.ref(p) for p in self.nodes[v].parents]  # Python's max: the first of the largest
        self.emit(
            f"{self.ref(v)} = {ps[0]};"
            + "".join(f" if ({p} > {self.ref(v)}) {self.ref(v)} = {p};" for p in ps[1:])
        )

    def _inputs(self, v: int) -> List[Callable[[str, bool], str]]:
        """(weights, inputs) of a neuron, each as (index, gradient?) -> text."""
        nd = self.nodes[v]
        ws, xs, name = nd.weights(), nd.inputs(), self.names.node[v]
        W = [self.array(f"{name}_W", [list(ws)], grad) for grad in (False, True)]
        if nd.numbers:
            self.tables.append(
                f"static const double {name}_x[{len(ws)}] = {{{', '.join(map(_literal, nd.const))}}};"
            )
            return [lambda k, grad: W[grad](k), lambda k, grad: f"{name}_x[{k}]"]
        X = [self.array(f"{name}_X", [list(xs)], grad) for grad in (False, True)]
        return [lambda k, grad: W[grad](k), lambda k, grad: X[grad](k)]

    def _neuron(self, v: int, act: Any) -> None:
        nd = self.nodes[v]
        ws, xs, b = nd.weights(), nd.inputs(), self.ref(nd.parents[-1])
        if len(ws) > _LOOP_FROM and self.loop is None:
            W, X = self._inputs(v)
            z = f"double z = 0.0; for (int k = 0; k < {len(ws)}; k++) z += {W('k', False)} * {X('k', False)};"
        else:
            xr = [_literal(x) for x in nd.const] if nd.numbers else [self.ref(x) for x in xs]
            z = f"double z = 0.0{''.join(f' + {self.ref(w)} * {x}' for w, x in zip(ws, xr))};"
        keep = f" {self.zref(v)} = z;" if v in self.zslot else ""
        a = self.print(act[0], {"z": "z"}) if act is not None else "z"
        self.forwards[v] = f"{{ {z} z += {b};{keep} {self.ref(v)} = {a}; }}"
        self.emit(self.forwards[v])

    # ---- rows: one loop over the samples, group 0's statements with row 0 read as row i ----

    def _rows(self, r: Rows, groups: List[Any], back: bool = False) -> None:
        steps = next(st for i, st in groups if i == 0)
        down = back and r.desc
        order = ", last to first" if down else ""
        self._comment(f"each of the {r.N} samples i{order}: the steps of sample 0, row 0 read as row i"
                      + (", backward" if back else ""))
        loop = f"int i = {r.N - 1}; i >= 0; i--" if down else f"int i = 0; i < {r.N}; i++"
        self.emit(f"for ({loop}) {{")
        self.loop, self.indent = r, 1
        for st in steps:
            getattr(self, "_" + st[0])(*st[1:])
        self.loop, self.indent = None, 0
        self.emit("}")

    def _rows_back(self, r: Rows, groups: List[Any]) -> None:
        self._rows(r, groups, True)

    # ---- backward ----

    def _seed(self, v: int) -> None:
        self.emit(f"{self.ref(v, True)} += 1.0;")

    def _about(self, v: int) -> None:
        if v in self.forwards:
            self.emit(f"/* {self.forwards[v].replace('/*', '/ *')} */")

    def _grad(self, p: int, term: Expr, first: bool) -> None:
        self.emit(f"{self.ref(p, True)} += {self.print(term)};")

    def _sink(self, term: Expr) -> None:
        self.sink = True
        self.emit(f"sink = {self.print(term)};")

    def _sum_back(self, v: int, whole: Any, firsts: Set[int]) -> None:
        D = self.array(self.out(whole), whole.nodes, True)
        self.emit(f"for (int k = 0; k < {whole.N}; k++) {D('k')} += {self.ref(v, True)};")

    def _neuron_back(self, v: int, act: Any, firsts: Set[int]) -> None:
        nd = self.nodes[v]
        ws, xs = nd.weights(), nd.inputs()
        g = self.ref(v, True)
        if act is not None:
            g = self.print(act[1], {"g": g, "a": self.ref(v), "z": self.zref(v)})
        self.emit(f"{{ double g = {g};")
        self.emit("if (g != 0.0) {  /* backward() skips a neuron whose dz is 0 */", 2)
        if len(ws) > _LOOP_FROM and self.loop is None:
            W, X = self._inputs(v)
            also = "" if nd.numbers else f" {X('k', True)} += g * {W('k', False)};"
            self.emit(
                f"for (int k = 0; k < {len(ws)}; k++) {{ {W('k', True)} += g * {X('k', False)};{also} }}", 3
            )
        else:
            xr = [_literal(x) for x in nd.const] if nd.numbers else [self.ref(x) for x in xs]
            for k, w in enumerate(ws):
                self.emit(f"{self.ref(w, True)} += g * {xr[k]};", 3)  # dW += dZ * A
                if not nd.numbers:
                    self.emit(f"{self.ref(xs[k], True)} += g * {self.ref(w)};", 3)  # dA_prev += W * dZ
        self.emit(f"{self.ref(nd.parents[-1], True)} += g;", 3)  # dB += dZ
        self.emit("}", 2)
        self.emit("}")

    # ---- maps and blocks ----

    def _element_names(self, m: Map) -> Dict[str, str]:
        return {f"e{k}": self.array(self.out(a), a.nodes)("k") for k, a in enumerate(arrays(m))}

    def _map(self, m: Map, tree: Expr) -> None:
        M = self.array(self.out(m), m.nodes)
        self._comment(f"{self.out(m)}: {m.template.rule} of each element ({m.N} x {m.n})")
        self.emit(
            f"for (int k = 0; k < {m.N * m.n}; k++) {M('k')} = {self.print(tree, self._element_names(m))};"
        )

    def _map_back(self, m: Map, terms: List[Expr], firsts: Set[int]) -> None:
        local = {"g": "g", "o": self.array(self.out(m), m.nodes)("k"), **self._element_names(m)}
        lines = []
        for (kind, a), tree in zip(m.slots, terms):
            if kind == "same" and a.uid != 0 and self.plan.live[a.nodes[0][0]]:
                lines.append(f"{self.array(self.out(a), a.nodes, True)('k')} += {self.print(tree, local)};")
            elif kind == "node" and (self.plan.live[a] or self.nodes[a].kind == PARAM):
                lines.append(f"{self.ref(a, True)} += {self.print(tree, local)};")
            elif kind != "lit" and formulas.kind(m.template)[0]:
                self.sink = True
                lines.append(f"sink = {self.print(tree, local)};")
        if lines:
            D = self.array(self.out(m), m.nodes, True)
            loop = f"int k = {m.N * m.n - 1}; k >= 0; k--" if m.desc else f"int k = 0; k < {m.N * m.n}; k++"
            order = ", last to first" if m.desc else ""
            self._comment(f"{self.out(m)}, backward: {m.template.rule}' of each element{order}")
            self.emit(
                f"for ({loop}) {{ double g = {D('k')}; {' '.join(lines)} }}"
            )

    def _block(self, b: Block, act: Any) -> None:
        block_forward(self, b, act)

    def _block_back(self, b: Block, act: Any, firsts: Set[int]) -> None:
        block_backward(self, b, act)


def _keeps_z(act: Any) -> bool:
    """Whether a neuron with this activation keeps its z (the derivative reads it)."""
    found = activation(act)
    return found is not None and "z" in names_in(found[1])
