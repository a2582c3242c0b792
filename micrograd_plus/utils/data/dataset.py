"""Data set objects (PyTorch's ``torch.utils.data.Dataset`` family) and ``random_split``.

A data set is anything with ``__len__`` and ``__getitem__(index)`` returning
one sample; :class:`~micrograd_plus.utils.data.DataLoader` turns samples into
batches. Subclass :class:`Dataset` to write your own.
"""

from __future__ import annotations

import bisect
import math
import warnings
from itertools import accumulate

import numpy as np

from ...tensor import Tensor
from ._common import check_generator, check_seed, is_int, permutation

__all__ = ["Dataset", "TensorDataset", "ConcatDataset", "Subset", "random_split"]


class Dataset:
    """Base class of map-style data sets: override ``__getitem__`` and ``__len__``.

    Examples
    --------
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), i * i
    >>> len(Squares()), Squares()[3]
    (4, (3.0, 9))
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self)")

    def __add__(self, other):
        return ConcatDataset([self, other])


def _as_tensor(value, position: int) -> Tensor:
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"TensorDataset: argument {position} must be a Tensor or a numeric array, "
            f"got dtype {array.dtype}"
        )
    return Tensor(array, dtype=array.dtype)  # keep int64 labels int64


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: ``dataset[i] == (t[i] for t in tensors)``.

    NumPy arrays are accepted and become Tensors of the same dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> ds = TensorDataset(Tensor(np.arange(6.0).reshape(3, 2)), Tensor([0, 1, 1], dtype=np.int64))
    >>> x, y = ds[2]
    >>> len(ds), x.tolist(), y.item()
    (3, [4.0, 5.0], 1)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(_as_tensor(t, i) for i, t in enumerate(tensors))
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(
                f"Size mismatch between tensors: every tensor needs the same first (sample) "
                f"dimension, got shapes {shapes}"
            )

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _rows(self, index: np.ndarray) -> list:
        """The batch ``default_collate`` would build from ``index``, in one indexing step."""
        return [Tensor(t.data[index], dtype=t.dtype) for t in self.tensors]


class ConcatDataset(Dataset):
    """Several data sets one after the other (what ``dataset_a + dataset_b`` gives).

    Examples
    --------
    >>> both = ConcatDataset([[1, 2], [3, 4, 5]])
    >>> len(both), both[2], both[-1]
    (5, 3, 5)
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one data set")
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        part = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (a view, nothing copied).

    Examples
    --------
    >>> sub = Subset([10, 11, 12, 13], [3, 0])
    >>> len(sub), sub[0], sub[1]
    (2, 13, 10)
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(lengths, n: int) -> list[int]:
    """Torch's rule: fractions summing to 1 are floored, the remainder dealt round-robin."""
    lengths = list(lengths)
    total = sum(lengths)
    if lengths and math.isclose(total, 1) and total <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1: {frac!r}")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    UserWarning,
                    stacklevel=3,
                )
        return counts
    if not all(is_int(k) and k >= 0 for k in lengths):
        raise ValueError(
            f"lengths must be non-negative integers or fractions that sum to 1, got {lengths}"
        )
    if total != n:
        raise ValueError(
            f"Sum of input lengths ({total}) does not equal the length of the input dataset "
            f"({n}); pass lengths that add up to {n}, or fractions such as [0.8, 0.2]"
        )
    return [int(k) for k in lengths]


def random_split(dataset, lengths, generator=None, *, seed=None):
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given lengths.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__len__`` and ``__getitem__``.
    lengths : sequence of int or float
        Sizes that add up to ``len(dataset)``, or fractions that add up to 1
        (floored, and the remaining samples dealt one each to the first
        splits, as torch does).
    generator : numpy.random.Generator, optional
        Draw the permutation from this generator (torch takes a
        ``torch.Generator``; here it is NumPy's).
    seed : int, optional
        Shorthand for ``generator=np.random.default_rng(seed)``. With neither,
        NumPy's global generator is used (``set_seed`` makes it repeatable).

    Examples
    --------
    >>> train, val = random_split(list(range(10)), [0.7, 0.3], seed=0)
    >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
    (7, 3, True)
    """
    generator = check_generator(generator, check_seed(seed))
    counts = _split_lengths(lengths, len(dataset))
    order = permutation(sum(counts), generator, seed).tolist()
    return [
        Subset(dataset, order[end - count : end]) for end, count in zip(accumulate(counts), counts)
    ]
