"""The C compile cache: what it loads and what it refuses.

A cached library that is truncated is rebuilt (once, by one of two processes healing it at once)
and the call answers right; a library or folder that another user owns or could have written (group-
or world-writable, its own or a parent folder's mode) is never loaded. Each test builds its programs
in a subprocess, so this process has never loaded the library it then checks (a process that has a
library loaded keeps using it whatever happens to the file).

Without a C compiler these tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path
from typing import List, Tuple

import needs
import pytest

from autograd_mini import Value
from autograd_mini.tape import trace
from autograd_mini.tape.cbuild import CacheWarning, CompileError

SCRIPT = """
import sys, warnings
warnings.simplefilter("always")
from autograd_mini import Value
from autograd_mini.tape import trace
w = Value(1.5)
step = trace(lambda x: (w * x).sin() * {scale}, 0.5, backend="c")
print(repr(step(0.5)), repr(w.grad), step.last.compile_seconds > 0)
"""


@pytest.fixture(autouse=True)
def c_compiler() -> None:
    needs.c_compiler()


def expected(scale: float) -> Tuple[float, float]:
    """The loss and w.grad of the SCRIPT's program at x = 0.5: sin(1.5·0.5)·scale, 0.5·cos(0.75)·scale."""
    return math.sin(0.75) * scale, 0.5 * math.cos(0.75) * scale


def build(cache: Path, scale: float) -> subprocess.CompletedProcess:
    """Trace the SCRIPT's program in another process with `cache` as XDG_CACHE_HOME."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    r = subprocess.run([sys.executable, "-c", SCRIPT.format(scale=scale)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r


def libraries(cache: Path) -> List[Path]:
    return sorted(p for p in (cache / "autograd_mini").iterdir() if p.suffix in (".so", ".dylib"))


def here(cache: Path, scale: float, monkeypatch: pytest.MonkeyPatch) -> Tuple[float, float, List[str]]:
    """The SCRIPT's program traced in this process: its loss, w.grad and the CacheWarnings said."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    w = Value(1.5)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        step = trace(lambda x: (w * x).sin() * scale, 0.5, backend="c")
        loss = step(0.5)
    return loss, w.grad, [str(m.message) for m in said if issubclass(m.category, CacheWarning)]


def recorded_digest_matches(library: Path) -> bool:
    digests = [p for p in library.parent.iterdir() if p.name.startswith(library.name) and p != library]
    return any(hashlib.sha256(library.read_bytes()).hexdigest() in p.read_text() for p in digests)


