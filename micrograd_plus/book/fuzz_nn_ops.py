"""The ``nn`` losses and layers as ops of the second-order random-program fuzzer.

Each entry of :data:`NN_OP_SPECS` is ``(name, ours, torch, plan, kinks)`` in the
shape :class:`micrograd_plus.book.fuzz_programs.Op` takes: ``plan(draw, shape)``
draws the options (reduction, ``full``, ``log_target``, labels, the normalized
axes) for an input of ``shape`` and the shapes of the fresh leaves the op needs
(the target, ``var``, a norm's weight and bias). A target is a leaf, so its
gradient and the mixed second derivatives are checked wherever torch defines
them. Where a loss needs its target in a range (probabilities, positive counts,
a positive variance) both libraries apply the same smooth map to the leaf
(``sigmoid``, ``softmax``, ``t * t + c``). ``kinks`` gives the distance to
a point where the op is not twice differentiable (the corner of ``l1``, the
seam of Huber's two pieces, the ``target > 1`` mask of Poisson's Stirling term).

Examples
--------
>>> from micrograd_plus.book.fuzz_nn_ops import NN_OP_SPECS
>>> "cross_entropy-labels" in [spec[0] for spec in NN_OP_SPECS]
True
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from micrograd_plus import Tensor
from micrograd_plus.nn import functional as F

REDUCTIONS = ("mean", "sum", "none")


def _tf():
    import torch

    return torch.nn.functional


def _tensor_like(array, like):
    """An integer label array for ``like``'s library (ours or torch)."""
    if isinstance(like, Tensor):
        return Tensor(np.asarray(array), dtype=np.int64)
    import torch

    return torch.tensor(np.asarray(array, dtype=np.int64))


def _lib(a):
    return F if isinstance(a, Tensor) else _tf()


def _nearest(values, points) -> float:
    values = np.asarray(values)
    return min(float(np.abs(values - p).min(initial=np.inf)) for p in points)


# ------------------------------------------------------------------ plans
def _plan_pointwise(draw, shape):
    """A target leaf of the input's shape and a reduction."""
    return {"reduction": draw(st.sampled_from(REDUCTIONS))}, [shape]


def _plan_kl(draw, shape):
    reduction = draw(st.sampled_from(("batchmean", "sum", "none")))  # 'mean' warns, as torch
    return {"reduction": reduction, "log_target": draw(st.booleans())}, [shape]


def _plan_poisson(draw, shape):
    params = {"reduction": draw(st.sampled_from(REDUCTIONS))}
    params.update(log_input=draw(st.booleans()), full=draw(st.booleans()))
    return params, [shape]


def _plan_gaussian(draw, shape):
    params = {"reduction": draw(st.sampled_from(REDUCTIONS)), "full": draw(st.booleans())}
    return params, [shape, shape]


def _plan_soft_targets(draw, shape):
    if not shape:
        return None
    params = {"reduction": draw(st.sampled_from(REDUCTIONS))}
    params["label_smoothing"] = draw(st.sampled_from((0.0, 0.2)))
    return params, [shape]


def _labels(draw, shape):
    """Class labels for logits of ``shape`` (classes on axis 1, or 0 for one sample)."""
    axis = 1 if len(shape) >= 2 else 0
    classes = shape[axis]
    rest = shape[:axis] + shape[axis + 1 :]
    count = int(np.prod(rest))
    flat = draw(st.lists(st.integers(0, classes - 1), min_size=count, max_size=count))
    return np.array(flat, dtype=np.int64).reshape(rest).tolist()


def _plan_labels(draw, shape):
    if not shape:
        return None
    params = {"reduction": draw(st.sampled_from(REDUCTIONS)), "labels": _labels(draw, shape)}
    params["label_smoothing"] = draw(st.sampled_from((0.0, 0.2)))
    return params, []


def _plan_nll(draw, shape):
    if not shape:
        return None
    return {"reduction": draw(st.sampled_from(REDUCTIONS)), "labels": _labels(draw, shape)}, []


def _plan_layer_norm(draw, shape):
    if not shape:
        return None
    normalized = tuple(shape[-draw(st.integers(1, len(shape))) :])
    return {"normalized_shape": normalized}, [normalized, normalized]


def _plan_batch_norm(draw, shape):
    # torch refuses one value per channel in training mode
    if len(shape) < 2 or int(np.prod(shape)) // shape[1] < 2:
        return None
    return {}, [(shape[1],), (shape[1],)]


