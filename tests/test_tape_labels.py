"""softmax_cross_entropy over a batch of traced labels: one guard checks them all at each call,
refusing what the interpreter refuses, with the interpreter's error."""

from __future__ import annotations

import random
import re
from typing import Any, Iterator

import needs
import numpy as np
import pytest

from autograd_mini import losses, nn, optim
from autograd_mini.tape import trace


@pytest.fixture(params=["python", "c"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "c":
        needs.c_compiler()
    yield request.param


def batch(n: int, seed: int) -> Any:
    rng = random.Random(seed)
    return [[rng.uniform(-1, 1) for _ in range(5)] for _ in range(n)], [rng.randrange(4) for _ in range(n)]


@pytest.mark.parametrize("bad", [4, -1, 1.5, True, "2"])
def test_one_guard_for_the_batch_refuses_what_the_interpreter_refuses(backend: str, bad: Any) -> None:
    model = nn.MLP(5, [4], rng=random.Random(0), fused=True)
    X, y = batch(6, 1)
    step = trace(lambda X, y: losses.softmax_cross_entropy(model(X), y), X, y, backend=backend)
    prog = step.programs[next(iter(step.programs))]
    assert len(prog.guards) == 1 and prog.guards[0][0] == slice(30, 36)  # y's six numbers, at once
    y_bad = [*y[:3], bad, *y[4:]]
    with pytest.raises((TypeError, ValueError)) as theirs:
        losses.softmax_cross_entropy(model(X), y_bad)
    with pytest.raises(type(theirs.value)) as ours:
        step(X, y_bad)
    assert str(ours.value) == str(theirs.value)
    good = [3, 0, np.int64(2), 1, 1, 0]  # numpy integers are class indices too
    model.zero_grad()
    loss = losses.softmax_cross_entropy(model(X), good)
    loss.backward()
    want = [p.grad for p in model.parameters()]
    model.zero_grad()
    assert step(X, good) == loss.data and [p.grad for p in model.parameters()] == want


def test_a_bad_label_in_a_run_is_answered_by_the_interpreter_and_the_run_stops_there(backend: str) -> None:
    model = nn.MLP(5, [4], rng=random.Random(2), fused=True)
    opt = optim.AdamW(model.parameters(), lr=0.01)
    batches = [batch(6, s) for s in range(4)]
    step = trace(lambda X, y: losses.softmax_cross_entropy(model(X), y), *batches[0], backend=backend,
                 optimizer=opt)
    batches[2] = (batches[2][0], [0, 1, 2, 9, 1, 0])
    with pytest.raises(ValueError, match=r"class index must be in 0..3, got 9"):
        step.run(batches)
    assert opt.steps == 2  # the two batches before it were taken


@pytest.mark.parametrize("backend", ["python", "c"])
def test_parameters_labelled_like_the_programs_own_names_keep_their_numbers(backend: str) -> None:
    """Leaves labelled v2, v4, v5 (as a student may name them) beside nodes the program calls v2
    and v4: the small program names its parameters by their labels, and those names were taken
    by the nodes as well, so the C program returned 4.0 for 2·3 + 4 and both gave wrong gradients."""
    from autograd_mini import Value

    if backend == "c":
        needs.c_compiler()
    a, b, c = Value(2.0, label="v2"), Value(3.0, label="v4"), Value(4.0, label="v5")
    step = trace(lambda: a * b + c, backend=backend)
    assert step() == 10.0 and [p.grad for p in (a, b, c)] == [3.0, 2.0, 1.0]
    step.check()
    names = re.findall(r"^\s*(\w+) = ", step.source, flags=re.M) if backend == "python" else []
    assert "v2" not in names  # the parameter v2 is read, never written over


@pytest.mark.parametrize("backend", ["python", "c"])
@pytest.mark.parametrize("labels", [("v2", "v4", "d_v2"), ("w", "d_w", "v1"), ("P", "G", "program")])
def test_labels_that_are_another_ones_gradient_or_the_programs_words(labels: Any, backend: str) -> None:
    """(Random labels found ("v2", "d_v2"): the gradient of the first was named as the second.)"""
    from autograd_mini import Value

    if backend == "c":
        needs.c_compiler()
    a, b, c = (Value(x, label=n) for x, n in zip((2.0, 3.0, 4.0), labels))
    step = trace(lambda: (a * b + c) * a, backend=backend)
    assert step() == 20.0 and [p.grad for p in (a, b, c)] == [16.0, 4.0, 2.0]  # 2ab + c, a², a


def test_the_command_lines_program_of_v1_v2_v3_is_right() -> None:
    from autograd_mini.formula import parse_expression
    from autograd_mini.tape import source_of

    y, leaves = parse_expression("v1*v2 + v3", {"v1": 2.0, "v2": 3.0, "v3": 4.0})
    namespace: dict = {}
    exec(source_of(y), namespace)  # noqa: S102 - the program the library wrote
    G = [0.0, 0.0, 0.0]
    assert namespace["program"]([2.0, 3.0, 4.0], G) == 10.0 and G == [3.0, 2.0, 1.0]
