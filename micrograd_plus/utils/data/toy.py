"""Toy data sets for the book's experiments: spirals, moons, blobs and a noisy line.

Randomness follows one rule: ``seed=None`` draws from NumPy's global
generator (so :func:`micrograd_plus.utils.set_seed` makes a run repeatable),
an integer seed gives the function its own generator.
"""

from __future__ import annotations

import numpy as np

from ._common import check_positive_int as _check_positive_int
from ._common import random_state as _random_state

__all__ = ["make_spiral", "make_moons", "make_blobs", "make_regression"]


def make_spiral(n_points=100, n_classes=3, noise=0.2, seed=None):
    """Interleaved spiral arms, one class per arm (the seed notebook's data).

    Arm ``c`` has radius ``r = linspace(0, 1)`` and angle
    ``t = linspace(4c, 4(c+1)) + noise * randn``; with ``set_seed(42)`` and
    ``seed=None`` (or ``seed=42``) the points equal the notebook's.

    Returns
    -------
    X : ndarray, float32, shape (n_points * n_classes, 2)
    y : ndarray, int64, shape (n_points * n_classes,)

    Examples
    --------
    >>> X, y = make_spiral(50, 3, seed=0)
    >>> X.shape, X.dtype.name, np.bincount(y).tolist()
    ((150, 2), 'float32', [50, 50, 50])
    """
    n_points = _check_positive_int(n_points, "n_points")
    n_classes = _check_positive_int(n_classes, "n_classes")
    rng = _random_state(seed)
    X = np.zeros((n_points * n_classes, 2), dtype=np.float32)
    y = np.zeros(n_points * n_classes, dtype=np.int64)
    for c in range(n_classes):
        rows = slice(n_points * c, n_points * (c + 1))
        r = np.linspace(0.0, 1, n_points)
        t = np.linspace(c * 4, (c + 1) * 4, n_points) + rng.randn(n_points) * noise
        X[rows] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[rows] = c
    return X, y


def make_moons(n_samples=100, noise=0.0, shuffle=True, seed=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``).

    Examples
    --------
    >>> X, y = make_moons(10, noise=0.1, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((10, 2), [5, 5])
    """
    n_samples = _check_positive_int(n_samples, "n_samples")
    rng = _random_state(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    angle_out = np.linspace(0, np.pi, n_out)
    angle_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate(
        [
            np.c_[np.cos(angle_out), np.sin(angle_out)],
            np.c_[1 - np.cos(angle_in), 1 - np.sin(angle_in) - 0.5],
        ]
    )
    y = np.r_[np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)]
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return X.astype(np.float32), y


def make_blobs(n_samples=100, centers=3, n_features=2, cluster_std=1.0, seed=None):
    """Gaussian clusters around random or given centres, one class per cluster.

    ``centers`` is a number of clusters (centres drawn uniformly in
    [-10, 10]) or an array of shape (k, n_features).

    Examples
    --------
    >>> X, y = make_blobs(9, centers=[[0, 0], [5, 5], [-5, 5]], cluster_std=0.1, seed=0)
    >>> X.shape, sorted(np.bincount(y).tolist())
    ((9, 2), [3, 3, 3])
    """
    n_samples = _check_positive_int(n_samples, "n_samples")
    rng = _random_state(seed)
    if np.ndim(centers) == 0:
        k = _check_positive_int(centers, "centers")
        centers = rng.uniform(-10.0, 10.0, size=(k, _check_positive_int(n_features, "n_features")))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"centers must be a count or a (k, n_features) array, got {centers.shape}")
    k = len(centers)
    y = np.arange(n_samples, dtype=np.int64) % k
    y = y[rng.permutation(n_samples)]
    X = centers[y] + rng.normal(scale=cluster_std, size=(n_samples, centers.shape[1]))
    return X.astype(np.float32), y


def make_regression(
    n_samples=100,
    weight=2.0,
    bias=1.0,
    noise=0.5,
    outliers=0.0,
    outlier_scale=10.0,
    x_range=(-3.0, 3.0),
    seed=None,
):
    """Noisy points around the line ``y = weight * x + bias``, optionally with outliers.

    Parameters
    ----------
    outliers : float, default 0
        Fraction of points pushed ``outlier_scale`` away from the line (up or
        down at random): the data that makes MSE suffer and Huber shine.

    Returns
    -------
    X, y : ndarray, float32, shape (n_samples, 1) each

    Examples
    --------
    >>> X, y = make_regression(200, weight=3.0, bias=-1.0, noise=0.0, seed=0)
    >>> bool(np.allclose(y, 3 * X - 1, atol=1e-5)), X.shape
    (True, (200, 1))
    """
    n_samples = _check_positive_int(n_samples, "n_samples")
    if not 0.0 <= outliers <= 1.0:
        raise ValueError(f"outliers is a fraction in [0, 1], got {outliers!r}")
    rng = _random_state(seed)
    x = rng.uniform(x_range[0], x_range[1], size=n_samples)
    y = weight * x + bias + rng.normal(scale=noise, size=n_samples) if noise else weight * x + bias
    n_out = int(round(outliers * n_samples))
    if n_out:
        chosen = rng.permutation(n_samples)[:n_out]
        y[chosen] += rng.choice([-1.0, 1.0], size=n_out) * outlier_scale
    return x.astype(np.float32)[:, None], y.astype(np.float32)[:, None]
