"""What a formula of the command line may say beyond + - * / **: the operations' own numbers
(leaky_relu's slope, elu's alpha), pi, and the words for what it may not say."""

from __future__ import annotations

import math

import pytest

from autograd_mini import Value
from autograd_mini.formula import ExprError, parse_expression

NUMBERS = [("leaky_relu(x, 0.1)", "leaky_relu", 0.1), ("elu(x, 2)", "elu", 2.0),
           ("leaky_relu(x, 0.05 * 2)", "leaky_relu", 0.1)]


@pytest.mark.parametrize("text, method, c", NUMBERS)
def test_an_operations_number_may_follow_its_argument(text: str, method: str, c: float) -> None:
    for x in (-1.5, 0.7):
        y, leaves = parse_expression(text, {"x": x})
        y.backward()
        want = Value(x)
        out = getattr(want, method)(c)
        out.backward()
        assert (y.data, leaves["x"].grad) == (out.data, want.grad)
        assert y.data != getattr(Value(x), method)().data or x > 0  # not the default's number


def test_pi_is_the_number_unless_it_is_set() -> None:
    y, leaves = parse_expression("pi * x", {"x": 2.0})
    assert y.data == math.pi * 2.0 and list(leaves) == ["x"]
    y, leaves = parse_expression("pi * x", {"x": 2.0, "pi": 3.0})
    assert y.data == 6.0 and list(leaves) == ["pi", "x"]


@pytest.mark.parametrize("text, message", [
    ("leaky_relu(x, x)", "its slope must be a number, not a formula of the variables"),
    ("leaky_relu(x, 1, 2)", "leaky_relu() takes one argument, and its slope if not 0.01"),
    ("sin(x, 2)", "sin() takes one argument"),
    ("where(x > 0, x, -x)", "where() belongs to the formulas that define an operation (defop)"),
    ("+".join(["x"] * 5000), "a long chain of operators (x + x + ... parses as nested sums"),
])
def test_what_a_formula_may_not_say_is_named(text: str, message: str) -> None:
    with pytest.raises(ExprError) as e:
        parse_expression(text, {"x": 1.0})
    assert message in str(e.value)
