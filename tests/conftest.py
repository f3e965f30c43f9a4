"""Fixtures the test files share."""

from __future__ import annotations

import needs
import pytest


@pytest.fixture
def dot_program() -> None:
    """Graphviz's dot: a skip without it, a failure under CI=true (see needs.py)."""
    needs.dot()
