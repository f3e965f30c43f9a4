"""Rows: the steps a loss takes once per sample (a softmax's max, exps, sum, log) run in C as one
loop over the samples, so the program's size grows with the network, not with the batch; the
numbers stay the interpreter's to the bit (values and every gradient, `Step.check`).

Without a C compiler the C tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import random
from typing import Any, List

import needs
import pytest
import test_tape as T
import test_tape_ops as TO

from autograd_mini import Value, losses, nn, total
from autograd_mini.engine import OPS
from autograd_mini.tape import trace


def digits_like(batch: int, seed: int = 0) -> tuple:
    """A 6-5-4 MLP under a softmax cross-entropy, on a batch of `batch` samples."""
    rng = random.Random(seed)
    model = nn.MLP(6, [5, 4], rng=rng, activation="relu")
    X = [[rng.uniform(-1, 1) for _ in range(6)] for _ in range(batch)]
    y = [rng.randrange(4) for _ in range(batch)]

    def loss_of(X: Any, y: Any) -> Value:
        return losses.softmax_cross_entropy(model(X), y)

    return loss_of, [X, y], model.parameters()


def rows_of(step: Any) -> List[Any]:
    assert step.last is not None
    return list(step.last.plan.rows)


@pytest.mark.parametrize("backend", ["python", "c"])
def test_a_softmax_batch_runs_as_rows_to_the_bit(backend: str) -> None:
    if backend == "c":
        needs.c_compiler()
    fn, args, params = digits_like(7)
    step = T.train_alongside(fn, args, params, backend)
    (r,) = rows_of(step)
    assert r.N == 7 and len(r.groups[0]) == 14  # max, 4 × (z - m, exp), sum, log, the pick, - m, log - that
    step.check(*args)  # every value and gradient the program keeps, not only the parameters'
    if backend == "c":
        assert "for (int i = 0; i < 7; i++) {" in step.source  # forward: sample after sample
        assert "for (int i = 6; i >= 0; i--) {" in step.source  # backward: from the last


def test_the_c_program_does_not_grow_with_the_batch() -> None:
    needs.c_compiler()
    sizes = set()
    for batch in (3, 12, 40):
        fn, args, params = digits_like(batch)
        step = T.assert_same(fn, args, params, backend="c", exact=True)
        sizes.add(step.source.count("\n"))
    assert len(sizes) == 1, sizes


@pytest.mark.parametrize("backend", ["python", "c"])
def test_a_parameter_every_sample_reads(backend: str) -> None:
    """A temperature shared by all samples: its gradient sums one term per sample, in the order
    backward() takes the samples."""
    if backend == "c":
        needs.c_compiler()
    t = Value(0.7, label="t")
    w = [Value(0.1 * k - 0.2, label=f"w{k}") for k in range(3)]

    def fn(X: Any) -> Value:
        per = []
        for row in X:
            zs = [w[k] * row[k] * t for k in range(3)]
            m = total(zs).tanh()
            per.append((total([(z - m).exp() for z in zs]) + 1.0).log() * t)
        return total(per) * 0.5

    X = [[0.3 * i - 1.0, 0.5, -0.25 * i] for i in range(5)]
    step = T.assert_same(fn, [X], [t, *w], backend=backend, exact=True)
    (r,) = rows_of(step)
    assert r.N == 5
    step.check(X)
    T.assert_same(fn, [[[-x for x in row] for row in X]], [t, *w], exact=True, step=step)


@pytest.mark.parametrize("backend", ["python", "c"])
def test_samples_that_differ_stay_line_by_line(backend: str) -> None:
    """Sample 0 takes another step than the others: no loop, the same numbers."""
    if backend == "c":
        needs.c_compiler()
    w = Value(0.4, label="w")

    def fn(x: Any) -> Value:
        return total([(w * xi).exp() if i else (w * xi).tanh() for i, xi in enumerate(x)])

    step = T.assert_same(fn, [[0.5, -1.0, 2.0]], [w], backend=backend, exact=True)
    assert rows_of(step) == []


@pytest.mark.parametrize("backend", ["python", "c"])
def test_a_forward_only_program_returns_each_samples_numbers(backend: str) -> None:
    """The softmax probabilities of each sample, as the interpreter gives them, bit for bit."""
    if backend == "c":
        needs.c_compiler()
    rng = random.Random(3)
    model = nn.MLP(3, [4, 3], rng=rng)

    def probabilities(X: Any) -> Any:
        out = []
        for zs in model(X):
            es = [z.exp() for z in zs]
            s = total(es)
            out.append([e / s for e in es])
        return out

    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    step = trace(probabilities, X, backend=backend, backward=False)
    assert rows_of(step) and step(X) == [[p.data for p in row] for row in probabilities(X)]


def per_sample_case(seed: int) -> tuple:
    """A random recipe over every op (test_tape_ops's), applied to each sample of a batch alike:
    the mean over the samples of what it makes of the sample's numbers times the parameters."""
    rng = random.Random(5000 + seed)
    params = [Value(rng.uniform(-1.5, 1.5), label=f"p{k}") for k in range(3)]
    steps = TO.recipe(rng, 3, rng.randint(3, 10), list(OPS))
    X = [[rng.uniform(-1.5, 1.5) for _ in range(3)] for _ in range(rng.randint(2, 5))]

    def fn(X: Any) -> Value:
        return total([TO.build(steps, [x * p for x, p in zip(row, params)]) for row in X]) * (1.0 / len(X))

    return fn, [X], params


def test_random_per_sample_graphs_python() -> None:
    found = 0
    for seed in range(40):
        fn, args, params = per_sample_case(seed)
        step = T.assert_same(fn, args, params, exact=True)
        found += bool(rows_of(step))
    assert found == 40  # every one runs its samples as rows (checked against the interpreter above)


@pytest.mark.parametrize("group", range(2))
def test_random_per_sample_graphs_c(group: int) -> None:
    needs.c_compiler()
    cases = [per_sample_case(seed) for seed in range(20 * group, 20 * group + 20)]
    fn, args, params = T.grouped(cases)
    step = T.assert_same(fn, args, params, backend="c", exact=True)
    assert len(rows_of(step)) >= 20  # each case's rows apart (the cases share their batch sizes)
    assert "samples i, last to first" in step.source
    step.check(*args)
