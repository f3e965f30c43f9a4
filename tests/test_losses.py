"""Losses: hand-derived values and gradients, gradcheck, stability for logits of 1,000, label checks."""

from __future__ import annotations

import math
from typing import Any, List

import pytest

from autograd_mini import Value, grad, gradcheck, losses, nn, topological_order


def vals(*xs: float) -> List[Value]:
    return [Value(x) for x in xs]


def test_losses_are_also_nn_names() -> None:
    for name in ("mse_loss", "hinge_loss", "bce_with_logits", "softmax_cross_entropy", "l2_regularization"):
        assert getattr(nn, name) is getattr(losses, name)


def test_mse_value_and_gradient() -> None:
    p = vals(1.0, 3.0)
    loss = losses.mse_loss(p, [0.0, 1.0])
    assert loss.data == 2.5  # ((1-0)² + (3-1)²) / 2
    loss.backward()
    assert [v.grad for v in p] == [1.0, 2.0]  # 2(p - t)/N
    assert losses.mse_loss(Value(2.0), 0.5).data == 2.25  # a single prediction


def test_hinge_value_and_gradient() -> None:
    s = vals(2.0, 0.25, -0.5)
    loss = losses.hinge_loss(s, [1, -1, 1.0])
    # margins 1 - y·s: -1 (satisfied), 1.25, 1.5
    assert loss.data == pytest.approx((0.0 + 1.25 + 1.5) / 3, rel=1e-15)
    loss.backward()
    assert [v.grad for v in s] == pytest.approx([0.0, 1 / 3, -1 / 3], rel=1e-15)  # -y/N where active


def test_bce_matches_the_textbook_formula() -> None:
    for z in (-3.0, -0.2, 0.0, 0.7, 4.0):
        for y in (0, 1):
            sig = 1.0 / (1.0 + math.exp(-z))
            expected = -(y * math.log(sig) + (1 - y) * math.log(1.0 - sig))
            zs = vals(z)
            loss = losses.bce_with_logits(zs, [y])
            assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-15)
            loss.backward()
            assert zs[0].grad == pytest.approx(sig - y, rel=1e-12, abs=1e-15)  # σ(z) - y


def test_softmax_cross_entropy_value_and_gradient() -> None:
    zs = vals(1.0, 2.0, 0.5)
    loss = losses.softmax_cross_entropy(zs, 1)
    e = [math.exp(z.data) for z in zs]
    p = [v / sum(e) for v in e]
    assert loss.data == pytest.approx(-math.log(p[1]), rel=1e-14)
    loss.backward()
    assert [z.grad for z in zs] == pytest.approx([p[0], p[1] - 1.0, p[2]], rel=1e-13)  # softmax - one-hot


def test_softmax_cross_entropy_batch_is_the_mean() -> None:
    batch = [vals(1.0, 2.0, 0.5), vals(-1.0, 0.0, 3.0)]
    mean = losses.softmax_cross_entropy(batch, [1, 2]).data
    one = losses.softmax_cross_entropy(vals(1.0, 2.0, 0.5), 1).data
    two = losses.softmax_cross_entropy(vals(-1.0, 0.0, 3.0), 2).data
    assert mean == pytest.approx((one + two) / 2, rel=1e-15)


def test_l2_value_and_gradient() -> None:
    ps = vals(1.0, -2.0, 0.5)
    loss = losses.l2_regularization(ps, 0.1)
    assert loss.data == pytest.approx(0.1 * (1 + 4 + 0.25), rel=1e-15)
    loss.backward()
    assert [p.grad for p in ps] == pytest.approx([0.2, -0.4, 0.1], rel=1e-15)  # 2·alpha·p


@pytest.mark.parametrize(
    "f, xs",
    [
        (lambda a, b, c: losses.mse_loss([a, b], [0.3, c]), [0.5, -1.2, 0.8]),
        (lambda a, b, c: losses.hinge_loss([a, b, c], [1, -1, 1]), [0.5, -0.2, -1.4]),
        (lambda a, b, c: losses.bce_with_logits([a, b, c], [1, 0, 1]), [0.5, -2.2, 3.1]),
        (lambda a, b, c: losses.softmax_cross_entropy([a, b, c], 2), [0.5, -2.2, 3.1]),
        (lambda a, b, c, d: losses.softmax_cross_entropy([[a, b], [c, d]], [0, 1]), [0.5, -2.2, 3.1, 0.0]),
        (lambda a, b, c: losses.l2_regularization([a, b, c], 0.3), [0.5, -2.2, 3.1]),
    ],
)
def test_losses_pass_gradcheck(f, xs) -> None:  # type: ignore[no-untyped-def]
    assert gradcheck(f, xs)


