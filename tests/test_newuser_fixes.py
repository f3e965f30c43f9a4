"""What a new user's walkthrough found (notes/newuser_report.md), each pinned by a test: a learner's
unbalanced parenthesis, defop's unknown functions and built-in names, the exercises command's paths
and option order, save's error, the contributor tools' --help, the package's namespace, labels."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any, Callable, List

import pytest

from autograd_mini import Value, defop, exercises, nn
from autograd_mini.cli import main
from autograd_mini.engine import op_text
from autograd_mini.engine.board import END, START, derivative_table
from autograd_mini.engine.board import main as board_main
from autograd_mini.engine.op import OPS, BuiltinNameWarning, functions
from autograd_mini.formula import Formula
from autograd_mini.viz import dot_source

RIGHT_DERIVATIVES = {
    "tanh(x)": "1 - tanh(x)**2", "sigmoid(x)": "sigmoid(x) * (1 - sigmoid(x))", "x**3": "3*x**2",
    "exp(x)": "exp(x)", "log(x)": "1/x", "sqrt(x)": "1/(2*sqrt(x))", "1/x": "-1/x**2",
    "softplus(x)": "sigmoid(x)",
}


def cli(capsys: Any, *argv: str, command: Callable[[List[str]], int] = main) -> Any:
    """(exit status, stdout, stderr) of the command (`autograd-mini` unless another is named)."""
    status: Any
    try:
        status = command(list(argv))
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


# ---- 2. defop: a function a formula cannot call is a ValueError naming it and what may be called ----

def test_a_math_function_in_a_derivative_is_refused_naming_it_and_the_operations() -> None:
    with pytest.raises(ValueError) as e:
        defop("ch(x)", value="cosh(x)", grads=["sinh(x)"])
    message = str(e.value)
    assert message.startswith("defop ch: grads[0] (dch/dx) calls sinh, which is no operation:")
    ops = re.search(r"where\(cond, a, b\), ch and the operations ([\w, ]+);", message)
    assert ops is not None and ops.group(1).split(", ") == sorted(functions())
    assert "ch" not in OPS  # nothing half-defined


@pytest.mark.parametrize("fn", ["factorial", "gcd", "isclose", "frexp", "gamma", "sinhh"])
def test_an_unusable_or_unknown_function_in_a_value_is_refused(fn: str) -> None:
    with pytest.raises(ValueError, match=rf"^defop f: value: unknown function '{fn}' \(known: where, "):
        defop("f(x)", value=f"{fn}(x)", grads=["1"])


def test_every_function_the_message_offers_computes_what_math_does(recwarn: Any) -> None:
    """The "known" list of an unknown function is what a value may call: each one defined as an op
    gives math's number (or the op's, for the library's own and the ops other tests defined), and
    its derivative runs on Values."""
    with pytest.raises(ValueError) as e:
        defop("f(x)", value="factorial(x)", grads=["1"])
    known = re.search(r"\(known: where, ([\w, ]+)\)", str(e.value))
    assert known is not None
    offered = known.group(1).split(", ")
    assert {"sinh", "cosh", "tan", "log2", "sigmoid", "tanh", "gelu"} <= set(offered)
    assert not {"factorial", "gcd", "isclose", "f", "comb", "prod"} & set(offered)
    for fn in offered:
        x = 1.5 if fn == "acosh" else 0.25
        n = len(OPS[fn].args) if fn in OPS else 1
        mine = defop(f"mine_{fn}(x)", value=f"{fn}({', '.join(['x'] * n)})", grads=["2 * out"])(Value(x))
        want = OPS[fn](*[Value(x)] * n).data if fn in OPS else getattr(math, fn)(x)
        assert mine.data == want, fn
        mine.backward()
        assert mine.parents[0].grad == 2 * want, fn


# ---- 3. defop under a built-in's name: allowed, with one warning that says what it means ----

def test_taking_a_builtin_name_warns_once_and_says_what_keeps_the_librarys() -> None:
    x = Value(0.5)
    with pytest.warns(BuiltinNameWarning) as caught:
        mine = defop("tanh(x)", value="x", grads=["1"])
    assert len(caught) == 1 and caught[0].filename == __file__
    assert str(caught[0].message) == (
        "defop tanh: tanh is a built-in operation's name: the formulas read in this process now call yours, "
        "while x.tanh(), the layers and the built-ins' own derivatives keep the library's (choose another "
        "name to keep both apart)")
    assert Formula("tanh(x)", {"x": 0.5}).result.data == 0.5  # what the warning says: formulas call mine
    assert x.tanh().data == math.tanh(0.5) and mine(x).data == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        defop("tanh(x)", value="2 * x", grads=["2"])  # my own op again: no second warning
        defop("hypot2(a, b)", value="sqrt(a*a + b*b)", grads=["a / out", "b / out"])  # a new name: none


def test_abs_a_builtin_without_a_method_is_named_as_called() -> None:
    with pytest.warns(BuiltinNameWarning, match=r"while abs\(x\) of a Value and the built-ins' own"):
        defop("abs(x)", value="x", grads=["1"])


@pytest.mark.parametrize("value, grads, message", [
    ("exp(x, 2)", ["1"], "defop f: value: exp() takes 1 argument, got 2 in 'exp(x, 2)'"),
    ("x", ["tanh(x, 2)"], "defop f: grads[0]: tanh() takes 1 argument, got 2 in 'tanh(x, 2)'"),
    ("elu(x, 2)", ["1"],
     "defop f: value: elu() takes 1 argument (alpha is 1 in a formula), got 2 in 'elu(x, 2)'"),
    ("x", ["f(x, x)"], "defop f: grads[0]: f() takes 1 argument, got 2 in 'f(x, x)'"),
])
def test_a_call_with_the_wrong_number_of_arguments_is_refused_at_once(value: str, grads: list,
                                                                      message: str) -> None:
    with pytest.raises(ValueError) as e:
        defop("f(x)", value=value, grads=grads)
    assert str(e.value) == message


def test_an_op_that_keeps_a_number_is_called_with_its_default_in_a_value() -> None:
    """elu(x) in a user's value is elu with alpha = 1, on floats as on Values (it was a TypeError)."""
    mine = defop("my_elu2(x)", value="2 * elu(x)", grads=["2 * where(x > 0, 1, exp(x))"])
    for x in (-1.5, 0.5):
        v = Value(x)
        y = mine(v)
        y.backward()
        assert y.data == 2 * Value(x).elu().data == 2 * (x if x > 0 else math.expm1(x))
        assert v.grad == pytest.approx((mine(x + 1e-6).data - mine(x - 1e-6).data) / 2e-6, rel=1e-8)


