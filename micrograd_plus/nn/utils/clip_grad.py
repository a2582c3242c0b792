"""Gradient clipping, in place, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``."""

from __future__ import annotations

import math

import numpy as np

from ...tensor import Tensor


def _grads(parameters) -> list:
    """The gradients to clip, each an ndarray that can be changed in place.

    A NumPy scalar (``np.float32``, the gradient of a 0-d parameter from older
    code) cannot be, so it is replaced by a 0-d array first; otherwise clipping
    would change a copy and skip that gradient.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = []
    for p in parameters:
        if p.grad is None:
            continue
        if type(p.grad) is not np.ndarray:
            p.grad = np.array(p.grad)
        grads.append(p.grad)
    return grads


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients as if concatenated into one vector;
    ``norm_type`` may be ``inf`` for the largest absolute value. Gradients are
    multiplied by ``min(1, max_norm / (total_norm + 1e-6))`` in place.

    Returns
    -------
    Tensor
        The total norm *before* clipping (a 0-d tensor, as PyTorch), handy for
        logging how large the gradients were.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> clip_grad_norm_([w], max_norm=1.0).item(), w.grad.astype(float).round(3).tolist()
    (5.0, [0.6, 0.8])
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(0.0)
    if norm_type == math.inf:
        norms = [np.abs(g).max(initial=0) for g in grads]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(g.reshape(-1), ord=norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms), ord=norm_type)
    total = np.asarray(total, dtype=grads[0].dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is non-finite ({total}), "
            "so they cannot be clipped; set error_if_nonfinite=False to skip this check"
        )
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    for g in grads:
        g *= coef
    return Tensor(total)


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([-3.0, 0.5], dtype=np.float32)
    >>> clip_grad_value_([w], 1.0); w.grad.tolist()
    [-1.0, 0.5]
    """
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_value must be a non-negative number, got {clip_value}")
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
