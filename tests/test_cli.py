"""The `autograd-mini` command, run as a real process: outputs, exit codes, one-line errors. The runs
that need no environment of their own share one Python, each with its own argv, folder and output
(one_process.py)."""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest
from needs import needs_dot
from one_process import run_cases

import autograd_mini
from autograd_mini.cli import main, one_line
from autograd_mini.formula import ExprError, Formula, parse_expression, parse_settings

NEURON = ["tanh(w*x + b)", "--set", "x=0.5", "--set", "w=-3", "--set", "b=2"]


def run(*args: str, cwd: Path, env: Dict[str, str] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograd_mini", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


# The runs that only read what the command prints (most are one-line errors) are made together: each
# in a new folder of its own, all in one Python (one_process.py), the first time a test asks for one.
BATCH: Dict[Tuple[str, ...], Optional[Callable[[Path], None]]] = {}
Ran = Dict[Tuple[str, ...], Tuple[subprocess.CompletedProcess, Path]]


def batched(argvs: List[List[str]], prepare: Optional[Callable[[Path], None]] = None) -> List[List[str]]:
    """Add `argvs` to BATCH (`prepare` puts into a run's folder what it needs first); returns them."""
    for argv in argvs:
        if BATCH.setdefault(tuple(argv), prepare) is not prepare:
            raise ValueError(f"batched: {argv} is in BATCH already, with another prepare")
    return argvs


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """{argv: (what `run` of it gives, its folder)} for every argv of BATCH."""
    def prepare(argv: Tuple[str, ...], folder: Path) -> None:
        made_ready = BATCH[argv]
        if made_ready is not None:
            made_ready(folder)

    cases = {argv: argv for argv in BATCH}
    return run_cases(cases, tmp_path_factory, prepare, program=["-m", "autograd_mini"])


def gradients(stdout: str) -> Dict[str, float]:
    """{name: gradient} from lines like 'x = 0.5   d(result)/dx = -2.35'."""
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"d\(result\)/d(\w+) = (\S+)", stdout)}


NEURON_SVG, SQUARE_DOT, SIN_SVG, TABLE = batched([
    ["graph", *NEURON, "-o", "n.svg"],
    ["graph", "x*x", "--set", "x=3", "-o", "sq.dot"],
    ["graph", "sin(x) * y", "--set", "x=1", "--set", "y=2"],
    ["explain", "x*y + x", "--set", "x=2", "--set", "y=-3"],
])


@needs_dot
def test_graph_writes_svg_and_prints_values_and_gradients(ran: Ran) -> None:
    r, tmp_path = ran[tuple(NEURON_SVG)]
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    t = math.tanh(-3 * 0.5 + 2)
    g = gradients(r.stdout)
    assert g["x"] == pytest.approx(-3 * (1 - t * t), rel=1e-5)
    assert g["w"] == pytest.approx(0.5 * (1 - t * t), rel=1e-5)
    assert g["b"] == pytest.approx(1 - t * t, rel=1e-5)
    assert re.search(r"result\s+= 0\.4621", r.stdout)
    svg = ET.parse(tmp_path / "n.svg").getroot()
    nodes = [e for e in svg.iter("{http://www.w3.org/2000/svg}g") if e.get("class") == "node"]
    assert len(nodes) == 9
    assert "wrote n.svg" in r.stdout


def test_graph_default_output_and_dot_source(ran: Ran) -> None:
    r, tmp_path = ran[tuple(SQUARE_DOT)]
    assert r.returncode == 0 and gradients(r.stdout) == {"x": 6.0}
    assert (tmp_path / "sq.dot").read_text("utf-8").startswith("digraph")


@needs_dot
def test_graph_default_output_is_graph_svg(ran: Ran) -> None:
    r, tmp_path = ran[tuple(SIN_SVG)]
    assert r.returncode == 0, r.stderr
    g = gradients(r.stdout)
    assert g["x"] == pytest.approx(2 * math.cos(1.0), rel=1e-5)
    assert g["y"] == pytest.approx(math.sin(1), rel=1e-5)
    assert ET.parse(tmp_path / "graph.svg").getroot().tag.endswith("svg")


def test_explain_prints_the_table(ran: Ran) -> None:
    r, tmp_path = ran[tuple(TABLE)]
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    head = ["step", "node", "op", "upstream", "parent", "local", "contribution", "formula"]
    assert lines[2].split() == head
    tail = lines[lines.index("Gradients of the leaves:") + 1 :]
    leaves = {ln.split()[0]: float(ln.split()[-1]) for ln in tail}
    assert leaves == {"x": -2.0, "y": 2.0}
    assert list(tmp_path.iterdir()) == []  # explain draws nothing


