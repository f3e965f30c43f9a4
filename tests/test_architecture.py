"""The package's shape: modules meet at public names, imports form no circle, files stay small,
and each activation's derivative is one formula (fused and unfused neurons agree at the extremes)."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Dict, List, Set

import pytest

from autograd_mini import Value, grad, linear

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_mini"


def _modules() -> Dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _resolve(module: str, is_package: bool, level: int, name: str) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports(module: str, tree: ast.Module, packages: Set[str]) -> List[tuple]:
    """(imported module, imported name or '') for every import, at any depth of the file."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                target = _resolve(module, module in packages, node.level, target)
            found += [(target, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return [(t, n) for t, n in found if t.startswith("autograd_mini")]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_takes_a_private_name_from_another() -> None:
    modules = _modules()
    packages = {m for m in modules if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    bad = [f"{m} imports {name} from {target}"
           for m, tree in modules.items() for target, name in _imports(m, tree, packages)
           if _private(name) and target != m]
    for m, tree in modules.items():  # module._name, where module is one of ours imported by name
        froms = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        aliases = {alias.asname or alias.name for node in froms for alias in node.names
                   if f"{_resolve(m, m in packages, node.level, node.module or '')}.{alias.name}" in modules
                   or f"{node.module}.{alias.name}" in modules}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
                if node.value.id in aliases:
                    bad.append(f"{m} reads {node.value.id}.{node.attr}")
    assert not bad


def test_the_imports_form_no_circle() -> None:
    modules = _modules()
    packages = {m for m in modules if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    edges: Dict[str, Set[str]] = {m: set() for m in modules}
    for m, tree in modules.items():
        for target, name in _imports(m, tree, packages):
            if f"{target}.{name}" in modules:  # `from . import checks` names a module
                target = f"{target}.{name}"
            if target in modules and target != m and not m.startswith(target + "."):
                edges[m].add(target)  # a package's own __init__ may gather its submodules
    # a depth-first search for a back edge
    state: Dict[str, int] = {}

    def visit(m: str, path: List[str]) -> None:
        state[m] = 1
        for t in sorted(edges[m]):
            if t.startswith(m + "."):  # a package importing its own submodules is not a circle
                continue
            if state.get(t) == 1:
                raise AssertionError(" -> ".join([*path, m, t]))
            if t not in state:
                visit(t, [*path, m])
        state[m] = 2

    for m in sorted(modules):
        if m not in state:
            visit(m, [])


def test_no_file_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


@pytest.mark.parametrize("z", [-40.0, -30.0, 30.0, 40.0])
def test_fused_and_unfused_sigmoid_neurons_agree_at_the_extremes(z: float) -> None:
    w, x, b = Value(2.0), Value(z / 2.0), Value(0.0)
    fused = linear([[w]], [x], [b], "sigmoid")[0]
    plain = linear([[w]], [x], [b])[0].sigmoid()
    exact = math.exp(-abs(z)) / (1.0 + math.exp(-abs(z))) ** 2  # s(z)·s(-z), written without overflow
    for y in (fused, plain):
        dw, dx = grad(y, [w, x])
        assert dw == pytest.approx(exact * z / 2.0, rel=1e-12)
        assert dx == pytest.approx(exact * 2.0, rel=1e-12)


def test_no_module_shares_its_name_with_a_function_of_the_package() -> None:
    import importlib

    import autograd_mini
    import autograd_mini.explanation as E

    assert E.explain_layer is autograd_mini.explain_layer and callable(autograd_mini.explain)
    for path in PACKAGE.iterdir():
        name = path.stem if path.suffix == ".py" else path.name
        if (path.suffix == ".py" or (path / "__init__.py").exists()) and not name.startswith("_"):
            module = importlib.import_module(f"autograd_mini.{name}")
            assert getattr(autograd_mini, name, module) is module, f"autograd_mini.{name} is not the module"
