"""Write a file so that readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def write_atomic(path: PathLike, data: Union[str, bytes], where: str = "") -> None:
    """Write `data` (text as UTF-8, or bytes) to a temporary file beside `path`, then rename it.

    On any failure the temporary file is removed and `path` is left as it was. The new file gets
    the usual permissions (0o666 less the umask), not the private ones of a temporary file. An
    OSError names `path` (not the temporary file) and what is wrong, after `where` (the caller).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_atomic(p, "hello")
    >>> p.read_text()
    'hello'
    """
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    except OSError as e:
        raise _named(e, path, where) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _named(e, path, where) from None
        raise


def _named(e: OSError, path: PathLike, where: str) -> OSError:
    """`e` (of its own class) said of `path`: the folder it is missing, or why it failed."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if os.path.isdir(os.fspath(path)):
        why = "it is a folder"
    elif os.path.exists(folder) and not os.path.isdir(folder):
        why = f"{folder!r} is a file, not a folder"
    elif not os.path.exists(folder):
        why = f"there is no folder {folder!r}"
    else:
        why = (e.strerror or str(e)).lower()
    named = type(e)(f"{where + ': ' if where else ''}cannot write {os.fspath(path)!r}: {why}")
    # the system's words, for a caller that words the error again; errno stays unset, or str()
    # would read '[Errno n] strerror' instead of the message
    named.strerror = e.strerror
    return named