HELP = batched([["--help"], ["graph", "--help"], ["explain", "--help"], ["--version"]])


def test_version_and_help(ran: Ran) -> None:
    r, _ = ran["--version",]
    assert r.returncode == 0 and r.stdout.strip() == f"autograd-mini {autograd_mini.__version__}"
    for args in HELP[:3]:
        r, _ = ran[tuple(args)]
        assert r.returncode == 0 and r.stdout.startswith("usage: autograd-mini"), args
    assert "--output" in ran["graph", "--help"][0].stdout
    assert "--set NAME=VALUE" in ran["explain", "--help"][0].stdout


BAD: List[List[str]] = batched([
    ["graph", "x.real", "--set", "x=1"],  # attribute access
    ["graph", "(lambda: 1)()", "--set", "x=1"],
    ["graph", "__import__('os').system('touch pwned')"],
    ["graph", "open('pwned', 'w')", "--set", "x=1"],
    ["graph", "foo(x)", "--set", "x=1"],  # unknown function
    ["graph", "x + y", "--set", "x=1"],  # unset variable
    ["graph", "x +", "--set", "x=1"],  # syntax
    ["graph", "x // 2", "--set", "x=1"],
    ["graph", "x if x else 1", "--set", "x=1"],
    ["graph", "'a' * x", "--set", "x=1"],
    ["graph", "exp(x, 2)", "--set", "x=1"],
    ["graph", "log(x)", "--set", "x=-1"],  # out of domain
    ["explain", "log(-1) + x", "--set", "x=1"],
    ["graph", "sqrt(x)", "--set", "x=-4"],
    ["graph", "1 / x", "--set", "x=0"],  # division by zero
    ["graph", "x ** 1000", "--set", "x=10"],  # overflow
    ["graph", "2 + 3"],  # nothing to differentiate
    ["graph", "x", "--set", "x=abc"],  # bad --set
    ["graph", "x", "--set", "x"],
    ["graph", "x", "--set", "x=1", "--set", "x=2"],
    ["graph", "x", "--set", "x=inf"],
    ["graph", "x", "--set", "x=1", "-o", "out.jpeg"],
    ["graph"],  # missing expression
    ["frobnicate", "x"],  # unknown command
    [],  # no command
])


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) or "(none)" for a in BAD])
def test_bad_input_is_one_line_and_status_2(ran: Ran, args: List[str]) -> None:
    r, tmp_path = ran[tuple(args)]
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-mini: error: "), r.stderr
    assert r.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no picture, and nothing 'pwned'


def test_error_messages_name_the_problem(capsys) -> None:
    cases = {
        ("x.real",): "unsupported syntax: attribute access",
        ("lambda: x",): "unsupported syntax: lambda",
        ("foo(x)",): "unknown function 'foo'",
        ("x + y",): "variable 'y' is not set: add --set y=VALUE",
        ("log(x)", "--set", "x=-1"): "log: needs a positive input, got -1.0",
        ("1 / x", "--set", "x=0"): "division by zero",
        ("x", "--set", "x=abc"): "bad --set 'x=abc'",
    }
    for args, expected in cases.items():
        argv = ["explain", *args]
        if "--set" not in args:
            argv += ["--set", "x=1"]
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        assert expected in capsys.readouterr().err, args


def test_missing_dot_is_one_line_with_install_hints_and_keeps_the_source(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=str(tmp_path / "no-bin"))
    r = run("graph", *NEURON, "-o", "n.svg", cwd=tmp_path, env=env)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-mini: error: ")
    assert "apt-get install graphviz" in lines[0] and "brew install graphviz" in lines[0]
    assert (tmp_path / "n.dot").read_text("utf-8").startswith("digraph")
    assert not (tmp_path / "n.svg").exists()
    assert "d(result)/dx" in r.stdout  # the numbers are still printed


BIG = " + ".join(f"x*{i}" for i in range(1, 80))  # x, 79 products, 78 sums: 158 values, 157 ops
TOO_BIG, RAISED = batched([["graph", BIG, "--set", "x=1", "-o", "big.dot"],
                           ["graph", BIG, "--set", "x=1", "-o", "big.dot", "--max-nodes", "315"]])


def test_too_big_graph_says_how_to_raise_the_limit(ran: Ran) -> None:
    r, _ = ran[tuple(TOO_BIG)]
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert "315 nodes" in r.stderr and "--max-nodes 315" in r.stderr
    r, _ = ran[tuple(RAISED)]
    assert r.returncode == 0 and gradients(r.stdout) == {"x": float(sum(range(1, 80)))}


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("autograd-mini")
    if not script.exists():
        pytest.skip("the autograd-mini script is not installed next to this python")
    r = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and autograd_mini.__version__ in r.stdout


