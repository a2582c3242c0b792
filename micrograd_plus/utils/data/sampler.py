"""Samplers: the order in which a loader visits a data set (``torch.utils.data.sampler``).

A sampler is an iterable of indices (or, for a batch sampler, of lists of
indices) with a length. :class:`~micrograd_plus.utils.data.DataLoader` builds
them from ``shuffle`` and ``batch_size``; pass your own with ``sampler=`` or
``batch_sampler=``.
"""

from __future__ import annotations

import numpy as np

from ._common import check_generator, check_positive_int, check_seed

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler"]


class Sampler:
    """Base class: define ``__iter__`` (indices) and ``__len__``."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    Examples
    --------
    >>> list(SequentialSampler("abc"))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random permutation of the data set every epoch.

    Parameters
    ----------
    data_source : sized
        The data set.
    generator : numpy.random.Generator, optional
        Every epoch draws its permutation from it.
    seed : int, optional
        Epoch ``e`` uses the permutation of ``np.random.default_rng([seed, e])``,
        so a resumed run (see :meth:`set_epoch`) sees the same order again.
        Without ``generator`` or ``seed``, NumPy's global generator is used
        (``set_seed`` makes it repeatable).

    Examples
    --------
    >>> s = RandomSampler(range(5), seed=0)
    >>> first, second = list(s), list(s)
    >>> sorted(first), first != second
    ([0, 1, 2, 3, 4], True)
    """

    def __init__(
        self, data_source, replacement=False, num_samples=None, generator=None, *, seed=None
    ):
        if replacement or num_samples is not None:
            raise NotImplementedError(
                "RandomSampler(replacement=True / num_samples=...) is not supported; sample "
                "indices yourself, e.g. sampler=np.random.default_rng(0).integers(0, n, size=k)"
            )
        self.data_source = data_source
        self.seed = check_seed(seed)
        self.generator = check_generator(generator, seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose which epoch's order the next iteration uses (seeded samplers)."""
        self.epoch = int(epoch)

    def __iter__(self):
        n = len(self.data_source)
        if self.generator is not None:
            order = self.generator.permutation(n)
        elif self.seed is not None:
            order = np.random.default_rng([int(self.seed), self.epoch]).permutation(n)
        else:
            order = np.random.permutation(n)
        self.epoch += 1
        return iter(order.tolist())

    def __len__(self) -> int:
        return len(self.data_source)


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order every epoch.

    Examples
    --------
    >>> sorted(SubsetRandomSampler([4, 2, 9], generator=np.random.default_rng(0)))
    [2, 4, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = check_generator(generator)

    def __iter__(self):
        rng = self.generator if self.generator is not None else np.random
        return iter([self.indices[i] for i in rng.permutation(len(self.indices))])

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Examples
    --------
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = check_positive_int(batch_size, "batch_size")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise ValueError(f"drop_last should be a boolean value, but got {drop_last!r}")
        self.drop_last = bool(drop_last)

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