# ---- numerical stability: logits of magnitude 1,000 ----


@pytest.mark.parametrize(
    "z, y, value, grad",
    [(1000.0, 0, 1000.0, 1.0), (1000.0, 1, 0.0, 0.0), (-1000.0, 1, 1000.0, -1.0), (-1000.0, 0, 0.0, 0.0)],
)
def test_bce_is_stable_for_huge_logits(z: float, y: int, value: float, grad: float) -> None:
    zs = vals(z)
    loss = losses.bce_with_logits(zs, [y])
    assert loss.data == value  # log(1 + e^-1000) is 0 in floats, so exact
    loss.backward()
    assert zs[0].grad == pytest.approx(grad, abs=1e-300) and math.isfinite(zs[0].grad)


def test_softmax_cross_entropy_is_stable_for_huge_logits() -> None:
    zs = vals(1000.0, -1000.0, 999.0)
    loss = losses.softmax_cross_entropy(zs, 1)
    # -log softmax_1 = logsumexp - z_1 = 1000 + log(1 + e^-1) + 1000
    assert loss.data == pytest.approx(2000.0 + math.log(1.0 + math.exp(-1.0)), rel=1e-15)
    loss.backward()
    p0 = 1.0 / (1.0 + math.exp(-1.0))
    assert [z.grad for z in zs] == pytest.approx([p0, -1.0, 1.0 - p0], rel=1e-12, abs=1e-300)
    right = vals(1000.0, -1000.0)
    losses.softmax_cross_entropy(right, 0).backward()
    assert [z.grad for z in right] == [0.0, 0.0]  # certain and right: no gradient, no NaN


