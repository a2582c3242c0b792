"""Undo NumPy broadcasting on the way back: the one place that knows how."""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach ``shape``.

    Examples
    --------
    >>> import numpy as np
    >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
    [4.0, 4.0, 4.0]
    >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
    (4, 1)
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def normalize_axis(axis, ndim: int) -> tuple:
    """Return ``axis`` (None, int or tuple) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):  # a 0-d tensor takes -1 and 0, as torch
            raise ValueError(
                f"axis {a} is out of range for a tensor with {ndim} dimensions; "
                f"use an axis from {-max(ndim, 1)} to {max(ndim, 1) - 1}"
            )
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(out))


def broadcast_error(op: str, x_shape: tuple, y_shape: tuple) -> ValueError:
    """The error for operands whose shapes do not broadcast, naming the op and the fix."""
    return ValueError(
        f"{op}: shapes {x_shape} and {y_shape} cannot be broadcast together; aligned from "
        "the right, each pair of axes must be equal or one of them 1. Reshape or unsqueeze "
        "one operand (e.g. y.reshape(-1, 1)), or transpose it, so the shapes line up"
    )


def dim_alias(op: str, axis, dim, keepdims: bool, keepdim):
    """Accept torch's ``dim=``/``keepdim=`` as NumPy's ``axis=``/``keepdims=``.

    Returns ``(axis, keepdims)``; giving both spellings of one argument is an error.

    Examples
    --------
    >>> dim_alias("sum", None, 1, False, True)
    (1, True)
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(
                f"{op}() got both axis={axis!r} and dim={dim!r}; they are one argument "
                "(NumPy's and torch's spelling): pass only one of them"
            )
        axis = dim
    if keepdim is not None:
        if keepdims:
            raise TypeError(
                f"{op}() got both keepdims= and keepdim=; they are one argument (NumPy's "
                "and torch's spelling): pass only one of them"
            )
        keepdims = bool(keepdim)
    return axis, keepdims
