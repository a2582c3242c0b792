"""Softmax and log-softmax as single, numerically stable nodes."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._broadcast import normalize_axis


def log_softmax(a: Tensor, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)``: shifting by the max keeps ``exp`` from overflowing.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> Tensor([[1e4, 0.0]]).log_softmax(axis=1).numpy().round(3).tolist()
    [[0.0, -10000.0]]
    """
    x = a.data
    (axis,) = normalize_axis(axis, x.ndim)
    shifted = x - x.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g):
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

    return Tensor._make(out, (a,), backward, "log_softmax")


def softmax(a: Tensor, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed from shifted logits."""
    x = a.data
    (axis,) = normalize_axis(axis, x.ndim)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out = e / e.sum(axis=axis, keepdims=True)

    def backward(g):
        return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)

    return Tensor._make(out, (a,), backward, "softmax")
