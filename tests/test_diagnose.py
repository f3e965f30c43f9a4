"""The training diagnostics (autograd_mini.diagnose) on real training loops: each classic mistake is
made in a loop and gives its own warning, in one line naming the step, the layer, the number and the
fix; the numbers in the report are checked against the engine, by hand, or against PyTorch. (The
demos' healthy and diverging runs are in test_training_page.py, beside their pages.)"""

from __future__ import annotations

import contextlib
import math
import random
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple

import needs
import pytest

from autograd_mini import Value, datasets, engine, losses, nn, no_grad, optim
from autograd_mini.diagnose import (
    DeadUnitsWarning,
    DivergenceWarning,
    ExplodingGradientWarning,
    GradientAccumulationWarning,
    Limits,
    Monitor,
    SaturationWarning,
    TrainingWarning,
    VanishingGradientWarning,
    forward,
)

DEMOS = Path(__file__).resolve().parent.parent / "demos"
X, Y = datasets.make_moons(80, noise=0.1, seed=1)
T = datasets.to_pm1(Y)


def mlp(sizes: List[int], activation: str = "relu", seed: int = 1) -> nn.MLP:
    return nn.MLP(2, sizes, activation=activation, rng=random.Random(seed), fused=True)


def scale(layers: List[Any], by: float) -> None:
    for layer in layers:
        for row in layer.weight:
            for w in row:
                w.data *= by


