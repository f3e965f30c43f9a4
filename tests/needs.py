"""What a test needs from the machine (a program, a package, a compiler) and what happens without it:
locally the test skips and says why; under CI (CI=true) it fails, because CI must run every test.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

ON_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> NoReturn:
    """Skip (locally) or fail (under CI=true) the test, or the module, that needs what is missing."""
    if ON_CI:
        pytest.fail(f"CI=true needs every test to run, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def module(name: str, install: str) -> ModuleType:
    """The module `name`, imported; `install` says how to get it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} is not installed ({install})")


def dot() -> None:
    if shutil.which("dot") is None:
        missing("Graphviz's dot program is not installed (apt-get install graphviz)")


def c_compiler() -> None:
    from autograd_mini.tape.cbuild import CompilerNotFound, compiler

    try:
        compiler()
    except CompilerNotFound as e:
        missing(f"the C backend cannot be tested: {e}")


needs_dot = pytest.mark.usefixtures("dot_program")
