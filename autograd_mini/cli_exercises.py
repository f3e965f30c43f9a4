"""``autograd-mini exercises``: learn back-propagation by doing it.

    autograd-mini exercises start DIR          write one stub file per exercise into DIR
    autograd-mini exercises check DIR [NAME]   grade them: one line each (✓ or ✗ with a hint)
    autograd-mini exercises list               the exercises, in order

``check`` exits with 0 only when every exercise checked passes, 1 otherwise. The cases are drawn
from a seed that the output names; ``--seed`` draws the same ones again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import checks, exercises
from .exercises.course import TIMEOUT


class IntermixedParser(argparse.ArgumentParser):
    """A parser whose options may stand between its positional names, as in
    ``check DIR --seed 7 batch`` (argparse stops a ``nargs='*'`` list at the first option)."""

    _mixing = False

    def parse_known_args(  # type: ignore[override]  # (typeshed overloads it by the namespace type)
        self, args: Optional[Sequence[str]] = None, namespace: Optional[argparse.Namespace] = None
    ) -> Tuple[argparse.Namespace, List[str]]:
        if self._mixing:  # parse_known_intermixed_args calls it twice: for the options, then the rest
            return super().parse_known_args(args, namespace)
        self._mixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False


def said(text: str) -> Dict[str, str]:
    """A subcommand's help and description: its --help says what it does, as the list of commands does."""
    return {"help": text, "description": text[0].upper() + text[1:] + "."}


def add_exercises_parser(sub: Any) -> None:
    """The `exercises` subcommand, added to the command's subparsers `sub`."""
    e = sub.add_parser("exercises", **said("learn back-propagation by doing it: write exercises, check them"))
    mixed = type("IntermixedCommandParser", (IntermixedParser, type(e)), {})  # the command's errors, mixed
    actions = e.add_subparsers(dest="action", metavar="ACTION", parser_class=mixed)
    s = actions.add_parser("start", **said("write one stub file per exercise into DIR (never over a file)"))
    s.add_argument("folder", metavar="DIR", help="the folder for your exercise files (made if missing)")
    c = actions.add_parser("check", **said("grade the exercises in DIR, one line each; exit 0 when all pass"))
    c.add_argument("folder", metavar="DIR", help="the folder `start` wrote, with your answers in its files")
    c.add_argument("names", nargs="*", default=[], metavar="NAME",
                   help=f"only these (default: all): {', '.join(exercises.names())}")
    c.add_argument("--seed", type=int, help="draw the cases of an earlier check again")
    c.add_argument("--timeout", type=float, default=TIMEOUT,
                   help=f"seconds each exercise may run (default: {TIMEOUT:g})")
    actions.add_parser("list", **said("the exercises, in the order to do them"))


def run_exercises(args: argparse.Namespace) -> None:
    if args.action is None:
        raise ValueError("exercises: choose start, check or list (see autograd-mini exercises --help)")
    if args.action == "list":
        for i, e in enumerate(exercises.EXERCISES, 1):
            print(f"{i}. {e.name:<12} {e.title:<38} {e.file}: {e.function}")
    elif args.action == "start":
        _start(args.folder)
    else:
        _check(args)


def _start(folder: str) -> None:
    try:
        written, kept = exercises.start(folder)
    except OSError as e:  # a folder or file the system refuses: one line, as a mistake gets
        raise ValueError(str(e)) from None
    for path in written:
        print(f"wrote {path}")
    for path in kept:
        print(f"kept {path} (it is already there)")
    print(f"Write each function, then: autograd-mini exercises check {folder}")


def _check(args: argparse.Namespace) -> None:
    if Path(args.folder).exists() and not Path(args.folder).is_dir():
        raise ValueError(f"exercises check: {args.folder!r} is a file, not a folder: name the folder that "
                         "exercises start wrote")
    if not Path(args.folder).is_dir():
        raise ValueError(f"exercises check: there is no folder {args.folder!r}; "
                         f"make it with: autograd-mini exercises start {args.folder}")
    timeout = checks.positive(args.timeout, "exercises check: --timeout")
    reports = exercises.check_folder(args.folder, args.names, args.seed, timeout)
    for report in reports:
        print(report)
    passed = sum(r.passed for r in reports)
    seed = reports[0].seed
    print(f"{passed} of {len(reports)} passed (seed {seed}: --seed {seed} checks the same cases again)")
    if passed < len(reports):
        raise SystemExit(1)
