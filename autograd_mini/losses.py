"""Losses: each takes the model's outputs (Values) and the targets, and returns one Value to call
`backward()` on. Batch losses are means over the samples, so gradients carry the 1/N of the formulas.

Stable for large logits: `bce_with_logits` and `softmax_cross_entropy` never take ``exp`` of a
positive number, so logits of magnitude 1,000 give finite values and gradients.

>>> from autograd_mini import Value
>>> s = [Value(2.0), Value(-0.5)]
>>> hinge_loss(s, [1, 1]).data      # mean(max(0, 1 - y·s)) = (0 + 1.5) / 2
0.75
"""

from __future__ import annotations

import math
from numbers import Real
from typing import List, Sequence, Union

from .engine import Value, dot, total

Scalar = Union[Value, int, float]


def _values(xs: Union[Value, Sequence[Scalar]], where: str, what: str) -> List[Value]:
    """A batch of outputs as a non-empty list of Values (numbers become constant leaves)."""
    if type(xs) is Value:
        return [xs]
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"{where}: {what} must be a Value or a sequence of Values, got {type(xs).__name__}")
    out = list(xs)  # type: ignore[arg-type]
    if not all(type(x) is Value for x in out):
        out = [x if type(x) is Value else Value(_number(x, where, what)) for x in out]
    if not out:
        raise ValueError(f"{where}: {what} is empty")
    return out


