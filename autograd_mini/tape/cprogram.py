"""The C program of a plan, compiled, loaded and wrapped to run like the Python one.

A call packs the parameters' values, their gradients and the call's numbers into one buffer of
doubles (`struct`, at C speed), calls the library, and unpacks the value and the gradients. A
training step (`c_train`) packs into arrays kept from call to call (one set per thread), and its
optimizer's rule changes P there in place; `step.run` passes a whole run of batches in one call.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from array import array
from typing import Any, List, Optional, Sequence

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
    pack = struct.Struct(f"{2 * np_ + n}d").pack
    unpack = struct.Struct(f"{1 + np_}d").unpack_from
    size = 8 * (1 + np_)
    buffer = ctypes.create_string_buffer
    spaces = threading.local()  # the program's workspace, made once per thread (not per call)

    def run(
        P: List[float], G: List[float], flat: Sequence[Any], plain: Sequence[Any], keep: Any = None
    ) -> Any:
        try:
            data = pack(*P, *G, *flat)
        except (struct.error, TypeError, OverflowError):  # a number a double cannot hold
            return None
        out = buffer(size)
        if keep is None:
            if not hasattr(spaces, "work"):
                spaces.work = buffer(16 * writer.size)
            keep = spaces.work
        if fn(data, out, keep) != 0:
            return None
        result = unpack(out)
        return result[0], result[1:]

    prog.run_program = run
    if plan.outputs is not None:  # forward only: out holds the outputs
        n_out = len(plan.outputs)
        unpack_out = struct.Struct(f"{n_out}d").unpack_from
        zeros = (0.0,) * np_

        def forward(P: List[float], G: Any, flat: Sequence[Any], plain: Sequence[Any]) -> Any:
            try:
                data = pack(*P, *zeros, *flat)
            except (struct.error, TypeError, OverflowError):
                return None
            out = buffer(8 * n_out)
            if not hasattr(spaces, "work"):
                spaces.work = buffer(16 * writer.size)
            return None if fn(data, out, spaces.work) != 0 else list(unpack_out(out))

        prog.run_program = forward
    prog.writer = writer
    if plan.train:  # the optimizers' steps, compiled with it (tape.update)
        prog.train = c_train(getattr(fn, "library"), np_, n, writer.size)  # noqa: B009
    return prog


class _Space:
    """One thread's arrays for the training steps of a program: in = [P, G, the call's numbers]
    (G stays zeros: nothing writes it), two outs [the value, G], the workspace."""

    def __init__(self, np_: int, nx: int, size: int) -> None:
        self.inb = array("d", bytes(8 * (2 * np_ + nx)))
        self.outs = [array("d", bytes(8 * (1 + np_))) for _ in range(2)]
        self.work = array("d", bytes(16 * size))
        self.at = [b.buffer_info()[0] for b in (self.inb, *self.outs, self.work)]
        self.bytes = memoryview(self.inb).cast("B")


def c_train(library: Any, np_: int, nx: int, size: int) -> Any:
    """The C program's training steps (its `train` and `train_many`) on the step's numbers: the
    parameters and the call's numbers packed at C speed into arrays kept from call to call."""
    function, many = library.train, library.train_many
    function.argtypes = [ctypes.c_void_p] * 6 + [ctypes.c_int] * 2
    many.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int] + [ctypes.c_void_p] * 2 + [ctypes.c_int] * 3 + [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    pack_p, pack_x = struct.Struct(f"{np_}d").pack_into, struct.Struct(f"{nx}d").pack_into
    unpack = struct.Struct(f"{np_}d").unpack_from  # (G at offset 8 in an out, P at 0 in in)
    index = {r.name: k for k, r in enumerate(update.RULES.values())}
    spaces = threading.local()

    def space() -> _Space:
        found: Optional[_Space] = getattr(spaces, "space", None)
        if found is None:
            found = spaces.space = _Space(np_, nx, size)
        return found

    def train(P: List[float], flat: Any, plain: Any, name: str, S: List[float], B: List[Any]) -> Any:
        s = space()
        try:  # (a failure leaves numbers half written: every call writes them all again)
            pack_p(s.inb, 0, *P)
            pack_x(s.inb, 16 * np_, *flat)
        except (struct.error, TypeError, OverflowError):  # a number a double cannot hold
            return None
        return taken(s, name, S, B)

    def train_parts(P: List[float], parts: List[Any], name: str, S: List[float], B: List[Any]) -> Any:
        """`train` on the call's numbers given as bytes (arrays of doubles), copied in as they are."""
        s = space()
        try:
            pack_p(s.inb, 0, *P)
        except (struct.error, TypeError, OverflowError):
            return None
        at = 16 * np_
        for part in parts:
            s.bytes[at : at + len(part)] = part
            at += len(part)
        return taken(s, name, S, B)

    def taken(s: _Space, name: str, S: List[float], B: List[Any]) -> Any:
        b = [x.buffer_info()[0] for x in B] + [None] * (2 - len(B))
        numbers = array("d", S)  # (kept here while the program reads it)
        if function(s.at[0], s.at[1], s.at[3], numbers.buffer_info()[0], *b, index[name], np_) != 0:
            return None
        return s.outs[0][0], unpack(s.outs[0], 8), unpack(s.inb)

    def train_many(P: List[float], batches: List[List[Any]], name: str, S: List[List[float]],
                   B: List[Any]) -> Any:
        """Steps on each batch in turn in one call, a batch's numbers given in parts (lists, or
        buffers of doubles): (how many steps were taken, their losses, the latest G and P)."""
        s, numbers = space(), array("d")
        try:
            pack_p(s.inb, 0, *P)
            for parts in batches:
                for part in parts:
                    if type(part) is list:
                        numbers.fromlist(part)
                    else:
                        numbers.frombytes(part)
        except (struct.error, TypeError, OverflowError):
            return None
        if len(numbers) != nx * len(batches):
            return None
        rows = array("d", [x for row in S for x in row])
        losses = array("d", bytes(8 * len(batches)))
        b = [x.buffer_info()[0] for x in B] + [None] * (2 - len(B))
        k = many(*s.at, rows.buffer_info()[0], len(S[0]), *b, index[name], np_, len(batches),
                 numbers.buffer_info()[0], nx, losses.buffer_info()[0])
        if k == 0:
            return 0, [], None, None
        return k, losses[:k].tolist(), unpack(s.outs[(k - 1) % 2], 8), unpack(s.inb)

    train.many, train.parts = train_many, train_parts  # type: ignore[attr-defined]
    return train
