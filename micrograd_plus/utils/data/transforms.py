"""Reshaping labels and scaling features: one-hot codes, standardizing, min-max scaling."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ._common import as_array as _as_array

__all__ = ["one_hot", "standardize", "normalize"]


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
    if num_classes is None or num_classes == -1:
        if not labels.size:  # torch raises too: nothing to infer the classes from
            raise ValueError("cannot infer num_classes from empty labels; pass num_classes=")
        num_classes = int(labels.max()) + 1
    num_classes = int(num_classes)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"label {labels.max()} does not fit num_classes={num_classes}; labels must be "
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