def test_parse_expression_in_process() -> None:
    expr = "sigmoid(a) * -b + relu(a - b) + abs(-a) + cos(0) * a ** 2 / 4"
    y, leaves = parse_expression(expr, {"a": 0.5, "b": 2.0})
    a, b = leaves["a"], leaves["b"]
    assert list(leaves) == ["a", "b"]  # order of first use
    s = 1 / (1 + math.exp(-0.5))
    assert y.data == pytest.approx(s * -2.0 + 0.0 + 0.5 + 0.25 / 4)
    y.backward()
    assert a.grad == pytest.approx(s * (1 - s) * -2.0 + 0.0 + 1.0 + 0.5 / 2)
    assert b.grad == pytest.approx(-s)
    x, leaves = parse_expression("x * x", {"x": 3.0})
    assert x.parents[0] is x.parents[1]  # one leaf per name, shared
    assert parse_settings(["x=0.5", " w = -3 "]) == {"x": 0.5, "w": -3.0}
    with pytest.raises(ExprError, match="is a function name"):
        parse_settings(["exp=1"])
    with pytest.raises(ExprError, match="nested too deeply"):
        parse_expression("-" * 100_000 + "x", {"x": 1.0})


def a_file_and_a_folder(folder: Path) -> None:
    (folder / "a_file").write_text("not a folder")
    (folder / "a_dir.svg").mkdir()


UNWRITABLE = ["no/such/dir/g.dot", "/nonexistent/g.svg", "a_file/g.svg", "a_dir.svg"]
batched([["graph", "x*x", "--set", "x=3", "-o", output] for output in UNWRITABLE], a_file_and_a_folder)


@pytest.mark.parametrize("output", UNWRITABLE)
def test_unwritable_output_is_one_line_naming_it_and_status_2(ran: Ran, output: str) -> None:
    r, tmp_path = ran["graph", "x*x", "--set", "x=3", "-o", output]
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("autograd-mini: error: ")
    assert repr(output) in r.stderr and ".tmp" not in r.stderr
    assert r.stdout == ""  # refused before any work
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_dir.svg", "a_file"]


# ---- names as Python reads them (NFKC) ----


SET_NAMES = [("ｘ*3", "ｘ=2"), ("x*3", "ｘ=2"), ("ｘ*3", "x=2"), ("𝐱*3", "x=2"), ("x*3", "ｘ = 2")]
batched([["explain", formula, "--set", setting] for formula, setting in SET_NAMES])


@pytest.mark.parametrize("formula, setting", SET_NAMES)
def test_set_names_are_read_as_python_reads_names(ran: Ran, formula: str, setting: str) -> None:
    r, _ = ran["explain", formula, "--set", setting]
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no 'set but not used'
    tail = r.stdout.splitlines()[-1].split()
    assert tail[0] == "x" and float(tail[2]) == 2.0 and float(tail[-1]) == 3.0


def test_set_names_that_are_the_same_name_or_not_names() -> None:
    with pytest.raises(ExprError, match="x is set twice"):
        parse_settings(["x=1", "ｘ=2"])
    with pytest.raises(ExprError, match="exp is a function name"):
        parse_settings(["ｅｘｐ=1"])
    with pytest.raises(ExprError, match="if is a Python keyword"):
        parse_settings(["if=1"])
    with pytest.raises(ExprError, match="variable 'ｙ' is not set: add --set ｙ=VALUE"):
        parse_expression("x + ｙ", {"x": 1.0})  # named as typed


# ---- domain errors name the operation as the user wrote it ----

AS_WRITTEN = [
    (["explain", "sqrt(x)", "--set", "x=0"], "local derivative of 'sqrt(x)' (here sqrt(0.0)) is infinite"),
    (["graph", "sqrt(x)", "--set", "x=0", "-o", "g.dot"], "'sqrt(x)' (here sqrt(0.0)) is infinite"),
    (["explain", "x**0.5", "--set", "x=0"], "the local derivative of 'x**0.5' (here 0.0 ** 0.5) is infinite"),
    (["explain", "2*x**-3", "--set", "x=1e-100"], "'x**-3' (here 1e-100 ** -3.0) is too large for a float"),
    (["graph", "1e999*x", "--set", "x=1"], "the number '1e999' is too large for a float"),
    (["explain", "log(x) + 1", "--set", "x=-1"], "in 'log(x)': log: needs a positive input, got -1.0"),
    (["explain", "x / (x - 1)", "--set", "x=1"], "in 'x / (x - 1)': /: division by zero"),
    (["explain", "exp(x) * 2", "--set", "x=800"], "in 'exp(x)': exp: exp(800.0) is too large for a float"),
    # of two sqrt at 0, the one the gradient reaches (the other is multiplied by 0)
    (["explain", "sqrt(y) + sqrt(x) * 0", "--set", "x=0", "--set", "y=0"], "derivative of 'sqrt(y)'"),
    (["explain", "sqrt(x) * 0 + sqrt(y)", "--set", "x=0", "--set", "y=0"], "derivative of 'sqrt(y)'"),
]
batched([argv for argv, _ in AS_WRITTEN])


