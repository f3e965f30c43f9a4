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
from typing import Any, Dict, List, Sequence, Union

from . import checks
from . import trace_hooks as hooks
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


def _labels(ys: Any, n: int, allowed: tuple, where: str) -> List[Any]:
    """The labels, checked: one per sample, each in `allowed`. Numbers come back as floats; a Value
    (an argument of a traced function) stays a Value, checked by the number behind it."""
    if (isinstance(ys, (int, float)) and not isinstance(ys, bool)) or type(ys) is Value:
        ys = [ys]
    if isinstance(ys, (str, bytes)) or not hasattr(ys, "__iter__"):
        raise TypeError(f"{where}: labels must be a sequence of numbers, got {type(ys).__name__}")
    ys = list(ys)
    if len(ys) != n:
        raise ValueError(f"{where}: {n} predictions but {len(ys)} labels")
    out = [y if type(y) is Value else _label(y, allowed, where) for y in ys]
    values = [y for y in ys if type(y) is Value]
    if values:
        for y in values:
            _label(hooks.raw(y), allowed, where)
        hooks.guard(values, lambda raws: _all_labels(raws, allowed, where), where)
    return out


def _label(y: object, allowed: tuple, where: str) -> float:
    if (type(y) is float or type(y) is int) and y in allowed:  # the common case, checked fast
        return float(y)  # type: ignore[arg-type]
    if isinstance(y, bool) or not isinstance(y, Real) or float(y) not in allowed:
        raise ValueError(f"{where}: labels must be {' or '.join(map(repr, allowed))}, got {y!r}")
    return float(y)


def _all_labels(ys: List[Any], allowed: tuple, where: str) -> bool:
    """Whether `_labels` accepts every one of `ys` (a traced program's check before each call)."""
    if set(map(type, ys)) <= _INT_FLOAT and set(ys) <= set(allowed):
        return True
    try:
        for y in ys:
            _label(y, allowed, where)
    except ValueError:
        return False
    return True


_INT_FLOAT = {int, float}


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
    traced = [t for t in ts if type(t) is Value and hooks.is_argument(t)]
    if traced:  # the arguments of a traced function: checked as the numbers they stand for
        for t in traced:
            _number(hooks.raw(t), "mse_loss", "targets")
        hooks.guard(traced, _all_finite, "mse_loss")
    diffs = [p - t for p, t in zip(ps, ts)]
    return _mean([d * d for d in diffs])


def _mean(terms: List[Value]) -> Value:
    """The mean of the samples' losses; one sample's loss is its own term (no sum of one and no
    · 1 in its graph: the same number, a picture the size of what it computes)."""
    return terms[0] if len(terms) == 1 else total(terms) * (1.0 / len(terms))


def _all_finite(ts: List[Any]) -> bool:
    if set(map(type, ts)) <= _INT_FLOAT:
        return all(map(math.isfinite, ts))
    return all(isinstance(t, Real) and not isinstance(t, bool) and math.isfinite(t) for t in ts)


def hinge_loss(scores: Union[Value, Sequence[Scalar]], labels: Union[Scalar, Sequence[Scalar]]) -> Value:
    """Max-margin loss for labels ±1: the mean of max(0, 1 - y·score). Zero once every sample is on
    the right side with a margin of at least 1.

    >>> hinge_loss([Value(0.25)], [-1]).data
    1.25
    """
    ss = _values(scores, "hinge_loss", "scores")
    ys = _labels(labels, len(ss), (-1.0, 1.0), "hinge_loss")
    # (s·(-y) + 1).relu(): three cheap nodes per sample (the constants live inside the nodes); a
    # label that is a Value (a traced argument) enters as a node, -y, and is multiplied in
    return _mean([(s * (-y if type(y) is Value else -y) + 1.0).relu() for s, y in zip(ss, ys)])


def bce_with_logits(logits: Union[Value, Sequence[Scalar]], labels: Union[Scalar, Sequence[Scalar]]) -> Value:
    """Binary cross-entropy of sigmoid(z) against labels 0/1, from the logits z, averaged.

    Written as softplus(-z) for y = 1 and softplus(z) for y = 0, which equals -y·log σ(z) -
    (1-y)·log(1-σ(z)); softplus is computed in its stable form (the exp of a number <= 0), so the
    loss is finite for any logit, and its derivative is σ, so the gradient σ(z) - y keeps its
    digits where it is tiny.

    >>> round(bce_with_logits([Value(0.0)], [1]).data, 6)   # log 2
    0.693147
    """
    zs = _values(logits, "bce_with_logits", "logits")
    ys = _labels(labels, len(zs), (0.0, 1.0), "bce_with_logits")
    terms = [_bce_term(z, y) for z, y in zip(zs, ys)]
    return _mean(terms)


