"""Compiling a C program with the system's compiler, caching the library, loading it with ctypes.

The library is cached under ``$XDG_CACHE_HOME/autograd_mini`` (or ``~/.cache/autograd_mini``),
named by a hash of the source, the compiler, its flags and the Python, so the same program is
compiled once per machine. Loading a library runs its code, so what is loaded is checked first:

- **Whose it is.** The folder is made 0700. It and the library must be the current user's and
  writable by no one else; every folder above it this user's or root's, writable by others only
  with the sticky bit (as /tmp: nobody may rename what is not theirs). Otherwise someone else could
  have put a library there under the predictable name. Such a cache is passed over with one
  `CacheWarning`, and the program compiled into a private temporary folder for this process: the
  trace works, slower (no cache), and a folder someone else made cannot stop anyone's traces.
- **That it is whole.** The library's SHA-256 is recorded beside it (``.so.sha256``). One that does
  not match it (a truncated copy, a full disk) or does not load is rebuilt once, with one
  `CacheWarning`; a rebuild that fails raises `CompileError` naming the file and what to do. The
  digest is checked before loading: the loader can crash the process on a truncated library.
- **Built once.** A library is built under a lock (``program-<hash>.lock``, `fcntl.flock`) into a
  temporary file renamed into place, so of two processes needing it at once one builds it and the
  other waits and loads it (where there is no flock, both may build; neither sees half a file).

Warnings and not lines printed to stderr: a library does not own the terminal, and a warning shows
once per message, can be silenced (``warnings.simplefilter("ignore", CacheWarning)``), turned into
an error, or caught by a test.

Why ctypes and not cffi: the program takes two pointers to doubles and returns an int, which
ctypes (in the standard library) passes with no extra dependency and no build step of its own.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import os
import platform
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Callable, Iterator, List, NamedTuple, Optional, Tuple

from ..atomic import write_atomic

try:
    import fcntl
except ImportError:  # Windows: no lock (see the module doc)
    fcntl = None  # type: ignore[assignment]

FLAGS = ["-O2", "-shared", "-fPIC", "-std=c99", "-ffp-contract=off"]  # no fused multiply-add: the
# same roundings as Python's float arithmetic, one operation at a time


class CompilerNotFound(RuntimeError):
    """No C compiler on this machine."""


class CompileError(RuntimeError):
    """The compiler rejected a generated program (a bug: please report it with the source), or a
    cached library could not be rebuilt."""


class CacheWarning(UserWarning):
    """The compile cache was not used as found: a library was rebuilt, or a cache not safe to load
    from was passed over. ``warnings.simplefilter("ignore", CacheWarning)`` silences it."""


Function = Callable[..., int]
SUFFIX = ".dylib" if sys.platform == "darwin" else ".so"


class Compiled(NamedTuple):
    """A loaded program: its function, the library's path, the seconds spent compiling (0 if cached)."""

    function: Function
    path: str
    seconds: float


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
    """``$XDG_CACHE_HOME/autograd_mini``, or ``~/.cache/autograd_mini`` (also where XDG_CACHE_HOME
    is relative, which the XDG specification says to ignore)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "autograd_mini")


def unsafe(path: str, strict: bool = True) -> Optional[str]:
    """Why the file or folder at `path` must not be trusted to hold a library, or None.

    Strict (the cache folder, a library): it must be the current user's, writable by no one else.
    Not strict (a folder above the cache): it may be root's too, and writable by others if it has
    the sticky bit. Where there is no owner to check (Windows), None."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return None
    st = os.stat(path)
    me = geteuid()
    if st.st_uid != me and (strict or st.st_uid != 0):
        return f"is owned by uid {st.st_uid}, not by this user (uid {me})"
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022 and (strict or not mode & stat.S_ISVTX):
        who = " and ".join(w for bit, w in ((0o020, "its group"), (0o002, "everyone")) if mode & bit)
        return f"has mode {mode:o}: writable by {who}{'' if strict else ' (and not sticky)'}"
    return None


def compiled(source: str) -> Compiled:
    """The program `source` compiled, or found in the cache and checked (see the module doc), and
    loaded. A cache not safe to load from: compiled into a private temporary folder instead."""
    cc = compiler()
    key = "\n".join([source, cc, *FLAGS, platform.machine(), platform.system(), sys.version])
    name = f"program-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}{SUFFIX}"
    folder, refusal = _checked_folder(cache_dir())
    if refusal is not None:
        warnings.warn(
            f"trace: not loading compiled programs from {refusal}; compiling into a private temporary "
            "folder instead (no cache)",
            CacheWarning,
            stacklevel=2,
        )
        return _build_and_load(cc, source, os.path.join(_scratch(), name), None)
    path = os.path.join(folder, name)
    fn, _ = _verified(path)
    if fn is not None:
        return Compiled(fn, path, 0.0)
    with _locked(path):
        fn, problem = _verified(path)  # another process may have built it while this one waited
        if fn is not None:
            return Compiled(fn, path, 0.0)
        if problem is not None:
            warnings.warn(f"trace: the cached library {path} {problem}; rebuilding it", CacheWarning,
                          stacklevel=2)
        return _build_and_load(cc, source, path, problem)


