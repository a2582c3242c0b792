"""Likelihood losses: KL divergence, Gaussian and Poisson negative log-likelihood.

Each is one graph node with torch's formula, arguments and gradients (the
gradient reaches the target too, and ``var`` for the Gaussian).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ...autograd.engine import Derived
from ...autograd.shared import exp, log, where
from ...ops._broadcast import unbroadcast
from ...tensor import Tensor
from ._common import apply_reduction, as_tensor, check_reduction, input_and_target, pointwise_node

_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` (``F.kl_div``).

    As torch, ``input`` holds **log**-probabilities (``log_softmax`` output) and
    ``target`` probabilities, or log-probabilities with ``log_target=True``
    (then ``exp(target) * (target - input)``); a target of 0 adds 0.
    ``reduction='batchmean'`` divides the sum by the batch size (the first
    axis), which is the KL divergence of the math definition; ``'mean'``
    divides by the number of elements and warns, as torch does.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> p = Tensor([[0.5, 0.5]])
    >>> log_q = Tensor([[0.25, 0.75]]).log()
    >>> round(kl_div(log_q, p, reduction="batchmean").item(), 4)
    0.1438
    """
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(
            f"reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}"
        )
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the "
            "support size; 'batchmean' divides only by the batch size and matches the KL "
            "divergence's definition (torch warns the same)",
            UserWarning,
            stacklevel=2,
        )
    input, target, x, t = input_and_target(input, target, "kl_div")
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_target:
            p = np.exp(t)
            values = p * (t - x)
        else:
            # torch's xlogy: 0 where the target is 0, NaN where it is negative
            values = np.where(t == 0, 0, t * np.log(t)) - t * x
        grads = _kl_grads(log_target, t != 0)
    if reduction == "batchmean":
        return _batchmean_node(values, input, target, x, t, grads)
    return pointwise_node(values, input, target, reduction, grads, "kl_div", (x, t))


def _kl_grads(log_target: bool, nonzero: np.ndarray):
    """The rule giving both gradients of the KL terms, from the input and target."""

    def grads(factor, need_x, need_t, x, t):
        gx = gt = None
        if need_x:  # d/dx = -t, or -exp(t) for a log target
            gx = -(exp(t) if log_target else t) * factor
        if need_t:
            with np.errstate(divide="ignore", invalid="ignore"):
                if log_target:  # d/dt exp(t) (t - x) = exp(t) (t - x + 1)
                    gt = exp(t) * (t - x + 1) * factor
                else:  # d/dt (t log t - t x) = log t + 1 - x; torch's xlogy: NaN at t = 0
                    # (t / t, from t itself, so the next order is NaN there too)
                    gt = (log(where(nonzero, t, 1)) + where(nonzero, 1, t / t) - x) * factor
        return gx, gt

    return grads


def _batchmean_node(values, input, target, x, t, grads) -> Tensor:
    batch = x.shape[0] if x.ndim else 1
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch gives NaN, as torch
        out = np.asarray(values.sum() / x.dtype.type(batch))
    scale = 1.0 / batch if batch else np.nan

    def backward(g, x, t):
        return grads(g * scale, input.requires_grad, target.requires_grad, x, t)

    return Tensor._make(out, (input, target), backward, "kl_div", (x, t))


def _broadcasts_to(shape: tuple, to: tuple) -> bool:
    try:
        return len(shape) <= len(to) and np.broadcast_shapes(shape, to) == to
    except ValueError:
        return False


def _check_var_shape(var: np.ndarray, shape: tuple) -> np.ndarray:
    """``var`` shaped to broadcast against the input, by torch's rules."""
    if var.shape == shape:
        return var
    if var.shape == shape[:-1]:
        return var[..., None]  # one variance per sample
    if var.ndim == len(shape) and sum(v for s, v in zip(shape, var.shape) if s != v) == 1:
        return var  # one axis of size 1 broadcast (heteroscedastic or shared variance)
    raise ValueError(
        f"gaussian_nll_loss: var of shape {var.shape} does not fit the input of shape {shape}; "
        f"pass var of shape {shape}, {shape[:-1]} (one per sample), or the input's shape with "
        "one axis of size 1"
    )