@contextlib.contextmanager
def caught() -> Iterator[List[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        yield seen


def ours(seen: List[warnings.WarningMessage]) -> List[Tuple[type, str]]:
    return [(w.category, str(w.message)) for w in seen if issubclass(w.category, TrainingWarning)]


def loop(model: nn.MLP, n: int, lr: float = 0.1, zero: Optional[Callable[[Any], None]] = None,
         loss_fn: Callable[..., Value] = losses.hinge_loss, momentum: float = 0.9,
         **options: Any) -> Tuple[Monitor, List[float]]:
    """A full-batch training loop on the moons, watched by a Monitor; `zero` resets the gradients
    (default: the optimizer's zero_grad; pass ``lambda opt: None`` to forget it)."""
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    monitor = Monitor(model, opt, **{"every": 1, **options})
    logged = []
    for _ in range(n):
        (zero or (lambda o: o.zero_grad()))(opt)
        loss = loss_fn(model(X), T)
        loss.backward()
        monitor.observe(loss, X)
        logged.append(loss.data)
        opt.step()
    return monitor, logged


# ---- gradients carried over: no zero_grad ----

def test_the_optimizer_runs_its_step_hooks_before_and_after_the_update() -> None:
    w = Value(3.0)
    opt = optim.SGD([w], lr=0.5)
    seen: List[Tuple[str, int, float]] = []
    remove = opt.register_step_pre_hook(lambda o: seen.append(("before", o.steps, w.data)))
    opt.register_step_post_hook(lambda o: seen.append(("after", o.steps, w.data)))
    w.grad = 2.0
    opt.step()
    remove()
    opt.step()
    assert seen == [("before", 0, 3.0), ("after", 1, 2.0), ("after", 2, 1.0)]
    with pytest.raises(TypeError, match="register_step_pre_hook: hook must be callable, got int 3"):
        opt.register_step_pre_hook(3)  # type: ignore[arg-type]


def test_forgetting_zero_grad_warns_once_naming_the_parameters_and_the_fix() -> None:
    with caught() as seen:
        monitor, _ = loop(mlp([8, 1]), n=4, zero=lambda opt: None)
    (category, message), = ours(seen)
    assert [w.filename for w in seen] == [__file__]  # the warning points at the loop, not the library
    assert category is GradientAccumulationWarning
    assert message == (
        "step 2: the gradients of 33 of 33 parameters (L1.N1.w1, L1.N1.w2, L1.N2.w1, …) still hold the "
        "previous step's: backward() added to them without zero_grad(); call optimizer.zero_grad() "
        "before each backward()")
    assert [(f.kind, f.step) for f in monitor.report.findings] == [("accumulation", s) for s in (2, 3, 4)]
    assert [s.carried for s in monitor.report.steps] == [0, 33, 33, 33]


def test_watching_changes_no_number_of_the_training() -> None:
    """The mark on a carried gradient is the same float: both runs end at the same weights, bit for bit."""
    forgetful = lambda opt: None  # noqa: E731
    watched, unwatched = mlp([8, 1]), mlp([8, 1])
    with caught():
        loop(watched, n=3, zero=forgetful)
    opt = optim.SGD(unwatched.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        losses.hinge_loss(unwatched(X), T).backward()
        opt.step()
    assert [p.data for p in watched.parameters()] == [p.data for p in unwatched.parameters()]
    assert [p.grad for p in watched.parameters()] == [p.grad for p in unwatched.parameters()]


@pytest.mark.parametrize("how", ["optimizer", "model", "by hand"])
def test_any_way_of_zeroing_the_gradients_is_seen(how: str) -> None:
    model = mlp([8, 1])
    def by_hand(opt: Any) -> None:
        for p in model.parameters():
            p.grad = 0.0

    zero = {"optimizer": lambda opt: opt.zero_grad(), "model": lambda opt: model.zero_grad(),
            "by hand": by_hand}[how]
    with caught() as seen:
        monitor, _ = loop(model, n=3, zero=zero)
    assert ours(seen) == [] and [s.carried for s in monitor.report.steps] == [0, 0, 0]


def test_accumulating_on_purpose_within_a_step_is_not_a_mistake() -> None:
    """Two half batches summed into one step (zero_grad once per step) carry nothing across a step."""
    model = mlp([8, 1])
    opt = optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, opt, every=1)
    with caught() as seen:
        for _ in range(3):
            opt.zero_grad()
            for half in (slice(0, 40), slice(40, 80)):
                (losses.hinge_loss(model(X[half]), T[half]) * 0.5).backward()
            opt.step()
    assert ours(seen) == [] and len(monitor.report.steps) == 3


def test_a_traced_python_step_without_zero_grad_is_caught_too() -> None:
    from autograd_mini.tape import trace

    model = mlp([8, 1])
    opt = optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, opt, every=1)
    step = trace(lambda X_, t_: losses.mse_loss(model(X_), t_), X, T, backend="python")
    with caught() as seen:
        for _ in range(3):
            monitor.observe(step(X, T), X)
            opt.step()
    assert [c for c, _ in ours(seen)] == [GradientAccumulationWarning]
    monitor.close()  # the hooks are gone and the gradients are plain floats again
    assert opt.step_pre_hooks == [] and {type(p.grad) for p in model.parameters()} == {float}


# ---- divergence ----

def test_a_learning_rate_of_50_diverges_and_the_warning_names_the_rate() -> None:
    with caught() as seen:
        monitor, logged = loop(mlp([16, 16, 1]), n=3, lr=50.0)
    divergence = [m for c, m in ours(seen) if c is DivergenceWarning]
    times = logged[1] / logged[0]
    assert times > 10
    assert divergence == [f"step 2: the loss {logged[1]:.4g} is {times:.3g}× its value at step 1 "
                          f"({logged[0]:.4g}): training is diverging; the learning rate is too large: "
                          f"lower it (it is 50; try 5)"]
    first = next(f for f in monitor.report.findings if f.kind == "divergence")
    assert (first.step, first.layer, first.value) == (2, None, times)
    # the gradients grew a thousandfold by step 3: that is named too, per layer
    assert {c for c, _ in ours(seen)} >= {DivergenceWarning, ExplodingGradientWarning}


def test_a_loss_that_is_no_longer_finite_is_divergence() -> None:
    model = mlp([4, 1])
    monitor = Monitor(model, optim.Adam(model.parameters(), lr=0.01))
    with caught() as seen:
        monitor.observe(0.7)
        monitor.optimizer.step()
        monitor.observe(math.inf)
    assert ours(seen) == [(DivergenceWarning, "step 2: the loss is inf (it was 0.7 at step 1): training "
                           "diverged; the learning rate is too large: lower it (it is 0.01; try 0.001)")]


# ---- dead and saturated units ----

def dead_by_the_engine(model: nn.MLP, layer: int) -> float:
    """The share of units of `layer` (from 1) whose engine output is 0 on every sample."""
    with no_grad():
        a: Any = [list(x) for x in X]
        for lay in model.layers[:layer]:
            a = lay.forward(a)
    units = len(a[0])
    return sum(all(row[j].data == 0.0 for row in a) for j in range(units)) / units


def test_a_relu_layer_initialised_dead_is_named_with_its_share() -> None:
    model = mlp([16, 16, 1])
    for b in model.layers[1].bias:
        b.data = -10.0  # w·x + b < 0 for every input the first layer gives
    with caught() as seen:
        monitor, logged = loop(model, n=3)
    assert ours(seen) == [(DeadUnitsWarning,
                           "step 1: layer 2 (16 relu): 16 of 16 units (100%) output 0 on every sample of the "
                           "batch (dead ReLUs): no gradient flows through them; lower the learning rate, "
                           "start the biases at 0 and the weights with He's scale (nn.init_std)")]
    first = monitor.report.steps[0]
    assert first.dead_fractions == [dead_by_the_engine(model, 1), 1.0, None]
    assert first.grad_norms[0] == 0.0 and logged[2] == logged[0]  # nothing learns below a dead layer


def saturated_by_the_engine(model: nn.MLP, z_limit: float) -> List[float]:
    """Per hidden layer, the share of units with |z| > z_limit on more than half of the samples,
    z from the engine (linear_batch: Values) rather than from diagnose's float pass."""
    out = []
    with no_grad():
        a: Any = [list(x) for x in X]
        for layer in model.layers[:-1]:
            z = engine.linear_batch(layer.weight, a, layer.bias)
            out.append(sum(sum(abs(row[j].data) > z_limit for row in z) > len(z) / 2
                           for j in range(len(z[0]))) / len(z[0]))
            a = [[v.tanh() for v in row] for row in z]
    return out


def test_a_deep_tanh_stack_with_large_weights_saturates() -> None:
    model = mlp([16] * 6 + [1], activation="tanh")
    scale(model.layers[:-1], 6.0)
    with caught() as seen:
        monitor, _ = loop(model, n=1)
    found = ours(seen)
    assert {c for c, _ in found} == {SaturationWarning}
    *shares, last = monitor.report.steps[0].saturated_fractions
    assert shares == saturated_by_the_engine(model, 2.5) and last is None
    hidden = [s for s in shares if s is not None]
    assert len(found) == sum(s >= 0.5 for s in hidden) >= 5
    n = round(hidden[0] * 16)
    assert found[0][1] == (f"step 1: layer 1 (16 tanh): {n} of 16 units ({hidden[0]:.0%}) have |z| > 2.5 "
                           f"on over 50% of the samples (saturated tanh: its derivative is ~0 there); start "
                           f"with smaller weights (nn.init_std) or scale the inputs")


def test_units_are_not_judged_on_a_batch_too_small_to_say() -> None:
    model = mlp([16, 1])
    for b in model.layers[0].bias:
        b.data = -10.0
    opt = optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, opt, every=1)
    with caught() as seen:
        monitor.observe(losses.hinge_loss(model(X[:5]), T[:5]), X[:5])
    assert ours(seen) == [] and monitor.report.steps[0].dead_fractions == [1.0, None]


