"""Binary cross-entropy on probabilities and on logits."""

from __future__ import annotations

import numpy as np

from ...autograd.engine import Derived
from ...autograd.shared import exp, log, maximum
from ...tensor import Tensor
from ._common import broadcast_weight, check_reduction, input_and_target, pointwise_node


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """``-(t log p + (1 - t) log(1 - p))`` for probabilities ``p`` in ``[0, 1]``.

    As in PyTorch each log is clamped at -100, so ``p`` of exactly 0 or 1
    gives a large finite loss instead of infinity. Prefer
    :func:`binary_cross_entropy_with_logits`, which takes raw scores and is
    stable without clamping.
    """
    check_reduction(reduction)
    input, target, x, y = input_and_target(input, target, "binary_cross_entropy")
    outside = np.flatnonzero(~((x >= 0) & (x <= 1)))
    if outside.size:
        pos = np.unravel_index(outside[0], x.shape)
        where = [int(i) for i in pos]
        raise ValueError(
            f"binary_cross_entropy needs probabilities in [0, 1], but input{where} is "
            f"{x[pos]!s}; apply sigmoid first or use BCEWithLogitsLoss on raw scores"
        )
    if not ((y >= 0) & (y <= 1)).all():
        outside = np.flatnonzero(~((y >= 0) & (y <= 1)))
        pos = np.unravel_index(outside[0], y.shape)
        raise ValueError(
            f"binary_cross_entropy needs targets in [0, 1] (torch: all elements of target "
            f"should be between 0 and 1), but target{[int(i) for i in pos]} is {y[pos]!s} "
            f"({outside.size} of {y.size} outside); pass labels 0/1 or probabilities "
            "(for -1/+1 labels, (target + 1) / 2)"
        )
    w = broadcast_weight(weight, x.shape, x.dtype, "weight")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(x), -100)
        log_q = np.maximum(np.log1p(-x), -100)
    values = (y - 1) * log_q - y * log_p
    if w is not None:
        values = values * w

    def grads(factor, need_p, need_y, p, y):  # d/dp = (p - y) / (p (1 - p)), d/dy = log(q/p)
        if w is not None:
            factor = factor * w
        gp = gy = None
        if need_p:
            gp = (p - y) / maximum((1 - p) * p, 1e-12) * factor
        if need_y:
            with np.errstate(divide="ignore"):
                gy = (maximum(log(1 - p), -100) - maximum(log(p), -100)) * factor
        return gp, gy

    return pointwise_node(values, input, target, reduction, grads, "binary_cross_entropy", (x, y))


def binary_cross_entropy_with_logits(
    input, target, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """Sigmoid and binary cross-entropy in one stable node, taking raw scores.

    ``loss = (1 - t) x + l * softplus(-x)`` with ``l = 1 + (pos_weight - 1) t``;
    ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))`` never overflows. The
    gradient is ``sigmoid(x) - t`` without ``pos_weight``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> round(binary_cross_entropy_with_logits(Tensor([1000.0, -1000.0]), [1.0, 0.0]).item(), 6)
    0.0
    """
    check_reduction(reduction)
    input, target, x, y = input_and_target(input, target, "binary_cross_entropy_with_logits")
    w = broadcast_weight(weight, x.shape, x.dtype, "weight")
    pw = broadcast_weight(pos_weight, x.shape, x.dtype, "pos_weight")
    softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    log_weight = None if pw is None else (pw - 1) * y + 1
    values = (1 - y) * x + (softplus_neg if pw is None else log_weight * softplus_neg)
    if w is not None:
        values *= w

    def grads(factor, need_x, need_y, x, y, softplus_neg):
        if w is not None:
            factor = factor * w
        gx = gy = None
        if need_x:  # d/dx = sigmoid(x) - t, or l sigmoid(x) - pos_weight t
            sig = exp(-softplus_neg)
            gx = (sig - y if pw is None else ((pw - 1) * y + 1) * sig - pw * y) * factor
        if need_y:  # d/dt = -x, or (pos_weight - 1) softplus(-x) - x
            gy = (-x if pw is None else (pw - 1) * softplus_neg - x) * factor
        return gx, gy

    def recompute(x, y):  # softplus(-x) as Tensor ops of the logits, for create_graph
        return x, y, (-x).relu() + ((-x.abs()).exp() + 1).log()

    saved = Derived((x, y, softplus_neg), recompute)
    return pointwise_node(values, input, target, reduction, grads, "bce_with_logits", saved)
