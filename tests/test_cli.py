"""The `autograd-mini` command, run as a real process: outputs, exit codes, one-line errors."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

import pytest

import autograd_mini
from autograd_mini.cli import ExprError, main, parse_expression, parse_settings

PATH = os.environ.get("PATH", "").split(os.pathsep)
HAS_DOT = any(os.access(os.path.join(d, "dot"), os.X_OK) for d in PATH)
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")
NEURON = ["tanh(w*x + b)", "--set", "x=0.5", "--set", "w=-3", "--set", "b=2"]


def run(*args: str, cwd: Path, env: Dict[str, str] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograd_mini", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def gradients(stdout: str) -> Dict[str, float]:
    """{name: gradient} from lines like 'x = 0.5   d(result)/dx = -2.35'."""
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"d\(result\)/d(\w+) = (\S+)", stdout)}


@needs_dot
def test_graph_writes_svg_and_prints_values_and_gradients(tmp_path: Path) -> None:
    r = run("graph", *NEURON, "-o", "n.svg", cwd=tmp_path)
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


def test_graph_default_output_and_dot_source(tmp_path: Path) -> None:
    r = run("graph", "x*x", "--set", "x=3", "-o", "sq.dot", cwd=tmp_path)
    assert r.returncode == 0 and gradients(r.stdout) == {"x": 6.0}
    assert (tmp_path / "sq.dot").read_text("utf-8").startswith("digraph")


@needs_dot
def test_graph_default_output_is_graph_svg(tmp_path: Path) -> None:
    r = run("graph", "sin(x) * y", "--set", "x=1", "--set", "y=2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    g = gradients(r.stdout)
    assert g["x"] == pytest.approx(2 * math.cos(1.0), rel=1e-5)
    assert g["y"] == pytest.approx(math.sin(1), rel=1e-5)
    assert ET.parse(tmp_path / "graph.svg").getroot().tag.endswith("svg")


def test_explain_prints_the_table(tmp_path: Path) -> None:
    r = run("explain", "x*y + x", "--set", "x=2", "--set", "y=-3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[2].split() == ["step", "node", "op", "upstream", "parent", "local", "contribution"]
    tail = lines[lines.index("Gradients of the leaves:") + 1 :]
    leaves = {ln.split()[0]: float(ln.split()[-1]) for ln in tail}
    assert leaves == {"x": -2.0, "y": 2.0}
    assert list(tmp_path.iterdir()) == []  # explain draws nothing


def test_version_and_help(tmp_path: Path) -> None:
    r = run("--version", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"autograd-mini {autograd_mini.__version__}"
    for args in (["--help"], ["graph", "--help"], ["explain", "--help"]):
        r = run(*args, cwd=tmp_path)
        assert r.returncode == 0 and r.stdout.startswith("usage: autograd-mini"), args
    assert "--output" in run("graph", "--help", cwd=tmp_path).stdout
    assert "--set NAME=VALUE" in run("explain", "--help", cwd=tmp_path).stdout


BAD: List[List[str]] = [
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
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) or "(none)" for a in BAD])
def test_bad_input_is_one_line_and_status_2(tmp_path: Path, args: List[str]) -> None:
    r = run(*args, cwd=tmp_path)
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


def test_too_big_graph_says_how_to_raise_the_limit(tmp_path: Path) -> None:
    expr = " + ".join(f"x*{i}" for i in range(1, 80))  # x, 79 products, 78 sums: 158 values, 157 ops
    r = run("graph", expr, "--set", "x=1", "-o", "big.dot", cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert "315 nodes" in r.stderr and "--max-nodes 315" in r.stderr
    r = run("graph", expr, "--set", "x=1", "-o", "big.dot", "--max-nodes", "315", cwd=tmp_path)
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


def test_unwritable_output_is_one_line_and_status_1(tmp_path: Path) -> None:
    r = run("graph", "x*x", "--set", "x=3", "-o", "no/such/dir/g.dot", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("autograd-mini: error: ")
