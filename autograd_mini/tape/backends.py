"""Which program a trace runs: the Python one, or the C one where a compiler is found."""

from __future__ import annotations

from typing import Sequence

from .cbuild import CompilerNotFound
from .cprogram import c_program
from .plan import Plan
from .program import Program, python_program


def build(plan: Plan, names: Sequence[str], title: str, backend: str) -> Program:
    """The program of `plan` for `backend` ('python', 'c' or 'auto')."""
    prog = None
    if backend != "python":
        try:
            prog = c_program(plan, names, title)
        except CompilerNotFound:
            if backend == "c":
                raise
    if prog is None:
        prog = python_program(plan, names, title)
    prog.arg_names = list(names)
    return prog
