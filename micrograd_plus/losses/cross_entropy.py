"""Loss functions with PyTorch's names, arguments and numerics.

Every loss is one graph node: the forward computes the per-element loss in
NumPy and the backward its closed-form derivative, scaled by the reduction.
Each comes as a function (``mse_loss``, ``cross_entropy``, ...) and as a
:class:`~micrograd_plus.module.Module` (``MSELoss``, ``CrossEntropyLoss``, ...).

Input and target must have the same shape: a loss never broadcasts silently
(``(N, 1)`` predictions against ``(N,)`` targets would otherwise give an
``(N, N)`` loss that trains the wrong thing).
"""

from __future__ import annotations

import numpy as np

from .layers import _class_indices
from .module import Module
from .tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _pair(input, target, name: str) -> tuple[Tensor, Tensor, np.ndarray, np.ndarray]:
    """Input and target as tensors of one shape, plus their data in the input's dtype."""
    input = _as_tensor(input)
    if not isinstance(target, Tensor):
        target = Tensor._make(np.asarray(target, dtype=input.dtype))
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; "
            "losses do not broadcast. Reshape one of them, e.g. pred.reshape(-1) or "
            "target.reshape(-1, 1)"
        )
    return input, target, input.data, target.data.astype(input.dtype, copy=False)


def _reduce(values: np.ndarray, reduction: str):
    """The reduced loss and the factor that scales each element's gradient."""
    if reduction == "none":
        return values, None
    if reduction == "sum":
        return np.asarray(values.sum()), 1.0
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch gives NaN, as torch
        return np.asarray(values.mean()), 1.0 / values.size if values.size else np.nan


def _pointwise_node(values, input, target, reduction, grads, op) -> Tensor:
    """Reduce elementwise ``values``; ``grads(factor, need_input, need_target)`` gives
    the per-element gradients already multiplied by ``factor``."""
    out, scale = _reduce(values, reduction)

    def backward(g):
        factor = g if scale is None else g * scale
        return grads(factor, input.requires_grad, target.requires_grad)

    return Tensor._make(out, (input, target), backward, op)


def _broadcast_weight(weight, shape, dtype, name: str):
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


