"""TrainingRecorder.run: a traced training step's run, cut at the recorded steps, gives the frames a
loop that calls observe after each optimizer step gives, to the bit."""

from __future__ import annotations

import random
from typing import Any, List, Tuple

import pytest

from autograd_mini import losses, nn, optim
from autograd_mini.tape import trace
from autograd_mini.training_page import Confusion, TrainingRecorder


def setup() -> Tuple[Any, Any, TrainingRecorder, List[Tuple[List[List[float]], List[int]]]]:
    rng = random.Random(4)
    model = nn.MLP(4, [6, 3], activation="relu", rng=random.Random(1), fused=True)
    opt = optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    X_test = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(12)]
    y_test = [rng.randrange(3) for _ in range(12)]
    recorder = TrainingRecorder(model, every=3, steps=11, view=Confusion(X_test, y_test), warn=False)
    batches = [([[rng.uniform(-1, 1) for _ in range(4)] for _ in range(5)],
                [rng.randrange(3) for _ in range(5)]) for _ in range(11)]
    return model, opt, recorder, batches


def test_the_frames_of_a_run_are_those_of_a_loop_observing_after_each_step() -> None:
    model, opt, looped, batches = setup()
    for X, y in batches:
        opt.zero_grad()
        loss = losses.softmax_cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        looped.observe(loss, X)
    model2, opt2, recorder, batches = setup()
    step = trace(lambda X, y: losses.softmax_cross_entropy(model2(X), y), *batches[0], optimizer=opt2)
    found = recorder.run(step, batches[:7]) + recorder.run(step, batches[7:])  # two epochs
    assert found == [loss for _, loss in looped.losses] and step.fallbacks == 0
    assert [f["step"] for f in recorder.frames] == [1, 3, 6, 9, 11]
    assert recorder.frames == looped.frames  # gradients, weights, the confusion view: to the bit
    assert recorder.monitor.report.findings == looped.monitor.report.findings == []


def test_a_recorder_watching_the_optimizer_is_refused() -> None:
    model, opt, recorder, batches = setup()
    recorder.watch(opt)
    step = trace(lambda X, y: losses.softmax_cross_entropy(model(X), y), *batches[0], optimizer=opt)
    with pytest.raises(ValueError, match="make it without the optimizer"):
        recorder.run(step, batches)


def test_the_confusion_view_computed_by_a_forward_only_program() -> None:
    """`Confusion(..., outputs=f)`: the logits from the demo's forward-only program instead of
    diagnose.forward: the same matrix and accuracy, the same test loss (to 1e-12) at every frame."""
    model, _, _, _ = setup()
    rng = random.Random(7)
    X_test = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(20)]
    y_test = [rng.randrange(3) for _ in range(20)]
    program = trace(model, X_test, backward=False)
    plain, traced = Confusion(X_test, y_test), Confusion(X_test, y_test, outputs=program)
    for scale in (1.0, -3.0, 0.5):
        for p in model.parameters():
            p.data *= scale
        want, got = plain.frame(model.layers), traced.frame(model.layers)
        assert got["matrix"] == want["matrix"] and got["test_accuracy"] == want["test_accuracy"]
        assert abs(got["test_loss"] - want["test_loss"]) <= 1e-12 * abs(want["test_loss"])
    assert sum(map(sum, want["matrix"])) == 20 and len({tuple(r) for r in want["matrix"]}) > 1
    with pytest.raises(TypeError, match="Confusion: outputs must be a function of the inputs, got str"):
        Confusion(X_test, y_test, outputs="logits")  # type: ignore[arg-type]
