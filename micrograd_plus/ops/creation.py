"""Functions that make new tensors (float32 unless told otherwise)."""

from __future__ import annotations

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor


def _shape(shape) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape, fill_value, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``."""
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad=requires_grad)


def randn(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from NumPy's global generator (seeded by ``set_seed``)."""
    data = np.random.standard_normal(_shape(shape)).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from NumPy's global generator."""
    data = np.random.random_sample(_shape(shape)).astype(dtype)
    return Tensor(data, requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=DEFAULT_DTYPE) -> Tensor:
    """Evenly spaced values in ``[start, stop)``, as ``np.arange``."""
    return Tensor(
        np.arange(start, stop, step, dtype=dtype)
        if stop is not None
        else np.arange(start, dtype=dtype)
    )


def eye(n: int, dtype=DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.eye(n, dtype=dtype))