# ---- bad input ----


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: losses.hinge_loss(vals(1.0, 2.0), [1, 0]), ValueError, "labels must be -1.0 or 1.0, got 0"),
        (lambda: losses.hinge_loss(vals(1.0), [True]), ValueError, "got True"),
        (lambda: losses.hinge_loss(vals(1.0, 2.0), [1]), ValueError, "2 predictions but 1 labels"),
        (lambda: losses.bce_with_logits(vals(1.0), [-1]), ValueError, "labels must be 0.0 or 1.0, got -1"),
        (lambda: losses.bce_with_logits(vals(1.0), [0.5]), ValueError, "got 0.5"),
        (
            lambda: losses.softmax_cross_entropy(vals(1.0, 2.0), 2),
            ValueError,
            r"class index must be in 0..1, got 2",
        ),
        (lambda: losses.softmax_cross_entropy(vals(1.0, 2.0), -1), ValueError, "got -1"),
        (lambda: losses.softmax_cross_entropy(vals(1.0, 2.0), 1.0), TypeError, "expected an int, got float"),
        (
            lambda: losses.softmax_cross_entropy([vals(1.0, 2.0)], [0, 1]),
            ValueError,
            "1 samples of logits but 2",
        ),
        (lambda: losses.mse_loss([], []), ValueError, "preds is empty"),
        (lambda: losses.mse_loss(vals(1.0), [float("nan")]), ValueError, "finite"),
        (lambda: losses.mse_loss(vals(1.0), ["a"]), TypeError, "numbers"),
        (lambda: losses.l2_regularization(vals(1.0), -0.1), ValueError, "alpha must be >= 0"),
        (lambda: losses.l2_regularization([1.0], 0.1), TypeError, "params must be Values"),
        (lambda: losses.hinge_loss("ab", [1, 1]), TypeError, "scores must be"),
    ],
)
def test_bad_labels_and_shapes(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


# ---- class indices, NaN, and labels given as Values (how a trace passes them) ----


class _Index:
    """An integral number that is not an int: operator.index() accepts it, as numpy's do."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __index__(self) -> int:
        return self.n


def test_softmax_cross_entropy_takes_any_integral_class_index() -> None:
    np = pytest.importorskip("numpy")
    want = losses.softmax_cross_entropy(vals(1.0, 2.0, 0.5), 1).data
    assert losses.softmax_cross_entropy(vals(1.0, 2.0, 0.5), np.int64(1)).data == want
    assert losses.softmax_cross_entropy(vals(1.0, 2.0, 0.5), _Index(1)).data == want
    batch = [vals(1.0, 2.0, 0.5), vals(-1.0, 0.0, 3.0)]
    assert losses.softmax_cross_entropy(batch, np.array([1, 2])).data == losses.softmax_cross_entropy(
        [vals(1.0, 2.0, 0.5), vals(-1.0, 0.0, 3.0)], [1, 2]
    ).data
    with pytest.raises(TypeError, match="class index: expected an int, got bool True"):
        losses.softmax_cross_entropy(vals(1.0, 2.0), True)
    with pytest.raises(ValueError, match="got 3"):
        losses.softmax_cross_entropy(vals(1.0, 2.0), np.int64(3))


NAN = float("nan")


@pytest.mark.parametrize(
    "loss",
    [
        lambda: losses.mse_loss([Value(NAN), Value(1.0)], [0.0, 1.0]),
        lambda: losses.hinge_loss([Value(NAN), Value(2.0)], [1, -1]),
        lambda: losses.bce_with_logits([Value(NAN), Value(2.0)], [1, 0]),
        lambda: losses.softmax_cross_entropy([Value(NAN), Value(2.0), Value(0.5)], 1),
        lambda: losses.softmax_cross_entropy([Value(2.0), Value(NAN), Value(0.5)], 0),
        lambda: losses.l2_regularization([Value(NAN), Value(2.0)], 0.1),
    ],
)
def test_nan_in_gives_nan_out(loss) -> None:  # type: ignore[no-untyped-def]
    """A diverged model (a NaN score) never gets a finite loss, let alone a perfect one."""
    out = loss()
    assert math.isnan(out.data)
    out.backward()  # and the backward pass lets the NaN through, as IEEE arithmetic does


def test_bce_derivative_at_zero_is_sigmoid_of_zero_minus_y() -> None:
    for y in (0, 1):
        z = Value(0.0)
        losses.bce_with_logits([z], [y]).backward()
        assert z.grad == 0.5 - y


@pytest.mark.parametrize(
    "name, labels",
    [("hinge_loss", [1.0, -1.0, 1.0]), ("bce_with_logits", [1.0, 0.0, 1.0]), ("mse_loss", [0.5, -1.0, 2.0])],
)
def test_labels_as_values_give_the_same_loss_and_gradients(name: str, labels: List[float]) -> None:
    """A label that is a Value (a traced argument) is a node, not a folded constant: same numbers."""
    loss = getattr(losses, name)
    s1, s2 = vals(2.0, 0.25, -0.5), vals(2.0, 0.25, -0.5)
    a, b = loss(s1, labels), loss(s2, [Value(y) for y in labels])
    assert a.data == b.data
    a.backward()
    b.backward()
    assert [s.grad for s in s1] == [s.grad for s in s2]


def test_class_index_as_a_value_picks_the_same_logit() -> None:
    """The one-hot pick Σ z_i·relu(1 - |c - i|) equals zs[c], in value and in every gradient."""
    for c in range(3):
        zs, ws = vals(1.0, 2.0, 0.5), vals(1.0, 2.0, 0.5)
        a = losses.softmax_cross_entropy(zs, c)
        index = Value(float(c))
        b = losses.softmax_cross_entropy(ws, index)
        assert a.data == b.data
        a.backward()
        b.backward()
        assert [z.grad for z in zs] == [w.grad for w in ws]
        assert index.grad == 0.0
    with pytest.raises(ValueError, match="got 3"):
        losses.softmax_cross_entropy(vals(1.0, 2.0, 0.5), Value(3.0))


@pytest.mark.parametrize("loss, target", [(losses.mse_loss, 0.25), (losses.hinge_loss, -1),
                                          (losses.bce_with_logits, 1)])
def test_one_samples_loss_is_its_own_term_without_a_sum_of_one(loss: Any, target: Any) -> None:
    """A lecture's lone neuron: its loss graph was a sum of one input and a * 1 after the term."""
    w = Value(0.7, label="w")
    out = loss([w * 2.0], [target])
    ops = [v.op for v in topological_order(out)]
    assert "sum" not in ops and out.data == loss([w * 2.0, w * 2.0], [target, target]).data
    (g1,) = grad(out, [w])
    (g2,) = grad(loss([w * 2.0, w * 2.0], [target, target]), [w])
    assert g1 == g2  # the mean of two alike samples: the same number and gradient