def _number(x: object, where: str, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{where}: {what} must hold numbers, got {type(x).__name__} {x!r}")
    v = float(x)
    if not math.isfinite(v):
        raise ValueError(f"{where}: {what} must be finite, got {x!r}")
    return v


def _labels(ys: Union[Scalar, Sequence[Scalar]], n: int, allowed: tuple, where: str) -> List[float]:
    """The labels as floats, checked: one per sample, each in `allowed`."""
    if isinstance(ys, (int, float)) and not isinstance(ys, bool):
        ys = [ys]
    if isinstance(ys, (str, bytes)) or not hasattr(ys, "__iter__"):
        raise TypeError(f"{where}: labels must be a sequence of numbers, got {type(ys).__name__}")
    ys = list(ys)  # type: ignore[arg-type]
    if len(ys) != n:
        raise ValueError(f"{where}: {n} predictions but {len(ys)} labels")
    out = []
    for y in ys:
        if (type(y) is float or type(y) is int) and y in allowed:  # the common case, checked fast
            out.append(float(y))
            continue
        if isinstance(y, bool) or not isinstance(y, Real) or float(y) not in allowed:
            raise ValueError(f"{where}: labels must be {' or '.join(map(repr, allowed))}, got {y!r}")
        out.append(float(y))
    return out


def mse_loss(preds: Union[Value, Sequence[Scalar]], targets: Union[Scalar, Sequence[Scalar]]) -> Value:
    """Mean squared error, mean over the samples of (pred - target)².

    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data   # (1 + 4) / 2
    2.5
    """
    ps = _values(preds, "mse_loss", "preds")
    if isinstance(targets, (int, float, Value)) and not isinstance(targets, bool):
        targets = [targets]
    if isinstance(targets, (str, bytes)) or not hasattr(targets, "__iter__"):
        raise TypeError(f"mse_loss: targets must be a sequence of numbers, got {type(targets).__name__}")
    ts = [t if type(t) is Value else _number(t, "mse_loss", "targets") for t in targets]  # type: ignore[union-attr]
    if len(ts) != len(ps):
        raise ValueError(f"mse_loss: {len(ps)} predictions but {len(ts)} targets")
    diffs = [p - t for p, t in zip(ps, ts)]
    return total([d * d for d in diffs]) * (1.0 / len(ps))


def hinge_loss(scores: Union[Value, Sequence[Scalar]], labels: Union[Scalar, Sequence[Scalar]]) -> Value:
    """Max-margin loss for labels ±1: the mean of max(0, 1 - y·score). Zero once every sample is on
    the right side with a margin of at least 1.

    >>> hinge_loss([Value(0.25)], [-1]).data
    1.25
    """
    ss = _values(scores, "hinge_loss", "scores")
    ys = _labels(labels, len(ss), (-1.0, 1.0), "hinge_loss")
    # (s·(-y) + 1).relu(): three cheap nodes per sample (the constants live inside the nodes)
    return total([(s * -y + 1.0).relu() for s, y in zip(ss, ys)]) * (1.0 / len(ss))


def bce_with_logits(logits: Union[Value, Sequence[Scalar]], labels: Union[Scalar, Sequence[Scalar]]) -> Value:
    """Binary cross-entropy of sigmoid(z) against labels 0/1, from the logits z, averaged.

    Written as relu(z) - z·y + log(1 + exp(-|z|)), which equals -y·log σ(z) - (1-y)·log(1-σ(z))
    but only ever exponentiates a number <= 0, so it is finite for any logit.

    >>> round(bce_with_logits([Value(0.0)], [1]).data, 6)   # log 2
    0.693147
    """
    zs = _values(logits, "bce_with_logits", "logits")
    ys = _labels(labels, len(zs), (0.0, 1.0), "bce_with_logits")
    terms = [_bce_term(z, y) for z, y in zip(zs, ys)]
    return total(terms) * (1.0 / len(zs))


def _bce_term(z: Value, y: float) -> Value:
    # relu(z) - z·y + log(1 + exp(-|z|)), with the sign of z chosen from its value: written with
    # relu and abs, the derivative at z = 0 would take both kinks' 0 and miss the true σ(0) - y.
    if z.data >= 0.0:
        return z * (1.0 - y) + ((-z).exp() + 1.0).log()
    return z * -y + (z.exp() + 1.0).log()


def _class_index(c: object, k: int, where: str) -> int:
    if isinstance(c, bool) or not isinstance(c, int):
        raise TypeError(f"{where}: a class index must be an int, got {type(c).__name__} {c!r}")
    if not 0 <= c < k:
        raise ValueError(f"{where}: class index must be in 0..{k - 1}, got {c!r}")
    return c


def _one_cross_entropy(logits: Sequence[Scalar], target: object, where: str) -> Value:
    zs = _values(logits, where, "logits")
    c = _class_index(target, len(zs), where)
    # log Σ exp(z_i) = m + log Σ exp(z_i - m) with m = max z_i: every exponent is <= 0, and
    # one of them is 0, so the sum lies in [1, k]. m is a constant; the gradient does not need it.
    m = max(z.data for z in zs)
    lse = total([(z - m).exp() for z in zs]).log() + m
    return lse - zs[c]


def softmax_cross_entropy(
    logits: Union[Sequence[Scalar], Sequence[Sequence[Scalar]]], target: Union[int, Sequence[int]]
) -> Value:
    """-log softmax(logits)[target]: the cross-entropy of a k-class prediction.

    One sample: `logits` is a list of k Values and `target` an int in 0..k-1. A batch: `logits` is
    a list of such lists and `target` a list of ints; the result is the mean over the samples.

    >>> round(softmax_cross_entropy([Value(1.0), Value(1.0)], 0).data, 6)  # log 2
    0.693147
    """
    where = "softmax_cross_entropy"
    if isinstance(target, (str, bytes)) or not hasattr(target, "__iter__"):
        return _one_cross_entropy(logits, target, where)  # type: ignore[arg-type]
    targets = list(target)  # type: ignore[arg-type]
    batch = list(logits)
    if not batch:
        raise ValueError(f"{where}: the batch is empty")
    if len(batch) != len(targets):
        raise ValueError(f"{where}: {len(batch)} samples of logits but {len(targets)} class indices")
    for row in batch:
        if type(row) is Value or isinstance(row, (int, float)):
            raise TypeError(f"{where}: with a list of class indices, logits must be a list of lists")
    losses = [_one_cross_entropy(row, t, where) for row, t in zip(batch, targets)]  # type: ignore[arg-type]
    return total(losses) * (1.0 / len(losses))


def l2_regularization(params: Sequence[Value], alpha: float) -> Value:
    """alpha·Σ p², the L2 penalty that pulls weights towards 0 (it adds 2·alpha·p to each gradient).

    >>> l2_regularization([Value(1.0), Value(-2.0)], 0.5).data
    2.5
    """
    a = _number(alpha, "l2_regularization", "alpha")
    if a < 0.0:
        raise ValueError(f"l2_regularization: alpha must be >= 0, got {alpha!r}")
    ps = list(params)
    for p in ps:
        if type(p) is not Value:
            raise TypeError(f"l2_regularization: params must be Values, got {type(p).__name__} {p!r}")
    if not ps:
        raise ValueError("l2_regularization: params is empty")
    # One dot node Σ p·p + 0 (each p enters twice, as a weight and as an input): half the time of
    # a total of p*p nodes, and the same gradient 2·alpha·p.
    return dot(ps, ps, Value(0.0, label="L2.zero")) * a
