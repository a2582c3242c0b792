"""Reductions over axes: sum, mean, max, min, var, std, argmax, any, all.

Each takes NumPy's ``axis=``/``keepdims=`` or torch's ``dim=``/``keepdim=``.
``max``/``min`` with a dim return torch's ``(values, indices)`` pair; over
every element (or several dims, ``amax``/``amin``) they return a tensor.
"""

from __future__ import annotations

import builtins
from typing import NamedTuple

import numpy as np

from ..autograd.shared import expand as _expand
from ..tensor import Tensor
from ._broadcast import dim_alias, normalize_axis


def _float_data(a: Tensor) -> np.ndarray:
    # Means of labels or masks would otherwise come out as float64.
    x = a.data
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def sum(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (or ``dim``), all elements by default."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("sum", axis, dim, keepdims, keepdim)
    x = a.data
    axes = normalize_axis(axis, x.ndim)
    # np.add.reduce is what x.sum() runs, without its Python-level wrapper.
    out = np.asarray(np.add.reduce(x, axis=axes, keepdims=keepdims))
    return Tensor._make(out, (a,), lambda g: (_expand(g, axes, keepdims, x.shape),), "sum")


def mean(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Mean over ``axis`` (or ``dim``); integer and bool tensors give float32."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("mean", axis, dim, keepdims, keepdim)
    x = _float_data(a)
    axes = normalize_axis(axis, x.ndim)
    count = int(np.prod([x.shape[i] for i in axes]))
    if count:
        out = np.asarray(x.mean(axis=axes, keepdims=keepdims))
    else:  # the mean of nothing is NaN, as in torch (NumPy would also warn)
        out = np.asarray(x.sum(axis=axes, keepdims=keepdims) * np.nan)
    scale = x.dtype.type(1 / (count or 1))

    def backward(g):
        return (_expand(g * scale, axes, keepdims, x.shape),)

    return Tensor._make(out, (a,), backward, "mean")


def _check_not_empty(x: np.ndarray, axes: tuple, op: str, full: bool) -> None:
    if x.size and builtins.all(x.shape[i] for i in axes):
        return
    if full:
        raise RuntimeError(
            f"{op}() of an empty tensor (shape {x.shape}) has no value; reduce over a "
            "non-empty dim with dim=, as in torch"
        )
    for i in axes:
        if x.shape[i] == 0:
            raise IndexError(
                f"{op}(): the reduction dim {i} has size 0 (shape {x.shape}), so there is no "
                f"{op}; reduce over another dim, or check why the tensor is empty"
            )


def _extreme(a: Tensor, axis, keepdims: bool, numpy_fn, op: str) -> Tensor:
    x = a.data
    axes = normalize_axis(axis, x.ndim)
    _check_not_empty(x, axes, op, axis is None)
    kept = numpy_fn(x, axis=axes, keepdims=True)
    out = (
        kept
        if keepdims
        else np.asarray(kept.reshape([n for i, n in enumerate(kept.shape) if i not in axes]))
    )

    def backward(g):
        # Ties share the gradient equally, so the result is symmetric in them (torch's amax).
        mask = (x == kept).astype(x.dtype)
        mask /= mask.sum(axis=axes, keepdims=True)
        return (mask * _expand(g, axes, keepdims, x.shape),)

    return Tensor._make(out, (a,), backward, op)


class MaxResult(NamedTuple):
    """``t.max(dim)``: the largest values and where they are (torch.return_types.max)."""

    values: Tensor
    indices: Tensor


class MinResult(NamedTuple):
    """``t.min(dim)``: the smallest values and where they are (torch.return_types.min)."""

    values: Tensor
    indices: Tensor


def _along(a: Tensor, axis, keepdims: bool, arg_fn, op: str):
    """Values and indices of the extreme along one dim; the gradient goes to that index."""
    if isinstance(axis, (tuple, list)):
        raise TypeError(
            f"{op}(dim) takes one dim and returns (values, indices); to reduce over several "
            f"dims at once use a{op}(dim={tuple(axis)!r})"
        )
    x = a.data
    (ax,) = normalize_axis(axis, x.ndim)
    x1 = x.reshape(1) if x.ndim == 0 else x
    _check_not_empty(x1, (ax,), op, False)
    idx = arg_fn(x1, axis=ax, keepdims=True)
    vals = np.take_along_axis(x1, idx, axis=ax)
    if not keepdims or x.ndim == 0:
        idx, vals = idx.squeeze(ax), vals.squeeze(ax)
    kept_idx = idx if keepdims or x.ndim == 0 else np.expand_dims(idx, ax)

    def backward(g):
        g1 = g.reshape(kept_idx.shape) if x.ndim else g.reshape(1)
        onehot = np.zeros_like(x1)  # 1 at the chosen index, a constant
        np.put_along_axis(onehot, kept_idx.reshape(g1.shape), 1, axis=ax)
        return ((onehot * g1).reshape(x.shape),)

    values = Tensor._make(np.asarray(vals), (a,), backward, op)
    return values, Tensor._make(np.asarray(idx, dtype=np.int64))


def max(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):  # noqa: A001
    """The largest element, or with a dim the pair ``(values, indices)`` along it (torch).

    ``t.max()`` is a tensor; ``t.max(dim)`` (or ``axis=``) is a named tuple
    whose ``values`` pass the gradient to the chosen index. ``t.max(other)``
    is the elementwise :func:`~micrograd_plus.ops.elementwise.maximum`. Use
    :func:`amax` for a tensor over one or several dims.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> values, indices = Tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    >>> values.tolist(), indices.tolist()
    ([5.0, 7.0], [1, 0])
    """
    if isinstance(axis, Tensor):
        from .elementwise import maximum

        return maximum(a, axis)
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("max", axis, dim, keepdims, keepdim)
    if axis is None:
        return _extreme(a, None, keepdims, np.max, "max")
    return MaxResult(*_along(a, axis, keepdims, np.argmax, "max"))


def min(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):  # noqa: A001
    """The smallest element, or with a dim the pair ``(values, indices)``; see :func:`max`."""
    if isinstance(axis, Tensor):
        from .elementwise import minimum

        return minimum(a, axis)
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("min", axis, dim, keepdims, keepdim)
    if axis is None:
        return _extreme(a, None, keepdims, np.min, "min")
    return MinResult(*_along(a, axis, keepdims, np.argmin, "min"))


def amax(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """The largest values over one or several dims (ties share the gradient, as torch)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("amax", axis, dim, keepdims, keepdim)
    return _extreme(a, axis, keepdims, np.max, "amax")


def amin(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """The smallest values over one or several dims (ties share the gradient, as torch)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("amin", axis, dim, keepdims, keepdim)
    return _extreme(a, axis, keepdims, np.min, "amin")


def _arg(a: Tensor, axis, keepdims: bool, arg_fn, op: str) -> Tensor:
    x = a.data
    if axis is None:
        _check_not_empty(x, tuple(range(x.ndim)), op, True)
        out = np.asarray(arg_fn(x.reshape(-1)))
        return Tensor._make(out.reshape((1,) * x.ndim if keepdims else ()).astype(np.int64))
    (ax,) = normalize_axis(axis, x.ndim)
    x1 = x.reshape(1) if x.ndim == 0 else x
    _check_not_empty(x1, (ax,), op, False)
    out = arg_fn(x1, axis=ax, keepdims=keepdims and x.ndim > 0)
    return Tensor._make(np.asarray(out, dtype=np.int64).reshape(() if x.ndim == 0 else out.shape))


def argmax(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the largest element (flat, or along ``dim``), as int64; no gradient."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("argmax", axis, dim, keepdims, keepdim)
    return _arg(a, axis, keepdims, np.argmax, "argmax")


def argmin(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the smallest element (flat, or along ``dim``), as int64; no gradient."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("argmin", axis, dim, keepdims, keepdim)
    return _arg(a, axis, keepdims, np.argmin, "argmin")


def _correction(unbiased, correction, ddof) -> int | float:
    given = [n for n, v in (("unbiased", unbiased), ("correction", correction)) if v is not None]
    if ddof is not None:
        given.append("ddof")
    if len(given) > 1:
        raise TypeError(
            f"var()/std() got {' and '.join(given)}; they say the same thing (correction=1 "
            "is unbiased=True is ddof=1): pass only one of them"
        )
    if unbiased is not None:
        return 1 if unbiased else 0
    if ddof is not None:
        return ddof
    return 1 if correction is None else correction


def var(
    a: Tensor,
    axis=None,
    unbiased=None,
    keepdims: bool = False,
    *,
    dim=None,
    keepdim=None,
    correction=None,
    ddof=None,
) -> Tensor:
    """Variance over ``axis`` (or ``dim``): unbiased by default, as in torch.

    The sum of squared deviations is divided by ``N - correction`` with
    ``correction=1`` by default (torch's default, the unbiased estimate).
    ``correction=0`` (or ``unbiased=False``, or NumPy's ``ddof=0``) divides by
    ``N``: the biased variance that normalisation layers use. Note that NumPy's
    own default is ``ddof=0``.

    Built from differentiable primitives, so it needs no backward of its own.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> t = Tensor([1.0, 2.0, 3.0, 4.0])
    >>> t.var().item(), t.var(correction=0).item(), t.var(unbiased=False).item()
    (1.6666666269302368, 1.25, 1.25)
    """
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("var", axis, dim, keepdims, keepdim)
    corr = _correction(unbiased, correction, ddof)
    axes = normalize_axis(axis, a.ndim)
    count = int(np.prod([a.shape[i] for i in axes]))
    if count - corr <= 0:
        raise ValueError(
            f"var() over {count} elements with correction={corr} divides by zero (torch "
            "returns nan); use correction=0 (unbiased=False, ddof=0) for the biased variance, "
            "or reduce over more elements"
        )
    centred = a - mean(a, axis=axes, keepdims=True)
    return sum(centred * centred, axis=axes, keepdims=keepdims) / (count - corr)


def std(
    a: Tensor,
    axis=None,
    unbiased=None,
    keepdims: bool = False,
    *,
    dim=None,
    keepdim=None,
    correction=None,
    ddof=None,
) -> Tensor:
    """Standard deviation, the square root of :func:`var` (unbiased by default, as torch).

    Where the variance is 0 (constant values) the gradient is 0, as torch's, not NaN.
    """
    out = var(
        a, axis, unbiased, keepdims, dim=dim, keepdim=keepdim, correction=correction, ddof=ddof
    )
    return sqrt_or_zero(out)


def sqrt_or_zero(v: Tensor) -> Tensor:
    """``sqrt(v)`` whose gradient at ``v == 0`` is 0 (torch's std and norm), not inf * 0.

    The zeros are routed to a constant 1 before the root and masked after it, so
    no new backward rule is needed.
    """
    from .elementwise import sqrt, where

    zero = v.data == 0
    if not zero.any():
        return sqrt(v)
    return sqrt(where(zero, 1.0, v)) * ~zero


def any(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Whether any element (along ``dim``) is nonzero, as a bool tensor."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("any", axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a.ndim)
    return Tensor._make(np.asarray(a.data.any(axis=axes, keepdims=keepdims)))


def all(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Whether every element (along ``dim``) is nonzero, as a bool tensor."""
    if dim is not None or keepdim is not None:
        axis, keepdims = dim_alias("all", axis, dim, keepdims, keepdim)
    axes = normalize_axis(axis, a.ndim)
    return Tensor._make(np.asarray(a.data.all(axis=axes, keepdims=keepdims)))