@pytest.mark.parametrize("argv, expected", AS_WRITTEN, ids=[" ".join(a[:2]) for a, _ in AS_WRITTEN])
def test_domain_errors_name_the_operation_as_written(ran: Ran, argv: List[str], expected: str) -> None:
    r, tmp_path = ran[tuple(argv)]
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and expected in lines[0], r.stderr
    assert "1e309" not in lines[0] and "negative" not in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_path_multiplied_by_zero_is_not_an_error() -> None:
    f = Formula("sqrt(x) * 0 + y", {"x": 0.0, "y": 1.0})
    f.backward()
    assert f.leaves["x"].grad == 0.0 and f.leaves["y"].grad == 1.0


# ---- one short line ----


def test_no_error_line_joins_sentences_with_a_stop_and_a_semicolon(tmp_path: Path) -> None:
    assert one_line("First sentence.\nSecond one: here\n\nthird") == "First sentence. Second one: here; third"
    env = dict(os.environ, PATH=str(tmp_path / "no-bin"))
    r = run("graph", "x*x", "--set", "x=3", "-o", "g.svg", cwd=tmp_path, env=env)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    assert ".;" not in r.stderr and "g.dot" in r.stderr


@pytest.mark.parametrize(
    "args",
    batched([
        ["graph", "0x" + "f" * 1200 + " * x", "--set", "x=1"],
        ["graph", "9" * 1200 + " * x", "--set", "x=1"],
        ["explain", "x", "--set", "x=" + "9" * 1200],
        ["explain", "x", "--set", "x=0x" + "f" * 1200],
        ["explain", "x +", "--set", "x=1" + "0" * 1200],
    ]),
    ids=["hex-literal", "decimal-literal", "decimal-set", "hex-set", "syntax"],
)
def test_huge_numbers_give_a_short_line(ran: Ran, args: List[str]) -> None:
    r, _ = ran[tuple(args)]
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and len(r.stderr) < 200, r.stderr


# ---- any formula Python's parser accepts ----


def longest_sum_python_parses() -> int:
    low, high = 1000, 100_000  # Python parses 1,000 terms; its AST builder gives up long before 100,000
    while high - low > 1:
        mid = (low + high) // 2
        try:
            ast.parse("+".join(["x"] * mid), mode="eval")
            low = mid
        except (RecursionError, MemoryError, SyntaxError):
            high = mid
    return low


@pytest.mark.parametrize("terms", [900, 1000, "longest"])
def test_flat_sums_as_long_as_python_parses_them(terms) -> None:
    # Python's limit depends on how deep the stack already is: leave room for a few more frames
    n = longest_sum_python_parses() - 30 if terms == "longest" else terms
    f = Formula("+".join(["x"] * n), {"x": 0.5})
    assert f.result.data == 0.5 * n
    f.backward()
    assert f.leaves["x"].grad == n
    assert f.explain().grad(f.leaves["x"]) == n
    deep = Formula("-" * 999 + "x", {"x": 2.0})  # unary minus, as deep as the sum above
    assert deep.result.data == -2.0


SUM_OF_1000 = batched([["explain", " + ".join(f"x*{i % 7}" for i in range(1000)), "--set", "x=1"]])[0]


def test_the_command_explains_a_sum_of_1000_terms(ran: Ran) -> None:
    r, _ = ran[tuple(SUM_OF_1000)]
    assert r.returncode == 0, r.stderr
    tail = r.stdout.splitlines()[-1].split()
    assert tail[0] == "x" and float(tail[-1]) == sum(i % 7 for i in range(1000))


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    group = " + ".join(["x*2"] * 100)
    env = dict(os.environ, EXPR=" + ".join([f"({group})"] * 40))  # 8,000 rows: far more than a pipe holds
    command = f'{sys.executable} -m autograd_mini explain "$EXPR" --set x=1'
    shell = f"{command} | head -1; exit ${{PIPESTATUS[0]}}"
    r = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=tmp_path, env=env,
                       timeout=60)
    assert r.stdout.startswith("Backward pass from ") and len(r.stdout.splitlines()) == 1
    assert r.stderr == "" and r.returncode == 141  # 128 + SIGPIPE, as a program killed by it


