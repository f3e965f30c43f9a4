"""Learn back-propagation by doing it: five exercises, graded by the engine, with hints that name
the mistake.

1. ``derivatives``: each operation's local derivative as a formula (accepted ones become ops).
2. ``neuron``: dz = da·g'(z), dw_j = dz·a_j, db = dz, da_prev_j = w_j·dz.
3. ``layer``: one layer, one observation: dZ = dA ⊙ g'(Z), dW = dZ·A_prevᵀ, dB = dZ, dA_prev = Wᵀ·dZ.
4. ``batch``: N observations: dW = (1/N)·dZ·A_prevᵀ, dB = (1/N)·Σ dZ, dA_prev = Wᵀ·dZ.
5. ``mlp``: a whole network, layer by layer, compared with ``backward()``.

From Python or a notebook, check a function: ``exercises.check("batch", layer_backward)`` returns a
`Report` (``.passed``, ``.hint``, ``.seed``). From the shell, ``autograd-mini exercises start DIR``
writes one stub file per exercise and ``autograd-mini exercises check DIR`` grades them.

>>> names()
['derivatives', 'neuron', 'layer', 'batch', 'mlp']
>>> report = check("layer", lambda W, A_prev, Z, dA, activation: 1 / 0, seed=1)
>>> report.passed, report.hint.endswith("ZeroDivisionError: division by zero")
(False, True)
"""

from __future__ import annotations

import os
import random
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .. import checks
from ..atomic import write_atomic
from . import derivatives, layers, mlp
from .course import TIMEOUT, Exercise, grade
from .report import Report
from .stubs import stub

EXERCISES = (
    Exercise("derivatives", "Local derivatives as formulas", "local_derivatives", "ex1_derivatives.py",
             derivatives.cases, lambda returned: _ops(returned)),
    Exercise("neuron", "One neuron", "neuron_backward", "ex2_neuron.py", layers.neuron_cases),
    Exercise("layer", "One layer, one observation", "layer_backward", "ex3_layer.py",
             partial(layers.layer_cases, batch=False)),
    Exercise("batch", "One layer, a batch of N observations", "layer_backward", "ex4_batch.py",
             partial(layers.layer_cases, batch=True)),
    Exercise("mlp", "A whole network by hand", "mlp_backward", "ex5_mlp.py", mlp.cases),
)
BY_NAME = {e.name: e for e in EXERCISES}

Answer = Union[Callable[..., Any], Dict[str, Any], str, "os.PathLike[str]"]


def names() -> List[str]:
    """The exercises, in the order to do them."""
    return [e.name for e in EXERCISES]


def exercise(name: str) -> Exercise:
    if name not in BY_NAME:
        raise ValueError(f"exercises: unknown exercise {name!r}; choose one of {', '.join(names())}")
    return BY_NAME[name]


def check(name: str, answer: Answer, seed: Optional[int] = None, timeout: float = TIMEOUT) -> Report:
    """Grade `answer` for exercise `name`: a function (run in a child process, stopped after
    `timeout` seconds), the path of a file that defines it, or for "derivatives" the dict itself.
    `seed` draws the cases (a new one each time when None; the report says which, to replay it)."""
    e = exercise(name)
    timeout = checks.positive(timeout, "exercises.check: timeout")
    seed = None if seed is None else checks.integer(seed, "exercises.check: seed")
    if isinstance(answer, dict):
        table = dict(answer)
        answer = lambda: table  # noqa: E731  # the dict, answered by a function like the stub's
    if isinstance(answer, (str, os.PathLike)):
        path = Path(answer)
        if not path.is_file():
            raise ValueError(f"exercises.check: no file {str(path)!r}")
        return grade(e, path.resolve(), seed, timeout)
    if not callable(answer):
        raise TypeError(f"exercises.check: answer must be a function, a file's path or (for 'derivatives') "
                        f"a dict, got {type(answer).__name__}")
    return grade(e, answer, seed, timeout)


def start(folder: Union[str, os.PathLike[str]]) -> Tuple[List[Path], List[Path]]:
    """Write one stub file per exercise into `folder` (made if missing): (written, kept). A file that
    is already there is kept as it is: it may hold the learner's work. ValueError when a file stands
    where a folder must be; OSError, naming the folder, when the system refuses to make it."""
    where = Path(folder)
    in_the_way = next((p for p in (where, *where.parents) if p.exists() and not p.is_dir()), None)
    if in_the_way is not None:
        below = "" if in_the_way == where else f", so there can be no folder {str(where)!r}"
        raise ValueError(f"exercises.start: {str(in_the_way)!r} is a file, not a folder{below}")
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a folder the system will not make (/proc/x, no permission)
        why = (error.strerror or str(error)).lower()
        raise type(error)(f"exercises.start: cannot make the folder {str(where)!r}: {why}") from None
    written, kept = [], []
    for e in EXERCISES:
        path = where / e.file
        if path.exists():
            kept.append(path)
            continue
        write_atomic(path, stub(e.name, e.function, str(folder)), "exercises.start")
        written.append(path)
    return written, kept


def check_folder(folder: Union[str, os.PathLike[str]], only: Sequence[str] = (), seed: Optional[int] = None,
                 timeout: float = TIMEOUT) -> List[Report]:
    """Grade the files `start` wrote into `folder` (all, or the exercises named in `only`)."""
    chosen = [exercise(name) for name in only] or list(EXERCISES)
    if seed is None:  # one seed for the whole folder, so that one number replays it
        seed = random.SystemRandom().randrange(1, 100_000)
    reports = []
    for e in chosen:
        path = Path(folder) / e.file
        if not path.is_file():
            reports.append(Report(e.name, False, f"there is no {e.file} in {folder}: run "
                                  f"autograd-mini exercises start {folder}", seed, 0))
            continue
        reports.append(grade(e, path.resolve(), seed, timeout))
    return reports


def _ops(returned: Any) -> Dict[str, Any]:
    """The learner's accepted formulas as working ops, made by the library's `defop`."""
    from .. import defop  # (the package imports this one only when it is used)

    return derivatives.make_ops(returned, defop)


__all__ = ["EXERCISES", "Report", "check", "check_folder", "exercise", "names", "start"]