def gaussian_nll_loss(
    input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 * (log(var) + (input - target)**2 / var)``.

    ``input`` is the predicted mean and ``var`` the predicted variance, of
    the input's shape, of its shape without the last axis, or with one axis of
    size 1; a number is one variance for all. As torch, ``var`` is clamped at
    ``eps`` for stability while its gradient passes unclamped, and ``full``
    adds the constant ``0.5 * log(2 pi)``. A negative variance is an error.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> mean = Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = gaussian_nll_loss(mean, Tensor([1.5, 2.0]), Tensor([0.25, 1.0]))
    >>> round(loss.item(), 4)
    -0.0966
    """
    check_reduction(reduction)
    input = as_tensor(input)
    x = input.data
    target = target if isinstance(target, Tensor) else Tensor._make(np.asarray(target, x.dtype))
    t = target.data.astype(x.dtype, copy=False)
    if not _broadcasts_to(t.shape, x.shape):
        raise ValueError(
            f"gaussian_nll_loss: target of shape {t.shape} does not match the input's "
            f"{x.shape}; pass a target of the input's shape (an axis of size 1 may broadcast)"
        )
    if isinstance(var, numbers.Real) and not isinstance(var, Tensor):
        var = Tensor._make(np.full(x.shape, var, x.dtype))
    var = var if isinstance(var, Tensor) else Tensor._make(np.asarray(var, x.dtype))
    v_raw = var.data.astype(x.dtype, copy=False)
    negative = np.flatnonzero(v_raw < 0)
    if negative.size:
        pos = [int(i) for i in np.unravel_index(negative[0], v_raw.shape)]
        raise ValueError(
            f"gaussian_nll_loss: var must be non-negative, but it holds {v_raw[tuple(pos)]!s} "
            f"(var{pos}, {negative.size} negative); predict a variance through exp or "
            "softplus to keep it positive"
        )
    v = np.maximum(_check_var_shape(v_raw, x.shape), x.dtype.type(eps))
    diff = x - t
    values = 0.5 * (np.log(v) + diff * diff / v)
    if full:
        values = values + 0.5 * math.log(2 * math.pi)

    out, scale = apply_reduction(values, reduction)
    v_shape, t_shape, var_shape = v.shape, t.shape, v_raw.shape

    def backward(g, x, t, v):  # d/dx = (x - t) / v, d/dv = (1/v - (x - t)^2 / v^2) / 2
        factor = g if scale is None else g * scale
        d = x - t
        gx = d / v * factor
        gv = None
        if var.requires_grad:
            gv = unbroadcast(0.5 * (1 / v - d * d / (v * v)) * factor, v_shape)
            gv = gv.reshape(var_shape)
        return (
            gx if input.requires_grad else None,
            unbroadcast(-gx, t_shape) if target.requires_grad else None,
            gv,
        )

    def recompute(input, target, var):  # the clamped variance as Tensor ops
        # torch clamps var without recording it: the value is v, the gradient 1.
        clamped = var.astype(x.dtype).reshape(v_shape) + (v - v_raw.reshape(v_shape))
        return input, target.astype(x.dtype), clamped

    saved = Derived((x, t, v), recompute)
    return Tensor._make(out, (input, target, var), backward, "gaussian_nll_loss", saved)


def poisson_nll_loss(
    input,
    target,
    log_input: bool = True,
    full: bool = False,
    *,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood of counts ``target`` (``F.poisson_nll_loss``).

    With ``log_input=True`` (the default) ``input`` is the log of the rate
    and the loss ``exp(input) - target * input``; otherwise it is the rate and
    the loss ``input - target * log(input + eps)``. ``full`` adds Stirling's
    approximation of ``log(target!)`` where ``target > 1``, as torch.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> round(poisson_nll_loss(Tensor([0.0, 1.0]), Tensor([1.0, 3.0])).item(), 4)
    0.3591
    """
    check_reduction(reduction)
    input, target, x, t = input_and_target(input, target, "poisson_nll_loss")
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_input:
            rate = np.exp(x)
            values = rate - t * x
        else:
            log_rate = np.log(x + eps)
            values = x - t * log_rate
        big = t > 1
        if full:
            safe = np.where(big, t, 1)
            stirling = safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe)
            values = values + np.where(big, stirling, 0)

    def grads(factor, need_x, need_t, x, t):
        gx = gt = None
        if need_x:  # d/dx = exp(x) - t, or 1 - t / (x + eps) for a rate
            gx = (exp(x) - t if log_input else 1 - t / (x + eps)) * factor
        if need_t:  # d/dt = -x, or -log(x + eps); Stirling's term adds log t + 1/(2t)
            gt = -x if log_input else -log(x + eps)
            if full:
                safe = where(big, t, 1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    # 0 * log(t), from t itself: NaN at t = 0 in this order and the next
                    gt = gt + where(big, log(safe) + 0.5 / safe, 0 * log(t))
            gt = gt * factor
        return gx, gt

    return pointwise_node(values, input, target, reduction, grads, "poisson_nll_loss", (x, t))


__all__ = ["kl_div", "gaussian_nll_loss", "poisson_nll_loss"]
