"""Stacking samples into a batch (PyTorch's ``default_collate`` and ``default_convert``).

The rules follow torch's: arrays, NumPy scalars and Tensors are stacked along
a new first axis into a Tensor of the same dtype; Python floats become a
float64 Tensor, ints int64 and bools bool (as torch does; a batch that starts
with an int or bool and holds a float is float32, as ``torch.tensor`` infers); strings are
returned as a list; tuples, lists, named tuples and dicts are collated field
by field, nested to any depth (a tuple gives a list, as in torch).
"""

from __future__ import annotations

import collections.abc
import copy

import numpy as np

from ...tensor import Tensor

__all__ = ["default_collate", "default_convert", "CollateError"]


class CollateError(RuntimeError):
    """Samples that cannot be stacked into one batch.

    ``positions`` are the two samples (in the batch) that disagree, ``details``
    what each has (``'shape (3,)'``) and ``where`` the field, if nested.
    """

    def __init__(self, message: str, positions=(0, 0), details=("", ""), where: str = ""):
        super().__init__(message)
        self.positions = positions
        self.details = details
        self.where = where


def _where(path: str) -> str:
    return f" in field {path}" if path else ""


def _stack(arrays, path: str) -> Tensor:
    first = np.shape(arrays[0])
    for i, array in enumerate(arrays):
        if np.shape(array) != first:
            raise CollateError(
                f"default_collate: sample {i} of the batch has shape {np.shape(array)} but "
                f"sample 0 has shape {first}{_where(path)}; samples must have equal shapes "
                "to be stacked (pad or crop them, or pass a collate_fn)",
                (i, 0),
                (f"shape {np.shape(array)}", f"shape {first}"),
                _where(path),
            )
    stacked = np.stack(arrays)
    if stacked.dtype.kind not in "biuf":
        raise TypeError(
            f"default_collate: cannot make a Tensor of dtype {stacked.dtype}{_where(path)}; "
            "samples must hold numbers"
        )
    return Tensor(stacked, dtype=stacked.dtype)


def _python_number(batch, path: str) -> Tensor:
    first = batch[0]
    if isinstance(first, float):
        dtype = np.float64  # torch: torch.tensor(batch, dtype=torch.float64)
    elif isinstance(first, int):  # bool included: torch.tensor(batch) infers the dtype
        dtype = _inferred_dtype(batch)
    else:
        return _stack(batch, path)  # complex and other Number types
    return Tensor(np.array(batch, dtype=dtype), dtype=dtype)


def _inferred_dtype(batch) -> type:
    """torch.tensor's dtype for Python numbers: float32 if any is a float ([0, 1.7],
    [True, 0.5]), else int64 if any is an int, else bool."""
    if any(isinstance(x, float) for x in batch):
        return np.float32
    if any(not isinstance(x, bool) for x in batch):
        return np.int64
    return np.bool_


def _fields(batch, path: str):
    size = len(batch[0])
    for i, item in enumerate(batch):
        if len(item) != size:
            raise CollateError(
                f"default_collate: each element in list of batch should be of equal size: "
                f"sample {i} has {len(item)} fields but sample 0 has {size}{_where(path)}",
                (i, 0),
                (f"{len(item)} fields", f"{size} fields"),
                _where(path),
            )
    return list(zip(*batch))


def _collate(batch, path: str):
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([t.data if isinstance(t, Tensor) else t for t in batch], path)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        return _stack([np.asarray(a) for a in batch], path)
    if isinstance(elem, (bool, int, float, complex)):
        return _python_number(batch, path)
    if isinstance(elem, (str, bytes)):
        return batch  # as torch: the list (or, inside a sample, the tuple) of strings
    if isinstance(elem, collections.abc.Mapping):
        out = {key: _collate([d[key] for d in batch], f"{path}[{key!r}]") for key in elem}
        try:
            clone = copy.copy(elem)
            clone.update(out)
            return clone
        except (TypeError, AttributeError):
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # named tuple
        columns = _fields(batch, path)
        return type(elem)(*(_collate(c, f"{path}.{n}") for c, n in zip(columns, elem._fields)))
    if isinstance(elem, collections.abc.Sequence):
        columns = _fields(batch, path)
        return [_collate(c, f"{path}[{i}]") for i, c in enumerate(columns)]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem)}{_where(path)}"
    )


def default_collate(batch):
    """Stack a list of samples into one batch, as ``torch.utils.data.default_collate`` does.

    Parameters
    ----------
    batch : list
        Samples as a data set returns them: Tensors, arrays, numbers,
        strings, or tuples, lists and dicts of them (nested).

    Returns
    -------
    The batch with the samples' structure: a Tensor per array-like field,
    stacked on a new first axis, keeping its dtype.

    Raises
    ------
    CollateError
        (a ``RuntimeError``, as torch's) when samples have different shapes
        or numbers of fields; the message names the sample and both shapes.

    Examples
    --------
    >>> import numpy as np
    >>> batch = default_collate([(np.zeros(3), 0), (np.ones(3), 1)])
    >>> [type(b).__name__ for b in batch], batch[0].shape, batch[1].dtype.name
    (['Tensor', 'Tensor'], (2, 3), 'int64')
    >>> samples = [{"x": np.float32(1.5), "name": "a"}, {"x": np.float32(2), "name": "b"}]
    >>> out = default_collate(samples)
    >>> out["x"].tolist(), out["name"]
    ([1.5, 2.0], ['a', 'b'])
    """
    if isinstance(batch, collections.abc.Sequence) and not isinstance(batch, (str, bytes)):
        if len(batch) == 0:
            raise ValueError("default_collate needs at least one sample, got an empty batch")
        return _collate(list(batch), "")
    raise TypeError(f"default_collate takes a list of samples, got {type(batch).__name__}")


def default_convert(data):
    """Turn arrays (inside tuples, lists and dicts too) into Tensors of the same dtype.

    What a loader applies to single samples when ``batch_size=None``; numbers
    and strings are left as they are, as torch's ``default_convert`` does.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = default_convert((np.arange(3), 2))
    >>> type(x).__name__, x.dtype == np.arange(3).dtype, y
    ('Tensor', True, 2)
    """
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        return Tensor(data, dtype=data.dtype)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
