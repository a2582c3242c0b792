"""Matrix products: ``@`` with NumPy's matmul rules, and the fused affine map."""

from __future__ import annotations

import numpy as np

from ..autograd import shared
from ..autograd.engine import Fresh
from ..tensor import Tensor, promote
from ._broadcast import unbroadcast


def matmul(a: Tensor, b) -> Tensor:
    """``a @ b``: 1-D dot, 2-D product, or batched with broadcast batch axes."""
    a, b = promote(a, b)
    x, y = a.data, b.data
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("matmul needs tensors with at least one dimension; use * for scalars")
    kx, ky = x.shape[-1], y.shape[-2] if y.ndim > 1 else y.shape[0]
    if kx != ky:
        raise ValueError(
            f"matmul shape mismatch: {x.shape} @ {y.shape}; the last axis of the left "
            f"operand ({kx}) must equal the {'first' if y.ndim == 1 else 'second-to-last'} "
            f"axis of the right operand ({ky})"
        )
    if x.ndim == 2 and y.ndim == 2:
        return Tensor._make(x @ y, (a, b), _matmul2d_backward(a, b), "matmul", (x, y))

    def backward(g, x, y):
        # Lift 1-D operands to matrices, as matmul itself does, then drop the axes again.
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        y2 = y.reshape(-1, 1) if y.ndim == 1 else y
        batch = np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
        g2 = g.reshape(*batch, x2.shape[-2], y2.shape[-1])
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g2 @ y2.swapaxes(-1, -2), x2.shape).reshape(x.shape)
        if b.requires_grad:
            gb = unbroadcast(x2.swapaxes(-1, -2) @ g2, y2.shape).reshape(y.shape)
        return ga, gb

    return Tensor._make(np.asarray(x @ y), (a, b), backward, "matmul", (x, y))


def _matmul2d_backward(a: Tensor, b: Tensor):
    def backward(g, x, y):  # d(xy)/dx = g y^T, d(xy)/dy = x^T g
        return Fresh((g @ y.T if a.requires_grad else None, x.T @ g if b.requires_grad else None))

    return backward


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one node (PyTorch's ``F.linear``).

    One node instead of three halves the graph bookkeeping of every layer and
    never materialises ``weight.T`` or the unbiased product as tensors.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.ops.linalg import linear
    >>> linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))), Tensor(np.zeros(4))).shape
    (2, 4)
    """
    xd, w = x.data, weight.data
    if xd.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear layer expects {w.shape[1]} input features but got input of shape "
            f"{xd.shape} (last axis {xd.shape[-1]}); reshape the input or change in_features"
        )
    x2 = xd.reshape(-1, w.shape[1]) if xd.ndim != 2 else xd
    out = x2 @ w.T
    if bias is not None:
        out += bias.data
    if xd.ndim != 2:
        out = out.reshape(*xd.shape[:-1], w.shape[0])
    parents = (x, weight) if bias is None else (x, weight, bias)
    wanted = (x.requires_grad, weight.requires_grad, bias is not None and bias.requires_grad)

    def backward(g, x, w):  # y = x W^T + b, with one row per sample in x, y and g
        g2, x2 = _rows(g), _rows(x)
        return Fresh(
            (
                (g2 @ w).reshape(x.shape) if wanted[0] else None,  # dx = g W
                shared.t_matmul(g2, x2) if wanted[1] else None,  # dW = g^T x
                g2.sum(axis=0) if wanted[2] else None,  # db = g summed over the rows
            )
        )

    return Tensor._make(out, parents, backward, "linear", (xd, w))


def _rows(v):
    """``v`` as a matrix of rows: its leading axes (batch, sequence, ...) flattened."""
    return v if v.ndim == 2 else v.reshape(-1, v.shape[-1])


def t_matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a.T @ b`` for 2-D tensors as one node: linear's weight gradient in graph mode.

    As ``a.T @ b`` through a transpose node it would hand a transposed (strided)
    gradient back to ``a``, and adding strided arrays is several times slower
    than adding contiguous ones.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.ops.linalg import t_matmul
    >>> t_matmul(Tensor(np.ones((5, 2))), Tensor(np.ones((5, 3)))).shape
    (2, 3)
    """
    x, y = a.data, b.data

    def backward(g, x, y):
        return (
            y @ g.T if a.requires_grad else None,  # d(a.T @ b)/da: b @ g.T, shape of a
            x @ g if b.requires_grad else None,
        )

    return Tensor._make(x.T @ y, (a, b), backward, "t_matmul", (x, y))
