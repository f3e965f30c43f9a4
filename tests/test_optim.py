"""Optimizers: hand-computed updates, schedules, each one lowering a loss, and argument checks."""

from __future__ import annotations

import math
import random
from typing import Callable, List

import needs
import pytest

from autograd_mini import Value, losses, nn, optim
from autograd_mini.optim_rules import Rule


def test_sgd_plain_step() -> None:
    w = Value(3.0)
    opt = optim.SGD([w], lr=0.1)
    (w * w).backward()
    opt.step()
    assert w.data == pytest.approx(3.0 - 0.1 * 6.0, rel=1e-15)
    assert w.grad == 6.0  # step() does not clear gradients; zero_grad() does
    opt.zero_grad()
    assert w.grad == 0.0 and opt.steps == 1


def test_sgd_momentum_and_weight_decay_by_hand() -> None:
    w = Value(1.0)
    opt = optim.SGD([w], lr=0.5, momentum=0.9, weight_decay=0.1)
    p, v = 1.0, 0.0
    for g in (1.0, -2.0, 0.5):
        w.grad = g
        opt.step()
        v = 0.9 * v + (g + 0.1 * p)  # decay enters the gradient (L2), then momentum
        p -= 0.5 * v
        assert w.data == pytest.approx(p, rel=1e-14)


