"""Regression losses: mean squared, mean absolute, Huber and smooth L1 error.

Each gradient rule is written once on the input ``x`` and target ``y`` the engine
hands it (see :mod:`micrograd_plus.autograd.engine`): arrays, or Tensors under
``create_graph=True``, so the gradient can be differentiated again; the sign in
L1 is piecewise constant and stays an array.
"""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ._common import check_reduction, input_and_target, pointwise_node


def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``; its gradient is ``2 * (input - target) / N``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> pred = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> loss = mse_loss(pred, [1.5, 2.0, 2.5])
    >>> loss.backward()
    >>> round(loss.item(), 4), pred.grad.astype(float).round(4).tolist()
    (0.1667, [-0.3333, 0.0, 0.3333])
    """
    check_reduction(reduction)
    input, target, x, y = input_and_target(input, target, "mse_loss")
    diff = x - y

    def grads(factor, need_x, need_y, x, y):  # d/dx (x - y)^2 = 2 (x - y) = -d/dy
        gx = (x - y) * (2 * factor)
        return (gx if need_x else None, -gx if need_y else None)

    return pointwise_node(diff * diff, input, target, reduction, grads, "mse_loss", (x, y))


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|`` (gradient ``sign(input - target)``)."""
    check_reduction(reduction)
    input, target, x, y = input_and_target(input, target, "l1_loss")
    diff = x - y

    def grads(factor, need_x, need_y, sign):  # d/dx |x - y| = sign(x - y) = -d/dy
        gx = sign * factor
        return (gx if need_x else None, -gx if need_y else None)

    saved = (np.sign(diff),)
    return pointwise_node(np.abs(diff), input, target, reduction, grads, "l1_loss", saved)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Squared error ``0.5 d**2`` for ``|d| < delta``, linear ``delta * (|d| - delta/2)`` beyond.

    The gradient is the error clipped to ``[-delta, delta]``, so outliers
    cannot dominate a batch.
    """
    check_reduction(reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss needs delta > 0, got {delta}")
    input, target, x, y = input_and_target(input, target, "huber_loss")
    diff = x - y
    size = np.abs(diff)
    values = np.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))

    def grads(factor, need_x, need_y, x, y):  # d/dx: the error x - y clipped to +-delta
        gx = (x - y).clip(-delta, delta) * factor
        return (gx if need_x else None, -gx if need_y else None)

    return pointwise_node(values, input, target, reduction, grads, "huber_loss", (x, y))


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` for ``|d| < beta``, ``|d| - beta/2`` beyond (Huber divided by beta).

    ``beta=0`` is exactly the L1 loss.
    """
    check_reduction(reduction)
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss needs beta >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    input, target, x, y = input_and_target(input, target, "smooth_l1_loss")
    diff = x - y
    size = np.abs(diff)
    values = np.where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)

    def grads(factor, need_x, need_y, x, y):  # d/dx: (x - y) / beta clipped to +-1
        gx = ((x - y) * (1 / beta)).clip(-1, 1) * factor
        return (gx if need_x else None, -gx if need_y else None)

    return pointwise_node(values, input, target, reduction, grads, "smooth_l1_loss", (x, y))
