"""In-place operators: ``+=``, ``-=``, ``*=``, ``/=``, ``**=``, ``t[i] = v`` and
torch's ``add_``-style methods.

They write into the tensor's own array, so the object, its dtype and whoever
holds it (a module, an optimizer) stay the same. That is safe only where no
graph is recorded for the tensor: inside ``no_grad()``, or on a tensor that
requires no gradient. Elsewhere they raise and say what to write instead, as
torch does, rather than silently building a new tensor. Each change stamps the
tensor's ``_version`` and its memory, which its views and ``detach()`` share
(:mod:`micrograd_plus.autograd.versions`): a later ``backward()`` through a node
recorded before the change refuses to run (see :mod:`micrograd_plus.autograd.engine`).

Examples
--------
>>> from micrograd_plus import Tensor, no_grad
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> (w * w).sum().backward()
>>> same = w
>>> with no_grad():
...     w -= 0.25 * w.grad
>>> w is same, w.requires_grad, w.tolist()
(True, True, [0.5, 1.0])
"""

from __future__ import annotations

from numbers import Number

import numpy as np

from ..autograd import versions
from ..autograd.engine import SWITCHES
from ..tensor import Tensor, next_seq
from .shape import index_arrays


def _check_recordable(t: Tensor, other, what: str, instead: str) -> None:
    """Raise where changing ``t`` in place would corrupt (or escape) a recorded graph."""
    if not SWITCHES.grad_enabled:
        return
    if t.requires_grad and t._backward is None:
        raise RuntimeError(
            f"a leaf tensor that requires grad is being used in an in-place operation "
            f"({what}). To update a parameter by hand, wrap the update in `with no_grad():` "
            f"(e.g. `with no_grad(): p -= lr * p.grad`); to compute a new tensor, write "
            f"{instead} out of place"
        )
    if t.requires_grad:
        raise RuntimeError(
            f"in-place {what} on a tensor that is part of a recorded graph would overwrite "
            f"values its backward needs; write {instead} out of place (a new tensor), or "
            "do it inside `with no_grad():` if no gradient should flow through the change"
        )
    if isinstance(other, Tensor) and other.requires_grad:
        raise RuntimeError(
            f"in-place {what} with an operand that requires grad cannot record the graph "
            f"into a tensor that has none; write {instead} out of place"
        )


def _stamp(t: Tensor) -> None:
    t._version = SWITCHES.inplace_stamp = next_seq()
    versions.stamp(t.data, t._version)  # seen by every view of the same memory


def _writable_array(t: Tensor, what: str) -> np.ndarray:
    data = t.data
    if not data.flags.writeable:
        raise RuntimeError(
            f"in-place {what}: the tensor's array is read-only (a broadcast view, or a NumPy "
            "array marked read-only); make it its own copy first with t = t.clone()"
        )
    return data


def _value(other):
    if isinstance(other, Tensor):
        return other.data
    if isinstance(other, (Number, np.generic, np.ndarray, list, tuple)):
        return other
    raise TypeError(
        f"cannot combine a Tensor with {type(other).__name__}; use a number, a NumPy array "
        "or a Tensor"
    )


def _inplace(ufunc, symbol: str, op: str):
    def method(self: Tensor, other) -> Tensor:
        _check_recordable(self, other, symbol, f"x = x {op} ...")
        value = _value(other)
        data = _writable_array(self, symbol)
        try:
            ufunc(data, value, out=data, casting="same_kind")
        except TypeError:  # NumPy's UFuncTypeError: the result cannot be cast back
            result = np.result_type(data, np.asarray(value))
            if op == "/" and result.kind in "biu":
                result = np.dtype(np.float32)
            raise RuntimeError(
                f"in-place {symbol}: the result type {result} can't be cast to the tensor's "
                f"dtype {data.dtype} (as in torch). Write x = x {op} ... for a new tensor of "
                "the promoted dtype, or convert first (x = x.float())"
            ) from None
        except ValueError as err:
            shape = np.shape(value)
            raise ValueError(
                f"in-place {symbol}: an operand of shape {shape} cannot update a tensor of "
                f"shape {data.shape} in place ({err}); the result must keep the tensor's "
                f"shape, so write x = x {op} ... for a broadcast result"
            ) from None
        _stamp(self)
        return self

    method.__name__ = f"__i{ufunc.__name__}__"
    return method