# ---- 6. save names the user's path and what is wrong, never the temporary file ----

def test_save_into_a_missing_folder_names_the_path_and_the_folder(tmp_path: Path) -> None:
    model = nn.MLP(2, [1])
    missing = tmp_path / "nope" / "model.json"
    with pytest.raises(FileNotFoundError) as e:
        model.save(missing)
    assert str(e.value) == f"save: cannot write {str(missing)!r}: there is no folder {str(missing.parent)!r}"
    assert e.value.strerror == "No such file or directory"
    (tmp_path / "afile").write_text("")
    afile = r"^save: cannot write '.*afile/m\.json': '.*afile' is a file, not a folder$"
    with pytest.raises(NotADirectoryError, match=afile):
        model.save(tmp_path / "afile" / "m.json")
    with pytest.raises(IsADirectoryError, match=r"^save: cannot write '.*': it is a folder$"):
        model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # no temporary file left behind


# ---- 4. exercises start: a folder that cannot be made is one line, exit 2 ----

def test_start_below_a_file_is_one_line(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("mine")
    status, out, err = cli(capsys, "exercises", "start", "afile/sub")
    assert (status, out) == (2, "")
    assert err == ("autograd-mini: error: exercises.start: 'afile' is a file, not a folder, so there can be "
                   "no folder 'afile/sub'\n")
    status, out, err = cli(capsys, "exercises", "check", "afile")
    assert status == 2
    assert err.startswith("autograd-mini: error: exercises check: 'afile' is a file, not a folder")
    assert Path("afile").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_start_where_the_system_makes_no_folder_is_one_line(capsys: Any) -> None:
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc, where no folder can be made")
    status, out, err = cli(capsys, "exercises", "start", "/proc/nope")
    assert (status, out) == (2, "")
    assert err == ("autograd-mini: error: exercises.start: cannot make the folder '/proc/nope': no such file "
                   "or directory\n")


# ---- 5. exercises check: options and names in any order ----

def test_check_takes_names_before_and_after_options(tmp_path: Path, capsys: Any) -> None:
    """The report's own line invites `check DIR --seed 7 batch`: argparse refused a name after an option."""
    exercises.start(tmp_path)
    status, out, err = cli(capsys, "exercises", "check", str(tmp_path), "neuron", "--seed", "7", "batch")
    assert (status, err) == (1, "")
    assert out.splitlines() == ["✗ neuron: not done yet (it raises NotImplementedError) (seed 7)",
                                "✗ batch: not done yet (it raises NotImplementedError) (seed 7)",
                                "0 of 2 passed (seed 7: --seed 7 checks the same cases again)"]


# ---- 7. python -m autograd_mini.engine.board: --help, one-line errors ----

def board(capsys: Any, *argv: str) -> Any:
    return cli(capsys, *argv, command=board_main)


def test_board_help_and_mistakes(tmp_path: Path, capsys: Any) -> None:
    status, out, err = board(capsys, "--help")
    assert (status, err) == (0, "")
    assert out.startswith("usage: python -m autograd_mini.engine.board [-h] [FILE")
    nope = str(tmp_path / "nope.md")
    for argv, message in [
        (["--bogus"], "unrecognized arguments: --bogus (see python -m autograd_mini.engine.board --help)"),
        ([nope], f"cannot rewrite {nope!r}: no such file or directory"),
        ([str(tmp_path)], f"cannot rewrite {str(tmp_path)!r}: is a directory"),
    ]:
        assert board(capsys, *argv) == (2, "", f"python -m autograd_mini.engine.board: error: {message}\n")
    plain = tmp_path / "plain.md"
    plain.write_text("no table here\n")
    status, out, err = board(capsys, str(plain))
    assert status == 2 and err.endswith(f"error: {str(plain)!r} has no {START} ... {END} lines\n")


def test_board_prints_the_table_or_rewrites_it_in_a_file(tmp_path: Path, capsys: Any) -> None:
    assert board(capsys) == (0, derivative_table(), "")
    notes = tmp_path / "notes.md"
    notes.write_text(f"# Notes\n{START}\n| stale |\n{END}\nafter\n")
    assert board(capsys, str(notes)) == (0, f"{notes}: rewritten\n", "")
    assert notes.read_text() == f"# Notes\n{START}\n{derivative_table()}{END}\nafter\n"
    assert board(capsys, str(notes)) == (0, f"{notes}: already up to date\n", "")


# ---- 8. the package's namespace: its own names and its modules, no typing names ----

def test_the_package_shows_only_its_names_and_modules() -> None:
    import types

    import autograd_mini

    shown = {n for n in dir(autograd_mini) if not n.startswith("_")}
    others = {n for n in shown - set(autograd_mini.__all__)
              if not isinstance(getattr(autograd_mini, n), types.ModuleType)}
    assert others == set()  # it held typing's Any and Dict
    assert set(autograd_mini.__all__) - {"__version__"} <= shown


# ---- 9. a negative constant reads as a person writes it: '- (-1)', not '- -1' ----

def test_a_negative_constant_subtracted_is_shown_in_parentheses() -> None:
    """'- -1' reads as a typo (or C's --); the other operators read well with a minus sign, as
    Python writes them (test_viz keeps '+ -2.5')."""
    y = Value(2.0, label="y")
    shown = {op_text(z): z.data for z in [
        y - (-1), y - (-0.5), y + (-1), y * (-2), y ** (-1), (-1) - y, (-1) / y, y - 1, 3 ** y]}
    assert shown == {"- (-1)": 3.0, "- (-0.5)": 2.5, "+ -1": 1.0, "* -2": -4.0, "** -1": 0.5,
                     "-1 -": -3.0, "-1 /": -0.5, "- 1": 1.0, "3 **": 9.0}
    loss = (y - (-1)) ** 2  # the mse of a target -1, as the README's layer picture draws it
    source = dot_source(loss)
    assert "- (-1)" in source and "- -1" not in source


# ---- 10. demos/pictures/regenerate.py --help says what it does and does nothing ----

def test_regenerate_help_does_no_work(capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "demos" / "pictures" / "regenerate.py"
    spec = importlib.util.spec_from_file_location("regenerate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    work: list = []
    monkeypatch.setattr(module, "run", lambda *args, **kw: work.append(args))
    monkeypatch.setattr(module.tempfile, "TemporaryDirectory", lambda: work.append("tmp"))
    for argv, status in (["--help"], 0), (["--bogus"], 2):
        with pytest.raises(SystemExit) as e:
            module.main(argv)
        assert e.value.code == status
    out, err = capsys.readouterr()
    assert out.startswith("usage: python demos/pictures/regenerate.py [-h]\n\nMake every picture of the")
    assert "digits_confusion_matrix.png" in out and "It overwrites the pictures in" in out
    assert err.endswith("error: unrecognized arguments: --bogus\n")
    assert work == []


def test_a_right_derivative_that_defop_refuses_passes_and_makes_no_op() -> None:
    """The command line's formulas may give an op its number (elu(x, 2)); defop's may not."""
    twice = {**RIGHT_DERIVATIVES, "exp(x)": "exp(x) + elu(x, 2) - elu(x, 2)"}
    report = exercises.check("derivatives", twice, seed=3)
    assert report.passed, report.hint
    assert "my_exp" not in report.ops and report.ops["my_tanh"](Value(0.5)).data == math.tanh(0.5)
