"""Feeding data to a model: mini-batches, splits, scaling and toy data sets.

Everything here works on NumPy arrays and hands :class:`~micrograd_plus.Tensor`
batches to the model. Randomness follows one rule: ``seed=None`` draws from
NumPy's global generator (so :func:`micrograd_plus.utils.set_seed` makes a
run repeatable), an integer seed gives the function its own generator.
"""

from __future__ import annotations

import math

import numpy as np

from ...tensor import Tensor

__all__ = [
    "DataLoader",
    "train_test_split",
    "one_hot",
    "standardize",
    "normalize",
    "make_spiral",
    "make_moons",
    "make_blobs",
    "make_regression",
]


def _as_array(values, name: str) -> np.ndarray:
    array = values.data if isinstance(values, Tensor) else np.asarray(values)
    if array.ndim == 0:
        raise ValueError(f"{name} must have a first (sample) axis, got a scalar")
    if array.dtype.kind == "O":
        raise TypeError(f"{name} must hold numbers, got an object array; use np.asarray first")
    return array


def _random_state(seed):
    """The legacy global generator for ``seed=None``, else a private one.

    ``RandomState`` (not ``default_rng``) keeps :func:`make_spiral` identical
    to the seed notebook's ``np.random.randn`` after ``set_seed``.
    """
    if seed is None:
        return np.random.mtrand._rand
    return np.random.RandomState(seed)


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _labels_tensor(batch: np.ndarray) -> Tensor:
    # Integer labels stay integers (CrossEntropyLoss indexes with them);
    # float targets follow the Tensor dtype policy.
    if batch.dtype.kind in "iub":
        return Tensor(batch, dtype=np.int64 if batch.dtype.kind != "b" else bool)
    return Tensor(batch)


