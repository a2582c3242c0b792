"""In-place array arithmetic the optimizers' update rules share.

Named after PyTorch's tensor methods (``lerp_``, ``addcdiv_``, ...). Each writes into
the parameter, its state or a scratch array, so a step allocates nothing.
"""

from __future__ import annotations

import numpy as np


def prepare_grad(param, grad, scratch, weight_decay: float, maximize: bool):
    """``-grad`` if maximising, plus ``weight_decay * param`` (L2), into ``scratch`` if needed."""
    if weight_decay:
        np.multiply(param, weight_decay, out=scratch)
        if maximize:
            scratch -= grad
        else:
            scratch += grad
        return scratch
    if maximize:
        return np.negative(grad, out=scratch)
    return grad


def lerp_(start, end, weight: float, scratch) -> None:
    """``start += weight * (end - start)`` in place, in PyTorch's two-sided form."""
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1 - weight
        np.subtract(end, scratch, out=start)


def decay_add_(acc, decay: float, x, weight: float, scratch) -> None:
    """``acc = decay * acc + weight * x`` in place."""
    acc *= decay
    if weight == 1:
        acc += x
    else:
        np.multiply(x, weight, out=scratch)
        acc += scratch


def decay_add_square_(acc, decay: float, x, weight: float, scratch) -> None:
    """``acc = decay * acc + weight * x**2`` in place."""
    acc *= decay
    np.multiply(x, x, out=scratch)
    scratch *= weight
    acc += scratch


def add_scaled(x, alpha: float, y, out):
    """``x + alpha * y``, written into ``out`` and returned."""
    np.multiply(y, alpha, out=out)
    out += x
    return out


def rms(v, correction: float, eps: float, out):
    """``sqrt(v) / correction + eps``, written into ``out`` and returned."""
    np.sqrt(v, out=out)
    out /= correction
    out += eps
    return out


def sub_scaled_(param, alpha: float, x, scratch) -> None:
    """``param -= alpha * x`` in place (``x`` may be ``scratch`` itself)."""
    np.multiply(x, alpha, out=scratch)
    param -= scratch


def sub_ratio_(param, alpha: float, numerator, denominator, scratch) -> None:
    """``param -= alpha * (numerator / denominator)`` in place (PyTorch's ``addcdiv_``)."""
    np.divide(numerator, denominator, out=scratch)
    sub_scaled_(param, alpha, scratch, scratch)
