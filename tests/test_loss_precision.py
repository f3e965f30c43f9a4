"""The losses keep the digits PyTorch keeps: softmax_cross_entropy and bce_with_logits against exact
references (Python's `decimal` at 60 digits) at large logits, values and gradients, in the
interpreter and in the traced programs (Python and C), and against torch float64.

The bounds, with eps = 2**-52 (the ulp of 1):
- softmax cross-entropy, loss L: |L - exact| <= 2·eps·max(1, |exact|). A loss below 1 is the log of a
  sum in [1, k], whose rounding is an absolute eps-sized one, as in torch's log_softmax; a large loss
  is within 2 ulp of itself. (Adding the max logit m back before subtracting z_c rounded at the size
  of m: 196 eps for logits [1000, 990].)
- its gradient softmax - onehot: within 2 ulp of each softmax_i (relative) for i != c; for the target
  class, p_c - 1 cancels in any formula built of softmax (torch's too): |error| <= 2·eps.
- bce_with_logits, value and gradient: relative error <= 2 ulp, even where they are 1e-305.
"""

from __future__ import annotations

import sys
from decimal import Decimal, localcontext
from typing import Any, List, Sequence, Tuple

import needs
import pytest
import test_tape as T

from autograd_mini import Value, losses

EPS = 2.0**-52


def exact_cross_entropy(zs: Sequence[float], c: int) -> Tuple[Decimal, List[Decimal]]:
    """-log softmax(zs)[c] and its gradient softmax - onehot, to 60 digits (floats enter exactly)."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = [Decimal(z) for z in zs]
        m = max(d)
        e = [(x - m).exp() for x in d]
        s = sum(e, Decimal(0))
        loss = s.ln() - (d[c] - m)
        rest = sum((x for i, x in enumerate(e) if i != c), Decimal(0))  # 1 - p_c without its cancellation
        grads = [-rest / s if i == c else x / s for i, x in enumerate(e)]
        return +loss, [+g for g in grads]


def exact_softplus(t: Decimal) -> Decimal:
    """log(1 + e^t) to 60 digits; log1p's series where 1 + e^t is 1 to that precision."""
    with localcontext() as ctx:
        ctx.prec = 60
        if t > 0:
            return t + exact_softplus(-t)
        x = t.exp()
        return x - x * x / 2 + x * x * x / 3 if x < Decimal("1e-20") else (1 + x).ln()


