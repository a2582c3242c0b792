"""Helpers shared by the losses: argument checks, reductions and the one-node builder."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def input_and_target(input, target, name: str) -> tuple[Tensor, Tensor, np.ndarray, np.ndarray]:
    """Input and target as tensors of one shape, plus their data in the input's dtype."""
    input = as_tensor(input)
    if not isinstance(target, Tensor):
        target = Tensor._make(np.asarray(target, dtype=input.dtype))
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; "
            "losses do not broadcast. Reshape one of them, e.g. pred.reshape(-1) or "
            "target.reshape(-1, 1)"
        )
    return input, target, input.data, target.data.astype(input.dtype, copy=False)


def apply_reduction(values: np.ndarray, reduction: str):
    """The reduced loss and the factor that scales each element's gradient."""
    if reduction == "none":
        return values, None
    if reduction == "sum":
        return np.asarray(values.sum()), 1.0
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch gives NaN, as torch
        return np.asarray(values.mean()), 1.0 / values.size if values.size else np.nan


def pointwise_node(values, input, target, reduction, grads, op, saved) -> Tensor:
    """Reduce elementwise ``values``; ``grads(factor, need_input, need_target, *saved)``
    gives the per-element gradients already multiplied by ``factor``. The engine hands
    it ``saved`` (see :mod:`micrograd_plus.autograd.engine`): arrays, or under
    ``create_graph`` the input and target Tensors for their arrays."""
    out, scale = apply_reduction(values, reduction)

    def backward(g, *values):
        factor = g if scale is None else g * scale
        return grads(factor, input.requires_grad, target.requires_grad, *values)

    return Tensor._make(out, (input, target), backward, op, saved)


def broadcast_weight(weight, shape, dtype, name: str):
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    try:
        fits = np.broadcast_shapes(w.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name} of shape {w.shape} does not broadcast to the input's {shape}")
    return w