# ------------------------------------------------------------ regression losses
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
    _check_reduction(reduction)
    input, target, x, y = _pair(input, target, "mse_loss")
    diff = x - y

    def grads(factor, need_x, need_y):
        gx = diff * (2 * factor)
        return (gx if need_x else None, -gx if need_y else None)

    return _pointwise_node(diff * diff, input, target, reduction, grads, "mse_loss")


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|`` (gradient ``sign(input - target)``)."""
    _check_reduction(reduction)
    input, target, x, y = _pair(input, target, "l1_loss")
    diff = x - y

    def grads(factor, need_x, need_y):
        gx = np.sign(diff) * factor
        return (gx if need_x else None, -gx if need_y else None)

    return _pointwise_node(np.abs(diff), input, target, reduction, grads, "l1_loss")


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Squared error ``0.5 d**2`` for ``|d| < delta``, linear ``delta * (|d| - delta/2)`` beyond.

    The gradient is the error clipped to ``[-delta, delta]``, so outliers
    cannot dominate a batch.
    """
    _check_reduction(reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss needs delta > 0, got {delta}")
    input, target, x, y = _pair(input, target, "huber_loss")
    diff = x - y
    size = np.abs(diff)
    values = np.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))

    def grads(factor, need_x, need_y):
        gx = np.clip(diff, -delta, delta) * factor
        return (gx if need_x else None, -gx if need_y else None)

    return _pointwise_node(values, input, target, reduction, grads, "huber_loss")


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` for ``|d| < beta``, ``|d| - beta/2`` beyond (Huber divided by beta).

    ``beta=0`` is exactly the L1 loss.
    """
    _check_reduction(reduction)
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss needs beta >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    input, target, x, y = _pair(input, target, "smooth_l1_loss")
    diff = x - y
    size = np.abs(diff)
    values = np.where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)

    def grads(factor, need_x, need_y):
        gx = np.clip(diff * (1 / beta), -1, 1) * factor
        return (gx if need_x else None, -gx if need_y else None)

    return _pointwise_node(values, input, target, reduction, grads, "smooth_l1_loss")


# --------------------------------------------------------------- binary losses
def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """``-(t log p + (1 - t) log(1 - p))`` for probabilities ``p`` in ``[0, 1]``.

    As in PyTorch each log is clamped at -100, so ``p`` of exactly 0 or 1
    gives a large finite loss instead of infinity. Prefer
    :func:`binary_cross_entropy_with_logits`, which takes raw scores and is
    stable without clamping.
    """
    _check_reduction(reduction)
    input, target, x, y = _pair(input, target, "binary_cross_entropy")
    outside = np.flatnonzero(~((x >= 0) & (x <= 1)))
    if outside.size:
        pos = np.unravel_index(outside[0], x.shape)
        where = [int(i) for i in pos]
        raise ValueError(
            f"binary_cross_entropy needs probabilities in [0, 1], but input{where} is "
            f"{x[pos]!s}; apply sigmoid first or use BCEWithLogitsLoss on raw scores"
        )
    w = _broadcast_weight(weight, x.shape, x.dtype, "weight")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(x), -100)
        log_q = np.maximum(np.log1p(-x), -100)
    values = (y - 1) * log_q - y * log_p
    if w is not None:
        values = values * w

    def grads(factor, need_x, need_y):
        if w is not None:
            factor = factor * w
        gx = gy = None
        if need_x:
            gx = (x - y) / np.maximum((1 - x) * x, x.dtype.type(1e-12)) * factor
        if need_y:
            gy = (log_q - log_p) * factor
        return gx, gy

    return _pointwise_node(values, input, target, reduction, grads, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input, target, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """Sigmoid and binary cross-entropy in one stable node, taking raw scores.

    ``loss = (1 - t) x + l * softplus(-x)`` with ``l = 1 + (pos_weight - 1) t``;
    ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))`` never overflows. The
    gradient is ``sigmoid(x) - t`` without ``pos_weight``.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> round(binary_cross_entropy_with_logits(Tensor([1000.0, -1000.0]), [1.0, 0.0]).item(), 6)
    0.0
    """
    _check_reduction(reduction)
    input, target, x, y = _pair(input, target, "binary_cross_entropy_with_logits")
    w = _broadcast_weight(weight, x.shape, x.dtype, "weight")
    pw = _broadcast_weight(pos_weight, x.shape, x.dtype, "pos_weight")
    softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    log_weight = None if pw is None else (pw - 1) * y + 1
    values = (1 - y) * x + (softplus_neg if pw is None else log_weight * softplus_neg)
    if w is not None:
        values *= w

    def grads(factor, need_x, need_y):
        if w is not None:
            factor = factor * w
        gx = gy = None
        if need_x:
            sig = np.exp(-softplus_neg)
            gx = sig - y if pw is None else log_weight * sig - pw * y
            gx *= factor
        if need_y:
            gy = -x if pw is None else (pw - 1) * softplus_neg - x
            gy = gy * factor
        return gx, gy

    return _pointwise_node(values, input, target, reduction, grads, "bce_with_logits")


# ---------------------------------------------------------- classification
def _rows(x: np.ndarray):
    """View logits ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` as rows ``(M, C)``,
    with the function that puts a row-shaped gradient back."""
    if x.ndim == 2:
        return x, lambda g: g
    if x.ndim == 1:
        return x[None, :], lambda g: g[0]
    moved = np.moveaxis(x, 1, -1)
    return moved.reshape(-1, x.shape[1]), lambda g: np.moveaxis(g.reshape(moved.shape), -1, 1)


# NumPy reduces a short last axis one row at a time, at several times the cost
# of the arithmetic; with a handful of classes (the spiral has 3), combining
# whole columns gives the same numbers much faster.
_FEW_CLASSES = 7  # below 8 terms NumPy adds in order, as the columns are added here


def _row_max(rows: np.ndarray) -> np.ndarray:
    """``rows.max(axis=1, keepdims=True)`` for a 2-D array."""
    if not 0 < rows.shape[1] <= _FEW_CLASSES:
        return rows.max(axis=1, keepdims=True)
    out = rows[:, :1].copy()
    for j in range(1, rows.shape[1]):
        np.maximum(out, rows[:, j : j + 1], out=out)
    return out


def _row_sum(rows: np.ndarray) -> np.ndarray:
    """``rows.sum(axis=1, keepdims=True)`` for a 2-D array (same order of additions)."""
    if not 0 < rows.shape[1] <= _FEW_CLASSES:
        return rows.sum(axis=1, keepdims=True)
    out = rows[:, :1].copy()
    for j in range(1, rows.shape[1]):
        out += rows[:, j : j + 1]
    return out


def _sample_shape(x: np.ndarray) -> tuple:
    """The shape of ``x`` without its class axis (axis 1, or axis 0 of a single sample)."""
    return x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()


def _class_weight(weight, classes: int, dtype):
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (classes,):
        raise ValueError(f"weight must have one entry per class, shape ({classes},), got {w.shape}")
    return w


def _class_targets(x: np.ndarray, target, ignore_index: int, what: str) -> np.ndarray:
    classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    expected = _sample_shape(x)
    shape = np.shape(target.data if isinstance(target, Tensor) else target)
    if shape != expected:
        probabilities = " or probabilities shaped like the input" if what == "cross_entropy" else ""
        raise ValueError(
            f"{what}: input of shape {x.shape} needs class-index targets of shape {expected}"
            f"{probabilities}, got target of shape {shape}. For a batch of N samples pass "
            "logits of shape (N, C) and targets of shape (N,)"
        )
    return _class_indices(target, f"{what} target", classes, ignore_index).reshape(-1)


def _weighted_rows(t, ignore_index, w, dtype):
    """Each row's class weight (0 where ignored) and a safe index for gathering."""
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    wt = valid.astype(dtype)
    if w is not None:
        wt *= w[safe]
    return wt, safe


