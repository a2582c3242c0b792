"""Softmax and log-softmax as single, numerically stable nodes."""

from __future__ import annotations

import numpy as np

from ..autograd.shared import exp
from ..tensor import Tensor
from ._broadcast import dim_alias, normalize_axis


def _axis(op: str, x: np.ndarray, axis, dim) -> int:
    if dim is not None:
        axis, _ = dim_alias(op, None if axis == -1 else axis, dim, False, None)
    (axis,) = normalize_axis(axis, x.ndim)
    return axis


def log_softmax(a: Tensor, axis: int = -1, *, dim=None) -> Tensor:
    """``x - logsumexp(x)`` along ``axis`` (or torch's ``dim``); shifting by the max
    keeps ``exp`` from overflowing.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> Tensor([[1e4, 0.0]]).log_softmax(axis=1).numpy().round(3).tolist()
    [[0.0, -10000.0]]
    """
    x = a.data
    axis = _axis("log_softmax", x, axis, dim)
    if x.size == 0:  # nothing to normalise: an empty result, as torch
        return Tensor._make(x.copy(), (a,), lambda g: (g,), "log_softmax")
    shifted = x - x.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g, out):  # d(log p)/dx: g - p sum(g), with p = exp(log p)
        return (g - exp(out) * g.sum(axis=axis, keepdims=True),)

    return Tensor._make(out, (a,), backward, "log_softmax", (out,))


def softmax(a: Tensor, axis: int = -1, *, dim=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (or ``dim``), computed from shifted logits."""
    x = a.data
    axis = _axis("softmax", x, axis, dim)
    if x.size == 0:  # nothing to normalise: an empty result, as torch
        return Tensor._make(x.copy(), (a,), lambda g: (g,), "softmax")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out = e / e.sum(axis=axis, keepdims=True)

    def backward(g, p):  # dp/dx: p (g - sum(g p))
        return (p * (g - (g * p).sum(axis=axis, keepdims=True)),)

    return Tensor._make(out, (a,), backward, "softmax", (out,))
