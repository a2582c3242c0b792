"""Functions that make new tensors (float32 unless told otherwise)."""

from __future__ import annotations

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor
from .convert import as_dtype


def _shape(shape) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``; an explicit ``dtype`` wins.

    Examples
    --------
    >>> import numpy as np
    >>> zeros(2, dtype=np.int64).dtype, zeros((2, 3)).dtype
    (dtype('int64'), dtype('float32'))
    """
    return _new(np.zeros(_shape(shape), dtype=as_dtype(dtype)), requires_grad)


def ones(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _new(np.ones(_shape(shape), dtype=as_dtype(dtype)), requires_grad)


def full(shape, fill_value, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``."""
    return _new(np.full(shape, fill_value, dtype=as_dtype(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape and (unless ``dtype`` is given) its dtype, as torch."""
    return _new(
        np.zeros_like(t.data, dtype=None if dtype is None else as_dtype(dtype)), requires_grad
    )


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape and (unless ``dtype`` is given) its dtype, as torch."""
    return _new(
        np.ones_like(t.data, dtype=None if dtype is None else as_dtype(dtype)), requires_grad
    )


def randn(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples from NumPy's global generator (seeded by ``set_seed``),
    or from ``generator``, a ``numpy.random.Generator``."""
    rng = numpy_generator(generator)
    sample = np.random.standard_normal if rng is None else rng.standard_normal
    return _new(sample(_shape(shape)).astype(as_dtype(dtype)), requires_grad)


def rand(*shape, dtype=DEFAULT_DTYPE, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples in [0, 1) from NumPy's global generator (or ``generator``)."""
    rng = numpy_generator(generator)
    sample = np.random.random_sample if rng is None else rng.random
    return _new(sample(_shape(shape)).astype(as_dtype(dtype)), requires_grad)


def numpy_generator(generator):
    """``generator`` itself if it is None or a ``numpy.random.Generator``; else a TypeError."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"generator must be a numpy.random.Generator, e.g. np.random.default_rng(0), got "
        f"{type(generator).__name__} (micrograd_plus draws with NumPy)"
    )


def arange(start, stop=None, step=1, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, stop)``, as ``np.arange`` (float32 unless told)."""
    dtype = as_dtype(dtype)
    data = (
        np.arange(start, stop, step, dtype=dtype)
        if stop is not None
        else np.arange(start, dtype=dtype)
    )
    return _new(data, requires_grad)


def eye(n: int, m: int | None = None, dtype=DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """The ``n`` by ``m`` identity matrix (``m = n`` by default)."""
    return _new(np.eye(n, m, dtype=as_dtype(dtype)), requires_grad)


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    # dtype= passed on, so that an integer or bool array keeps its dtype.
    return Tensor(data, requires_grad=requires_grad, dtype=data.dtype)