def adam_by_hand(decoupled: bool) -> None:
    w = Value(2.0)
    lr, b1, b2, eps, wd = 0.01, 0.8, 0.9, 1e-8, 0.5
    make = optim.AdamW if decoupled else optim.Adam
    opt = make([w], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    p, m, v = 2.0, 0.0, 0.0
    for t, g in enumerate((0.3, -1.0, 4.0), start=1):  # bias correction counts steps from 1
        w.grad = g
        opt.step()
        if not decoupled:
            g = g + wd * p  # Adam: L2, the decay enters the gradient and so m and v
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step = (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        p = p - lr * step - (lr * wd * p if decoupled else 0.0)  # AdamW: the decay shrinks p itself
        assert w.data == pytest.approx(p, rel=1e-14)
        assert opt.m == [pytest.approx(m, rel=1e-15)]


def test_adam_by_hand_with_l2_weight_decay() -> None:
    adam_by_hand(decoupled=False)


def test_adamw_by_hand_with_decoupled_weight_decay() -> None:
    adam_by_hand(decoupled=True)


def test_adam_and_adamw_differ_only_with_weight_decay() -> None:
    def run(make, wd: float) -> float:  # type: ignore[no-untyped-def]
        w = Value(1.5)
        opt = make([w], lr=0.1, weight_decay=wd)
        for _ in range(5):
            w.grad = math.cos(w.data)
            opt.step()
        return w.data

    assert run(optim.Adam, 0.0) == run(optim.AdamW, 0.0)
    assert run(optim.Adam, 0.2) != run(optim.AdamW, 0.2)
    assert optim.AdamW([Value(1.0)]).weight_decay == 0.01  # PyTorch's default
    assert optim.Adam([Value(1.0)]).weight_decay == 0.0


def test_adam_first_step_is_about_lr() -> None:
    ws = [Value(0.0), Value(0.0)]
    opt = optim.Adam(ws, lr=0.1)
    ws[0].grad, ws[1].grad = 1000.0, -0.001
    opt.step()
    assert ws[0].data == pytest.approx(-0.1, rel=1e-6) and ws[1].data == pytest.approx(0.1, rel=1e-4)


def test_schedule_is_called_with_step_numbers_from_zero() -> None:
    seen: List[int] = []

    def schedule(t: int) -> float:
        seen.append(t)
        return 0.1 / (1 + t)

    w = Value(0.0)
    opt = optim.SGD([w], lr=schedule)
    for _ in range(3):
        w.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert w.data == pytest.approx(-(0.1 + 0.05 + 0.1 / 3), rel=1e-14)
    assert opt.current_lr() == pytest.approx(0.025)


def test_bad_schedule_value_changes_nothing() -> None:
    w = Value(1.0)
    opt = optim.Adam([w], lr=lambda t: float("nan"))
    w.grad = 1.0
    with pytest.raises(ValueError, match="schedule gave lr nan at step 0"):
        opt.step()
    assert w.data == 1.0 and opt.steps == 0 and opt.m == [0.0]


def _small_problem() -> tuple:
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    y = [math.sin(2 * a) + b * b for a, b in X]
    model = nn.MLP(2, [8, 1], activation="tanh", rng=random.Random(1))
    return model, X, y


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1),
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-4),
        lambda ps: optim.Adam(ps, lr=0.02),
        lambda ps: optim.Adam(ps, lr=lambda t: 0.02 * 0.99**t, weight_decay=1e-3),
    ],
)
def test_each_optimizer_lowers_the_loss(make) -> None:  # type: ignore[no-untyped-def]
    model, X, y = _small_problem()
    opt = make(model.parameters())

    def loss() -> Value:
        return losses.mse_loss([model(x) for x in X], y)

    first = loss().data
    for _ in range(40):
        L = loss()
        opt.zero_grad()
        L.backward()
        opt.step()
    assert loss().data < 0.5 * first


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda: optim.SGD([Value(1.0)], lr=0.0),
            ValueError,
            "SGD: lr: expected a finite number > 0, got 0.0",
        ),
        (lambda: optim.SGD([Value(1.0)], lr=-1), ValueError, "SGD: lr: expected a finite number > 0"),
        (lambda: optim.SGD([Value(1.0)], lr=float("inf")), ValueError, "SGD: lr: expected a finite"),
        (
            lambda: optim.SGD([Value(1.0)], lr="0.1"),
            TypeError,
            "SGD: lr: expected a finite number > 0, got str",
        ),
        (
            lambda: optim.SGD([Value(1.0)], lr=0.1, momentum=1.0),
            ValueError,
            r"momentum: expected a number in \[0, 1\)",
        ),
        (lambda: optim.SGD([Value(1.0)], lr=0.1, momentum=-0.1), ValueError, "SGD: momentum"),
        (lambda: optim.SGD([Value(1.0)], lr=0.1, weight_decay=-1e-3), ValueError, "SGD: weight_decay"),
        (lambda: optim.SGD([], lr=0.1), ValueError, "params is empty"),
        (lambda: optim.SGD([1.0], lr=0.1), TypeError, "params must be Values"),
        (lambda: optim.SGD(Value(1.0), lr=0.1), TypeError, "iterable of Values"),
        (
            lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.0)),
            ValueError,
            r"Adam: betas: expected a number in \[0, 1\)",
        ),
        (lambda: optim.Adam([Value(1.0)], betas=(-0.1, 0.9)), ValueError, "Adam: betas"),
        (lambda: optim.Adam([Value(1.0)], betas=0.9), TypeError, r"betas: expected a pair \(b1, b2\)"),
        (lambda: optim.Adam([Value(1.0)], eps=0.0), ValueError, "Adam: eps: expected a finite number > 0"),
        (lambda: optim.Adam([Value(1.0)], lr=0.0), ValueError, "Adam: lr"),
        (lambda: optim.AdamW([Value(1.0)], weight_decay=float("nan")), ValueError, "AdamW: weight_decay"),
        (lambda: optim.AdamW([Value(1.0)], lr=True), TypeError, "AdamW: lr"),
    ],
)
def test_argument_checks(make, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        make()


def test_duplicate_parameter_is_rejected() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="appears more than once"):
        optim.Adam([w, w])


def need_torch():  # type: ignore[no-untyped-def]
    return needs.module("torch", "pip install 'autograd_mini[torch]'")


START = [0.7, -1.3, 2.1, 0.23, -0.4]
WEIGHTS = [1.0, -2.0, 0.5, 3.0, 1.5]


def our_loss(ps: List[Value]) -> Value:
    # Σ c_i·sin(p_i) + p_i²/2: a different gradient for every parameter, never zero for long
    return sum(((p.sin() * c + p * p * 0.5) for p, c in zip(ps, WEIGHTS)), Value(0.0))


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
        ("SGD", {"lr": 0.02, "weight_decay": 0.3}),
        ("Adam", {"lr": 0.05}),
        ("Adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.05}),
        ("AdamW", {"lr": 0.05, "betas": (0.85, 0.99), "weight_decay": 0.3}),
    ],
)
def test_each_optimizer_matches_torch_step_by_step(name: str, kwargs: dict) -> None:
    ps = [Value(x) for x in START]
    steps_match_torch(getattr(optim, name)(ps, **kwargs), ps, name, kwargs)


