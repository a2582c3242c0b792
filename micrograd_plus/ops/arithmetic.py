"""Elementwise arithmetic: + - * / ** and negation, with broadcasting."""

from __future__ import annotations

from numbers import Number

import numpy as np

from ..autograd.shared import log, where
from ..tensor import DEFAULT_DTYPE, Tensor, cast_to, promote
from ._broadcast import broadcast_error, unbroadcast


def add(a: Tensor, b) -> Tensor:
    a, b = promote(a, b)
    x, y = a.data, b.data

    def backward(g):
        return (
            unbroadcast(g, x.shape) if a.requires_grad else None,
            unbroadcast(g, y.shape) if b.requires_grad else None,
        )

    try:
        out = x + y
    except ValueError:
        raise broadcast_error("add", x.shape, y.shape) from None
    return Tensor._make(out, (a, b), backward, "add")


def sub(a: Tensor, b) -> Tensor:
    a, b = promote(a, b)
    x, y = a.data, b.data

    def backward(g):
        return (
            unbroadcast(g, x.shape) if a.requires_grad else None,
            unbroadcast(-g, y.shape) if b.requires_grad else None,
        )

    try:
        out = x - y
    except ValueError:
        raise broadcast_error("sub", x.shape, y.shape) from None
    return Tensor._make(out, (a, b), backward, "sub")


def rsub(a: Tensor, b) -> Tensor:
    a, b = promote(a, b)
    return sub(b, a)


def mul(a: Tensor, b) -> Tensor:
    a, b = promote(a, b)
    x, y = a.data, b.data

    def backward(g, x, y):  # d(xy)/dx = y, d(xy)/dy = x
        return (
            unbroadcast(g * y, x.shape) if a.requires_grad else None,
            unbroadcast(g * x, y.shape) if b.requires_grad else None,
        )

    try:
        out = x * y
    except ValueError:
        raise broadcast_error("mul", x.shape, y.shape) from None
    return Tensor._make(out, (a, b), backward, "mul", (x, y))


def div(a: Tensor, b) -> Tensor:
    a, b = promote(a, b)
    if a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
        # True division of integers is float32, as in torch (NumPy would give float64).
        a, b = cast_to(a, DEFAULT_DTYPE), cast_to(b, DEFAULT_DTYPE)
    x, y = a.data, b.data
    try:
        out = x / y
    except ValueError:
        raise broadcast_error("div", x.shape, y.shape) from None

    def backward(g, y, q):  # d(x/y)/dx = 1/y, d(x/y)/dy = -(x/y)/y
        return (
            unbroadcast(g / y, x.shape) if a.requires_grad else None,
            unbroadcast(-g * q / y, y.shape) if b.requires_grad else None,
        )

    return Tensor._make(out, (a, b), backward, "div", (y, out))


def rdiv(a: Tensor, b) -> Tensor:
    a, b = promote(a, b)
    return div(b, a)


def neg(a: Tensor) -> Tensor:
    return Tensor._make(-a.data, (a,), lambda g: (-g,), "neg")


def pow(a: Tensor, exponent) -> Tensor:
    """``a ** exponent``; a plain-number exponent is a constant (the common case).

    The gradient follows torch at the edges: ``x ** 0`` has gradient 0
    everywhere (also at ``x = 0``), and the exponent's gradient
    ``x ** y * log(x)`` is 0 where ``x == 0`` and ``y >= 0``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> x = Tensor([0.0, 2.0], requires_grad=True)
    >>> (x**0).sum().backward()
    >>> x.grad
    array([0., 0.], dtype=float32)
    """
    if isinstance(exponent, Number) and not isinstance(exponent, bool):
        if a.data.dtype.kind != "f" and isinstance(exponent, (float, np.floating)):
            a = cast_to(a, DEFAULT_DTYPE)
        return _pow_const(a, exponent)
    a, b = promote(a, exponent)
    x, y = a.data, b.data
    try:
        out = x**y
    except ValueError:
        raise broadcast_error("pow", x.shape, y.shape) from None

    # Masks from the forward's arrays: constants, also under create_graph.
    zero_exponent, zero_base = y == 0, (x == 0) & (y >= 0)

    def backward(g, x, y, p):
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if a.requires_grad:
                ga = unbroadcast(where(zero_exponent, 0, g * y * x ** (y - 1)), x.shape)
            if b.requires_grad:
                # d/dy x**y = x**y log x, taken as 0 where x == 0 and y >= 0 (as torch does).
                gb = unbroadcast(g * where(zero_base, 0, p * log(x)), y.shape)
        return ga, gb

    return Tensor._make(out, (a, b), backward, "pow", (x, y, out))


def _pow_const(a: Tensor, c) -> Tensor:
    x = a.data
    dtype = x.dtype.type
    if c == 0:  # torch: the gradient of x ** 0 is 0, also at x = 0 (not 0 * inf)
        return Tensor._make(x**0, (a,), lambda g: (g * 0,), "pow")
    c_ = dtype(c)

    def backward(g, x):
        if c == 2:
            return (g * (x + x),)
        return (g * (c_ * x ** (c_ - 1)),)

    return Tensor._make(x * x if c == 2 else x**c_, (a,), backward, "pow", (x,))


def rpow(a: Tensor, base) -> Tensor:
    """``base ** a`` for a constant base."""
    a, base = promote(a, base)
    return pow(base, a)