# ---- vanishing and exploding gradients ----

def test_a_deep_sigmoid_stack_vanishes_and_the_ratio_is_the_gradients() -> None:
    model = mlp([16] * 10 + [1], activation="sigmoid")
    monitor = Monitor(model)
    losses.mse_loss(model(X), T).backward()
    with caught() as seen:
        monitor.observe(losses.mse_loss(model(X), T), X)
    (category, message), = ours(seen)
    ratios = [math.sqrt(sum(w.grad ** 2 for r in lay.weight for w in r) /
                        sum(w.data ** 2 for r in lay.weight for w in r)) for lay in model.layers]
    for got, expected in zip(monitor.report.steps[0].grad_ratios, ratios):
        assert math.isclose(got, expected, rel_tol=1e-12)
    assert category is VanishingGradientWarning and ratios[0] / ratios[-1] < 1e-3
    assert message.startswith(f"step 1: layer 1 (16 sigmoid): its gradient relative to its weights, "
                              f"‖dW‖/‖W‖ = {ratios[0]:.2g}, is {ratios[0] / ratios[-1]:.2g} times layer 11's")


def test_a_run_whose_first_layer_dies_midway_stalls_and_the_fall_is_named() -> None:
    model = mlp([16, 16, 1])
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    monitor = Monitor(model, opt, every=5, warn=False)
    for step in range(1, 11):
        if step == 6:
            for b in model.layers[0].bias:
                b.data = -100.0  # every unit of layer 1 off for every input, from here on
        opt.zero_grad()
        loss = losses.hinge_loss(model(X), T)
        loss.backward()
        monitor.observe(loss, X)
        opt.step()
    first, last = monitor.report.steps[0], monitor.report.steps[-1]
    assert last.loss is not None and first.loss is not None
    assert last.step == 10 and last.grad_norms[:2] == [0.0, 0.0] and last.loss > 0.5 * first.loss
    stalled = [f for f in monitor.report.findings if "stalled" in f.message]
    assert [(f.kind, f.step, f.layer) for f in stalled] == [("vanishing", 10, i) for i in (1, 2, 3)]
    assert [f.value for f in stalled][:2] == [0.0, 0.0] and stalled[2].value <= 1e-3  # the last layer
    assert stalled[2].value == last.grad_norms[2] / first.grad_norms[2]  # gets a constant: nothing to fit
    assert {f.kind for f in monitor.report.findings if f.step == 10} == {"vanishing", "dead"}
    assert stalled[0].message == (
        f"step 10: layer 1 (16 relu): ‖dW‖ = 0 is 0 times its value at step 1 while the loss is still "
        f"{last.loss:.4g} (it was {first.loss:.4g}): training has stalled (vanishing gradients): check for "
        f"dead ReLU or saturated layers")