def steps_match_torch(opt: optim.Optimizer, ps: List[Value], name: str, kwargs: dict) -> None:
    """20 steps of `opt` on `our_loss` equal those of ``torch.optim.<name>(**kwargs)``."""
    torch = need_torch()
    tp = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kwargs)
    c = torch.tensor(WEIGHTS, dtype=torch.float64)
    for step in range(20):
        opt.zero_grad()
        our_loss(ps).backward()
        opt.step()
        topt.zero_grad()
        (c * torch.sin(tp) + tp * tp * 0.5).sum().backward()
        topt.step()
        ours, theirs = [p.data for p in ps], tp.tolist()
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-300), f"{name} {kwargs} step {step + 1}"
    assert max(abs(a - b) for a, b in zip(ours, START)) > 0.1  # the parameters did move


# An optimizer written as its formulas alone: SGD with Nesterov momentum, as torch's nesterov=True
# (g is set after v, and read by the step after it).
NESTEROV = Rule("nesterov", {"v": "velocity"}, v="mu * v + g", g="g + mu * v", p="p - lr * g")


class NesterovSGD(optim.SGD):
    def step_rule(self) -> tuple:
        return NESTEROV, {"lr": self.current_lr(), "mu": self.momentum}


def test_an_optimizer_written_as_formulas_alone_matches_torch() -> None:
    ps = [Value(x) for x in START]
    steps_match_torch(NesterovSGD(ps, lr=0.05, momentum=0.9), ps, "SGD", {"lr": 0.05, "momentum": 0.9,
                                                                          "nesterov": True})


@pytest.mark.parametrize(
    "steps, message",
    [
        ({"q": "p - lr * g"}, "optimizer rule bad: a step sets p, g or a buffer"),
        ({"p": "p - lr * grad(p)"}, "optimizer rule bad: unknown function 'grad'"),
        ({"p": "p - lr *"}, "optimizer rule bad: invalid syntax"),
        ({"p": "p - k * g"}, "optimizer rule bad: 'k' cannot name a number"),
        ({"p": "p - LR * g"}, "optimizer rule bad: 'LR' cannot name a number"),
        ({"p": "p ^ g"}, r"use \*\* for powers"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_part(steps: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Rule("bad", {}, **steps)
    for name, buffers in (("sqrt", {}), ("two words", {}), ("ok", {"v": "velocity.x"})):
        with pytest.raises(ValueError, match="cannot name a rule or an attribute"):
            Rule(name, buffers, p="p - lr * g")


def test_a_rule_missing_a_number_is_the_optimizers_error_and_changes_nothing() -> None:
    class Forgetful(optim.SGD):
        def step_rule(self) -> tuple:
            return NESTEROV, {"lr": self.current_lr()}  # no mu

    w = Value(1.0)
    w.grad = 1.0
    opt = Forgetful([w], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"Forgetful.step_rule: no number 'mu' for the rule nesterov"):
        opt.step()
    assert w.data == 1.0 and opt.velocity == [0.0] and opt.steps == 0


MAKERS = [lambda ps: optim.SGD(ps, lr=0.1), lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
          lambda ps: optim.Adam(ps, lr=0.1), lambda ps: optim.AdamW(ps, lr=0.1)]


@pytest.mark.parametrize("make", MAKERS)
def test_a_parameter_with_grad_none_is_skipped_as_torch_does(make: Callable[..., optim.Optimizer]) -> None:
    """torch.optim takes no step for a parameter with no gradient (grad None) and leaves its
    buffers alone; here it was a raw TypeError after the parameters before it had moved."""
    a, b = Value(1.0), Value(-2.0)
    opt = make([a, b])
    a.grad, b.grad = 0.5, 0.5
    opt.step()
    after = [b.data, *[getattr(opt, name)[1] for name in opt.BUFFERS]]
    a.grad, b.grad = 0.5, None
    opt.step()
    assert [b.data, *[getattr(opt, name)[1] for name in opt.BUFFERS]] == after
    assert a.data != 1.0 and opt.steps == 2