def test_a_formula_with_a_nul_character_is_an_expression_error() -> None:
    with pytest.raises(ExprError, match="x"):
        Formula("x\0", {"x": 1.0})


# ---- compile: the program autodiff writes ----


def test_compile_prints_a_program_that_gives_the_engines_value_and_gradients(capsys) -> None:
    assert main(["compile", "tanh(w*x + b)", "--set", "x=0.5", "--set", "w=-3", "--set", "b=2"]) == 0
    source = capsys.readouterr().out
    assert source.startswith('"""tanh(w*x + b)') and "# backward" in source
    namespace: dict = {}
    exec(compile(source, "<compiled>", "exec"), namespace)
    grads = [0.0, 0.0, 0.0]
    order = [a.targets[0].elts for a in ast.parse(source).body[-1].body  # the P unpacking: w, x, b
             if isinstance(a, ast.Assign) and isinstance(a.value, ast.Name) and a.value.id == "P"][0]
    names = [n.id for n in order]
    values = {"x": 0.5, "w": -3.0, "b": 2.0}
    out = namespace["program"]([values[n] for n in names], grads)
    formula = Formula("tanh(w*x + b)", values)
    formula.backward()
    assert out == formula.result.data
    assert grads == [formula.leaves[n].grad for n in names]


def test_compile_in_c_and_its_errors(capsys) -> None:
    assert main(["compile", "x*x + sin(x)", "--set", "x=1.5", "--c"]) == 0
    assert "#include <math.h>" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["compile", "x*y", "--set", "x=1"])
    assert info.value.code == 2
    assert "variable 'y' is not set" in capsys.readouterr().err


# ---- a formula that starts with '-'; the bound on a formula's length ----


@pytest.mark.parametrize(
    "argv",
    batched([
        ["explain", "-x*x", "--set", "x=3"],
        ["explain", "--set", "x=3", "-x*x"],
        ["explain", "--set", "x=3", "--", "-x*x"],  # as the help says
        ["graph", "-x*x", "--set", "x=3", "-o", "g.dot"],
    ]),
    ids=["first", "last", "after --", "graph"],
)
def test_a_formula_that_starts_with_minus_is_read_as_the_formula(ran: Ran, argv: List[str]) -> None:
    r, _ = ran[tuple(argv)]
    assert r.returncode == 0, r.stderr
    last = r.stdout.splitlines()[-1].split()  # explain's table ends with "x  data 3  grad -6"
    grad = gradients(r.stdout)["x"] if argv[0] == "graph" else float(last[-1])
    assert grad == -6.0  # d(-x²)/dx at 3


NOT_FORMULAS = [
    (["explain", "x", "--bogus"], "unrecognized arguments: --bogus"),
    (["graph", "x", "--set", "x=1", "-o"], "argument -o/--output: expected one argument"),
    (["explain", "-x*x", "-y*y", "--set", "x=1"], "unrecognized arguments"),
    (["explain", "-x", "--set", "x=1"], "goes last, after --: autograd-mini explain -- '-x'"),
]
batched([argv for argv, _ in NOT_FORMULAS])


@pytest.mark.parametrize("argv, message", NOT_FORMULAS)
def test_options_that_are_not_formulas_are_still_errors(ran: Ran, argv: List[str], message: str) -> None:
    r, tmp_path = ran[tuple(argv)]
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and message in r.stderr, r.stderr
    assert r.stdout == "" and list(tmp_path.iterdir()) == []


def test_a_formula_longer_than_the_bound_is_one_line_before_any_work(capsys, monkeypatch) -> None:
    from autograd_mini import cli

    too_long = " + ".join(["x*2"] * (cli.MAX_FORMULA // 6 + 2))  # 6 characters a term, less 3
    with pytest.raises(SystemExit) as info:
        main(["explain", too_long, "--set", "x=1"])
    err = capsys.readouterr().err
    assert len(too_long) > cli.MAX_FORMULA and info.value.code == 2 and len(err.splitlines()) == 1
    assert f"at most {cli.MAX_FORMULA:,} characters" in err and f"{len(too_long):,}" in err
    monkeypatch.setattr(cli, "MAX_FORMULA", 9)  # the bound itself is allowed
    assert main(["explain", "x*x + x*x", "--set", "x=1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split()[-1] == "4"
    with pytest.raises(SystemExit):
        main(["explain", "x*x + x*x ", "--set", "x=1"])
