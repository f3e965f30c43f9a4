"""The exercises in order, and how one is checked: draw the cases from a seed, run the learner's
function apart (`running`), judge each case (`grading`), report."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Union

from .grading import Case, Verdict, choose
from .report import Report
from .running import Outcome, run, run_file

TIMEOUT = 10.0  # seconds per exercise, all its cases together


class Exercise(NamedTuple):
    name: str  # as in check(name, ...)
    title: str
    function: str  # the name of the learner's function
    file: str  # its stub file in the folder `start` writes
    cases: Callable[[random.Random], List[Case]]
    # the working ops made from what the learner returned (the derivatives exercise)
    ops: Optional[Callable[[Any], Dict[str, Any]]] = None


def grade(exercise: Exercise, answer: Union[Callable[..., Any], Path], seed: Optional[int] = None,
          timeout: float = TIMEOUT) -> Report:
    """Check `answer` (a function, or the path of a file defining ``exercise.function``)."""
    if seed is None:
        seed = random.SystemRandom().randrange(1, 100_000)
    cases = exercise.cases(random.Random(seed))
    args = [case.args for case in cases]
    if isinstance(answer, Path):
        outcome = run_file(answer, exercise.function, args, timeout)
    else:
        outcome = run(answer, args, timeout)
    hint = _hint(cases, outcome)
    report = Report(exercise.name, hint is None, hint or "", seed, len(cases), outcome.printed)
    if exercise.ops is not None and outcome.results and outcome.results[0].error is None:
        report = report._replace(ops=exercise.ops(outcome.results[0].value))
    return report


def _hint(cases: List[Case], outcome: Outcome) -> Optional[str]:
    labels = [case.label for case in cases]
    if outcome.unloaded is not None:
        return f"your file could not be loaded: {outcome.unloaded}"
    if any(result.not_done for result in outcome.results):
        return "not done yet (it raises NotImplementedError)"
    verdicts: List[Optional[Verdict]] = []
    for case, result in zip(cases, outcome.results):
        if result.error is not None:
            sizes = " (an index out of range often means a loop runs over the wrong one of the sizes " \
                "above)" if "IndexError" in result.error else ""
            verdicts.append(Verdict(f"your function raised an error, at {result.error}{sizes}", False))
        else:
            verdicts.append(case.judge(result.value))
    hint = choose(verdicts, labels)
    if hint is None and outcome.stopped is not None:
        done = len(outcome.results)
        if done < len(cases):
            return f"case {done + 1} of {len(cases)} ({labels[done]}): {outcome.stopped}"
        return outcome.stopped
    return hint