iadd = _inplace(np.add, "+=", "+")
isub = _inplace(np.subtract, "-=", "-")
imul = _inplace(np.multiply, "*=", "*")
itruediv = _inplace(np.true_divide, "/=", "/")
ipow = _inplace(np.power, "**=", "**")


def add_(self: Tensor, other, alpha=1) -> Tensor:
    """``self += alpha * other`` in place (torch's ``add_``)."""
    _check_recordable(self, other, "add_", "x = x + alpha * other")
    return iadd(self, other if alpha == 1 else _value(other) * alpha)


def sub_(self: Tensor, other, alpha=1) -> Tensor:
    """``self -= alpha * other`` in place (torch's ``sub_``)."""
    _check_recordable(self, other, "sub_", "x = x - alpha * other")
    return isub(self, other if alpha == 1 else _value(other) * alpha)


def setitem(self: Tensor, key, value) -> None:
    """``t[key] = value``: write into the tensor's array (values cast to its dtype, as torch)."""
    _check_recordable(self, value, "t[...] = value", "y = where(mask, value, y)")
    data = _writable_array(self, "t[...] = value")
    try:
        data[index_arrays(key)] = _value(value)
    except ValueError as err:
        raise ValueError(
            f"t[...] = value: a value of shape {np.shape(_value(value))} does not fit the "
            f"selected part of a tensor of shape {data.shape} ({err}); give a number or an "
            "array of the selected shape"
        ) from None
    _stamp(self)


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to ``value`` in place."""
    setitem(self, ..., value)
    return self


def zero_(self: Tensor) -> Tensor:
    """Set every element to zero in place."""
    return fill_(self, 0)


def copy_(self: Tensor, src) -> Tensor:
    """Copy ``src`` (broadcast to this tensor's shape) into this tensor in place."""
    setitem(self, ..., src)
    return self


def clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - torch's names
    """Clamp to ``[min, max]`` in place (``torch.clamp_``; a bound may be a tensor)."""
    if min is None and max is None:
        raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
    _check_recordable(self, min if max is None else max, "clamp_", "x = x.clamp(min, max)")
    data = _writable_array(self, "clamp_")
    low = None if min is None else _value(min)
    high = None if max is None else _value(max)
    try:
        np.clip(data, low, high, out=data, casting="same_kind")
    except TypeError:  # NumPy's UFuncTypeError: a float bound on an integer tensor
        raise RuntimeError(
            f"clamp_: a bound of a floating type can't be written into a tensor of dtype "
            f"{data.dtype} in place (as in torch); use integer bounds, or x = x.float() first"
        ) from None
    _stamp(self)
    return self


def masked_fill_(self: Tensor, mask, value) -> Tensor:
    """Write ``value`` where ``mask`` is True, in place (``torch.masked_fill_``).

    ``mask`` is bool and broadcasts to the tensor's shape; ``value`` is a number or
    a 0-d tensor, cast to the tensor's dtype as in torch.
    """
    _check_recordable(self, value, "masked_fill_", "x = x.masked_fill(mask, value)")
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, got {mask.dtype}; pass mask.bool() "
            "or a comparison such as x > 0"
        )
    value = np.asarray(_value(value))
    if value.ndim:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got one with "
            f"{value.ndim} dimension(s); pass a number, or use torch.where for a tensor"
        )
    data = _writable_array(self, "masked_fill_")
    try:
        where = np.broadcast_to(mask, data.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_fill_: the mask of shape {mask.shape} does not broadcast to the tensor's "
            f"shape {data.shape}; give a mask of that shape (or one that broadcasts to it)"
        ) from None
    np.copyto(data, value, casting="unsafe", where=where)
    _stamp(self)
    return self
