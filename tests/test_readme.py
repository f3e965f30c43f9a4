"""The README is the front door: its commands are the real ones and every snippet runs."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest
from one_process import run_each

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")


def blocks(kind: str) -> list:
    return re.findall(rf"^```{kind}\n(.*?)^```", TEXT, flags=re.S | re.M)


def test_quick_start_is_the_two_commands() -> None:
    assert "pip install -e '.[demo]' && python demos/moons_classifier.py" in TEXT
    assert "pip install -e '.[test]' && pytest" in TEXT


def test_python_snippets_run_in_order_and_print_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run every ```python block in order in one namespace, as a reader pasting them would.

    The snippets state what they show with `assert`; every ```text block (printed output) must be
    printed, verbatim, by the snippets.
    """
    code = blocks("python")
    assert len(code) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    printed = io.StringIO()
    for i, block in enumerate(code, 1):
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(block, f"README.md python block {i}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"README python block {i} failed: {e!r}\n{block}") from e
    shown = blocks("text")
    assert shown
    for text in shown:
        assert text in printed.getvalue()
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")


def test_console_commands_run(tmp_path: Path) -> None:
    """Every `$ command` in a ```console block exits 0 (the installed script run as a module), in order,
    in one folder. Those that are Python's are run together in one Python (one_process.py): starting
    Python is most of each one's time."""
    lines = [line for block in blocks("console") for line in block.splitlines()]
    commands = [line[2:] for line in lines if line.startswith("$ ")]
    assert commands
    pending: List[Tuple[str, List[str]]] = []  # (command, what follows `python`), not yet run

    def run_pending() -> None:
        for (command, _), r in zip(pending, run_each([(argv, tmp_path) for _, argv in pending])):
            assert r.returncode == 0, f"{command}: {r.stderr}"
        pending.clear()

    for command in commands:
        argv = shlex.split(command)
        if argv[0] == "autograd-mini":
            pending.append((command, ["-m", "autograd_mini", *argv[1:]]))
        elif argv[0] == "python" and len(argv) > 1 and argv[1] != "-c":
            pending.append((command, argv[1:]))
        else:
            run_pending()
            r = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=60)
            assert r.returncode == 0, f"{command}: {r.stderr}"
    run_pending()
