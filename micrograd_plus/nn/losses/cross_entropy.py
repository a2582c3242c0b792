"""Classification losses on class scores: :func:`cross_entropy` (on logits) and :func:`nll_loss`."""

from __future__ import annotations

import numpy as np

from ...autograd import shared
from ...autograd.engine import Derived
from ...tensor import Tensor
from ..layers import class_indices
from ._common import as_tensor, check_reduction


def _rows(v):
    """View logits ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` (an array or a Tensor) as
    rows ``(M, C)``, with the function that puts a row-shaped gradient back."""
    if v.ndim == 2:
        return v, _unchanged
    if v.ndim == 1:
        return v.reshape(1, -1), lambda g: g.reshape(v.shape)
    to_last = (0, *range(2, v.ndim), 1)  # the class axis last
    moved = shared.permute(v, to_last)
    back = tuple(int(i) for i in np.argsort(to_last))
    return moved.reshape(-1, v.shape[1]), lambda g: shared.permute(g.reshape(moved.shape), back)


def _unchanged(g):
    return g


def _per_row(g, scale):
    """The factor each row's gradient is multiplied by: ``g`` of that row (no
    reduction), or the reduced loss's ``g`` times 1 (sum) or 1/N (mean)."""
    return g.reshape(-1, 1) if scale is None else g * scale


def _probabilities(p: np.ndarray) -> Derived:
    """The softmax rows ``p`` saved for the backward; under create_graph the engine
    recomputes them from the input Tensor."""
    return Derived((p,), lambda input: (_rows(input)[0].softmax(axis=1),))


# NumPy reduces a short last axis one row at a time, at several times the cost
# of the arithmetic; with a handful of classes (the spiral has 3), combining
# whole columns gives the same numbers much faster.
_FEW_CLASSES = 7  # below 8 terms NumPy adds in order, as the columns are added here


def _row_max(rows: np.ndarray) -> np.ndarray:
    """``rows.max(axis=1, keepdims=True)`` for a 2-D array."""
    if not 0 < rows.shape[1] <= _FEW_CLASSES:
        return rows.max(axis=1, keepdims=True)
    out = rows[:, 0].copy()  # 1-D columns: NumPy handles them faster than (N, 1) ones
    for j in range(1, rows.shape[1]):
        np.maximum(out, rows[:, j], out=out)
    return out[:, None]


def _row_sum(rows: np.ndarray) -> np.ndarray:
    """``rows.sum(axis=1, keepdims=True)`` for a 2-D array (same order of additions)."""
    if not 0 < rows.shape[1] <= _FEW_CLASSES:
        return rows.sum(axis=1, keepdims=True)
    out = rows[:, 0].copy()
    for j in range(1, rows.shape[1]):
        out += rows[:, j]
    return out[:, None]


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
    return class_indices(target, f"{what} target", classes, ignore_index).reshape(-1)


def _weighted_rows(t, ignore_index, w, dtype):
    """Each row's class weight (0 where ignored) and a safe index for gathering."""
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    wt = valid.astype(dtype)
    if w is not None:
        wt *= w[safe]
    return wt, safe


def _zero_ignored(scores: np.ndarray, t: np.ndarray, ignore_index: int) -> np.ndarray:
    """``scores`` (a fresh array) with the ignored rows' set to 0, so that an ignored row
    with an infinite score (a logit of -inf) counts 0, as torch's, not 0 * inf = NaN."""
    scores[t == ignore_index] = 0
    return scores


def _reduce_rows(rows: np.ndarray, reduction: str, denominator, out_shape):
    if reduction == "none":
        return rows.reshape(out_shape), None
    if reduction == "sum":
        return np.asarray(rows.sum()), 1.0
    denominator = rows.dtype.type(denominator)
    if denominator:
        return np.asarray(rows.sum() / denominator), 1 / denominator
    # Nothing counted (every target ignored, or their weights sum to zero): the loss is
    # NaN, as torch's, but the gradient is zero so that an optimizer step writes no NaN.
    return np.asarray(np.nan, rows.dtype), 0.0