class DataLoader:
    """Iterate over ``(features, labels)`` in mini-batches of Tensors.

    Parameters
    ----------
    X : array_like, Tensor or dataset
        Features with samples on the first axis, or any object with
        ``__len__`` and ``__getitem__`` returning ``(x, y)`` (or ``x``).
    y : array_like or Tensor, optional
        Labels or targets, one per sample. Without ``y`` the loader yields
        feature batches alone.
    batch_size : int, default 32
        Samples per batch; the last batch is smaller unless ``drop_last``.
    shuffle : bool, default False
        Visit the samples in a new random order every epoch.
    drop_last : bool, default False
        Skip a final batch smaller than ``batch_size``.
    seed : int, optional
        Make shuffling reproducible: epoch ``e`` uses the permutation drawn
        from ``(seed, e)``, so a resumed run can call :meth:`set_epoch` and
        see the same order again. Without a seed the global NumPy generator
        is used (``set_seed`` controls it).

    Notes
    -----
    Features become Tensors by the usual dtype policy (integers such as
    ``uint8`` pixels become float32, float arrays keep their dtype). Integer
    labels become int64 Tensors, ready for ``CrossEntropyLoss``.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    >>> loader = DataLoader(X, y, batch_size=2)
    >>> len(loader)
    3
    >>> [(xb.shape, yb.dtype.name) for xb, yb in loader]
    [((2, 2), 'int64'), ((2, 2), 'int64'), ((1, 2), 'int64')]
    """

    def __init__(self, X, y=None, batch_size=32, shuffle=False, drop_last=False, seed=None):
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        if isinstance(X, (np.ndarray, np.generic, Tensor, list, tuple)):
            self.X = _as_array(X, "X")
            self.dataset = None
        elif hasattr(X, "__len__") and hasattr(X, "__getitem__"):
            if y is not None:
                raise ValueError("pass either a dataset object or arrays X and y, not both")
            self.X, self.dataset = None, X
        else:
            raise TypeError(
                f"X must be an array, a Tensor or a dataset with __len__ and __getitem__, "
                f"got {type(X).__name__}"
            )
        self.y = None if y is None else _as_array(y, "y")
        n = len(self.dataset) if self.dataset is not None else len(self.X)
        if self.y is not None and len(self.y) != n:
            raise ValueError(
                f"X and y must have the same number of samples, got len(X)={n} and "
                f"len(y)={len(self.y)}"
            )
        if n == 0:
            raise ValueError("cannot load batches from an empty data set (0 samples)")
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        self.num_samples = n
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Choose which epoch's shuffle order the next iteration uses (seeded loaders)."""
        self.epoch = int(epoch)

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.num_samples)
        if self.seed is None:
            return np.random.permutation(self.num_samples)
        return np.random.default_rng([int(self.seed), self.epoch]).permutation(self.num_samples)

    def __iter__(self):
        order = self._order()
        self.epoch += 1
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, self.num_samples), self.batch_size):
            yield self._batch(order[start : start + self.batch_size])

    def _batch(self, index: np.ndarray):
        if self.dataset is not None:
            return self._collate([self.dataset[int(i)] for i in index])
        xb = Tensor(self.X[index])
        return xb if self.y is None else (xb, _labels_tensor(self.y[index]))

    @staticmethod
    def _collate(items):
        if isinstance(items[0], tuple):
            fields = list(zip(*items))
            xb = Tensor(np.stack([np.asarray(v) for v in fields[0]]))
            rest = [_labels_tensor(np.stack([np.asarray(v) for v in f])) for f in fields[1:]]
            return (xb, *rest)
        return Tensor(np.stack([np.asarray(v) for v in items]))

    def __repr__(self) -> str:
        return (
            f"DataLoader(num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


# --------------------------------------------------------------------- splits
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


# ------------------------------------------------------------ transforms
def one_hot(labels, num_classes=None, dtype=np.float32):
    """Encode integer class labels as rows of zeros with a single one.

    Unlike ``torch.nn.functional.one_hot`` (int64), the default dtype is
    float32, because one-hot rows are almost always used as float targets.

    Examples
    --------
    >>> one_hot([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    as_tensor = isinstance(labels, Tensor)
    labels = labels.data if as_tensor else np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.all(labels == np.round(labels)):
            raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
        labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, found {labels.min()}")
    top = int(labels.max()) + 1 if labels.size else 0
    num_classes = top if num_classes is None or num_classes == -1 else int(num_classes)
    if top > num_classes:
        raise ValueError(
            f"label {top - 1} does not fit num_classes={num_classes}; labels must be "
            f"in [0, num_classes)"
        )
    out = np.zeros((*labels.shape, num_classes), dtype=dtype)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out) if as_tensor else out


def _float_features(X) -> np.ndarray:
    X = _as_array(X, "X")
    return X if X.dtype.kind == "f" else X.astype(np.float32)


def standardize(X, mean=None, std=None, eps: float = 1e-8, axis=0):
    """Shift and scale features to zero mean and unit standard deviation.

    Compute the statistics on the training data and reuse them for the test
    data, so both go through the same transformation. Features with zero
    spread are only shifted (their ``std`` is reported as 1). ``axis=0``
    gives every feature its own statistics; ``axis=None`` uses one mean and
    one standard deviation for all values (the usual choice for pixels).

    Returns
    -------
    (X_scaled, mean, std)

    Examples
    --------
    >>> import numpy as np
    >>> X_train = np.array([[1.0, 10.0], [3.0, 10.0]], dtype=np.float32)
    >>> Z, mean, std = standardize(X_train)
    >>> Z.tolist(), mean.tolist(), std.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [2.0, 10.0], [1.0, 1.0])
    >>> standardize(np.array([[5.0, 12.0]], dtype=np.float32), mean, std)[0].tolist()
    [[3.0, 2.0]]
    >>> Z, mean, std = standardize(np.array([[0.0, 2.0]], dtype=np.float32), axis=None)
    >>> Z.tolist(), float(mean), float(std)
    ([[-1.0, 1.0]], 1.0, 1.0)
    """
    X = _float_features(X)
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std (from the training data) or neither")
    if mean is None:
        mean = X.mean(axis=axis)
        std = X.std(axis=axis)
        std = np.where(std < eps, 1.0, std).astype(X.dtype)
    mean = np.asarray(mean, dtype=X.dtype)
    std = np.asarray(std, dtype=X.dtype)
    return (X - mean) / std, mean, std


def normalize(X, low=None, high=None):
    """Rescale each feature linearly to [0, 1] using its minimum and maximum.

    Returns ``(X_scaled, low, high)``; pass ``low`` and ``high`` from the
    training data to transform the test data the same way.

    Examples
    --------
    >>> import numpy as np
    >>> Z, low, high = normalize(np.array([[0.0], [5.0], [10.0]], dtype=np.float32))
    >>> Z.ravel().tolist(), low.tolist(), high.tolist()
    ([0.0, 0.5, 1.0], [0.0], [10.0])
    """
    X = _float_features(X)
    if (low is None) != (high is None):
        raise ValueError("pass both low and high (from the training data) or neither")
    if low is None:
        low, high = X.min(axis=0), X.max(axis=0)
    low = np.asarray(low, dtype=X.dtype)
    high = np.asarray(high, dtype=X.dtype)
    span = np.where(high > low, high - low, 1).astype(X.dtype)
    return (X - low) / span, low, high


# ------------------------------------------------------------ toy data sets
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
