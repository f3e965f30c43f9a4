"""What the demos share about their command lines: one-line errors, bounds on every size, and an
output folder, all checked before any work starts.

The bounds keep a run within what a scalar engine does in minutes and memory a laptop has (a
parameter is a Python object of about 180 bytes; a step of the engine takes about 0.2 µs per
weight and observation): a typo such as ``--hidden 100000000`` is one line and exit status 2, not
a machine that swaps for an hour.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import List, NoReturn, Sequence

MAX_WIDTH = 1024  # neurons in a hidden layer
MAX_LAYERS = 8  # hidden layers
MAX_PARAMETERS = 1_000_000  # weights and biases of the model: about 180 MB, seconds to build
MAX_TERMS = 10_000_000  # weight x observation products in one step: about 2 s with the engine


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


def bounded(value: int, option: str, low: int, high: int) -> int:
    """`value` if ``low <= value <= high``; else OptionError naming the option and the bound."""
    if value < low:
        raise OptionError(f"{option} must be at least {low}, got {value}")
    if value > high:
        raise OptionError(f"{option} must be at most {high:,} (a bound of this demo), got {value:,}")
    return value


def hidden_sizes(text: str) -> List[int]:
    """The --hidden layer sizes, e.g. ``"16,16"``: whole numbers from 1 to MAX_WIDTH, at most
    MAX_LAYERS of them; OptionError naming the problem."""
    try:
        sizes = [int(part) for part in text.split(",")]  # (an empty part, as in "16,,16", is refused)
    except ValueError:
        raise OptionError(f"--hidden must be comma-separated whole numbers, got {text[:40]!r}") from None
    if not sizes or any(h < 1 for h in sizes):
        raise OptionError(f"--hidden sizes must be at least 1, got {text[:40]!r}")
    bounded(len(sizes), "--hidden: the number of hidden layers", 1, MAX_LAYERS)
    for h in sizes:
        bounded(h, "--hidden sizes", 1, MAX_WIDTH)
    return sizes


def model_size(sizes: Sequence[int], batch: int, batch_option: str) -> None:
    """Refuse (OptionError) an MLP of layer `sizes` (inputs first) too large to build, or whose step
    on `batch` observations (the size `batch_option` sets) is too large to run, before any work."""
    parameters = sum((m + 1) * n for m, n in zip(sizes, sizes[1:]))
    if parameters > MAX_PARAMETERS:
        raise OptionError(f"--hidden: the model would have {parameters:,} parameters, more than the "
                          f"{MAX_PARAMETERS:,} this demo allows; use fewer or smaller layers")
    terms = batch * sum(m * n for m, n in zip(sizes, sizes[1:]))
    if terms > MAX_TERMS:
        raise OptionError(f"a training step would take {terms:,} weight x observation products, more than "
                          f"the {MAX_TERMS:,} this demo allows; use a smaller --hidden or {batch_option}")
