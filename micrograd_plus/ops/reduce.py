"""Reductions over axes: sum, mean, max, min, var."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._broadcast import normalize_axis


def _expand(g: np.ndarray, axes: tuple, keepdims: bool, shape: tuple) -> np.ndarray:
    """Put the reduced axes back into ``g`` and broadcast it to ``shape`` (a read-only view)."""
    if g.size == 1:  # one value (a full reduction): repeat it along every axis
        if g.shape == shape:
            return g
        # A zero-stride view of an immutable copy of the value is read-only by
        # construction, without the cost of setting the flag afterwards.
        return np.ndarray(shape, g.dtype, g.tobytes(), 0, (0,) * len(shape))
    if not keepdims and axes:
        g = g.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    if g.shape == shape:
        return g
    if g.size and g.flags.c_contiguous:
        strides = tuple(0 if n != m else s for n, m, s in zip(shape, g.shape, g.strides))
        return _repeat_view(g, shape, strides)
    return np.broadcast_to(g, shape)


def _repeat_view(g: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """What ``np.broadcast_to`` returns, built directly: its Python-level checks
    cost several times the whole backward of a small reduction."""
    view = np.ndarray(shape, g.dtype, g, 0, strides)
    view.flags.writeable = False
    return view


def _float_data(a: Tensor) -> np.ndarray:
    # Means of labels or masks would otherwise come out as float64.
    x = a.data
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def sum(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = a.data
    axes = normalize_axis(axis, x.ndim)
    out = np.asarray(x.sum(axis=axes, keepdims=keepdims))
    return Tensor._make(out, (a,), lambda g: (_expand(g, axes, keepdims, x.shape),), "sum")


def mean(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    x = _float_data(a)
    axes = normalize_axis(axis, x.ndim)
    count = int(np.prod([x.shape[i] for i in axes]))
    out = np.asarray(x.mean(axis=axes, keepdims=keepdims))
    scale = x.dtype.type(1 / (count or 1))

    def backward(g):
        return (_expand(g * scale, axes, keepdims, x.shape),)

    return Tensor._make(out, (a,), backward, "mean")


def _extreme(a: Tensor, axis, keepdims: bool, numpy_fn, op: str) -> Tensor:
    x = a.data
    if x.size == 0:
        raise ValueError(f"{op}() of an empty tensor has no value")
    axes = normalize_axis(axis, x.ndim)
    kept = numpy_fn(x, axis=axes, keepdims=True)
    out = (
        kept
        if keepdims
        else np.asarray(kept.reshape([n for i, n in enumerate(kept.shape) if i not in axes]))
    )

    def backward(g):
        # Ties share the gradient equally, so the result is symmetric in them.
        mask = (x == kept).astype(x.dtype)
        mask /= mask.sum(axis=axes, keepdims=True)
        return (mask * _expand(g, axes, keepdims, x.shape),)

    return Tensor._make(out, (a,), backward, op)


def max(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(a, axis, keepdims, np.max, "max")


def min(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(a, axis, keepdims, np.min, "min")


def var(a: Tensor, axis=None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance, NumPy's convention: ``ddof=0`` divides by N (PyTorch's default is N-1).

    Built from differentiable primitives, so it needs no backward of its own.
    """
    axes = normalize_axis(axis, a.ndim)
    count = int(np.prod([a.shape[i] for i in axes]))
    if count - ddof <= 0:
        raise ValueError(
            f"var() over {count} elements with ddof={ddof} divides by zero; use a smaller "
            "ddof or reduce over more elements"
        )
    centred = a - mean(a, axis=axes, keepdims=True)
    return sum(centred * centred, axis=axes, keepdims=keepdims) / (count - ddof)
