"""The traced function's own decisions become guards, and a Value read as a number warns.

A trace records one path through the function; a comparison on a traced value (``x > 0``) or a read
of its number (``float(x)``) decides which. The program runs only while each decision comes out as
it did when traced; the interpreter answers the other calls (``step.fallbacks``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import needs
import pytest

from autograd_mini import DetachedNumberWarning, Value, no_grad
from autograd_mini.tape import trace
from autograd_mini.trace_hooks import TraceWarning

BACKENDS = ["python", "c"]


def backend_ready(backend: str) -> str:
    if backend == "c":
        needs.c_compiler()
    return backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_branch_on_an_argument_is_a_guard(backend: str) -> None:
    w = Value(3.0, label="w")

    def f(x: Any) -> Value:
        return w * x if x > 0 else 2 * w * x

    step = trace(f, 1.0, backend=backend_ready(backend))
    assert step(-1.0) == -6.0 and step.fallbacks == 1  # the other branch: the interpreter's answer
    w.grad = 0.0
    assert step(2.0) == 6.0 and step.fallbacks == 1 and w.grad == 2.0  # the traced branch: the program
    w.grad = 0.0
    assert step(-0.5) == -3.0 and w.grad == -1.0 and step.fallbacks == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_number_read_from_an_argument_is_a_guard(backend: str) -> None:
    w = Value(0.5, label="w")

    def f(x: Any) -> Value:
        return w * math.exp(x)  # the exp is a plain number: the program may only reuse it for the same x

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside a trace it is a guard, not a warning
        step = trace(f, 1.0, backend=backend_ready(backend))
    assert step(1.0) == 0.5 * math.e and step.fallbacks == 0
    w.grad = 0.0
    assert step(2.0) == 0.5 * math.exp(2.0) and step.fallbacks == 1 and w.grad == math.exp(2.0)


def test_comparing_two_arguments_and_int_and_round_are_guards() -> None:
    w = Value(1.0, label="w")

    def f(x: Any, y: Any) -> Value:
        k = int(x) + round(y)
        return w * k if x <= y else w * -k

    step = trace(f, 1.2, 2.4, backend="python")
    assert step(1.4, 2.3) == 3.0 and step.fallbacks == 0
    assert step(3.1, 2.3) == -5.0 and step.fallbacks == 1  # x > y now
    assert step(2.2, 2.4) == 4.0 and step.fallbacks == 2  # int(x) changed


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_decision_on_a_computed_value_is_checked_by_the_program(backend: str) -> None:
    w = Value(3.0, label="w")

    def f(x: Any) -> Value:
        z = w * x
        return z * z if z > 1 else -z

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # checkable: nothing to warn about
        step = trace(f, 1.0, backend=backend_ready(backend))
    assert "v2 > 1.0" in step.source  # the check, in the program itself (C too)
    w.grad = 0.0
    assert step(2.0) == 36.0 and w.grad == 2 * 6.0 * 2.0 and step.fallbacks == 0
    w.grad = 0.0
    assert step(-1.0) == 3.0 and w.grad == 1.0 and step.fallbacks == 1  # the other branch
    assert step(0.2) == pytest.approx(-0.6) and step.fallbacks == 2  # z = 0.6: not > 1


def test_a_decision_the_result_does_not_depend_on_says_so_and_the_interpreter_answers() -> None:
    w = Value(3.0, label="w")

    def f(x: Any) -> Value:
        side = (w * x).exp()  # not part of the result
        return w * x if side > 2 else -w * x

    with pytest.warns(TraceWarning, match=r"test_guards.py:\d+ decides on .* does not depend on"):
        step = trace(f, 1.0, backend="python")
    assert step(1.0) == 3.0 and step(-1.0) == 3.0 and step.fallbacks == 2


def test_reading_a_value_as_a_float_warns_naming_the_line() -> None:
    x = Value(1.0)
    with pytest.warns(DetachedNumberWarning, match="cut off from the graph") as caught:
        y = x * math.exp(x)  # the trap: 2.718 where the derivative is 5.437
    assert caught[0].filename == __file__ and "v.exp()" in str(caught[0].message)
    y.backward()
    assert x.grad == pytest.approx(math.e)  # what the warning is about
    x.grad = 0.0
    (x * x.exp()).backward()
    assert x.grad == pytest.approx(2 * math.e)


def test_item_data_and_no_grad_never_warn() -> None:
    x = Value(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.item() == 2.0 and x.data == 2.0
        with no_grad():
            assert float(x) == 2.0 and math.sqrt(x) == math.sqrt(2.0) and int(x) == 2
        assert x > 1 and not x < 1


def test_int_and_round_read_the_data() -> None:
    x = Value(2.6)
    with pytest.warns(DetachedNumberWarning):
        assert int(x) == 2
    with pytest.warns(DetachedNumberWarning):
        assert round(x) == 3 and round(x, 0) == 3.0


def test_a_call_the_interpreter_answers_under_no_grad_still_adds_the_gradients() -> None:
    """Under no_grad() the program still computes the gradients (a traced step is one training
    step); where a check fails and the interpreter answers, it must too, not raise that its
    output was made under no_grad()."""
    from autograd_mini import no_grad

    w = Value(0.5, label="w")

    def fn(x: float) -> Value:
        return w * x if x > 0 else w * x * 2.0

    step = trace(fn, 1.0)
    with no_grad():
        w.grad = 0.0
        assert step(-1.0) == -1.0 and w.grad == -2.0 and step.fallbacks == 1