def library(source: str) -> Tuple[str, float]:
    """The path of the compiled library for `source`, checked, and the seconds spent compiling
    (0 when it was cached)."""
    built = compiled(source)
    return built.path, built.seconds


def load(path: str) -> Function:
    """The library's ``int program(const double *in, double *out, double *keep)``."""
    lib = ctypes.CDLL(path)
    fn = lib.program
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    fn.restype = ctypes.c_int
    setattr(fn, "library", lib)  # keep it loaded as long as the function lives  # noqa: B010
    return fn  # type: ignore[no-any-return]


def _checked_folder(folder: str) -> Tuple[str, Optional[str]]:
    """`folder` made if missing, its real path (no symbolic link left for anyone to swap) and None
    if it is safe to load from; else which folder is not, why, and what to do."""
    try:
        os.makedirs(os.path.dirname(folder), mode=0o700, exist_ok=True)
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        return folder, f"{folder}: it cannot be made ({e.strerror or e})"
    real = os.path.realpath(folder)
    chain = [(real, True)]
    while os.path.dirname(chain[-1][0]) != chain[-1][0]:
        chain.append((os.path.dirname(chain[-1][0]), False))  # each folder above it, up to /
    for path, strict in chain:
        why = unsafe(path, strict)
        if why is not None:
            fix = f"chmod go-w {path}, or " if "mode" in why else f"remove {path}, or " if strict else ""
            return folder, f"{folder} ({path} {why}: {fix}set XDG_CACHE_HOME to a folder of your own)"
    return real, None


def _verified(path: str) -> Tuple[Optional[Function], Optional[str]]:
    """The library at `path`, loaded if it is safe and whole; else None and what is wrong with it
    (None too if there is no library)."""
    try:
        why = unsafe(path)
    except FileNotFoundError:
        return None, None
    if why is not None:
        return None, why
    try:
        why = unsafe(_digest_path(path))
        with open(_digest_path(path), encoding="utf-8") as f:
            recorded = f.read().strip()
    except FileNotFoundError:
        return None, "has no recorded SHA-256 beside it"
    if why is not None:
        return None, f"has a recorded SHA-256 that {why}"
    if _sha256(path) != recorded:
        return None, "does not match its recorded SHA-256 (truncated or changed since it was built)"
    try:
        return load(path), None
    except (OSError, AttributeError) as e:  # not a library; a library without `program`
        return None, f"does not load ({e})"


def _build_and_load(cc: str, source: str, path: str, problem: Optional[str]) -> Compiled:
    """Compile `source` to `path` and load it; `problem` says why, when it replaces a library."""
    t0 = time.perf_counter()
    what_to_do = f"delete {path} and try again, or use backend='python'"
    try:
        _compile(cc, source, path)
    except (CompileError, OSError) as e:
        if problem is None:  # a first build: the compiler's own message
            raise
        detail = str(e).splitlines()[-1].strip()
        raise CompileError(
            f"trace: the cached library {path} {problem}, and rebuilding it failed ({detail}): {what_to_do}"
        ) from None
    seconds = time.perf_counter() - t0
    fn, again = _verified(path)
    if fn is None:
        raise CompileError(f"trace: the C library {path} was just built but {again}: {what_to_do}")
    return Compiled(fn, path, seconds)


def _compile(cc: str, source: str, path: str) -> None:
    """Compile into a temporary file beside `path`, record its SHA-256, rename it into place."""
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
            _write_private(_digest_path(path), _sha256(tmp) + "\n")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    _write_private(path[: -len(SUFFIX)] + ".c", source)  # beside it, for reading


def _write_private(path: str, text: str) -> None:
    """Write atomically, readable by all and writable by this user alone, whatever the umask."""
    write_atomic(path, text)
    os.chmod(path, 0o644)


def _digest_path(path: str) -> str:
    return path + ".sha256"


def _sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """Hold the lock of the library at `path` (the lock file stays: removing it would race)."""
    if fcntl is None:
        yield
        return
    fd = os.open(path[: -len(SUFFIX)] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


_SCRATCH: List[str] = []


def _scratch() -> str:
    """This process's private temporary folder (0700, made by mkdtemp), removed at exit."""
    if not _SCRATCH:
        folder = tempfile.mkdtemp(prefix="autograd_mini-")
        atexit.register(shutil.rmtree, folder, True)
        _SCRATCH.append(folder)
    return _SCRATCH[0]
