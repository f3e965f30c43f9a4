"""Compiling a C program with the system's compiler, caching the library, loading it with ctypes.

The library is cached under ``$XDG_CACHE_HOME/autograd_mini`` (or ``~/.cache/autograd_mini``),
named by a hash of the source, the compiler and its flags, so the same program is compiled once
per machine. Both files are written under temporary names and renamed into place, so two
processes compiling at once cannot leave a half-written library behind.

Why ctypes and not cffi: the program takes two pointers to doubles and returns an int, which
ctypes (in the standard library) passes with no extra dependency and no build step of its own.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable, List, Tuple

from ..atomic import write_atomic

FLAGS = ["-O2", "-shared", "-fPIC", "-std=c99", "-ffp-contract=off"]  # no fused multiply-add: the
# same roundings as Python's float arithmetic, one operation at a time


class CompilerNotFound(RuntimeError):
    """No C compiler on this machine."""


class CompileError(RuntimeError):
    """The compiler rejected a generated program (a bug: please report it with the source)."""


def compiler() -> str:
    """The C compiler: $CC if set, else the first of cc, gcc, clang on the PATH."""
    cc = os.environ.get("CC")
    candidates = [cc] if cc else ["cc", "gcc", "clang"]
    for name in candidates:
        found = shutil.which(name)  # type: ignore[arg-type]
        if found:
            return found
    how = (
        "xcode-select --install"
        if sys.platform == "darwin"
        else "apt-get install gcc (or your system's package)"
    )
    raise CompilerNotFound(
        f"trace: backend='c' needs a C compiler and found none ({', '.join(map(str, candidates))}):"
        f" install one ({how}), or use backend='python' or 'auto'"
    )


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "autograd_mini")


def library(source: str) -> Tuple[str, float]:
    """The path of the compiled library for `source` and the seconds spent compiling (0 when it
    was cached)."""
    cc = compiler()
    key = "\n".join([source, cc, *FLAGS, platform.machine(), platform.system(), sys.version])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    folder = cache_dir()
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    path = os.path.join(folder, f"program-{digest}{suffix}")
    if os.path.exists(path):
        return path, 0.0
    os.makedirs(folder, exist_ok=True)
    t0 = time.perf_counter()
    _compile(cc, source, path)
    write_atomic(path[: -len(suffix)] + ".c", source)  # beside it, for reading
    return path, time.perf_counter() - t0


def _compile(cc: str, source: str, path: str) -> None:
    folder = os.path.dirname(path)
    with tempfile.TemporaryDirectory(prefix="autograd_mini-") as work:
        src = os.path.join(work, "program.c")
        with open(src, "w", encoding="utf-8") as f:
            f.write(source)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".program-", suffix=".tmp")
        os.close(fd)
        try:
            cmd: List[str] = [cc, *FLAGS, "-o", tmp, src, "-lm"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                lines = [line[:200] for line in (proc.stderr or proc.stdout).strip().splitlines()[:20]]
                raise CompileError(
                    "trace: the C compiler rejected the generated program:\n" + "\n".join(lines)
                )
            os.chmod(tmp, 0o755)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def load(path: str) -> Callable[..., int]:
    """The library's ``int program(const double *in, double *out, double *keep)``."""
    lib = ctypes.CDLL(path)
    fn = lib.program
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    fn.restype = ctypes.c_int
    setattr(fn, "library", lib)  # keep it loaded as long as the function lives  # noqa: B010
    return fn  # type: ignore[no-any-return]
