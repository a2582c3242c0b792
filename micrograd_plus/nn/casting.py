"""``Module.to(dtype)``, ``.double()``, ``.float()``, ``.half()``: cast a model in place.

As torch's: floating parameters and buffers (and their gradients) take the new
dtype and stay the same objects, so an optimizer built before still holds them;
integer buffers (BatchNorm's batch counter) keep theirs. The only device is the
CPU: ``to("cpu")`` changes nothing, another device raises.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from ..ops.convert import as_dtype, check_device, is_device
from ..tensor import Tensor


def module_to(module, *args, dtype=None, device=None, non_blocking: bool = False):
    """Cast ``module``'s floating parameters and buffers in place; returns ``module``.

    Accepts torch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(tensor)`` and the keywords ``dtype=`` and ``device=``.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Linear
    >>> layer = Linear(2, 1)
    >>> layer.to(np.float64) is layer, layer.weight.dtype, layer.float().bias.dtype
    (True, dtype('float64'), dtype('float32'))
    """
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif is_device(arg):
            device = arg
        else:
            dtype = arg
    if device is not None:
        check_device(device)
    if dtype is None:
        return module
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(
            f"Module.to only accepts floating point dtypes, got {dtype} (as torch); cast "
            "integer inputs instead, e.g. x.long()"
        )
    for tensor in chain(module.parameters(), module.buffers()):
        if tensor.data.dtype.kind == "f":  # parameters() and buffers() skip None
            _cast(tensor, dtype)
    return module


def _cast(tensor: Tensor, dtype: np.dtype) -> None:
    if tensor.data.dtype == dtype:
        return
    # A new array, so _version stays (as torch's): a graph recorded before keeps the old one.
    tensor.data = tensor.data.astype(dtype)
    if isinstance(tensor.grad, np.ndarray):
        tensor.grad = tensor.grad.astype(dtype)