def test_an_output_layer_with_huge_weights_makes_the_gradient_explode_below_it() -> None:
    model = mlp([16, 16, 1])
    scale(model.layers[-1:], 1e4)
    with caught() as seen:
        loop(model, n=1, loss_fn=losses.mse_loss)
    (category, message), = ours(seen)
    assert category is ExplodingGradientWarning
    assert message.startswith("step 1: layer 2 (16 relu): ‖dW‖/‖W‖ =")


def test_the_gradient_norms_are_pytorchs() -> None:
    torch = needs.module("torch", "pip install torch")
    from autograd_mini.torch_bridge import to_torch

    model = mlp([8, 8, 1], activation="tanh")
    net = to_torch(model)
    out = net(torch.tensor(X, dtype=torch.float64)).squeeze(1)
    torch.nn.functional.mse_loss(out, torch.tensor(T, dtype=torch.float64)).backward()
    theirs = [m.weight.grad.norm().item() for m in net if isinstance(m, torch.nn.Linear)]
    monitor, _ = loop(model, n=1, loss_fn=losses.mse_loss)
    for got, expected in zip(monitor.report.steps[0].grad_norms, theirs, strict=True):
        assert math.isclose(got, expected, rel_tol=1e-10)


def test_the_float_pass_is_the_engines_forward() -> None:
    model = mlp([8, 8, 3], activation="tanh")
    with no_grad():
        engine_out = [[v.data for v in row] for row in model(X)]
    for got, expected in zip(forward(model.layers, [list(x) for x in X])[-1][1], engine_out):
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in zip(got, expected))


# ---- the category, the schedule of checks, the report, bad input ----

def test_the_warnings_can_be_filtered_or_made_errors() -> None:
    assert issubclass(TrainingWarning, UserWarning) and issubclass(DeadUnitsWarning, TrainingWarning)
    model = mlp([16, 16, 1])
    for b in model.layers[1].bias:
        b.data = -10.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        with pytest.raises(DeadUnitsWarning, match="layer 2"):
            loop(model, n=1)
    with caught() as seen:
        warnings.simplefilter("ignore", DeadUnitsWarning)
        monitor, _ = loop(model, n=1)
    assert ours(seen) == [] and [f.kind for f in monitor.report.findings] == ["dead"]


def test_every_and_steps_choose_the_measured_steps_and_limits_move_the_thresholds() -> None:
    monitor, logged = loop(mlp([8, 1]), n=12, every=5, steps=12)
    assert [s.step for s in monitor.report.steps] == [1, 5, 10, 12]
    assert [s.loss for s in monitor.report.steps] == [logged[i - 1] for i in (1, 5, 10, 12)]
    assert str(monitor.report) == "4 steps measured, nothing found"
    model = mlp([8, 1])
    for b in model.layers[0].bias[:2]:
        b.data = -10.0  # 2 of 8 units dead: under the default limit (half), over a limit of a fifth
    default, _ = loop(model, n=1, warn=False)
    strict, _ = loop(model, n=1, limits=Limits(dead=0.2), warn=False)
    assert default.report.steps[0].dead_fractions[0] == 0.25 and default.report.findings == []
    assert strict.report.kinds() == {"dead"}
    assert str(strict.report).startswith("step 1: layer 1 (8 relu): 2 of 8 units (25%)")


def test_bad_input_is_refused_naming_what_and_where() -> None:
    model = mlp([4, 1])
    with pytest.raises(TypeError, match="Monitor: expected an nn.MLP, an nn.Linear or a list of layers"):
        Monitor(42)
    with pytest.raises(ValueError, match="Monitor: every"):
        Monitor(model, every=0)
    with pytest.raises(TypeError, match="Monitor: optimizer must be an autograd_mini optimizer"):
        Monitor(model, optimizer="sgd")
    with pytest.raises(ValueError, match="Limits: growth must be a factor > 1, got 0.5"):
        Limits(growth=0.5)
    with pytest.raises(ValueError, match=r"Limits: dead must be a share in \[0, 1\], got 50"):
        Limits(dead=50)
    with pytest.raises(TypeError, match="Monitor: warn must be True, False or a function of one line"):
        Monitor(model, warn="loud")  # type: ignore[arg-type]
    monitor = Monitor(model)
    with pytest.raises(TypeError, match="Monitor.observe: loss"):
        monitor.observe("0.5")
    with pytest.raises(TypeError, match="Monitor.observe: inputs: expected a batch"):
        monitor.observe(0.5, "xy")
    with pytest.raises(ValueError, match="Monitor.observe: inputs: row 1 should hold the model's 2 inputs"):
        monitor.observe(0.5, [[1.0, 2.0], [3.0]])
    assert monitor.report.steps == [] and monitor.step == 1  # nothing half done