def _plan_embedding(draw, shape):
    if len(shape) != 2:
        return None
    n = draw(st.integers(1, 4))
    indices = draw(st.lists(st.integers(0, shape[0] - 1), min_size=n, max_size=n))
    return {"indices": indices}, []


# ------------------------------------------------------------------- ops
def _soft(t):
    return t.softmax(1 if t.ndim >= 2 else 0)


def _huber_kinks(params, a, t):
    return _nearest(np.abs(a - t), (1.0,))


def _poisson(a, t, reduction, log_input, full):
    rate = a if log_input else a * a + 0.5
    return _lib(a).poisson_nll_loss(rate, t * t + 0.5, log_input, full, reduction=reduction)


def _poisson_kinks(params, a, t):
    # Stirling's term is added only where the target exceeds 1: a jump there
    return _nearest(t * t + 0.5, (1.0,)) if params["full"] else np.inf


def _kl(a, t, reduction, log_target):
    target = t if log_target else t * t + 0.1
    return _lib(a).kl_div(a, target, reduction=reduction, log_target=log_target)


def _cross_entropy_labels(a, reduction, labels, label_smoothing):
    return _lib(a).cross_entropy(
        a, _tensor_like(labels, a), reduction=reduction, label_smoothing=label_smoothing
    )


def _nll(a, reduction, labels):
    log_probs = a.log_softmax(1 if a.ndim >= 2 else 0)
    return _lib(a).nll_loss(log_probs, _tensor_like(labels, a), reduction=reduction)


def _batch_norm(a, w, b):
    return _lib(a).batch_norm(a, None, None, w, b, training=True)


def _embedding(a, indices):
    return _lib(a).embedding(_tensor_like(indices, a), a)


def _gelu_tanh(a):
    if isinstance(a, Tensor):
        return F.gelu_tanh(a)
    return _tf().gelu(a, approximate="tanh")


def _same(name, kinks=None, plan=_plan_pointwise):
    """A loss called the same way in both libraries: ``name(input, target, reduction=)``."""

    def call(a, t, reduction):
        return getattr(_lib(a), name)(a, t, reduction=reduction)

    return (name, call, call, plan, kinks)


def _both(name, fn, plan, kinks=None):
    return (name, fn, fn, plan, kinks)


NN_OP_SPECS = [
    _same("mse_loss"),
    _same("l1_loss", kinks=lambda p, a, t: _nearest(a - t, (0.0,))),
    _same("huber_loss", kinks=_huber_kinks),
    _same("smooth_l1_loss", kinks=_huber_kinks),
    _both(
        "binary_cross_entropy",
        lambda a, t, reduction: _lib(a).binary_cross_entropy(
            a.sigmoid(), t.sigmoid(), reduction=reduction
        ),
        _plan_pointwise,
    ),
    _both(
        "binary_cross_entropy_with_logits",
        lambda a, t, reduction: _lib(a).binary_cross_entropy_with_logits(
            a, t.sigmoid(), reduction=reduction
        ),
        _plan_pointwise,
    ),
    _both("kl_div", _kl, _plan_kl),
    _both("poisson_nll_loss", _poisson, _plan_poisson, _poisson_kinks),
    _both(
        "gaussian_nll_loss",
        lambda a, t, v, reduction, full: _lib(a).gaussian_nll_loss(
            a, t, v * v + 0.5, full=full, reduction=reduction
        ),
        _plan_gaussian,
    ),
    _both(
        "cross_entropy-probabilities",
        lambda a, t, reduction, label_smoothing: _lib(a).cross_entropy(
            a, _soft(t), reduction=reduction, label_smoothing=label_smoothing
        ),
        _plan_soft_targets,
    ),
    _both("cross_entropy-labels", _cross_entropy_labels, _plan_labels),
    _both("nll_loss", _nll, _plan_nll),
    _both(
        "layer_norm",
        lambda a, w, b, normalized_shape: _lib(a).layer_norm(a, normalized_shape, w, b),
        _plan_layer_norm,
    ),
    _both("batch_norm", _batch_norm, _plan_batch_norm),
    _both("embedding", _embedding, _plan_embedding),
    _both("gelu_tanh", lambda a: _gelu_tanh(a), lambda draw, shape: ({}, [])),
]
