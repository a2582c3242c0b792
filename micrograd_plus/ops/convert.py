"""Copies and dtype conversions: ``clone``, ``to``, ``float``, ``double``, ``long``...

A conversion between floating dtypes is differentiable (the gradient is cast
back); a conversion to an integer or bool dtype cuts the graph, as in torch.
There is one device, the CPU: ``to("cpu")`` is accepted and changes nothing.

Examples
--------
>>> import numpy as np
>>> from micrograd_plus import Tensor
>>> t = Tensor([1.5, 2.5])
>>> t.double().dtype, t.long().tolist(), t.to("float16").dtype, t.to("cpu") is t
(dtype('float64'), [1, 2], dtype('float16'), True)
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

# torch's names, where they differ from NumPy's (np.dtype("float") is float64,
# torch.float is float32).
_TORCH_NAMES = {
    "float": np.float32,
    "float32": np.float32,
    "double": np.float64,
    "float64": np.float64,
    "half": np.float16,
    "float16": np.float16,
    "long": np.int64,
    "int64": np.int64,
    "int": np.int32,
    "int32": np.int32,
    "short": np.int16,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
}
# mp.float32, mp.long, mp.bool...: torch's dtype names as NumPy dtypes (the package
# exports them), so x.dtype == mp.float32 and dtype=mp.int64 read as in torch.
DTYPE_NAMES = {name: np.dtype(t) for name, t in _TORCH_NAMES.items()}
_DEVICES = ("cpu", "cuda", "mps", "xpu", "meta")


def clone(a: Tensor) -> Tensor:
    """A copy with its own array; the gradient flows back to ``a`` (torch's ``clone``)."""
    return Tensor._make(a.data.copy(), (a,), lambda g: (g,), "clone")


def as_dtype(spec) -> np.dtype:
    """A NumPy dtype for ``spec``: a NumPy dtype or a torch name ("float", "torch.int64")."""
    if isinstance(spec, str) or type(spec).__module__ == "torch":
        name = str(spec).removeprefix("torch.")
        if name in _TORCH_NAMES:
            return np.dtype(_TORCH_NAMES[name])
    try:
        dtype = np.dtype(spec)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "biuf":
        raise TypeError(
            f"unknown dtype {spec!r}; use a NumPy dtype (np.float32) or a torch name such as "
            "'float32', 'float64', 'int64' or 'bool'"
        )
    return dtype


def astype(a: Tensor, dtype) -> Tensor:
    """``a`` converted to ``dtype`` (``a`` itself when it already has it, as in torch)."""
    dtype = as_dtype(dtype)
    x = a.data
    if x.dtype == dtype:
        return a
    out = x.astype(dtype)
    if dtype.kind != "f":  # integers and bools carry no gradient
        return Tensor._make(out)

    def backward(g):  # cast back (on a Tensor, astype is this differentiable op)
        return (g.astype(x.dtype),)

    return Tensor._make(out, (a,), backward, "to")


def is_device(spec) -> bool:
    text = str(spec)
    return type(spec).__name__ == "device" or text.split(":")[0] in _DEVICES


def check_device(spec) -> None:
    if str(spec).split(":")[0] != "cpu":
        raise RuntimeError(
            f"device {str(spec)!r} is not available: micrograd_plus computes on the CPU with "
            "NumPy. Drop the .to(device) call, or use 'cpu'"
        )


def to(a: Tensor, *args, dtype=None, device=None, copy: bool = False, non_blocking=False):
    """Convert dtype (and "move" to a device), as ``torch.Tensor.to``.

    Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``
    and the keywords ``dtype=``, ``device=`` and ``copy=``. The only device is
    ``"cpu"``; asking for another raises.
    """
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype if dtype is None else dtype
        elif is_device(arg):
            device = arg
        else:
            dtype = arg if dtype is None else dtype
    if device is not None:
        check_device(device)
    out = a if dtype is None else astype(a, dtype)
    return clone(out) if copy and out is a else out


def float(a: Tensor) -> Tensor:  # noqa: A001 - torch's method name
    """Convert to float32."""
    return astype(a, np.float32)


def double(a: Tensor) -> Tensor:
    """Convert to float64."""
    return astype(a, np.float64)


def half(a: Tensor) -> Tensor:
    """Convert to float16."""
    return astype(a, np.float16)


def long(a: Tensor) -> Tensor:
    """Convert to int64 (truncating toward zero; no gradient)."""
    return astype(a, np.int64)


def int(a: Tensor) -> Tensor:  # noqa: A001 - torch's method name
    """Convert to int32 (truncating toward zero; no gradient)."""
    return astype(a, np.int32)


def bool(a: Tensor) -> Tensor:  # noqa: A001 - torch's method name
    """Convert to bool (nonzero is True; no gradient)."""
    return astype(a, np.bool_)
