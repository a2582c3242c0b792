"""Checks and conversions shared by the data modules (private)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor


def as_array(values, name: str) -> np.ndarray:
    """``values`` as an ndarray with a first (sample) axis, numbers only."""
    array = values.data if isinstance(values, Tensor) else np.asarray(values)
    if array.ndim == 0:
        raise ValueError(f"{name} must have a first (sample) axis, got a scalar")
    if array.dtype.kind == "O":
        raise TypeError(f"{name} must hold numbers, got an object array; use np.asarray first")
    return array


def random_state(seed):
    """The legacy global generator for ``seed=None``, else a private one.

    ``RandomState`` (not ``default_rng``) keeps :func:`make_spiral` identical
    to the seed notebook's ``np.random.randn`` after ``set_seed``.
    """
    if seed is None:
        return np.random.mtrand._rand
    return np.random.RandomState(seed)


def is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_positive_int(value, name: str) -> int:
    if not is_int(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_generator(generator, seed=None):
    """A NumPy ``Generator`` (or ``None``); torch's generators are refused clearly."""
    if generator is not None and seed is not None:
        raise ValueError("pass seed=... or generator=..., not both")
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"generator must be a numpy.random.Generator, e.g. np.random.default_rng(0), "
        f"got {type(generator).__name__}; or pass seed=0"
    )


def check_seed(seed):
    if seed is not None and not is_int(seed):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return seed


def permutation(n: int, generator=None, seed=None) -> np.ndarray:
    """A random order of ``range(n)``: from ``generator``, ``seed``, or NumPy's global state."""
    if generator is not None:
        return generator.permutation(n)
    if seed is not None:
        return np.random.default_rng(int(seed)).permutation(n)
    return np.random.permutation(n)
