"""Fixtures the test files share."""

from __future__ import annotations

from typing import Iterator

import needs
import pytest

pytest_plugins = ["browser_page"]  # the page tests' session browser and moons demo run


@pytest.fixture
def dot_program() -> None:
    """Graphviz's dot: a skip without it, a failure under CI=true (see needs.py)."""
    needs.dot()


@pytest.fixture(autouse=True)
def _ops_as_they_were() -> Iterator[None]:
    """An op a test defines (`defop`, the README's own softplus) is gone after it: the table of
    operations is one per process, and the next test must see the library's."""
    from autograd_mini.engine import OPS

    before = dict(OPS)
    yield
    OPS.clear()
    OPS.update(before)
