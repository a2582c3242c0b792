"""Elementwise functions: exp, log, activations, clipping and selection."""

from __future__ import annotations

import numpy as np

from ..autograd import shared
from ..autograd.engine import Derived
from ..tensor import DEFAULT_DTYPE, Tensor, promote
from ._broadcast import broadcast_error, unbroadcast


def _floating(a: Tensor) -> np.ndarray:
    # Integer and bool inputs give float32 as in torch (NumPy would make float64);
    # they carry no gradient, so the cast copy is all the op needs.
    x = a.data
    return x if x.dtype.kind == "f" else x.astype(DEFAULT_DTYPE)


def exp(a: Tensor) -> Tensor:
    out = np.exp(_floating(a))
    return Tensor._make(out, (a,), _times_output, "exp", (out,))


def _times_output(g, out):  # d(e^x)/dx = e^x
    return (g * out,)


def log(a: Tensor) -> Tensor:
    x = _floating(a)
    return Tensor._make(np.log(x), (a,), _over_input, "log", (x,))


def _over_input(g, x):  # d(log x)/dx = 1/x
    return (g / x,)


def sqrt(a: Tensor) -> Tensor:
    out = np.sqrt(_floating(a))
    return Tensor._make(out, (a,), _sqrt_backward, "sqrt", (out,))


def _sqrt_backward(g, root):  # d(sqrt x)/dx = 1/(2 sqrt x)
    return (g / (root + root),)


def abs(a: Tensor) -> Tensor:  # noqa: A001 - mirrors the Tensor method name
    x = a.data
    return Tensor._make(np.abs(x), (a,), lambda g: (g * np.sign(x),), "abs")


_ZEROS: dict = {}


def _zero(dtype: np.dtype):
    """A zero of ``dtype``, made once: NumPy converts a Python 0 on every call, and
    building ``dtype.type(0)`` each time costs nearly as much."""
    zero = _ZEROS.get(dtype)
    if zero is None:
        zero = _ZEROS[dtype] = dtype.type(0)
    return zero


def relu(a: Tensor) -> Tensor:
    x = a.data
    zero = _zero(x.dtype)
    out = np.maximum(x, zero)
    return Tensor._make(out, (a,), lambda g: (g * (x > zero),), "relu")


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    x = a.data
    slope = np.where(x > 0, 1, negative_slope).astype(x.dtype)
    return Tensor._make(x * slope, (a,), lambda g: (g * slope,), "leaky_relu")


def sigmoid(a: Tensor) -> Tensor:
    x = _floating(a)
    # exp of a non-positive number never overflows.
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    return Tensor._make(out, (a,), _sigmoid_backward, "sigmoid", (out,))


def _sigmoid_backward(g, s):  # ds/dx = s (1 - s)
    return (g * s * (1 - s),)


def tanh(a: Tensor) -> Tensor:
    out = np.tanh(_floating(a))
    return Tensor._make(out, (a,), _tanh_backward, "tanh", (out,))


def _tanh_backward(g, t):  # d(tanh x)/dx = 1 - tanh(x)^2
    return (g * (1 - t * t),)


def erf(a: Tensor) -> Tensor:
    """The error function, elementwise (``torch.erf``); its derivative is 2 exp(-x²)/√π.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> [round(v, 4) for v in Tensor([0.0, 1.0]).erf().tolist()]
    [0.0, 0.8427]
    """
    from math import erf as scalar_erf
    from math import pi, sqrt

    x = _floating(a)
    out = np.vectorize(scalar_erf, otypes=[x.dtype])(x) if x.size else x.copy()
    scale = x.dtype.type(2 / sqrt(pi))

    def backward(g, x):
        return (g * (scale * shared.exp(-(x * x))),)

    return Tensor._make(out, (a,), backward, "erf", (x,))


def gelu(a: Tensor) -> Tensor:
    """GELU, exact form ``x * Phi(x)`` (PyTorch's default ``approximate='none'``)."""
    from math import erf as scalar_erf
    from math import pi, sqrt

    x = a.data
    verf = np.vectorize(scalar_erf, otypes=[x.dtype])
    cdf = verf(x / np.sqrt(np.asarray(2, x.dtype)))
    # Phi = (1 + erf) / 2 in place: NumPy < 2 would make a 0-d float32 float64.
    cdf += 1
    cdf *= 0.5
    root2pi = x.dtype.type(sqrt(2 * pi))

    def backward(g, x, cdf):  # d(x Phi(x))/dx = Phi(x) + x phi(x)
        return (g * (cdf + x * (shared.exp(-0.5 * x * x) / root2pi)),)

    def recompute(a):  # Phi as Tensor ops of the input, for create_graph
        return a, 0.5 * (1 + erf(a * x.dtype.type(1 / sqrt(2))))

    return Tensor._make(x * cdf, (a,), backward, "gelu", Derived((x, cdf), recompute))


def clip(a: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - NumPy's names
    """Clamp to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min= or max=")
    x = a.data
    out = np.clip(x, min, max)
    inside = np.ones(x.shape, dtype=bool)
    if min is not None:
        inside &= x >= min
    if max is not None:
        inside &= x <= max
    return Tensor._make(out, (a,), lambda g: (g * inside,), "clip")


def _pick(a: Tensor, b, prefer_a, op: str) -> Tensor:
    """Elementwise selection whose gradient goes to the chosen side (ties split in half)."""
    a, b = promote(a, b)
    x, y = a.data, b.data
    try:
        take_a = prefer_a(x, y)
        out = np.where(take_a, x, y)
    except ValueError:
        raise broadcast_error(op, x.shape, y.shape) from None
    ties = x == y
    weight = np.where(ties, 0.5, take_a).astype(out.dtype)

    def backward(g):
        return (
            unbroadcast(g * weight, x.shape) if a.requires_grad else None,
            unbroadcast(g * (1 - weight), y.shape) if b.requires_grad else None,
        )

    return Tensor._make(out, (a, b), backward, op)


def maximum(a: Tensor, b) -> Tensor:
    return _pick(a, b, np.greater, "maximum")


def minimum(a: Tensor, b) -> Tensor:
    return _pick(a, b, np.less, "minimum")


def where(condition, x, y) -> Tensor:
    """Choose ``x`` where ``condition`` holds, else ``y`` (gradients follow the choice).

    Examples
    --------
    >>> from micrograd_plus import Tensor, where
    >>> where(Tensor([1.0, -1.0]) > 0, Tensor([1.0, 2.0]), 0.0)
    Tensor([1., 0.])
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, bool)
    if isinstance(x, Tensor):
        x, y = promote(x, y)
    elif isinstance(y, Tensor):
        y, x = promote(y, x)
    else:
        x, y = promote(Tensor(x), y)
    xd, yd = x.data, y.data

    def backward(g):
        return (
            unbroadcast(shared.where(cond, g, 0), xd.shape) if x.requires_grad else None,
            unbroadcast(shared.where(cond, 0, g), yd.shape) if y.requires_grad else None,
        )

    return Tensor._make(np.where(cond, xd, yd), (x, y), backward, "where")
