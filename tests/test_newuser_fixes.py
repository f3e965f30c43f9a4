"""What a new user's walkthrough found (notes/newuser_report.md), each pinned by a test: a learner's
unbalanced parenthesis, defop's unknown functions and built-in names, the exercises command's paths
and option order, save's error, the contributor tools' --help, the package's namespace, labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograd_mini import exercises
from autograd_mini.cli import main

RIGHT_DERIVATIVES = {
    "tanh(x)": "1 - tanh(x)**2", "sigmoid(x)": "sigmoid(x) * (1 - sigmoid(x))", "x**3": "3*x**2",
    "exp(x)": "exp(x)", "log(x)": "1/x", "sqrt(x)": "1/(2*sqrt(x))", "1/x": "-1/x**2",
    "softplus(x)": "sigmoid(x)",
}


def cli(capsys: Any, *argv: str) -> Any:
    """(exit status, stdout, stderr) of the command."""
    status: Any
    try:
        status = main(list(argv))
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


# ---- 1. exercise 1: an unbalanced parenthesis is a hint, not a RecursionError ----

@pytest.mark.parametrize("text, problem", [
    ("exp(x", "'(' was never closed"), ("(x", "'(' was never closed"), ("exp(x))", "unmatched ')'"),
    ("out(", "'(' was never closed"),
])
def test_an_unbalanced_parenthesis_is_named_in_the_hint(text: str, problem: str) -> None:
    report = exercises.check("derivatives", {**RIGHT_DERIVATIVES, "exp(x)": text}, seed=3)
    assert not report.passed
    assert report.hint == f"d/dx exp(x): {text!r} is not a formula: invalid syntax in {text!r}: {problem}"


def test_an_empty_or_constant_formula_is_judged_by_its_value() -> None:
    empty = exercises.check("derivatives", {**RIGHT_DERIVATIVES, "x**3": " "}, seed=3)
    assert empty.hint == "d/dx x**3: the formula is empty: write the derivative, as in '3*x**2'"
    constant = exercises.check("derivatives", {**RIGHT_DERIVATIVES, "x**3": "2*3"}, seed=3)
    assert constant.hint.startswith("d/dx x**3: '2*3' at x = -2 is 6, the derivative there is 12:")


def test_the_command_grades_an_unbalanced_formula_in_one_line(tmp_path: Path, capsys: Any) -> None:
    work = tmp_path / "work"
    exercises.start(work)
    (work / "ex1_derivatives.py").write_text(
        f"def local_derivatives():\n    return {({**RIGHT_DERIVATIVES, 'exp(x)': 'exp(x'})!r}\n")
    status, out, err = cli(capsys, "exercises", "check", str(work), "derivatives", "--seed", "1")
    assert status == 1 and err == ""
    assert out.splitlines()[0] == ("✗ derivatives: d/dx exp(x): 'exp(x' is not a formula: invalid syntax in "
                                   "'exp(x': '(' was never closed (seed 1)")