def _reduce_rows(rows: np.ndarray, reduction: str, denominator, out_shape):
    if reduction == "none":
        return rows.reshape(out_shape), None
    if reduction == "sum":
        return np.asarray(rows.sum()), 1.0
    denominator = rows.dtype.type(denominator)
    if denominator:
        return np.asarray(rows.sum() / denominator), 1 / denominator
    with np.errstate(invalid="ignore", divide="ignore"):  # nothing counted: NaN, as torch
        return np.asarray(rows.sum() / denominator), 1 / denominator


def cross_entropy(
    input,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax and negative log-likelihood as one numerically stable node (``F.cross_entropy``).

    ``input`` holds raw scores (logits) of shape ``(N, C)`` (also ``(C,)`` or
    ``(N, C, d1, ...)``). ``target`` holds class indices of shape ``(N,)``
    (integers, or floats that are whole numbers) or, with the input's shape,
    class probabilities. The forward uses log-sum-exp shifted by the row
    maximum; the backward is ``softmax - onehot`` scaled by the reduction,
    computed directly. With ``weight``, ``'mean'`` divides by the summed
    weights of the targets, as PyTorch.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> logits = Tensor([[2.0, 1.0, 0.1], [2.0, 1.0, 0.1]], requires_grad=True)
    >>> loss = cross_entropy(logits, Tensor([0, 2]))
    >>> loss.backward()
    >>> round(loss.item(), 4), logits.grad.astype(float).round(3).tolist()
    (1.367, [[-0.17, 0.121, 0.049], [0.33, 0.121, -0.451]])
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    input = _as_tensor(input)
    x = input.data
    if x.ndim == 0:
        raise ValueError(
            "cross_entropy needs logits with a class axis, got a 0-d tensor; pass logits of "
            "shape (N, C), or (C,) for one sample"
        )
    classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(weight, classes, x.dtype)
    rows, unrow = _rows(x)
    shifted = rows - _row_max(rows)
    probs = np.exp(shifted)
    total = _row_sum(probs)
    log_total = np.log(total)
    probs /= total
    tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.shape == x.shape and tdata.dtype.kind == "f":
        if x.ndim == 1 and not np.isclose(tdata.sum(), 1, atol=1e-3):
            # Most likely one score per sample with class labels, not one sample.
            raise ValueError(
                f"cross_entropy got 1-D logits of shape {x.shape}, which is one sample with "
                f"{x.shape[0]} classes, and a target that is not a probability distribution "
                f"over them (it sums to {tdata.sum():g}). For a batch pass logits of shape "
                "(N, C) and targets of shape (N,); for one score per sample use "
                "BCEWithLogitsLoss"
            )
        return _cross_entropy_probs(
            input, target, tdata, shifted, log_total, probs, unrow, w, reduction, label_smoothing
        )
    t = _class_targets(x, target, ignore_index, "cross_entropy")
    index = np.arange(len(t))
    # Unsigned, an ignore_index of -100 is huge: max < classes means none is ignored.
    ignored = t.view(np.uintp).max(initial=0) >= classes or (
        0 <= ignore_index < classes and (t == ignore_index).any()
    )
    if w is None and not label_smoothing and not ignored:
        return _cross_entropy_plain(input, shifted, log_total, probs, unrow, t, index, reduction)
    wt, safe = _weighted_rows(t, ignore_index, w, x.dtype)
    nll = log_total[:, 0] - shifted[index, safe]
    losses = (1 - label_smoothing) * wt * nll
    if label_smoothing:
        log_p = shifted - log_total
        smooth = -(log_p.sum(axis=1) if w is None else log_p @ w)
        valid = (t != ignore_index).astype(x.dtype)
        losses += (label_smoothing / classes) * valid * smooth
    out, scale = _reduce_rows(losses, reduction, wt.sum(), _sample_shape(x))

    def backward(g):
        factor = g.reshape(-1) if scale is None else g * scale
        coef = (1 - label_smoothing) * wt * factor
        grad = probs * coef[:, None]
        grad[index, safe] -= coef
        if label_smoothing:
            smooth_coef = (label_smoothing / classes) * valid * factor
            w_sum = classes if w is None else w.sum()
            grad += smooth_coef[:, None] * (probs * w_sum - (1 if w is None else w))
        return (unrow(grad),)

    return Tensor._make(out, (input,), backward, "cross_entropy")


def _cross_entropy_plain(input, shifted, log_total, probs, unrow, t, index, reduction):
    """Cross-entropy against class indices without weights, smoothing or ignored rows.

    The common case, kept to the few array passes it needs: on small batches
    the general path's bookkeeping costs more than the arithmetic.
    """
    nll = log_total[:, 0] - shifted[index, t]
    out, scale = _reduce_rows(nll, reduction, len(t), _sample_shape(input.data))

    def backward(g):
        factor = g.reshape(-1, 1) if scale is None else g * scale
        grad = probs * factor
        grad[index, t] -= factor[:, 0] if scale is None else factor
        return (unrow(grad),)

    return Tensor._make(out, (input,), backward, "cross_entropy")


def _cross_entropy_probs(input, target, tdata, shifted, log_total, probs, unrow, w, reduction, ls):
    """Cross-entropy against class probabilities (soft labels)."""
    classes = probs.shape[1]
    q, _ = _rows(tdata.astype(probs.dtype, copy=False))
    if ls:
        q = q * (1 - ls) + ls / classes
    wq = q if w is None else q * w
    log_p = shifted - log_total
    losses = -(wq * log_p).sum(axis=1)
    out, scale = _reduce_rows(losses, reduction, len(losses), _sample_shape(tdata))
    target = target if isinstance(target, Tensor) else Tensor._make(tdata)

    def backward(g):
        factor = g.reshape(-1)[:, None] if scale is None else g * scale
        gx = (probs * wq.sum(axis=1, keepdims=True) - wq) * factor
        gt = None
        if target.requires_grad:
            gt = unrow(-(1 - ls) * (log_p if w is None else log_p * w) * factor)
        return (unrow(gx), gt)

    return Tensor._make(out, (input, target), backward, "cross_entropy")


def nll_loss(
    input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood ``-input[i, target[i]]`` for log-probabilities (``F.nll_loss``).

    Pair it with :class:`~micrograd_plus.layers.LogSoftmax`; on raw logits use
    :func:`cross_entropy`, which is both together.
    """
    _check_reduction(reduction)
    input = _as_tensor(input)
    x = input.data
    if x.ndim == 0:
        raise ValueError("nll_loss needs log-probabilities with a class axis, got a 0-d tensor")
    classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(weight, classes, x.dtype)
    rows, unrow = _rows(x)
    t = _class_targets(x, target, ignore_index, "nll_loss")
    wt, safe = _weighted_rows(t, ignore_index, w, x.dtype)
    index = np.arange(len(t))
    losses = -wt * rows[index, safe]
    out, scale = _reduce_rows(losses, reduction, wt.sum(), _sample_shape(x))

    def backward(g):
        factor = g.reshape(-1) if scale is None else g * scale
        grad = np.zeros_like(rows)
        grad[index, safe] = -wt * factor
        return (unrow(grad),)

    return Tensor._make(out, (input,), backward, "nll_loss")


# --------------------------------------------------------------------- modules
class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error, for regression (see :func:`mse_loss`).

    Examples
    --------
    >>> from micrograd_plus import MSELoss, Tensor
    >>> MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
    2.0
    >>> MSELoss(reduction='none')(Tensor([1.0, 2.0]), [1.0, 4.0]).tolist()
    [0.0, 4.0]
    """

    def forward(self, input, target) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (see :func:`l1_loss`)."""

    def forward(self, input, target) -> Tensor:
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Quadratic near zero, linear beyond ``delta`` (see :func:`huber_loss`)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss needs delta > 0, got {delta}")
        self.delta = delta

    def forward(self, input, target) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by ``beta`` (see :func:`smooth_l1_loss`)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss needs beta >= 0, got {beta}")
        self.beta = beta

    def forward(self, input, target) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy on raw logits, for classification (see :func:`cross_entropy`).

    Examples
    --------
    >>> from micrograd_plus import CrossEntropyLoss, Tensor
    >>> loss_fn = CrossEntropyLoss()
    >>> round(loss_fn(Tensor([[2.0, 0.0], [0.0, 2.0]]), Tensor([0, 1])).item(), 4)
    0.1269
    """

    def __init__(
        self,
        weight=None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target) -> Tensor:
        return cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood on log-probabilities (see :func:`nll_loss`)."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target) -> Tensor:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (see :func:`binary_cross_entropy`)."""

    def forward(self, input, target) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid plus binary cross-entropy, stable on raw scores.

    See :func:`binary_cross_entropy_with_logits`; ``pos_weight`` (one value per
    class, broadcast over the last axis) weighs the positive examples.
    """

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


__all__ = [
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]