def test_a_truncated_library_is_rebuilt_and_the_call_answers_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path, 2.25)
    [lib] = libraries(tmp_path)
    size = lib.stat().st_size
    with open(lib, "r+b") as f:  # a full disk, a killed copy
        f.truncate(size // 3)
    loss, grad, said = here(tmp_path, 2.25, monkeypatch)
    assert (loss, grad) == pytest.approx(expected(2.25), rel=1e-15)
    assert len(said) == 1 and str(lib) in said[0] and "rebuil" in said[0], said
    assert lib.stat().st_size == size and recorded_digest_matches(lib)
    assert here(tmp_path, 2.25, monkeypatch)[2] == []  # healed: said once, not at every trace


def test_a_library_that_does_not_load_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole by its recorded SHA-256, and still not a library the loader takes."""
    build(tmp_path, 1.125)
    [lib] = libraries(tmp_path)
    junk = b"\x7fELF not really"
    lib.write_bytes(junk)
    for digest in tmp_path.glob("autograd_mini/*.sha256"):
        digest.write_text(hashlib.sha256(junk).hexdigest() + "\n")
    loss, grad, said = here(tmp_path, 1.125, monkeypatch)
    assert (loss, grad) == pytest.approx(expected(1.125), rel=1e-15)
    assert len(said) == 1 and str(lib) in said[0] and "does not load" in said[0], said
    assert recorded_digest_matches(lib)


def test_two_processes_heal_a_corrupted_library_at_once_and_one_rebuilds(tmp_path: Path) -> None:
    build(tmp_path, 3.5)
    [lib] = libraries(tmp_path)
    lib.write_bytes(lib.read_bytes()[:100] + b"\0" * (lib.stat().st_size - 100))  # same size, zeros
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT.format(scale=3.5)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    for stdout, _ in outs:
        loss, grad, _compiled = stdout.split()
        assert (float(loss), float(grad)) == pytest.approx(expected(3.5), rel=1e-15)
    rebuilt = [line for _, stderr in outs for line in stderr.splitlines() if ": CacheWarning: " in line]
    assert len(rebuilt) == 1, outs  # the other process waited for it and loaded what it built
    assert recorded_digest_matches(lib)
    assert not [p for p in (tmp_path / "autograd_mini").iterdir() if p.name.endswith(".tmp")]


def test_two_processes_compiling_at_once_compile_once(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT.format(scale=5.75)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(stdout.split()[2] for stdout, _ in outs) == ["False", "True"], outs
    assert all(stderr == "" for _, stderr in outs)
    assert len(libraries(tmp_path)) == 1


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the library of the program with scale -9, built once for the module."""
    folder = tmp_path_factory.mktemp("elsewhere")
    build(folder, -9.0)
    return folder


def plant(cache: Path, scale: float, elsewhere: Path) -> Path:
    """The library (and what is recorded beside it) of the program with scale -9 put where the one
    with `scale` is cached: a working library that answers wrong if it is loaded."""
    build(cache, scale)
    [target] = libraries(cache)
    [planted] = libraries(elsewhere)
    for extra in planted.parent.iterdir():
        if extra.name.startswith(planted.name):  # the library and its recorded SHA-256
            shutil.copyfile(extra, target.parent / extra.name.replace(planted.name, target.name))
    return target


def test_a_group_writable_library_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    lib = plant(tmp_path, 4.0, elsewhere)
    lib.chmod(0o775)
    loss, grad, said = here(tmp_path, 4.0, monkeypatch)
    assert (loss, grad) == pytest.approx(expected(4.0), rel=1e-15)  # not -9's
    assert len(said) == 1 and str(lib) in said[0] and "775" in said[0], said
    assert stat.S_IMODE(lib.stat().st_mode) & 0o022 == 0  # replaced by one of its own


def test_a_library_owned_by_another_user_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    lib = plant(tmp_path, 6.5, elsewhere)
    me = os.geteuid()
    if me == 0:
        os.chown(lib, 4242, -1)  # as root: really another owner
    else:  # otherwise this process takes another uid, so that every file it made is another's
        monkeypatch.setattr(os, "geteuid", lambda: me + 1)
    loss, grad, said = here(tmp_path, 6.5, monkeypatch)
    assert (loss, grad) == pytest.approx(expected(6.5), rel=1e-15)
    assert len(said) == 1 and "owned by" in said[0], said


def test_a_cache_in_a_world_writable_folder_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: Path
) -> None:
    """XDG_CACHE_HOME in a folder anyone may write (without the sticky bit of /tmp): someone could
    swap our folder for theirs, so nothing in it is loaded; the program is compiled privately."""
    shared = tmp_path / "shared"
    lib = plant(shared, 7.25, elsewhere)
    shared.chmod(0o777)
    loss, grad, said = here(shared, 7.25, monkeypatch)
    assert (loss, grad) == pytest.approx(expected(7.25), rel=1e-15)
    assert len(said) == 1 and str(shared) in said[0] and "777" in said[0], said
    assert lib.read_bytes() == libraries(elsewhere)[0].read_bytes()  # left as it was


def test_the_cache_folder_is_private(tmp_path: Path) -> None:
    build(tmp_path, 8.125)
    assert stat.S_IMODE((tmp_path / "autograd_mini").stat().st_mode) == 0o700
    for lib in libraries(tmp_path):
        assert stat.S_IMODE(lib.stat().st_mode) & 0o022 == 0


def test_a_rebuild_that_fails_names_the_file_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_mini.tape.cbuild import compiler

    full = tmp_path / "disk-full"
    cc = tmp_path / "cc"  # the compiler, until the disk is full
    cc.write_text(f"#!/bin/sh\nif [ -e {full} ]; then echo 'cc: No space left on device' >&2; exit 1; fi\n"
                  f'exec {compiler()} "$@"\n')
    cc.chmod(0o755)
    monkeypatch.setenv("CC", str(cc))
    build(tmp_path, 9.5)
    [lib] = libraries(tmp_path)
    lib.write_bytes(b"not a library")
    full.touch()
    with pytest.raises(CompileError) as e:
        here(tmp_path, 9.5, monkeypatch)
    message = str(e.value)
    assert str(lib) in message and "delete" in message and "backend='python'" in message, message


def test_home_cache_follows_the_same_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without XDG_CACHE_HOME (or with a relative one, which the XDG specification says to ignore)
    the cache is ~/.cache/autograd_mini, checked the same way."""
    from autograd_mini.tape.cbuild import cache_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_dir() == str(tmp_path / ".cache" / "autograd_mini")
    (tmp_path / ".cache").mkdir(mode=0o700)
    (tmp_path / ".cache").chmod(0o770)  # group-writable
    monkeypatch.delenv("XDG_CACHE_HOME")
    w = Value(1.5)
    with pytest.warns(CacheWarning, match=r"\.cache has mode 770: writable by its group"):
        step = trace(lambda x: (w * x).sin() * 10.5, 0.5, backend="c")
    assert (step(0.5), w.grad) == pytest.approx(expected(10.5), rel=1e-15)
    assert not [p for p in (tmp_path / ".cache").rglob("*") if p.suffix in (".so", ".dylib")]
