"""The C program against the interpreter, as tests/test_tape.py does for the Python one; and the
compiler's part: the cache in $XDG_CACHE_HOME, two processes compiling at once, no compiler.

Without a C compiler these tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import needs
import pytest
import test_tape as T
from test_ops import OPS

from autograd_mini import Value, total
from autograd_mini.tape import trace
from autograd_mini.tape.cbuild import FLAGS, CompilerNotFound, cache_dir


@pytest.fixture(autouse=True, scope="module")
def c_compiler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A C compiler (or a skip, or in CI a failure), and a cache of this module's own."""
    needs.c_compiler()
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


def every_op(point_index: int) -> tuple:
    """All the ops of the op table in one function (one compile): their sum, each on its own
    parameters, so each parameter's gradient is one op's."""
    cases = [(op, [Value(x) for x in op.points[min(point_index, len(op.points) - 1)]]) for op in OPS]
    params = [p for _, ps in cases for p in ps]
    return (lambda: total([op.f(*ps) for op, ps in cases])), params


@pytest.mark.parametrize("point_index", [0, 1])
def test_every_op_as_parameters(point_index: int) -> None:
    fn, params = every_op(point_index)
    step = T.assert_same(fn, [], params, backend="c", exact=True)
    assert step.backend_used == "c"


def test_every_op_on_arguments() -> None:
    w = Value(0.75, label="w")
    sizes = [len(op.points[0]) for op in OPS]

    def fn(*xs: Any) -> Value:
        xs = tuple(x if type(x) is Value else Value(x) for x in xs)
        parts, k = [], 0
        for op, n in zip(OPS, sizes):
            parts.append(op.f(*xs[k : k + n]))
            k += n
        return total(parts) * w

    point = [x for op in OPS for x in op.points[0]]
    step = T.assert_same(fn, point, [w], backend="c", exact=True)
    T.assert_same(fn, [x * 0.9 + 0.01 for x in point], [w], backend="c", exact=True, step=step)


@pytest.mark.parametrize("group", range(4))
def test_random_graphs(group: int) -> None:
    fn, args, params = T.grouped([T.random_case(seed) for seed in range(20 * group, 20 * group + 20)])
    step = T.assert_same(fn, args, params, backend="c")
    T.assert_same(fn, [x * 0.7 - 0.1 for x in args], params, backend="c", step=step)


@pytest.mark.parametrize("fused", [True, False])
def test_moons_mlp_to_the_bit(fused: bool) -> None:
    fn, args, params = T.moons_model(fused)
    T.train_alongside(fn, args, params, "c")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_softmax_model_to_the_bit(activation: str) -> None:
    fn, args, params = T.softmax_model(activation)
    step = T.train_alongside(fn, args, params, "c")
    step.check(*args)


@pytest.mark.parametrize("change", T.BAD_CHANGES)
def test_bad_arguments_raise_as_the_interpreter_does(change: Any) -> None:
    T.test_bad_arguments_raise_as_the_interpreter_does(change, backend="c")


def test_domain_errors_raise_as_the_interpreter_does() -> None:
    T.test_domain_errors_raise_as_the_interpreter_does(backend="c")


def test_an_overflow_a_later_op_hides_still_raises() -> None:
    """exp(800·x) overflows; tanh would turn the inf into 1. The interpreter raises; the C
    program sees the floating-point flag and hands the call to it."""
    w = Value(1.0, label="w")
    fn = lambda x: (w * x).exp().tanh()  # noqa: E731
    step = trace(fn, 1.0, backend="c")
    T.same_error(fn, step, [800.0])


def test_the_library_is_cached_by_its_source() -> None:
    w = Value(0.5, label="w")
    fn = lambda x: (w * x).sin() * 7.25  # noqa: E731
    first = trace(fn, 1.0, backend="c")
    again = trace(fn, 1.0, backend="c")
    assert again.last is not None and again.last.compile_seconds == 0.0
    assert first.source == again.source
    files = os.listdir(cache_dir())
    assert cache_dir().startswith(os.environ["XDG_CACHE_HOME"])
    assert any(f.endswith(".so") or f.endswith(".dylib") for f in files)
    assert not [f for f in files if f.endswith(".tmp")]


