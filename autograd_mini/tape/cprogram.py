"""The C program of a plan, compiled, loaded and wrapped to run like the Python one.

A call packs the parameters' values, their gradients and the call's numbers into one buffer of
doubles (`struct`, at C speed), calls the library, and unpacks the value and the gradients.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from typing import Any, List, Sequence

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
        prog.train = update.c_train(getattr(fn, "library"), np_, n, writer.size)  # noqa: B009
    return prog
