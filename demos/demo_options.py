"""What the demos share about their command lines: one-line errors, and an output folder checked
before any work starts."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line, as the demos' own are (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


class OptionError(ValueError):
    """A bad command-line option, reported in one line before any training."""


def writable_folder(out: str) -> Path:
    """The --out folder, made if missing and tried with a file; OptionError naming it otherwise."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as e:
        raise OptionError(f"--out {str(path)!r} is not a writable folder ({e.strerror or e})") from None
    return path
