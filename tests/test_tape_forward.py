"""trace(fn, *args, backward=False): the forward pass alone, returning fn's outputs in their shape,
equal to the interpreter's to the bit, in Python and in C."""

from __future__ import annotations

import math
import random
from typing import Any, Iterator, List

import needs
import pytest

from autograd_mini import Value, losses, nn, no_grad
from autograd_mini.tape import trace

BACKENDS = ["python", "c"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "c":
        needs.c_compiler()
    yield request.param


def rows(n: int, m: int, seed: int) -> List[List[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(m)] for _ in range(n)]


def numbers(out: Any) -> Any:
    """fn's outputs as numbers, the way the interpreter answers (under no_grad)."""
    if type(out) is Value:
        return out.data
    return [numbers(x) for x in out]


def test_an_mlp_batch_gives_the_interpreters_logits_to_the_bit(backend: str) -> None:
    model = nn.MLP(6, [8, 5], activation="tanh", rng=random.Random(1), fused=True)
    X = rows(9, 6, 2)
    step = trace(lambda X: model(X), X, backend=backend, backward=False)
    for seed in (3, 4):
        X = rows(9, 6, seed)
        with no_grad():
            want = numbers(model(X))
        got = step(X)
        assert got == want and type(got[0][0]) is float
    assert step.backend_used == backend and step.fallbacks == 0
    assert all(p.grad == 0.0 for p in model.parameters())  # nothing backward


def test_the_program_reads_the_parameters_at_each_call(backend: str) -> None:
    model = nn.MLP(3, [4, 2], activation="relu", rng=random.Random(5), fused=True)
    X = rows(5, 3, 6)
    step = trace(lambda X: model(X), X, backend=backend, backward=False)
    for p in model.parameters():
        p.data = p.data * 1.5 - 0.25
    with no_grad():
        assert step(X) == numbers(model(X))


def test_a_shape_change_traces_again(backend: str) -> None:
    model = nn.MLP(3, [4, 2], activation="relu", rng=random.Random(7), fused=True)
    step = trace(lambda X: model(X), rows(5, 3, 8), backend=backend, backward=False)
    X = rows(2, 3, 9)
    with no_grad():
        assert step(X) == numbers(model(X))
    assert len(step.programs) == 2


def test_one_value_a_flat_list_and_nested_shapes(backend: str) -> None:
    w = Value(0.7, label="w")

    def scalar(x: Any) -> Value:
        return (w * x[0] + x[1]).exp()

    def mixed(x: Any) -> Any:
        a = w * x[0]
        return [a, [a.tanh(), (a + x[1]).sigmoid()], [[a * a]]]

    x = [0.3, -1.2]
    for fn in (scalar, mixed, lambda x: [w * x[0], w + x[1]]):
        step = trace(fn, x, backend=backend, backward=False)
        y = [1.1, 0.4]
        with no_grad():
            assert step(y) == numbers(fn(y))
        assert step.fallbacks == 0


def test_a_decision_that_comes_out_otherwise_is_answered_by_the_interpreter(backend: str) -> None:
    w = Value(2.0)

    def fn(x: List[float]) -> Any:
        a = w * x[0]
        return [a.relu() if a > 1.0 else a * 3.0]  # a decision on a computed value

    step = trace(fn, [1.0], backend=backend, backward=False)
    assert step([0.25]) == [1.5] and step.fallbacks == 1  # the interpreter's path: 0.5 * 3
    assert step([3.0]) == [6.0] and step.fallbacks == 1


def test_an_overflow_is_answered_by_the_interpreter(backend: str) -> None:
    w = Value(1.0)
    step = trace(lambda x: [(w * x[0]).exp()], [1.0], backend=backend, backward=False)
    with pytest.raises(OverflowError, match=r"exp\(1000.0\) is too large"):  # the interpreter's error
        step([1000.0])
    assert step.fallbacks == 1 and step([2.0]) == [math.exp(2.0)]


def test_labels_are_checked_as_in_the_full_program(backend: str) -> None:
    model = nn.MLP(3, [3], rng=random.Random(2), fused=True)
    X = rows(4, 3, 1)
    step = trace(lambda X, y: [losses.softmax_cross_entropy(model(X), y)], X, [0, 1, 2, 1],
                 backend=backend, backward=False)
    with no_grad():
        assert step(X, [2, 2, 0, 1]) == [losses.softmax_cross_entropy(model(X), [2, 2, 0, 1]).data]
    with pytest.raises(ValueError) as theirs:
        losses.softmax_cross_entropy(model(X), [0, 1, 3, 1])
    with pytest.raises(ValueError) as ours:
        step(X, [0, 1, 3, 1])
    assert str(ours.value) == str(theirs.value)


def test_what_a_forward_program_refuses() -> None:
    w = Value(1.0)
    with pytest.raises(TypeError, match="backward=False.*must return a Value or .*lists of Values"):
        trace(lambda x: [w * x, 2.0], 1.0, backward=False)
    with pytest.raises(ValueError, match="backward=False.*no optimizer"):
        trace(lambda x: w * x, 1.0, backward=False, check=True)


def test_an_argument_named_like_a_loop_variable_of_the_c_program(backend: str) -> None:
    model = nn.MLP(8, [8, 2], activation="relu", rng=random.Random(3), fused=True)
    X = rows(3, 8, 4)
    step = trace(model, X, backend=backend, backward=False)  # MLP.__call__(x): the argument is x
    with no_grad():
        assert step(X) == numbers(model(X))
