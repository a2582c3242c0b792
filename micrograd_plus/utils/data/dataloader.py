"""Feeding data to a model in mini-batches: :class:`DataLoader` (``torch.utils.data``'s).

Two ways in. PyTorch's: ``DataLoader(dataset, batch_size=1, shuffle=False, ...)``
with any object that has ``__len__`` and ``__getitem__``; samples are stacked by
:func:`~micrograd_plus.utils.data.default_collate` (or your ``collate_fn``). And
arrays directly: ``DataLoader(X, y, batch_size=32, shuffle=True, seed=0)``, which
slices the arrays (fast) and yields ``(features, labels)`` Tensors.

Randomness follows one rule: ``seed=None`` (and no ``generator``) draws from
NumPy's global generator, so :func:`micrograd_plus.utils.set_seed` makes a run
repeatable; an integer seed gives the loader its own, per-epoch order.
"""

from __future__ import annotations

import difflib
import inspect

import numpy as np

from ...tensor import Tensor
from ._common import as_array, check_generator, check_seed, is_int
from .collate import CollateError, default_collate, default_convert
from .dataset import Dataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader"]


def _labels_tensor(batch: np.ndarray) -> Tensor:
    # Integer labels stay integers (CrossEntropyLoss indexes with them);
    # float targets follow the Tensor dtype policy.
    if batch.dtype.kind in "iub":
        return Tensor(batch, dtype=np.int64 if batch.dtype.kind != "b" else bool)
    return Tensor(batch)


class _ArrayDataset(Dataset):
    """``X`` (and ``y``) as a data set; batches follow the Tensor dtype policy."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index] if self.y is None else (self.X[index], self.y[index])

    def _rows(self, index):
        xb = Tensor(self.X[index])
        return xb if self.y is None else (xb, _labels_tensor(self.y[index]))


def _options(
    batch_size=1,
    shuffle=None,
    sampler=None,
    batch_sampler=None,
    num_workers=0,
    collate_fn=None,
    pin_memory=False,
    drop_last=False,
    timeout=0,
    worker_init_fn=None,
    multiprocessing_context=None,
    generator=None,
    *,
    prefetch_factor=None,
    persistent_workers=False,
    pin_memory_device="",
    in_order=True,
    seed=None,
):
    """torch's ``DataLoader`` signature after ``dataset`` (plus ``seed``)."""
    return dict(locals())


_OPTION_NAMES = [*inspect.signature(_options).parameters, "y"]


def _split_arguments(args, kwargs):
    """Separate the arrays form's ``y`` (second positional or ``y=``) from torch's options."""
    y = kwargs.pop("y", None)
    if y is None and args and isinstance(args[0], (np.ndarray, Tensor, list, tuple)):
        y, args = args[0], args[1:]
    try:
        return y, _options(*args, **kwargs)
    except TypeError as err:
        message = str(err).replace("_options()", "DataLoader()")
        unknown = [k for k in kwargs if k not in _OPTION_NAMES]
        close = difflib.get_close_matches(unknown[0], _OPTION_NAMES, n=1) if unknown else []
        if close:
            message += f"; did you mean {close[0]!r}?"
        raise TypeError(message) from None


def _check_workers(o) -> None:
    if not is_int(o["num_workers"]) or o["num_workers"] < 0:
        raise ValueError(
            f"num_workers option should be non-negative; got num_workers={o['num_workers']!r}"
        )
    if o["num_workers"] > 0:
        raise NotImplementedError(
            f"num_workers={o['num_workers']} is not supported: micrograd_plus loads batches "
            "in the main process; leave num_workers=0 (the default)"
        )
    for name, idle in (("prefetch_factor", None), ("multiprocessing_context", None)):
        if o[name] is not idle:
            raise ValueError(
                f"{name}={o[name]!r} only applies to worker processes (num_workers > 0), which "
                f"micrograd_plus does not use; leave {name} out"
            )
    if o["persistent_workers"]:
        raise ValueError("persistent_workers=True needs num_workers > 0; leave it out")
    if not isinstance(o["timeout"], (int, float)) or o["timeout"] < 0:
        raise ValueError(f"timeout option should be non-negative, got {o['timeout']!r}")


