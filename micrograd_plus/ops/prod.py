"""``prod``: the product over one dim or all elements, with torch's gradient at zeros.

The gradient of a product with respect to one factor is the product of the
others. Dividing the output by the factor would give ``0/0`` at a zero, so the
rule multiplies the others instead: on arrays (``backward()``) from running
products from the left and from the right (exact with any number of zeros: one
zero gives the others' product at it and zero elsewhere, two zeros give zero
everywhere, as torch); under ``create_graph`` as a ``prod`` of the slice with
its own entry replaced by one, so the gradient is made of differentiable ops
(this ``prod`` among them) and can be differentiated again, to any order.

Examples
--------
>>> from micrograd_plus import Tensor
>>> x = Tensor([[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]], requires_grad=True)
>>> x.prod(dim=1).sum().backward()
>>> x.grad.tolist()
[[0.0, 6.0, 0.0], [8.0, 4.0, 2.0]]
"""

from __future__ import annotations

import numpy as np

from ..autograd.shared import expand
from ..tensor import Tensor
from ._broadcast import normalize_axis


def prod(a: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product over ``dim`` (one int; all elements when None), as ``torch.prod``.

    Integer and bool tensors give int64, as in torch; ``dtype`` casts first.
    """
    if dtype is not None:
        a = a.to(dtype)
    if isinstance(dim, (tuple, list)):
        raise TypeError(
            f"prod: dim must be one int (or None for all elements), got {dim!r}; "
            "take the product one dim at a time"
        )
    x = a.data
    if x.dtype.kind in "biu":
        out = np.prod(x, axis=dim, keepdims=keepdim, dtype=np.int64)
        return Tensor._make(np.asarray(out))
    axes = normalize_axis(dim, x.ndim) if x.ndim else _no_axes(dim)
    keep = keepdim if dim is not None else False
    out = np.asarray(np.prod(x, axis=axes, keepdims=keep))

    def backward(g, x):
        return (expand(g, axes, keep, x.shape) * _others(x, axes),)

    return Tensor._make(out, (a,), backward, "prod", (x,))


def _others(x, axes: tuple):
    """For each entry, the product of the other entries of its slice along ``axes``."""
    if not axes:  # a 0-d tensor: the product of no others is 1
        return x * 0 + 1
    if len(axes) > 1:  # all elements: one slice, the flat tensor
        return _others(x.reshape(-1), (0,)).reshape(x.shape)
    (ax,) = axes
    if isinstance(x, (np.ndarray, np.generic)):
        return _others_array(x, ax)
    return _others_tensor(x, ax)


def _others_array(x: np.ndarray, ax: int) -> np.ndarray:
    n = x.shape[ax]
    if n == 0:
        return np.zeros_like(x)
    ones = np.ones_like(np.take(x, [0], axis=ax))
    left = np.cumprod(x, axis=ax)  # left[i] = x[0] ... x[i]
    right = np.flip(np.cumprod(np.flip(x, ax), axis=ax), ax)  # x[i] ... x[n-1]
    before = np.concatenate([ones, np.delete(left, n - 1, axis=ax)], axis=ax)
    after = np.concatenate([np.delete(right, 0, axis=ax), ones], axis=ax)
    return before * after


def _others_tensor(x: Tensor, ax: int) -> Tensor:
    from .elementwise import where

    n = x.shape[ax]
    last = x.transpose(ax, -1) if ax != x.ndim - 1 else x
    # rows[..., i, j] is x[..., j], with 1 on the diagonal: row i's product skips x[i].
    rows = last.unsqueeze(-2).broadcast_to((*last.shape[:-1], n, n))
    others = prod(where(np.eye(n, dtype=bool), 1.0, rows), dim=-1)
    return others.transpose(ax, -1) if ax != x.ndim - 1 else others


def _no_axes(dim) -> tuple:
    """A 0-d tensor has no axis to reduce; as in torch, it still takes dim 0 or -1."""
    if dim is not None and dim not in (0, -1):
        raise IndexError(f"prod: dim {dim} is out of range for a 0-d tensor; use 0, -1 or None")
    return ()