def exact_bce(z: float, y: int) -> Tuple[Decimal, Decimal]:
    """-y·log σ(z) - (1-y)·log(1-σ(z)) and its derivative σ(z) - y, to 60 digits."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(z)
        if y == 1:  # softplus(-z), derivative -σ(-z)
            return exact_softplus(-d), -1 / (1 + d.exp())
        return exact_softplus(d), 1 / (1 + (-d).exp())


def ulps_off(x: float, exact: Decimal, floor: float = 0.0) -> float:
    """|x - exact| in units of eps·max(|exact|, floor)."""
    scale = max(abs(float(exact)), floor)
    return float(abs(Decimal(x) - exact)) / (EPS * scale) if scale else abs(x) / sys.float_info.min


CE_CASES = [
    ([1000.0, 990.0], 0),  # a confident, right sample: loss 4.5e-5
    ([1000.0, 990.0], 1),
    ([100.0, 90.0], 0),
    ([100.0, 90.0], 1),
    ([1e5, 1e5 - 3], 0),
    ([1e5, 1e5 - 3], 1),
    ([-1000.0, -990.0], 1),
    ([1000.0, -990.0, 3.0], 2),  # mixed signs
    ([-3.5, 1000.0, 0.25, -999.5], 1),
    ([-3.5, 1000.0, 0.25, 999.5], 3),
    ([0.1, -0.7, 2.3], 0),
]


def check_cross_entropy(zs: Sequence[float], c: int, loss: float, grads: Sequence[float]) -> None:
    want, want_grads = exact_cross_entropy(zs, c)
    assert ulps_off(loss, want, floor=1.0) <= 2.0, (loss, want)
    for i, (g, w) in enumerate(zip(grads, want_grads)):
        assert ulps_off(g, w, floor=1.0 if i == c else 0.0) <= 2.0, (i, g, w)


@pytest.mark.parametrize("zs, c", CE_CASES)
@pytest.mark.parametrize("pick", ["int", "Value"])  # zs[c], or the one-hot pick a traced label takes
def test_softmax_cross_entropy_to_a_few_ulp(zs: List[float], c: int, pick: str) -> None:
    vs = [Value(z) for z in zs]
    loss = losses.softmax_cross_entropy(vs, c if pick == "int" else Value(float(c)))
    loss.backward()
    check_cross_entropy(zs, c, loss.data, [v.grad for v in vs])


BCE_CASES = [(s * z, y) for z in (0.0, 1.0, 20.0, 37.0, 40.0, 700.0) for s in (1.0, -1.0) for y in (0, 1)]


@pytest.mark.parametrize("z, y", BCE_CASES)
@pytest.mark.parametrize("label", ["int", "Value"])  # a number, or a Value (as a traced label is)
def test_bce_with_logits_to_a_few_ulp(z: float, y: int, label: str) -> None:
    v = Value(z)
    loss = losses.bce_with_logits([v], [y if label == "int" else Value(float(y))])
    loss.backward()
    want, want_grad = exact_bce(z, y)
    assert ulps_off(loss.data, want) <= 2.0, (loss.data, want)
    assert ulps_off(v.grad, want_grad) <= 2.0, (v.grad, want_grad)
    if abs(z) >= 37.0 and (z > 0) == (y == 1):
        assert 0.0 < loss.data < 1e-16  # right and confident: small, not 0


def test_the_mean_over_a_batch_keeps_the_digits() -> None:
    """Two samples: the loss is the mean of the two exact losses, the gradients carry the 1/2."""
    batch = [[1000.0, 990.0], [-5.0, 1e5, 1e5 - 3]]
    vs = [[Value(z) for z in row] for row in batch]
    loss = losses.softmax_cross_entropy(vs, [0, 2])
    loss.backward()
    (a, ga), (b, gb) = exact_cross_entropy(batch[0], 0), exact_cross_entropy(batch[1], 2)
    assert ulps_off(loss.data, (a + b) / 2, floor=1.0) <= 2.0
    for row, want, c in zip(vs, (ga, gb), (0, 2)):
        for i, (v, w) in enumerate(zip(row, want)):
            assert ulps_off(v.grad, w / 2, floor=0.5 if i == c else 0.0) <= 2.0, (v.grad, w / 2)
    zs = [Value(37.0), Value(-40.0)]
    bce = losses.bce_with_logits(zs, [1, 0])
    bce.backward()
    (l1, g1), (l2, g2) = exact_bce(37.0, 1), exact_bce(-40.0, 0)
    assert ulps_off(bce.data, (l1 + l2) / 2) <= 2.0
    assert ulps_off(zs[0].grad, g1 / 2) <= 2.0 and ulps_off(zs[1].grad, g2 / 2) <= 2.0


# ---- the traced programs: the interpreter's numbers to the bit, so the exact ones too ----


def traced_losses() -> List[Tuple[str, Any, Value, List[Tuple[Any, Any]]]]:
    """(name, fn, w, runs): fn(logits, labels) is a loss of w·logits (w = 1, so its gradient is
    Σ_i dL/dz_i · z_i), traced at the first run's numbers and called at the others'."""
    w = Value(1.0, label="w")

    def ce(zs: Any, c: Any) -> Value:
        return losses.softmax_cross_entropy([[w * z for z in row] for row in zs], c)

    def bce(zs: Any, ys: Any) -> Value:
        return losses.bce_with_logits([w * z for z in zs], ys)

    ce_runs = [
        ([[0.5, -1.0, 2.0], [1.0, 2.0, 3.0]], [2, 0]),
        ([[1000.0, 990.0, -3.0], [-5.0, 1e5, 1e5 - 3]], [0, 2]),
        ([[100.0, 90.0, 0.0], [1000.0, -990.0, 3.0]], [1, 2]),
    ]
    bce_runs = [
        ([0.5, -1.0, 2.0], [1, 0, 1]),
        ([37.0, -40.0, 700.0], [1, 0, 1]),
        ([-37.0, 40.0, 20.0], [1, 0, 0]),
    ]
    return [("softmax_cross_entropy", ce, w, ce_runs), ("bce_with_logits", bce, w, bce_runs)]


def exact_mean(name: str, zs: Any, labels: Any) -> Decimal:
    one = exact_cross_entropy if name == "softmax_cross_entropy" else exact_bce
    with localcontext() as ctx:
        ctx.prec = 60
        return sum((one(z, y)[0] for z, y in zip(zs, labels)), Decimal(0)) / len(zs)


@pytest.mark.parametrize("backend", ["python", "c"])
@pytest.mark.parametrize("which", [0, 1])
def test_the_traced_programs_give_the_interpreters_numbers(backend: str, which: int) -> None:
    if backend == "c":
        needs.c_compiler()
    name, fn, w, runs = traced_losses()[which]
    step = None
    for zs, labels in runs:
        step = T.assert_same(fn, [zs, labels], [w], backend=backend, exact=True, step=step)
        w.grad = 0.0
        loss = step(zs, labels)
        floor = 1.0 if name == "softmax_cross_entropy" else 0.0
        assert ulps_off(loss, exact_mean(name, zs, labels), floor) <= 2.0, (name, zs, loss)
    assert step is not None and len(step.programs) == 1  # one program for every run: no branch recorded


# ---- PyTorch float64 ----


def test_as_torch_float64_or_closer() -> None:
    """Each loss and gradient is at least as close to the exact one as torch's float64 result is
    (within the bounds above where torch is closer)."""
    torch = needs.module("torch", "pip install torch")
    F = torch.nn.functional
    for zs, c in CE_CASES:
        t = torch.tensor([zs], dtype=torch.float64, requires_grad=True)
        tl = F.cross_entropy(t, torch.tensor([c]))
        tl.backward()
        vs = [Value(z) for z in zs]
        loss = losses.softmax_cross_entropy(vs, c)
        loss.backward()
        want, want_grads = exact_cross_entropy(zs, c)
        assert ulps_off(loss.data, want, 1.0) <= max(ulps_off(tl.item(), want, 1.0), 2.0), (zs, c)
        for i, (v, g, w) in enumerate(zip(vs, t.grad[0].tolist(), want_grads)):
            floor = 1.0 if i == c else 0.0
            assert ulps_off(v.grad, w, floor) <= max(ulps_off(g, w, floor), 2.0), (zs, c, i)
    for z, y in BCE_CASES:
        t = torch.tensor([z], dtype=torch.float64, requires_grad=True)
        tl = F.binary_cross_entropy_with_logits(t, torch.tensor([float(y)], dtype=torch.float64))
        tl.backward()
        v = Value(z)
        loss = losses.bce_with_logits([v], [y])
        loss.backward()
        want, want_grad = exact_bce(z, y)
        assert ulps_off(loss.data, want) <= max(ulps_off(tl.item(), want), 2.0), (z, y)
        assert ulps_off(v.grad, want_grad) <= max(ulps_off(t.grad.item(), want_grad), 2.0), (z, y)