def _bce_term(z: Value, y: Any) -> Value:
    # -log σ(z) = softplus(-z) and -log(1 - σ(z)) = softplus(z), one node whose derivative σ(∓z)
    # keeps every digit of a tiny gradient. (relu(z) - z·y + log(1 + exp(-|z|)) is 0 for a right
    # logit of 37 or more, and sums its gradient from terms of size 1/2 that round a tiny one away.)
    # softplus branches on the sign inside the node, so a trace holds for every z.
    if type(y) is Value:  # a traced label: the formula for any y, as the label's number may change
        return y * (-z).softplus() + (1.0 - y) * z.softplus()  # exact for y in {0, 1}: 0·x + x = x
    return (z * (1.0 - 2.0 * y)).softplus()  # ±z exactly: the sign is a constant inside the node


def _class_index(c: object, k: int, where: str) -> int:
    """`c` as an index in 0..k-1: any integral number but a bool (numpy integers too)."""
    i = checks.integer(c, f"{where}: class index")
    if not 0 <= i < k:
        raise ValueError(f"{where}: class index must be in 0..{k - 1}, got {i!r}")
    return i


def _all_indices(cs: List[Any], k: int, where: str) -> bool:
    """Whether `_class_index` accepts every one of `cs` (a traced program's check before each call)."""
    if set(map(type, cs)) == _INT:
        return min(cs) >= 0 and max(cs) < k
    try:
        for c in cs:
            _class_index(c, k, where)
    except (TypeError, ValueError):
        return False
    return True


_INT = {int}


def _pick(zs: List[Value], c: object, where: str) -> Value:
    """zs[c]. A Value c (a traced argument) picks without its number deciding the graph:
    Σ z_i·onehot_i with onehot_i = relu(1 - |c - i|), exactly 1 at i = c and 0 elsewhere, gives
    the same value and the same gradients to every z_i (and 0 to c)."""
    if type(c) is not Value:
        return zs[_class_index(c, len(zs), where)]
    number = hooks.raw(c)  # what the caller passed to a trace; else the Value's data, a float
    if not hooks.is_argument(c) and number.is_integer():
        number = int(number)
    _class_index(number, len(zs), where)
    onehot = [(1.0 - abs(c - i)).relu() for i in range(len(zs))]
    return dot(zs, onehot, Value(0.0))


def _one_cross_entropy(logits: Sequence[Scalar], target: object, where: str, guarded: bool = True) -> Value:
    """One sample's loss; a traced label (a Value) is checked at every call, by a guard of its own
    or, in a batch (`guarded` False), by the batch's one guard over all its labels."""
    zs = _values(logits, where, "logits")
    picked = _pick(zs, target, where)
    if type(target) is Value and guarded:
        k = len(zs)
        hooks.guard([target], lambda cs: _all_indices(cs, k, where), where)
    # -log softmax_c = log Σ exp(z_i - m) - (z_c - m) with m = max z_i: every exponent is <= 0,
    # and one of them is 0, so the sum lies in [1, k]. m is taken out of z_c before the
    # subtraction, as torch's log_softmax does: adding m back to the log first would round the
    # loss at the size of m (1e-10 relative for logits of 1,000). m is a constant; the gradient
    # does not need it (in a trace it is recomputed from the logits at every call: see trace_hooks).
    m = hooks.derived_max(zs)
    return total([(z - m).exp() for z in zs]).log() - (picked - m)


def softmax_cross_entropy(logits: Any, target: Any) -> Value:
    """-log softmax(logits)[target]: the cross-entropy of a k-class prediction.

    One sample: `logits` is a list of k Values and `target` an integer in 0..k-1 (an int or a
    numpy integer). A batch: `logits` is a list of such lists and `target` a list of integers; the
    result is the mean over the samples.

    >>> round(softmax_cross_entropy([Value(1.0), Value(1.0)], 0).data, 6)  # log 2
    0.693147
    """
    where = "softmax_cross_entropy"
    if isinstance(target, (str, bytes)) or not hasattr(target, "__iter__"):
        return _one_cross_entropy(logits, target, where)
    targets = list(target)
    batch = list(logits)
    if not batch:
        raise ValueError(f"{where}: the batch is empty")
    if len(batch) != len(targets):
        raise ValueError(f"{where}: {len(batch)} samples of logits but {len(targets)} class indices")
    for row in batch:
        if type(row) is Value or isinstance(row, (int, float)):
            raise TypeError(f"{where}: with a list of class indices, logits must be a list of lists")
    losses: List[Value] = []
    by_k: Dict[int, List[Value]] = {}
    for row, t in zip(batch, targets):
        zs = _values(row, where, "logits")
        losses.append(_one_cross_entropy(zs, t, where, False))
        if type(t) is Value:  # a traced label, kept by its row's number of classes
            by_k.setdefault(len(zs), []).append(t)
    for k, labels in by_k.items():  # one check of all the labels at each call, not one per label
        hooks.guard(labels, lambda cs, k=k: _all_indices(cs, k, where), where)  # type: ignore[misc]
    return _mean(losses)


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
