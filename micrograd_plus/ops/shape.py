"""Ops that move values around without changing them: reshape, transpose,
indexing, joining."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._broadcast import normalize_axis


def reshape(a: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    x = a.data
    try:
        out = x.reshape(shape)
    except ValueError:
        raise ValueError(
            f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}; "
            f"the new shape must hold {x.size} elements, and at most one axis may be -1 "
            "(inferred)"
        ) from None
    return Tensor._make(out, (a,), lambda g: (g.reshape(x.shape),), "reshape")


def transpose(a: Tensor, *axes) -> Tensor:
    """Permute axes (all reversed when none are given), as ``np.transpose``."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    x = a.data
    if axes and sorted(a % x.ndim if -x.ndim <= a < x.ndim else a for a in axes) != list(
        range(x.ndim)
    ):
        raise ValueError(
            f"transpose axes {axes} are not a permutation of the {x.ndim} axes of a tensor of "
            f"shape {x.shape}; give each axis 0..{x.ndim - 1} exactly once, e.g. "
            f"{tuple(range(x.ndim))[::-1]}"
        )
    perm = tuple(range(x.ndim))[::-1] if not axes else tuple(a % x.ndim for a in axes)
    inverse = tuple(np.argsort(perm))
    out = x.transpose(perm)
    return Tensor._make(out, (a,), lambda g: (g.transpose(inverse),), "transpose")


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` into one (PyTorch's ``flatten``)."""
    shape = a.shape
    if not shape:
        return reshape(a, 1)
    start, end = start_dim % len(shape), end_dim % len(shape)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(a, shape[:start] + (merged,) + shape[end + 1 :])


def squeeze(a: Tensor, axis=None) -> Tensor:
    shape = a.shape
    if axis is None:
        new = tuple(n for n in shape if n != 1)
    else:
        axes = normalize_axis(axis, a.ndim)
        for i in axes:
            if shape[i] != 1:
                raise ValueError(f"cannot squeeze axis {i} of size {shape[i]}; only size 1")
        new = tuple(n for i, n in enumerate(shape) if i not in axes)
    return reshape(a, new)


def unsqueeze(a: Tensor, axis: int) -> Tensor:
    if not -a.ndim - 1 <= axis <= a.ndim:
        raise ValueError(
            f"unsqueeze axis {axis} is out of range for a tensor with {a.ndim} dimensions; "
            f"use an axis from {-a.ndim - 1} to {a.ndim}"
        )
    return reshape(a, np.expand_dims(a.data, axis).shape)


def _index(key):
    """Turn tensors inside an index into integer arrays (labels are often float32)."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, Tensor):
        key = key.data
    if isinstance(key, np.ndarray) and key.dtype.kind == "f":
        as_int = key.astype(np.intp)
        if not np.array_equal(as_int, key):
            raise IndexError(
                "tensors used as indices must hold whole numbers; convert the index to "
                "integers first (e.g. idx.numpy().astype(np.int64))"
            )
        return as_int
    return key


def _is_advanced(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (np.ndarray, list)) for k in keys)


def getitem(a: Tensor, key) -> Tensor:
    key = _index(key)
    x = a.data
    out = x[key]
    advanced = _is_advanced(key)

    def backward(g):
        grad = np.zeros_like(x)
        if advanced:
            np.add.at(grad, key, g)  # repeated indices accumulate
        else:
            grad[key] = g
        return (grad,)

    return Tensor._make(np.asarray(out), (a,), backward, "getitem")


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    datas = [t.data for t in tensors]
    out = np.concatenate(datas, axis=axis)
    splits = np.cumsum([d.shape[axis] for d in datas])[:-1]

    def backward(g):
        return tuple(np.split(g, splits, axis=axis))

    return Tensor._make(out, tuple(tensors), backward, "concatenate")


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    if len({t.shape for t in tensors}) > 1:
        raise ValueError(
            f"stack needs tensors of one shape, got shapes {[t.shape for t in tensors]}; "
            "reshape or pad them to a common shape, or use concatenate to join along an "
            "existing axis"
        )
    out = np.stack([t.data for t in tensors], axis=axis)

    def backward(g):
        return tuple(np.moveaxis(g, axis, 0))

    return Tensor._make(out, tuple(tensors), backward, "stack")
