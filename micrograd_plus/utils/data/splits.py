"""Splitting arrays into a training and a test part (scikit-learn's ``train_test_split``).

For data set objects, :func:`~micrograd_plus.utils.data.random_split` (PyTorch's) splits
into :class:`~micrograd_plus.utils.data.Subset` views instead.
"""

from __future__ import annotations

import math

import numpy as np

from ._common import as_array as _as_array
from ._common import random_state as _random_state

__all__ = ["train_test_split"]


def _test_count(test_size, n: int) -> int:
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    elif isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    else:
        raise ValueError(
            f"test_size must be a float in (0, 1) or a number of samples, got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"test_size={test_size!r} leaves {n_test} test and {n - n_test} training samples "
            f"out of {n}; both parts need at least one"
        )
    return n_test


def _stratified_test_index(labels: np.ndarray, n_test: int, rng) -> np.ndarray:
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        rare = classes[counts.argmin()]
        raise ValueError(
            f"stratify needs at least 2 samples of every class; class {rare!r} has {counts.min()}"
        )
    if n_test < len(classes):
        raise ValueError(
            f"a stratified test set needs at least one sample per class: test_size gives "
            f"{n_test} samples for {len(classes)} classes"
        )
    # Largest-remainder allocation: per-class shares that add up to n_test exactly.
    exact = counts * n_test / counts.sum()
    take = np.floor(exact).astype(int)
    leftover = n_test - take.sum()
    take[np.argsort(-(exact - take), kind="stable")[:leftover]] += 1
    picked = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)]
    return np.concatenate(picked)


def train_test_split(X, y=None, test_size=0.2, seed=None, stratify=None):
    """Split arrays into random train and test parts (scikit-learn's order).

    Parameters
    ----------
    X, y : array_like
        Samples on the first axis; ``y`` is optional.
    test_size : float or int, default 0.2
        Fraction of the samples (rounded up) or their number.
    seed : int, optional
        Seed for the shuffle; ``None`` uses NumPy's global generator.
    stratify : array_like or True, optional
        Class labels whose proportions both parts should keep (``True``
        means ``y``).

    Returns
    -------
    tuple
        ``X_train, X_test, y_train, y_test`` (or ``X_train, X_test`` without ``y``).

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 5 + [1] * 5)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, seed=0, stratify=y)
    >>> X_tr.shape, X_te.shape, np.bincount(y_te).tolist()
    ((6, 2), (4, 2), [2, 2])
    """
    X = _as_array(X, "X")
    n = len(X)
    if y is not None:
        y = _as_array(y, "y")
        if len(y) != n:
            raise ValueError(f"X and y must have the same length, got {n} and {len(y)}")
    n_test = _test_count(test_size, n)
    rng = _random_state(seed)
    if stratify is None:
        test_index = rng.permutation(n)[:n_test]
    else:
        labels = y if stratify is True else _as_array(stratify, "stratify")
        if labels is None or len(labels) != n:
            raise ValueError("stratify must hold one label per sample (or be True with y given)")
        test_index = rng.permutation(_stratified_test_index(labels, n_test, rng))
    is_test = np.zeros(n, dtype=bool)
    is_test[test_index] = True
    train_index = rng.permutation(np.flatnonzero(~is_test))
    parts = [X[train_index], X[test_index]]
    if y is not None:
        parts += [y[train_index], y[test_index]]
    return tuple(parts)
