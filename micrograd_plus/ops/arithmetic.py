"""Elementwise arithmetic: + - * / ** and negation, with broadcasting."""

from __future__ import annotations

from numbers import Number

import numpy as np

from ..tensor import Tensor, operand
from ._broadcast import broadcast_error, unbroadcast


def add(a: Tensor, b) -> Tensor:
    b = operand(b, a)
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
    b = operand(b, a)
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
    return sub(operand(b, a), a)


def mul(a: Tensor, b) -> Tensor:
    b = operand(b, a)
    x, y = a.data, b.data

    def backward(g):
        return (
            unbroadcast(g * y, x.shape) if a.requires_grad else None,
            unbroadcast(g * x, y.shape) if b.requires_grad else None,
        )

    try:
        out = x * y
    except ValueError:
        raise broadcast_error("mul", x.shape, y.shape) from None
    return Tensor._make(out, (a, b), backward, "mul")


def div(a: Tensor, b) -> Tensor:
    b = operand(b, a)
    x, y = a.data, b.data
    try:
        out = x / y
    except ValueError:
        raise broadcast_error("div", x.shape, y.shape) from None

    def backward(g):
        return (
            unbroadcast(g / y, x.shape) if a.requires_grad else None,
            unbroadcast(-g * out / y, y.shape) if b.requires_grad else None,
        )

    return Tensor._make(out, (a, b), backward, "div")


def rdiv(a: Tensor, b) -> Tensor:
    return div(operand(b, a), a)


def neg(a: Tensor) -> Tensor:
    return Tensor._make(-a.data, (a,), lambda g: (-g,), "neg")


def pow(a: Tensor, exponent) -> Tensor:
    """``a ** exponent``; a plain-number exponent is a constant (the common case)."""
    if isinstance(exponent, Number):
        return _pow_const(a, exponent)
    b = operand(exponent, a)
    x, y = a.data, b.data
    try:
        out = x**y
    except ValueError:
        raise broadcast_error("pow", x.shape, y.shape) from None

    def backward(g):
        ga = unbroadcast(g * y * x ** (y - 1), x.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            # d/dy x**y = x**y log x, taken as 0 where x == 0 (as PyTorch does).
            with np.errstate(divide="ignore", invalid="ignore"):
                logx = np.where(x > 0, np.log(np.where(x > 0, x, 1)), 0).astype(x.dtype)
            gb = unbroadcast(g * out * logx, y.shape)
        return ga, gb

    return Tensor._make(out, (a, b), backward, "pow")


def _pow_const(a: Tensor, c) -> Tensor:
    x = a.data
    dtype = x.dtype.type
    if c == 2:
        return Tensor._make(x * x, (a,), lambda g: (g * (dtype(2) * x),), "pow")
    c_ = dtype(c)
    return Tensor._make(x**c_, (a,), lambda g: (g * (c_ * x ** (c_ - 1)),), "pow")


def rpow(a: Tensor, base) -> Tensor:
    """``base ** a`` for a constant base."""
    return pow(operand(base, a), a)