def _check_batching(o) -> None:
    if o["batch_sampler"] is not None:
        if o["batch_size"] != 1 or o["shuffle"] or o["sampler"] is not None or o["drop_last"]:
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                "and drop_last; the batch sampler decides the batches"
            )
    elif o["batch_size"] is None:
        if o["drop_last"]:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )
    elif not is_int(o["batch_size"]) or o["batch_size"] <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {o['batch_size']!r}")
    if o["sampler"] is not None and o["shuffle"]:
        raise ValueError(
            "sampler option is mutually exclusive with shuffle: pass shuffle=True or a "
            "sampler (for a random order, sampler=RandomSampler(dataset))"
        )


def _wrap_data(X, y):
    """``(dataset, X, y)`` from the first argument and the optional labels."""
    arrays = (np.ndarray, np.generic, Tensor)
    if isinstance(X, arrays) or (y is not None and isinstance(X, (list, tuple))):
        X = as_array(X, "X")
        y = None if y is None else as_array(y, "y")
        if y is not None and len(y) != len(X):
            raise ValueError(
                f"X and y must have the same number of samples, got len(X)={len(X)} and "
                f"len(y)={len(y)}"
            )
        return _ArrayDataset(X, y), X, y
    if y is not None:
        raise ValueError("pass either a dataset object or arrays X and y, not both")
    if not (hasattr(X, "__len__") and hasattr(X, "__getitem__")):
        raise TypeError(
            f"X must be an array, a Tensor or a dataset with __len__ and __getitem__, "
            f"got {type(X).__name__}"
        )
    return X, None, None


