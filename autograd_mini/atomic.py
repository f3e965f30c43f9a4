"""Write a file so that readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def write_atomic(path: PathLike, data: Union[str, bytes]) -> None:
    """Write `data` (text as UTF-8, or bytes) to a temporary file beside `path`, then rename it.

    On any failure the temporary file is removed and `path` is left as it was. The new file gets
    the usual permissions (0o666 less the umask), not the private ones of a temporary file.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_atomic(p, "hello")
    >>> p.read_text()
    'hello'
    """
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