def test_two_processes_compiling_at_once(tmp_path: Path) -> None:
    script = (
        "from autograd_mini import Value\n"
        "from autograd_mini.tape import trace\n"
        "w = Value(1.5)\n"
        "step = trace(lambda x: (w * x).cos() * 3.125, 0.5, backend='c')\n"
        "print(step(0.5), w.grad)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs[0] == outs[1] and outs[0].strip()
    files = os.listdir(tmp_path / "autograd_mini")
    assert len([f for f in files if f.endswith(".so") or f.endswith(".dylib")]) == 1
    assert not [f for f in files if f.endswith(".tmp")]


def test_without_a_compiler_c_says_how_to_get_one_and_auto_uses_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CC", "/nonexistent/cc")
    w = Value(2.0)
    with pytest.raises(CompilerNotFound) as e:
        trace(lambda x: w * x, 1.0, backend="c")
    message = str(e.value)
    assert "\n" not in message and ("apt-get install gcc" in message or "xcode-select --install" in message)
    step = trace(lambda x: w * x, 1.0, backend="auto")
    assert step.backend_used == "python" and step(3.0) == 6.0


def test_auto_uses_c_where_there_is_a_compiler() -> None:
    w = Value(2.0)
    step = trace(lambda x: w * x + 1.0, 1.0, backend="auto")
    assert step.backend_used == "c" and step(3.0) == 7.0 and w.grad == 3.0


def test_the_c_source_keeps_the_order_of_the_sums() -> None:
    fn, args, _ = T.moons_model(True)
    src = trace(fn, *args, backend="c").source
    assert "for (int i = 39; i >= 0; i--)" in src  # the observations, last to first, as backward()
    assert "-ffp-contract=off" in FLAGS  # no fused multiply-add: Python's roundings, one at a time


def test_source_of_in_c_compiles_and_gives_backwards_numbers() -> None:
    import ctypes
    import struct

    from autograd_mini.tape import source_of
    from autograd_mini.tape.cbuild import library, load

    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    y = (w * x + b).tanh()
    fn = load(library(source_of(y, backend="c"))[0])
    out = ctypes.create_string_buffer(8 * 4)
    assert fn(struct.pack("6d", -3.0, 0.5, 2.0, 0.0, 0.0, 0.0), out, None) == 0
    y.backward()
    assert struct.unpack("4d", out.raw) == (y.data, w.grad, x.grad, b.grad)


def test_an_unfused_mlp_compiles_in_seconds() -> None:
    """z and a nodes: the relu of each z is a loop over the layer, not a line per node."""
    fn, args, params = T.moons_model(False)
    step = trace(fn, *args, backend="c")
    assert step.last is not None and step.last.compile_seconds < 10.0
    assert step.source.count("\n") < 600


def test_a_ten_class_softmax_with_an_optimizer_to_the_bit() -> None:
    """Ten logits: the class pick is a neuron over ten inputs scattered in the workspace (a table
    of slots in C); AdamW inside the program; three steps equal the interpreter loop's."""
    import random

    from autograd_mini import losses, nn, optim

    rng = random.Random(2)
    model = nn.MLP(6, [5, 10], rng=rng, fused=True)
    params = model.parameters()
    X = [[rng.uniform(0, 1) for _ in range(6)] for _ in range(8)]
    y = [rng.randrange(10) for _ in range(8)]

    def fn(X: Any, y: Any) -> Value:
        return losses.softmax_cross_entropy(model(X), y)

    start = [p.data for p in params]
    opt = optim.AdamW(params, lr=0.01)
    want = []
    for _ in range(3):
        opt.zero_grad()
        loss = fn(X, y)
        loss.backward()
        opt.step()
        want.append(loss.data)
    want_state = [p.data for p in params], [p.grad for p in params], opt.state_dict()
    for p, x in zip(params, start):
        p.data, p.grad = x, 0.0
    opt = optim.AdamW(params, lr=0.01)
    step = trace(fn, X, y, backend="c", optimizer=opt)
    assert step.run([(X, y)] * 3) == want and step.fallbacks == 0
    assert ([p.data for p in params], [p.grad for p in params], opt.state_dict()) == want_state
