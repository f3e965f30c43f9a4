"""C's syntax for the formula trees (`C`: pow(a, b), (c ? a : b), && || !, fabs, literals that
read back as the same double), the engine's stable sigmoid as a C function, and the file
around the program's steps (`FILE`): its workspace, the floating-point flags, in and out."""

from __future__ import annotations

import math
import re
from typing import List

from ..engine.expr import Syntax
from ..engine.op import PRIMITIVES


def literal(x: float) -> str:
    """A double as C source that reads back as the very same double."""
    return (
        "NAN"
        if math.isnan(x)
        else ("-INFINITY" if x < 0 else "INFINITY")
        if math.isinf(x)
        else repr(float(x))
    )


C = Syntax(
    literal=literal,
    power=lambda a, b: f"pow({a}, {b})",
    where=lambda c, a, b: f"({c} ? {a} : {b})",
    logic={"and": "&&", "or": "||", "not": "!"},
    functions=lambda fn: "fabs" if fn == "abs" else fn,
)
SIGMOID = """static double sigmoid(double x) {  /* the engine's: no exp that overflows */
    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}
"""


FILE = """/* {title}: the forward and the backward pass, written out by autograd_mini.tape.
   in = [P, G, the call's numbers], out = [the value, G] (forward only: the outputs); returns 1 where the
   interpreter must answer (a floating-point exception, a number not finite). */
#include <fenv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GNUC__)
#define PART __attribute__((noinline))  /* each part compiled on its own: measured faster than inlined */
#else
#define PART
#endif
/* a loop whose steps touch other elements (no sum across them): vectorised, the same floats */
#if defined(__clang__)
#define EACH _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define EACH _Pragma("GCC ivdep")
#else
#define EACH
#endif

{top}
enum {{ SIZE = {size} }};  /* work holds v, then d: 2 * SIZE doubles */

int program(const double *in, double *out, double *work) {{
    double *v = work != NULL ? work : malloc(2 * SIZE * sizeof(double));
    if (v == NULL) return 2;
    double *d = v + SIZE;  /* d[k]: the gradient of the node whose value is v[k] */
    fexcept_t flags;
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    memcpy(v, in, {np} * sizeof(double));  /* P */
    memcpy(v + {np}, in + {in_x}, {nx} * sizeof(double));  /* the call's numbers */
    memcpy(d, in + {np}, {np} * sizeof(double));  /* G */
    memset(d + {np}, 0, (SIZE - {np}) * sizeof(double));
{calls}
{write_out}
    int status = fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO) != 0;
    for (int k = 0; k < {n_out}; k++)
        if (!isfinite(out[k])) status = 1;
    fesetexceptflag(&flags, FE_ALL_EXCEPT);
    if (work == NULL) free(v);
    return status;
}}
"""


# The C library's functions whose results are not exact (sqrt and fabs are): called through a
# pointer the compiler cannot see through, so that none is computed at compile time, where the
# compiler rounds it exactly and may differ in the last bit from the library Python calls.
LIBM = {**{fn: 1 for fn in PRIMITIVES if fn not in ("sqrt", "abs", "sigmoid")}, "pow": 2}  # (sigmoid: ours)


def run_time(code: str) -> List[str]:
    """The lines that make each inexact library function `code` calls a call at run time."""
    lines = []
    for fn, n in LIBM.items():
        if re.search(rf"\b{fn}\(", code):
            args = ", ".join(["double"] * n)
            params = ", ".join("xy"[:n])
            lines += [f"static double (*volatile {fn}_)({args}) = {fn};",
                      f"#define {fn}({params}) {fn}_({params})"]
    said = "/* the library's functions, at run time: as Python's math module calls them */"
    return [said, *lines] if lines else []
