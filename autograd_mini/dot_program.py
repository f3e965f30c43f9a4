"""Running Graphviz's `dot` program: with a time limit, and errors that say how to get it.

`run_dot(source, fmt)` needs neither the graphviz Python package nor anything of ours; the
pictures (`viz`) and the stepper page both draw through it.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Optional

from . import checks

DOT_TIMEOUT = 5.0  # seconds: the longest `render` and `jupyter_bundle` wait for `dot`

INSTALL_DOT = (
    "install Graphviz: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) "
    "or conda install -c conda-forge graphviz"
)


class GraphvizMissing(RuntimeError):
    """Graphviz is not available: the `dot` program, or (subclass) the `graphviz` package."""


class GraphvizPackageMissing(GraphvizMissing, ImportError):
    """The `graphviz` Python package is not installed (also an ImportError)."""


class GraphvizTimeout(RuntimeError):
    """Graphviz's `dot` ran longer than the time limit and was stopped."""


def run_dot(
    source: str, fmt: str = "svg", timeout: Optional[float] = DOT_TIMEOUT, where: str = "run_dot"
) -> bytes:
    """What Graphviz's `dot` program makes of `source` in format `fmt` (svg, png, pdf...).

    Stopped after `timeout` seconds (None: no limit) with `GraphvizTimeout`; `GraphvizMissing` when
    `dot` is not on PATH; RuntimeError with dot's own message when it fails.
    """
    check_timeout(timeout, where)
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(f"{where}: the Graphviz program 'dot' was not found on PATH; {INSTALL_DOT}")
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:  # run() has killed dot already
        raise GraphvizTimeout(
            f"{where}: Graphviz's dot did not finish within the time limit of {timeout:g} s"
        ) from None
    except OSError as e:
        raise GraphvizMissing(f"{where}: could not run {program}: {e.strerror or e}") from None
    if done.returncode != 0:
        said = " ".join(done.stderr.decode("utf-8", "replace").split())
        how = f"with status {done.returncode}" if done.returncode > 0 else f"on signal {-done.returncode}"
        raise RuntimeError(f"{where}: Graphviz's dot failed {how}: {said or 'no message'}")
    return done.stdout


def check_timeout(timeout: object, where: str) -> None:
    if timeout is None:
        return
    checks.positive(timeout, f"{where}: timeout", "a number of seconds > 0 (finite) or None")
