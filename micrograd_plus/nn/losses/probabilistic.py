"""Likelihood losses: KL divergence, Gaussian and Poisson negative log-likelihood.

Each is one graph node with torch's formula, arguments and gradients (the
gradient reaches the target too, and ``var`` for the Gaussian).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ...ops._broadcast import unbroadcast
from ...ops.elementwise import where
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
    if reduction == "batchmean":
        return _batchmean_node(values, input, target, x, t, log_target)

    def grads(factor, need_x, need_t):
        return _kl_grads(factor, input, target, t, log_target, need_x, need_t)

    return pointwise_node(values, input, target, reduction, grads, "kl_div")


def _kl_grads(factor, input, target, t, log_target, need_x, need_t):
    """Both gradients of the KL terms; with a Tensor ``factor`` (graph mode) they are
    Tensor ops of ``input`` and ``target``, the zero-target mask staying an array."""
    graph = isinstance(factor, Tensor)
    x, tt = (input, target) if graph else (input.data, t)
    exp = (lambda v: v.exp()) if graph else np.exp
    gx = gt = None
    if need_x:
        gx = -(exp(tt) if log_target else tt) * factor
    if need_t:
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_target:
                gt = exp(tt) * (tt - x + 1) * factor
            else:
                # torch's xlogy derivative: NaN at a target of 0, as torch gives; in
                # graph mode t / t is a Tensor there, so the next order is NaN too.
                nonzero = where(t != 0, tt, 1) if graph else np.where(t != 0, t, 1)
                one = where(t != 0, 1, tt / tt) if graph else t / t
                gt = ((nonzero.log() if graph else np.log(nonzero)) + one - x) * factor
    return gx, gt


def _batchmean_node(values, input, target, x, t, log_target) -> Tensor:
    batch = x.shape[0] if x.ndim else 1
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch gives NaN, as torch
        out = np.asarray(values.sum() / x.dtype.type(batch))
    scale = 1.0 / batch if batch else np.nan

    def backward(g):
        need = input.requires_grad, target.requires_grad
        return _kl_grads(g * scale, input, target, t, log_target, *need)

    return Tensor._make(out, (input, target), backward, "kl_div")


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

    def grads(factor, need_x, need_t):
        d, vc = diff, v
        if isinstance(factor, Tensor):  # graph mode: the same formulas as Tensor ops
            d = input - target
            # torch clamps var without recording it: the value is v, the gradient 1.
            vc = var.reshape(v.shape) + (v - v_raw.reshape(v.shape))
        gx = d / vc * factor
        gv = None
        if var.requires_grad:
            gv = unbroadcast(0.5 * (1 / vc - d * d / (vc * vc)) * factor, v.shape)
            gv = gv.reshape(v_raw.shape)
        return (
            gx if need_x else None,
            unbroadcast(-gx, t.shape) if need_t else None,
            gv,
        )

    out, scale = apply_reduction(values, reduction)

    def backward(g):
        factor = g if scale is None else g * scale
        return grads(factor, input.requires_grad, target.requires_grad)

    return Tensor._make(out, (input, target, var), backward, "gaussian_nll_loss")


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

    def grads(factor, need_x, need_t):
        if isinstance(factor, Tensor):
            return _poisson_graph_grads(input, target, factor, log_input, full, eps, need_x, need_t)
        gx = gt = None
        if need_x:
            gx = (rate - t if log_input else 1 - t / (x + eps)) * factor
        if need_t:
            gt = -x if log_input else -log_rate
            if full:
                with np.errstate(divide="ignore", invalid="ignore"):
                    # torch differentiates through its mask: NaN at a target of 0
                    gt = gt + np.where(big, np.log(safe) + 0.5 / safe, 0 * np.log(t))
            gt = gt * factor
        return gx, gt

    return pointwise_node(values, input, target, reduction, grads, "poisson_nll_loss")


def _poisson_graph_grads(x: Tensor, target: Tensor, factor, log_input, full, eps, need_x, need_t):
    """The graph-mode rule of :func:`poisson_nll_loss`: its formulas as Tensor ops."""
    gx = gt = None
    if need_x:
        gx = (x.exp() - target if log_input else 1 - target / (x + eps)) * factor
    if need_t:
        gt = -x if log_input else -(x + eps).log()
        if full:
            t = target.data
            big = t > 1
            safe = where(big, target, 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                # 0 * log(target) as a Tensor: NaN at 0 in this order and the next
                gt = gt + where(big, safe.log() + 0.5 / safe, 0 * target.log())
        gt = gt * factor
    return gx, gt


__all__ = ["kl_div", "gaussian_nll_loss", "poisson_nll_loss"]
