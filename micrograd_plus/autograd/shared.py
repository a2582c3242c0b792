"""What a backward rule computes with, for arrays and Tensors alike: the one bridge.

The engine hands a rule NumPy arrays on the first-order path and Tensors under
``create_graph`` (see :mod:`micrograd_plus.autograd.engine`). Most operations
are spelled the same on both (``+ - * / @``, ``.sum``, ``.reshape``, ``.T``,
and the NumPy-named ``.astype`` and ``.swapaxes`` that Tensors also have);
the few that NumPy offers only as functions are here, each choosing NumPy's
function for an array and the differentiable op for a Tensor.

Examples
--------
>>> import numpy as np
>>> from micrograd_plus import Tensor
>>> from micrograd_plus.autograd.shared import exp
>>> exp(np.zeros(2)), exp(Tensor([0.0, 0.0]))
(array([1., 1.]), Tensor([1., 1.]))
"""

from __future__ import annotations

import numpy as np

# An array, or the NumPy scalar that arithmetic on 0-d arrays returns.
_ARRAY = (np.ndarray, np.generic)


def exp(v):
    """``e ** v``."""
    if isinstance(v, _ARRAY):
        return np.exp(v)
    from ..ops.elementwise import exp as op

    return op(v)


def log(v):
    """The natural logarithm of ``v``."""
    if isinstance(v, _ARRAY):
        return np.log(v)
    from ..ops.elementwise import log as op

    return op(v)


def where(condition: np.ndarray, value, other):
    """``value`` where ``condition`` holds, else ``other``: a Tensor if either is one,
    else an array in the dtype of the one that is an array (a number takes it)."""
    from ..tensor import Tensor

    if isinstance(value, Tensor) or isinstance(other, Tensor):
        from ..ops.elementwise import where as op

        return op(condition, value, other)
    like = value if isinstance(value, _ARRAY) else other
    return np.where(condition, value, other).astype(like.dtype, copy=False)


def maximum(v, floor):
    """The elementwise larger of ``v`` and the number ``floor`` (the gradient follows ``v``
    where it is larger)."""
    if isinstance(v, _ARRAY):
        return np.maximum(v, v.dtype.type(floor))
    return v.maximum(floor)


def permute(v, dims: tuple):
    """``v`` with its axes reordered to ``dims`` (NumPy's ``transpose(dims)``)."""
    return v.transpose(dims) if isinstance(v, _ARRAY) else v.permute(dims)


def add_at(v, key, shape: tuple):
    """Zeros of ``shape`` with ``v`` added at ``[key]`` (repeated indices accumulate)."""
    from ..ops.shape import add_at as op
    from ..ops.shape import scatter_add

    return scatter_add(v, key, shape) if isinstance(v, _ARRAY) else op(v, key, shape)


def t_matmul(a, b):
    """``a.T @ b`` for 2-D operands; for Tensors one node, not a transpose and a product."""
    if isinstance(a, _ARRAY):
        return a.T @ b
    from ..ops.linalg import t_matmul as op

    return op(a, b)


def expand(g, axes: tuple, keepdims: bool, shape: tuple) -> np.ndarray:
    """Put the reduced axes back into ``g`` and broadcast it to ``shape`` (a read-only view)."""
    if not isinstance(g, _ARRAY):  # a Tensor: the same steps as differentiable ops
        if not keepdims and axes:
            g = g.reshape([1 if i in axes else n for i, n in enumerate(shape)])
        return g if g.shape == shape else g.broadcast_to(shape)
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