def cross_entropy(
    input,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""Softmax and negative log-likelihood as one numerically stable node (``F.cross_entropy``).

    For logits :math:`z_i` and class labels :math:`y_i`, with the row maximum
    :math:`M_i = \max_j z_{ij}` subtracted so that no exponential overflows,

    .. math::
        \ell_i = -\log p_{i y_i} = \log \sum_j e^{z_{ij} - M_i} - (z_{i y_i} - M_i),
        \qquad \frac{\partial \ell_i}{\partial z_i} = p_i - \operatorname{onehot}(y_i),

    where :math:`p_{ij} = e^{z_{ij} - M_i} / \sum_k e^{z_{ik} - M_i}` (the softmax) and
    ``'mean'`` divides both by :math:`N`. Class weights, label smoothing, ignored
    targets and probability targets take their own helpers
    (``_cross_entropy_general``, ``_cross_entropy_probs``).

    ``input`` holds raw scores (logits) of shape ``(N, C)`` (also ``(C,)`` or
    ``(N, C, d1, ...)``). ``target`` holds class indices of shape ``(N,)``
    (integers, or floats that are whole numbers) or, with the input's shape,
    class probabilities. With ``weight``, ``'mean'`` divides by the summed
    weights of the targets, as PyTorch. When nothing is counted (every target
    is ``ignore_index``, or the weights of the targets present sum to zero)
    the ``'mean'`` is NaN, as PyTorch's, and the gradient is zero, so an
    optimizer step leaves the weights unchanged (PyTorch's gradient is NaN in
    the zero-weight case).

    With ``create_graph=True`` every variant's gradient is recorded as Tensor
    ops, ``(softmax(input) * a - b) * factor`` with constant ``a`` and ``b``
    (see ``_softmax_grad``), so it can be differentiated again.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> logits = Tensor([[2.0, 1.0, 0.1], [2.0, 1.0, 0.1]], requires_grad=True)
    >>> loss = cross_entropy(logits, Tensor([0, 2]))
    >>> loss.backward()
    >>> round(loss.item(), 4), logits.grad.astype(float).round(3).tolist()
    (1.367, [[-0.17, 0.121, 0.049], [0.33, 0.121, -0.451]])
    """
    input, classes, w = _checked_logits(input, weight, reduction, label_smoothing)
    x = input.data
    if not classes:
        return _no_classes(input, target, ignore_index, reduction, "cross_entropy")
    z, unrow = _rows(x)
    shifted = z - _row_max(z)
    p = np.exp(shifted)
    sum_exp = _row_sum(p)
    log_sum_exp = np.log(sum_exp)
    p /= sum_exp
    softmax = shifted, log_sum_exp, p, unrow
    if _soft_targets(x, target):
        return _cross_entropy_probs(input, target, softmax, w, reduction, label_smoothing)
    y = _class_targets(x, target, ignore_index, "cross_entropy")
    if w is not None or label_smoothing or _any_ignored(y, ignore_index, classes):
        return _cross_entropy_general(
            input, softmax, y, w, ignore_index, reduction, label_smoothing
        )
    i = np.arange(len(y))
    losses = log_sum_exp[:, 0] - shifted[i, y]
    out, scale = _reduce_rows(losses, reduction, len(y), _sample_shape(x))
    onehot = _onehot(z, i, y)

    def backward(g, p):  # d loss_i / d z_i = (p_i - onehot(y_i)) * g, / N for the mean
        return (unrow((p - onehot) * _per_row(g, scale)),)

    return Tensor._make(out, (input,), backward, "cross_entropy", _probabilities(p))


def _onehot(z: np.ndarray, index: np.ndarray, classes: np.ndarray) -> np.ndarray:
    hot = np.zeros(z.shape, z.dtype)  # np.zeros_like costs a microsecond more
    hot[index, classes] = 1
    return hot


def _checked_logits(input, weight, reduction, label_smoothing):
    """The logits as a tensor, their number of classes and the class weights (or None)."""
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    input = as_tensor(input)
    x = input.data
    if x.ndim == 0:
        raise ValueError(
            "cross_entropy needs logits with a class axis, got a 0-d tensor; pass logits of "
            "shape (N, C), or (C,) for one sample"
        )
    classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    return input, classes, _class_weight(weight, classes, x.dtype)


def _soft_targets(x: np.ndarray, target) -> bool:
    """Whether ``target`` holds class probabilities (floats shaped like the logits)."""
    tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.shape != x.shape or tdata.dtype.kind != "f":
        return False
    if x.ndim == 1 and not np.isclose(tdata.sum(), 1, atol=1e-3):
        # Most likely one score per sample with class labels, not one sample.
        raise ValueError(
            f"cross_entropy got 1-D logits of shape {x.shape}, which is one sample with "
            f"{x.shape[0]} classes, and a target that is not a probability distribution "
            f"over them (it sums to {tdata.sum():g}). For a batch pass logits of shape "
            "(N, C) and targets of shape (N,); for one score per sample use "
            "BCEWithLogitsLoss"
        )
    return True


def _any_ignored(t: np.ndarray, ignore_index: int, classes: int) -> bool:
    """Whether some target is ``ignore_index`` (the targets are valid or ignored)."""
    # Unsigned, an ignore_index of -100 is huge: max < classes means none is ignored.
    return t.view(np.uintp).max(initial=0) >= classes or bool(
        0 <= ignore_index < classes and (t == ignore_index).any()
    )


def _cross_entropy_general(input, softmax, t, w, ignore_index, reduction, label_smoothing):
    """Cross-entropy against class indices with weights, label smoothing or ignored targets."""
    shifted, log_total, probs, unrow = softmax
    x = input.data
    classes = probs.shape[1]
    index = np.arange(len(t))
    wt, safe = _weighted_rows(t, ignore_index, w, x.dtype)
    nll = _zero_ignored(log_total[:, 0] - shifted[index, safe], t, ignore_index)
    losses = (1 - label_smoothing) * wt * nll
    valid = None
    if label_smoothing:
        log_p = shifted - log_total
        smooth = _zero_ignored(-(log_p.sum(axis=1) if w is None else log_p @ w), t, ignore_index)
        valid = (t != ignore_index).astype(x.dtype)
        losses += (label_smoothing / classes) * valid * smooth
    out, scale = _reduce_rows(losses, reduction, wt.sum(), _sample_shape(x))

    a, b = _general_coefficients(index, safe, wt, w, valid, label_smoothing, probs)

    def backward(g, p):
        return (unrow((p * a[:, None] - b) * _per_row(g, scale)),)

    return Tensor._make(out, (input,), backward, "cross_entropy", _probabilities(probs))


def _general_coefficients(index, safe, wt, w, valid, smoothing, probs):
    """``a`` (per row) and ``b`` (per row and class) of the gradient
    ``(softmax * a - b) * factor`` with class weights, ignored rows and label smoothing."""
    a = (1 - smoothing) * wt
    b = _onehot(probs, index, safe) * a[:, None]
    if smoothing:
        classes = probs.shape[1]
        smooth = (smoothing / classes) * valid
        a = a + smooth * (classes if w is None else w.sum())
        b += smooth[:, None] * (1 if w is None else w)
    return a, b


def _no_classes(input, target, ignore_index, reduction, what) -> Tensor:
    """Scores with a class axis of size 0, as torch: any class index is out of range;
    with every target ignored (or soft targets) each sample's loss is 0, their mean NaN."""
    x = input.data
    tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
    if not (what == "cross_entropy" and tdata.shape == x.shape and tdata.dtype.kind == "f"):
        _class_targets(x, target, ignore_index, what)  # raises unless every target is ignored
    losses = np.zeros(_sample_shape(x), x.dtype)
    out, _ = _reduce_rows(losses.reshape(-1), reduction, 0, losses.shape)

    def backward(g, x):  # x has no elements: its gradient is empty
        return (x * 0,)

    return Tensor._make(out, (input,), backward, what, (x,))


def _cross_entropy_probs(input, target, softmax, w, reduction, ls):
    """Cross-entropy against class probabilities (soft labels)."""
    shifted, log_total, probs, unrow = softmax
    tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
    classes = probs.shape[1]
    q, _ = _rows(tdata.astype(probs.dtype, copy=False))
    if ls:
        q = q * (1 - ls) + ls / classes
    wq = q if w is None else q * w
    log_p = shifted - log_total
    losses = -(wq * log_p).sum(axis=1)
    out, scale = _reduce_rows(losses, reduction, len(losses), _sample_shape(tdata))
    target = target if isinstance(target, Tensor) else Tensor._make(tdata)

    def backward(g, p, log_p, q):  # dz = (p sum(w q) - w q) g, dq = -(1 - ls) w log p g
        if ls:
            q = q * (1 - ls) + ls / classes
        wq = q if w is None else q * w
        factor = _per_row(g, scale)
        gx = (p * wq.sum(axis=1, keepdims=True) - wq) * factor
        gt = None
        if target.requires_grad:
            gt = unrow(-(1 - ls) * (log_p if w is None else log_p * w) * factor)
        return (unrow(gx), gt)

    def recompute(input, target):  # softmax, log-softmax and target rows as Tensor ops
        z = _rows(input)[0]
        return z.softmax(axis=1), z.log_softmax(axis=1), _rows(target.astype(input.dtype))[0]

    q_rows = _rows(tdata.astype(probs.dtype, copy=False))[0]
    saved = Derived((probs, log_p, q_rows), recompute)
    return Tensor._make(out, (input, target), backward, "cross_entropy", saved)


def nll_loss(
    input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood ``-input[i, target[i]]`` for log-probabilities (``F.nll_loss``).

    Pair it with :class:`~micrograd_plus.nn.LogSoftmax`; on raw logits use
    :func:`cross_entropy`, which is both together. ``weight``, ``ignore_index``
    and the NaN mean with a zero gradient when nothing is counted are as in
    :func:`cross_entropy`.
    """
    check_reduction(reduction)
    input = as_tensor(input)
    x = input.data
    if x.ndim == 0:
        raise ValueError("nll_loss needs log-probabilities with a class axis, got a 0-d tensor")
    classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(weight, classes, x.dtype)
    if not classes:
        return _no_classes(input, target, ignore_index, reduction, "nll_loss")
    rows, unrow = _rows(x)
    t = _class_targets(x, target, ignore_index, "nll_loss")
    wt, safe = _weighted_rows(t, ignore_index, w, x.dtype)
    index = np.arange(len(t))
    losses = -wt * _zero_ignored(rows[index, safe], t, ignore_index)
    out, scale = _reduce_rows(losses, reduction, wt.sum(), _sample_shape(x))

    picked = _onehot(rows, index, safe) * -wt[:, None]  # d loss_i / d x_i: -w onehot(t_i)

    def backward(g):
        return (unrow(picked * _per_row(g, scale)),)

    return Tensor._make(out, (input,), backward, "nll_loss")