class DataLoader:
    """Iterate over a data set in mini-batches of Tensors (``torch.utils.data.DataLoader``).

    Call it as PyTorch does, ``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None,
    batch_sampler=None, num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
    timeout=0, worker_init_fn=None, multiprocessing_context=None, generator=None, *,
    prefetch_factor=None, persistent_workers=False, pin_memory_device='', in_order=True,
    seed=None)``, or with arrays: ``DataLoader(X, y, batch_size=32, shuffle=True, seed=0)``.

    Parameters
    ----------
    dataset : dataset, array_like or Tensor
        An object with ``__len__`` and ``__getitem__`` (a :class:`Dataset`,
        a list of samples...), or an array of features with samples on the
        first axis.
    y : array_like or Tensor, optional
        Labels or targets, one per row of the array ``dataset`` (the second
        positional argument, or ``y=``). Without ``y`` an array loader yields
        feature batches alone.
    batch_size : int or None, default 1
        Samples per batch; the last batch is smaller unless ``drop_last``.
        ``None`` yields single samples, converted by ``default_convert``.
    shuffle : bool, default False
        Visit the samples in a new random order every epoch.
    sampler, batch_sampler : iterable, optional
        The indices to visit (or lists of indices, one per batch), instead
        of ``shuffle`` and ``batch_size``; see ``utils.data.sampler``.
    collate_fn : callable, optional
        Turns a list of samples into a batch; default
        :func:`~micrograd_plus.utils.data.default_collate`.
    drop_last : bool, default False
        Skip a final batch smaller than ``batch_size``.
    generator : numpy.random.Generator, optional
        Draw each epoch's shuffle order from this generator (torch takes a
        ``torch.Generator``; here it is NumPy's).
    seed : int, optional
        Reproducible shuffling: epoch ``e`` uses the permutation drawn from
        ``(seed, e)``, so a resumed run can call :meth:`set_epoch` and see
        the same order again. With neither ``seed`` nor ``generator``,
        NumPy's global generator is used (``set_seed`` controls it).
    num_workers : int, default 0
        Only 0: batches are made in the main process (a larger value raises
        ``NotImplementedError``).
    pin_memory, pin_memory_device, timeout, worker_init_fn, in_order
        Accepted for compatibility and ignored: there are no devices and no
        worker processes.

    Notes
    -----
    Array loaders slice ``X`` and ``y`` directly: features become Tensors by
    the usual dtype policy (integers such as ``uint8`` pixels become float32,
    float arrays keep their dtype) and integer labels become int64 Tensors,
    ready for ``CrossEntropyLoss``; they yield ``(xb, yb)`` tuples. Data set
    loaders follow torch: ``default_collate`` keeps each field's dtype and a
    sample that is a tuple gives a list ``[xb, yb]``. An empty data set is
    refused (torch would yield nothing).

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    >>> loader = DataLoader(X, y, batch_size=2)
    >>> len(loader)
    3
    >>> [(xb.shape, yb.dtype.name) for xb, yb in loader]
    [((2, 2), 'int64'), ((2, 2), 'int64'), ((1, 2), 'int64')]
    >>> from micrograd_plus.utils.data import TensorDataset
    >>> xb, yb = next(iter(DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True, seed=0)))
    >>> xb.shape, yb.shape
    ((4, 2), (4,))
    """

    def __init__(self, dataset, *args, **kwargs):
        y, o = _split_arguments(args, kwargs)
        _check_workers(o)
        _check_batching(o)
        self.seed = check_seed(o["seed"])
        self.generator = check_generator(o["generator"], self.seed)
        self.dataset, self.X, self.y = _wrap_data(dataset, y)
        self.num_samples = len(self.dataset)
        if self.num_samples == 0:
            raise ValueError("cannot load batches from an empty data set (0 samples)")
        self.batch_size = o["batch_size"] if o["batch_sampler"] is None else None
        self.shuffle = bool(o["shuffle"])
        self.drop_last = bool(o["drop_last"])
        self.num_workers, self.pin_memory, self.timeout = 0, bool(o["pin_memory"]), o["timeout"]
        self.worker_init_fn = o["worker_init_fn"]
        self.collate_fn = default_collate if o["collate_fn"] is None else o["collate_fn"]
        self.sampler = o["sampler"] if o["sampler"] is not None else self._default_sampler()
        self.batch_sampler = o["batch_sampler"]
        if self.batch_sampler is None and self.batch_size is not None:
            self.batch_sampler = BatchSampler(self.sampler, self.batch_size, self.drop_last)
        self.epoch = 0

    def _default_sampler(self):
        indices = range(self.num_samples)
        if self.shuffle:
            return RandomSampler(indices, generator=self.generator, seed=self.seed)
        return SequentialSampler(indices)

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def set_epoch(self, epoch: int) -> None:
        """Choose which epoch's shuffle order the next iteration uses (seeded loaders)."""
        self.epoch = int(epoch)

    def __iter__(self):
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self._convert(index)
            return
        for indices in self.batch_sampler:
            yield self._fetch(list(indices))

    def _convert(self, index):
        """One sample without a batch axis (``batch_size=None``)."""
        if self.collate_fn is not default_collate:
            return self.collate_fn(self.dataset[index])
        if isinstance(self.dataset, _ArrayDataset):
            return self.dataset._rows(index)
        return default_convert(self.dataset[index])

    def _fetch(self, indices: list):
        fast = self.collate_fn is default_collate and type(self.dataset) in (
            _ArrayDataset,
            TensorDataset,
        )
        if fast:  # one fancy-indexing step gives what collating the samples would
            return self.dataset._rows(np.asarray(indices, dtype=np.intp))
        samples = [self.dataset[i] for i in indices]
        if self.collate_fn is not default_collate:
            return self.collate_fn(samples)
        try:
            return default_collate(samples)
        except CollateError as err:
            raise _name_samples(err, indices) from None

    def __repr__(self) -> str:
        return (
            f"DataLoader(num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


def _name_samples(err: CollateError, indices: list) -> CollateError:
    """The collate error again, naming data set indices instead of batch positions."""
    (i, j), (what_i, what_j) = err.positions, err.details
    return CollateError(
        f"cannot stack samples into a batch: dataset[{indices[i]}] has {what_i} but "
        f"dataset[{indices[j]}] has {what_j}{err.where}; give every sample the same shape "
        "(pad or crop), or pass collate_fn= to build batches yourself",
        err.positions,
        err.details,
        err.where,
    )


# What help() and the API reference show: torch's signature, plus ``y`` and ``seed``.
DataLoader.__signature__ = inspect.Signature(
    [
        inspect.Parameter("dataset", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *inspect.signature(_options).parameters.values(),
        inspect.Parameter("y", inspect.Parameter.KEYWORD_ONLY, default=None),
    ]
)
