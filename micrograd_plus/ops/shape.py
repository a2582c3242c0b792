"""Ops that move values around without changing them: reshape, transpose,
indexing, joining."""

from __future__ import annotations

import numpy as np

from ..autograd import shared
from ..tensor import Tensor
from ._broadcast import dim_alias, normalize_axis, unbroadcast


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


def _dim(op: str, d, ndim: int) -> int:
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
        raise TypeError(f"{op}: dims must be integers, got {d!r}")
    if not -max(ndim, 1) <= d < max(ndim, 1):
        raise ValueError(
            f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions; use a dim "
            f"from {-max(ndim, 1)} to {max(ndim, 1) - 1}"
        )
    return int(d) % max(ndim, 1)


def transpose(a: Tensor, *dims) -> Tensor:
    """Swap two dims, as ``torch.transpose(t, dim0, dim1)`` (negative dims count from the end).

    Not NumPy's ``transpose(axes)``: for a full permutation use :func:`permute`.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> Tensor(np.zeros((2, 3, 4))).transpose(-2, -1).shape
    (2, 4, 3)
    """
    if len(dims) != 2:
        raise TypeError(
            f"transpose takes two dims (dim0, dim1) and swaps them, as in torch; got {dims!r}. "
            "For a full permutation use t.permute(...), to reverse every dim "
            "t.permute(*reversed(range(t.ndim))), and t.mT swaps the last two"
        )
    x = a.data
    if x.ndim == 0:
        _dim("transpose", dims[0], 0), _dim("transpose", dims[1], 0)
        return Tensor._make(x, (a,), lambda g: (g,), "transpose")
    d0, d1 = (_dim("transpose", d, x.ndim) for d in dims)
    out = np.swapaxes(x, d0, d1)

    def backward(g):
        return (g.swapaxes(d0, d1),)

    return Tensor._make(out, (a,), backward, "transpose")


def permute(a: Tensor, *dims) -> Tensor:
    """Reorder every dim: ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``, as torch.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> Tensor(np.zeros((2, 3, 4))).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    x = a.data
    if len(dims) != x.ndim or sorted(
        d % x.ndim if -x.ndim <= d < x.ndim else d for d in dims
    ) != list(range(x.ndim)):
        raise ValueError(
            f"permute dims {dims} are not a permutation of the {x.ndim} dims of a tensor of "
            f"shape {x.shape}; give each dim 0..{x.ndim - 1} exactly once, e.g. "
            f"{tuple(range(x.ndim))[::-1]}"
        )
    perm = tuple(int(d) % x.ndim for d in dims) if x.ndim else ()
    inverse = tuple(np.argsort(perm))
    out = x.transpose(perm)

    def backward(g):
        return (shared.permute(g, inverse),)

    return Tensor._make(out, (a,), backward, "permute")


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` into one (PyTorch's ``flatten``)."""
    shape = a.shape
    start, end = (_dim("flatten", d, len(shape)) for d in (start_dim, end_dim))
    if not shape:  # a 0-d tensor: dims 0 and -1 both name its one element, as in torch
        return reshape(a, 1)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(a, shape[:start] + (merged,) + shape[end + 1 :])


def squeeze(a: Tensor, axis=None, *, dim=None) -> Tensor:
    """Drop dims of size 1 (all of them, or those of ``axis``/``dim``).

    As in torch (and unlike NumPy), a named dim whose size is not 1 is left
    as it is rather than refused.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> Tensor([[1.0, 2.0]]).squeeze(0).shape, Tensor([[1.0, 2.0]]).squeeze(1).shape
    ((2,), (1, 2))
    """
    if dim is not None:
        axis, _ = dim_alias("squeeze", axis, dim, False, None)
    shape = a.shape
    axes = range(a.ndim) if axis is None else normalize_axis(axis, a.ndim)
    new = tuple(n for i, n in enumerate(shape) if not (i in axes and n == 1))
    return reshape(a, new)


def unsqueeze(a: Tensor, axis: int | None = None, *, dim=None) -> Tensor:
    """Insert a dim of size 1 at ``axis`` (or ``dim``)."""
    axis, _ = dim_alias("unsqueeze", axis, dim, False, None)
    if axis is None:
        raise TypeError("unsqueeze needs the position of the new dim: t.unsqueeze(0)")
    if not -a.ndim - 1 <= axis <= a.ndim:
        raise ValueError(
            f"unsqueeze axis {axis} is out of range for a tensor with {a.ndim} dimensions; "
            f"use an axis from {-a.ndim - 1} to {a.ndim}"
        )
    return reshape(a, np.expand_dims(a.data, axis).shape)


