"""More elementwise functions: ``sin``, ``cos``, ``log1p``, and the steps ``floor`` and ``round``.

Each rule is written once, ``rule(g, x)``: on arrays in ``backward()``, on
Tensors under ``create_graph`` (where ``sin`` and ``cos`` differentiate each
other, so every order works). ``floor`` and ``round`` are steps: their
gradient is zero everywhere, as torch's (``FloorBackward0``, ``RoundBackward0``).

Examples
--------
>>> from micrograd_plus import Tensor
>>> x = Tensor([0.0, 1.5, -2.5], requires_grad=True)
>>> (x.sin() + x.round()).sum().backward()
>>> x.round().tolist(), x.grad.astype("float64").round(4).tolist()
([0.0, 2.0, -2.0], [1.0, 0.0707, -0.8011])
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .elementwise import _floating

_ARRAY = (np.ndarray, np.generic)


def _sin(v):  # arrays in backward(), Tensors under create_graph
    return np.sin(v) if isinstance(v, _ARRAY) else sin(v)


def _cos(v):
    return np.cos(v) if isinstance(v, _ARRAY) else cos(v)


def sin(a: Tensor) -> Tensor:
    """The sine, elementwise (``torch.sin``)."""
    x = _floating(a)
    return Tensor._make(np.sin(x), (a,), _sin_backward, "sin", (x,))


def _sin_backward(g, x):  # d(sin x)/dx = cos x
    return (g * _cos(x),)


def cos(a: Tensor) -> Tensor:
    """The cosine, elementwise (``torch.cos``)."""
    x = _floating(a)
    return Tensor._make(np.cos(x), (a,), _cos_backward, "cos", (x,))


def _cos_backward(g, x):  # d(cos x)/dx = -sin x
    return (-(g * _sin(x)),)


def log1p(a: Tensor) -> Tensor:
    """``log(1 + x)``, accurate for small ``x`` (``torch.log1p``)."""
    x = _floating(a)
    return Tensor._make(np.log1p(x), (a,), _log1p_backward, "log1p", (x,))


def _log1p_backward(g, x):  # d log(1 + x)/dx = 1/(1 + x)
    return (g / (1 + x),)


def floor(a: Tensor) -> Tensor:
    """The largest integer not above ``x`` (integer tensors are returned as copies)."""
    x = a.data
    out = np.floor(x) if x.dtype.kind == "f" else x.copy()
    return Tensor._make(out, (a,), _zero_backward, "floor")


def round(a: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - torch's name
    """Round to ``decimals`` places, halves to even (``torch.round``; NumPy's rule too)."""
    x = a.data
    if x.dtype.kind != "f":
        out = x.copy() if decimals >= 0 else np.round(x, decimals)
    else:
        out = np.round(x, decimals)
    return Tensor._make(np.asarray(out), (a,), _zero_backward, "round")


def _zero_backward(g):  # a step: no gradient anywhere (torch gives zeros, not None)
    return (g * 0,)
