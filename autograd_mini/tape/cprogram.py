"""The C program of a plan, compiled, loaded and wrapped to run like the Python one.

A call packs the parameters' values, their gradients and the call's numbers (`struct`, at C
speed) into arrays kept from call to call (one set per thread and kind of call), calls the
library, and unpacks the value and the gradients. A training step (`c_train`) has its own arrays;
its optimizer's rule changes P there in place; `step.run` passes a run of batches in one call.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from array import array
from typing import Any, Callable, List, Optional, Sequence

from . import cbuild, update
from .cprint import CPrinter
from .plan import Plan
from .program import Program


def c_program(plan: Plan, names: Sequence[str], title: str) -> Program:
    n = plan.graph.n_numbers
    writer = CPrinter(plan, n, title)
    source = writer.source()
    fn, _, seconds = cbuild.compiled(source)
    prog = Program(plan, source, "c")
    prog.compile_seconds = seconds
    np_ = len(plan.layout)
    library = getattr(fn, "library")  # noqa: B009
    program = library["program"]  # (its own handle: it takes the arrays' addresses)
    program.argtypes = [ctypes.c_void_p] * 3
    n_out = 1 + np_ if plan.outputs is None else len(plan.outputs)
    space = _spaces(np_, n, writer.size, n_out)
    unpack_g, unpack_out = struct.Struct(f"{np_}d").unpack_from, struct.Struct(f"{n_out}d").unpack_from

    def run(
        P: List[float], G: List[float], flat: Sequence[Any], plain: Sequence[Any], keep: Any = None
    ) -> Any:
        s = space("run")
        if not s.packed(P, G, flat):
            return None
        if program(s.at[0], s.at[1], s.at[3] if keep is None else keep) != 0:
            return None
        return s.outs[0][0], unpack_g(s.outs[0], 8)

    def forward(P: List[float], G: Any, flat: Sequence[Any], plain: Sequence[Any]) -> Any:
        s = space("forward")  # (G stays zeros)
        if not s.packed(P, None, flat):
            return None
        return None if program(s.at[0], s.at[1], s.at[3]) != 0 else list(unpack_out(s.outs[0]))

    prog.run_program = run if plan.outputs is None else forward  # forward only: out holds the outputs
    prog.writer = writer
    if plan.train:  # the optimizers' steps, compiled with it (tape.update)
        prog.train = c_train(library, np_, n, space)
    return prog


class _Space:
    """One thread's arrays for a program's calls of one kind: in = [P, G, the call's numbers], two
    outs (a training step's [the value, G] go to one then the other), the workspace."""

    def __init__(self, np_: int, nx: int, size: int, n_out: int) -> None:
        self.np = np_
        self.pack_p, self.pack_x = struct.Struct(f"{np_}d").pack_into, struct.Struct(f"{nx}d").pack_into
        self.inb = array("d", bytes(8 * (2 * np_ + nx)))
        self.outs = [array("d", bytes(8 * n_out)) for _ in range(2)]
        self.work = array("d", bytes(16 * size))
        self.at = [b.buffer_info()[0] for b in (self.inb, *self.outs, self.work)]
        self.bytes = memoryview(self.inb).cast("B")

    def packed(self, P: Sequence[float], G: Optional[Sequence[float]], flat: Optional[Sequence[Any]]) -> bool:
        """P, then G and the call's numbers where given, written into in; False where a number is
        one a double cannot hold (then numbers are half written: every call writes them all again)."""
        try:
            self.pack_p(self.inb, 0, *P)
            if G is not None:
                self.pack_p(self.inb, 8 * self.np, *G)
            if flat is not None:
                self.pack_x(self.inb, 16 * self.np, *flat)
        except (struct.error, TypeError, OverflowError):
            return False
        return True


def _spaces(np_: int, nx: int, size: int, n_out: int) -> Callable[[str], _Space]:
    """`space(kind)`: this thread's arrays for calls of that kind, made at its first call (not one
    per call). Training steps have their own, whose G stays zeros (nothing writes it)."""
    spaces = threading.local()

    def space(kind: str) -> _Space:
        found: Optional[_Space] = getattr(spaces, kind, None)
        if found is None:
            found = _Space(np_, nx, size, n_out)
            setattr(spaces, kind, found)
        return found

    return space


def c_train(library: Any, np_: int, nx: int, spaces: Callable[[str], _Space]) -> Any:
    """The C program's training steps (its `train` and `train_many`) on the step's numbers: the
    parameters and the call's numbers packed at C speed into arrays kept from call to call."""
    function, many = library.train, library.train_many
    function.argtypes = [ctypes.c_void_p] * 6 + [ctypes.c_int] * 2
    many.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int] + [ctypes.c_void_p] * 2 + [ctypes.c_int] * 3 + [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    unpack = struct.Struct(f"{np_}d").unpack_from  # (G at offset 8 in an out, P at 0 in in)
    index = {r.name: k for k, r in enumerate(update.RULES.values())}

    def space() -> _Space:
        return spaces("train")

    def train(P: List[float], flat: Any, plain: Any, name: str, S: List[float], B: List[Any]) -> Any:
        s = space()
        return taken(s, name, S, B) if s.packed(P, None, flat) else None

    def train_parts(P: List[float], parts: List[Any], name: str, S: List[float], B: List[Any]) -> Any:
        """`train` on the call's numbers given as bytes (arrays of doubles), copied in as they are."""
        s = space()
        if not s.packed(P, None, None):
            return None
        at = 16 * np_
        for part in parts:
            at = _put(s.bytes, at, part)
        return taken(s, name, S, B)

    def taken(s: _Space, name: str, S: List[float], B: List[Any]) -> Any:
        b = _addresses(B)
        numbers = array("d", S)  # (kept here while the program reads it)
        if function(s.at[0], s.at[1], s.at[3], numbers.buffer_info()[0], *b, index[name], np_) != 0:
            return None
        return s.outs[0][0], unpack(s.outs[0], 8), unpack(s.inb)

    def train_many(P: List[float], batches: List[List[Any]], name: str, S: List[List[float]],
                   B: List[Any]) -> Any:
        """Steps on each batch in turn in one call, a batch's numbers given in parts (lists, or
        buffers of doubles): (how many steps were taken, their losses, the latest G and P)."""
        s, size = space(), 8 * nx * len(batches)
        numbers = bytearray(max(size, 8))  # (at least a double: a buffer of none has no address)
        view, at = memoryview(numbers), 0
        if not s.packed(P, None, None):
            return None
        try:
            for parts in batches:
                for part in parts:
                    at = _put(view, at, part)
        except (struct.error, TypeError, OverflowError, ValueError):  # (ValueError: a part too long)
            return None
        if at != size:
            return None
        rows = array("d", [x for row in S for x in row])
        losses = array("d", bytes(8 * len(batches)))
        b = _addresses(B)
        k = many(*s.at, rows.buffer_info()[0], len(S[0]), *b, index[name], np_, len(batches),
                 ctypes.addressof(ctypes.c_char.from_buffer(numbers)), nx, losses.buffer_info()[0])
        if k == 0:
            return 0, [], None, None
        return k, losses[:k].tolist(), unpack(s.outs[(k - 1) % 2], 8), unpack(s.inb)

    train.many, train.parts = train_many, train_parts  # type: ignore[attr-defined]
    return train


def _addresses(B: List[Any]) -> List[Optional[int]]:
    """The addresses of the optimizer's buffers (arrays of doubles), None for those it has not."""
    return [x.buffer_info()[0] for x in B] + [None] * (2 - len(B))


def _put(view: memoryview, at: int, part: Any) -> int:
    """Part of a call's numbers (a list, or the bytes of doubles) written at byte `at` of `view`;
    the byte after it. A list is packed (cheaper than array.fromlist)."""
    if type(part) is list:
        struct.pack_into(f"{len(part)}d", view, at, *part)
        return at + 8 * len(part)
    view[at : at + len(part)] = part
    return at + len(part)