def index_arrays(key):
    """Turn tensors inside an index into integer arrays (labels are often float32)."""
    if isinstance(key, tuple):
        return tuple(index_arrays(k) for k in key)
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
    key = index_arrays(key)
    x = a.data
    out = x[key]

    def backward(g):  # g scattered back to where the elements came from
        return (shared.add_at(g, key, x.shape),)

    return Tensor._make(np.asarray(out), (a,), backward, "getitem")


def scatter_add(v: np.ndarray, key, shape: tuple) -> np.ndarray:
    """:func:`add_at` on arrays: zeros of ``shape`` with ``v`` added at ``[key]``."""
    out = np.zeros(shape, dtype=v.dtype)
    if _is_advanced(key):
        np.add.at(out, key, v)  # repeated indices accumulate
    else:  # basic indexing selects each element at most once
        out[key] = v
    return out


def add_at(src: Tensor, key, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``src`` added at ``[key]``: the scatter-add that is
    :func:`getitem`'s backward (repeated indices accumulate, as ``np.add.at``).

    Its own backward is ``getitem`` with the same key, so indexing can be
    differentiated to any order.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.ops.shape import add_at
    >>> add_at(Tensor([1.0, 2.0, 3.0]), np.array([0, 2, 0]), (4,)).tolist()
    [4.0, 0.0, 2.0, 0.0]
    """
    key = index_arrays(key)
    out = scatter_add(src.data, key, shape)
    return Tensor._make(out, (src,), lambda g: (g[key],), "add_at")


def _promoted(datas: list) -> list:
    """The arrays in torch's common dtype: integers and bools join the floats' dtype
    (int64 with float32 is float32, where NumPy would give float64)."""
    floats = [d.dtype for d in datas if d.dtype.kind == "f"]
    if not floats or len(floats) == len(datas):
        return datas
    dtype = np.result_type(*floats)
    return [d if d.dtype == dtype else d.astype(dtype) for d in datas]


def concatenate(tensors, axis: int | None = None, *, dim=None) -> Tensor:
    """Join tensors along an existing axis (``axis=`` or torch's ``dim=``; 0 by default)."""
    axis, _ = dim_alias("concatenate", axis, dim, False, None)
    axis = 0 if axis is None else axis
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    datas = _promoted([t.data for t in tensors])
    out = np.concatenate(datas, axis=axis)
    splits = np.cumsum([d.shape[axis] for d in datas])[:-1]
    ndim, length = out.ndim, out.shape[axis]

    def backward(g):  # each piece is a slice of g
        lead = (slice(None),) * (axis % ndim)
        bounds = zip([0, *splits], [*splits, length])
        return tuple(
            g[(*lead, slice(start, stop))] if t.requires_grad else None
            for t, (start, stop) in zip(tensors, bounds)
        )

    return Tensor._make(out, tuple(tensors), backward, "concatenate")


def stack(tensors, axis: int | None = None, *, dim=None) -> Tensor:
    """Join tensors along a new axis (``axis=`` or torch's ``dim=``; 0 by default)."""
    axis, _ = dim_alias("stack", axis, dim, False, None)
    axis = 0 if axis is None else axis
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    if len({t.shape for t in tensors}) > 1:
        raise ValueError(
            f"stack needs tensors of one shape, got shapes {[t.shape for t in tensors]}; "
            "reshape or pad them to a common shape, or use concatenate to join along an "
            "existing axis"
        )
    out = np.stack(_promoted([t.data for t in tensors]), axis=axis)
    ndim = out.ndim

    def backward(g):  # each input is one index along the new axis
        lead = (slice(None),) * (axis % ndim)
        return tuple(g[(*lead, i)] if t.requires_grad else None for i, t in enumerate(tensors))

    return Tensor._make(out, tuple(tensors), backward, "stack")


def broadcast_to(a: Tensor, *shape) -> Tensor:
    """Repeat ``a`` along new or length-1 axes to ``shape`` (torch.broadcast_to).

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> Tensor([1.0, 2.0]).broadcast_to(2, 2).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    x = a.data
    try:
        out = np.broadcast_to(x, shape)
    except ValueError:
        raise ValueError(
            f"cannot broadcast a tensor of shape {x.shape} to {shape}; aligned from the right, "
            "each axis must be equal to the target's or 1"
        ) from None
    return Tensor._make(out, (a,), lambda g: (unbroadcast(g, x.shape),), "broadcast_to")


def cat(tensors, dim: int = 0) -> Tensor:
    """torch's name for :func:`concatenate`."""
    return concatenate(tensors, dim=dim)
