"""Chapter 3 exercises: loss functions written by hand, checked against the library's."""

from __future__ import annotations

import numpy as np

from ... import nn
from ...nn import losses as F
from ...ops.elementwise import where
from ...tensor import Tensor
from . import hints
from .checkfn import check_function
from .compare import call, close_to_precision
from .registry import exercise
from .result import Fail

REDUCTIONS = ("mean", "sum", "none")
LOGIT_SHAPES = ((5, 3), (8, 4), (2, 10))


def _regression_inputs(scale=1.0):
    def make(rng, shape, dtype):
        pred = (scale * rng.standard_normal(shape)).astype(dtype)
        target = Tensor((scale * rng.standard_normal(shape)).astype(dtype))
        return [pred], [target]

    return make


def _class_inputs(rng, shape, dtype):
    logits = (2 * rng.standard_normal(shape)).astype(dtype)
    return [logits], [Tensor(rng.integers(0, shape[1], shape[0]))]


def _check_loss_class(answer, reference_cls, make, mistakes, shapes=None):
    if not isinstance(answer, type):
        raise Fail(f"expected a class (like {reference_cls.__name__}), got {type(answer).__name__}")
    for reduction in REDUCTIONS:
        loss = call(
            answer, where=f"{answer.__name__}(reduction={reduction!r})", reduction=reduction
        )
        ref = reference_cls(reduction=reduction)
        wrong = [(h, f(reduction)) for h, f in mistakes]
        check_function(loss, ref, make, mistakes=wrong, shapes=shapes, name=f"loss ({reduction})")
    plain = call(answer, where=f"{answer.__name__}()")
    try:
        check_function(plain, reference_cls(), make, shapes=shapes[:1] if shapes else None)
    except Fail as fail:
        raise Fail(
            f"with no arguments: {fail.message}", "the default reduction is 'mean'"
        ) from None
    try:
        answer(reduction="average")
    except ValueError:
        pass
    else:
        raise Fail(
            "reduction='average' was accepted",
            "raise ValueError for a reduction other than 'mean', 'sum' or 'none'",
        )
    return "matches the library for reduction 'mean' (the default), 'sum' and 'none', both dtypes"


@exercise("losses.mse", 3, "warm-up", "Write MSELoss(reduction) as a class on top of Tensor")
def _mse(answer):
    l1 = (
        "the absolute difference? MSE squares it: (pred - target) ** 2",
        lambda r: nn.L1Loss(reduction=r),
    )
    return _check_loss_class(answer, nn.MSELoss, _regression_inputs(), mistakes=(l1,))


@exercise(
    "losses.cross_entropy",
    3,
    "medium",
    "Write CrossEntropyLoss(reduction) from log_softmax, for logits (N, C) and class indices",
)
def _cross_entropy(answer):
    def wrong(reduction, rule):
        return lambda x, t: _reduce(-_pick(rule(x), t), reduction)

    mistakes = [
        (
            hints.SOFTMAX_FIRST,
            lambda r: lambda x, t: nn.CrossEntropyLoss(reduction=r)(x.softmax(axis=1), t),
        ),
        (hints.LOG_OF_SOFTMAX, lambda r: wrong(r, lambda x: x.softmax(axis=1).log())),
        (hints.NO_LOG, lambda r: wrong(r, lambda x: x.softmax(axis=1))),
        (hints.SOFTMAX_AXIS, lambda r: wrong(r, lambda x: x.log_softmax(axis=0))),
    ]
    return _check_loss_class(
        answer, nn.CrossEntropyLoss, _extreme_class_inputs, mistakes, LOGIT_SHAPES
    )


def _extreme_class_inputs(rng, shape, dtype):
    """Logits with one row of ±1000 (the chapter's lesson: softmax then log gives log 0)."""
    (logits,), (targets,) = _class_inputs(rng, shape, dtype)
    logits[0, :3] = (1000.0, 0.0, -1000.0)
    targets.data[0] = 1  # p = e^-1000: 0 in float64, so log(softmax) is -inf
    return [logits], [targets]


def _pick(values, targets):
    return values[np.arange(values.shape[0]), targets.data.astype(int)]


def _reduce(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


@exercise(
    "losses.nll", 3, "warm-up", "Write nll(log_probs, targets): the mean of -log p[true class]"
)
def _nll(answer):
    mistakes = [
        (
            "log_probs[:, targets] picks every target in every row: "
            "use log_probs[np.arange(N), targets]",
            lambda lp, t: -lp[:, t.data.astype(int)].mean(),
        ),
        (
            "exp of the log-probabilities? the loss is -log p, which log_probs already hold",
            lambda lp, t: -_pick(lp.exp(), t).mean(),
        ),
    ]
    check_function(
        answer,
        F.nll_loss,
        _class_inputs_log_probs,
        mistakes=mistakes,
        shapes=LOGIT_SHAPES,
        name="loss",
    )
    return "matches nll_loss on 6 inputs (float32 and float64), gradients too"


def _class_inputs_log_probs(rng, shape, dtype):
    logits, targets = _class_inputs(rng, shape, dtype)
    x = logits[0]
    log_probs = x - x.max(axis=1, keepdims=True)
    log_probs = log_probs - np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    return [log_probs.astype(dtype)], targets


@exercise(
    "losses.huber",
    3,
    "medium",
    "Write huber(pred, target, delta): 0.5 d² inside |d| < delta, delta (|d| - delta/2) outside",
)
def _huber(answer):
    for delta in (1.0, 0.5):
        ref = lambda p, t, d=delta: F.huber_loss(p, t, delta=d)  # noqa: E731
        no_half = lambda p, t, d=delta: _huber_without_half(p, t, d)  # noqa: E731
        smooth = lambda p, t, d=delta: F.smooth_l1_loss(p, t, beta=d)  # noqa: E731
        signed = lambda p, t, d=delta: _huber_signed(p, t, d)  # noqa: E731
        mistakes = [
            ("the quadratic part is 0.5·d², and the linear part δ(|d| - δ/2)", no_half),
            ("compare |d| with delta, not d: a large negative d is in the linear part", signed),
            ("that is SmoothL1 (Huber divided by δ); Huber is δ times it", smooth),
        ]
        mine = lambda p, t, d=delta: answer(p, t, d)  # noqa: E731
        check_function(
            mine, ref, _regression_inputs(2.0), mistakes=mistakes if delta != 1 else mistakes[:2]
        )
    return "matches huber_loss for delta 1.0 and 0.5, float32 and float64, gradients too"


def _huber_signed(p, t, delta):
    d = p - t
    return where(d < delta, 0.5 * d * d, delta * (d.abs() - 0.5 * delta)).mean()


def _huber_without_half(p, t, delta):
    d = p - t
    return where(d.abs() < delta, d * d, delta * (d.abs() - delta)).mean()


@exercise(
    "losses.bce_with_logits",
    3,
    "hard",
    "Write bce_with_logits(z, target) that stays finite for logits of ±1000",
)
def _bce_with_logits(answer):
    def make(rng, shape, dtype):
        z = (3 * rng.standard_normal(shape)).astype(dtype)
        z.reshape(-1)[:2] = (1000.0, -1000.0)  # log(sigmoid) of these is log(0) if done naively
        target = Tensor(rng.integers(0, 2, shape).astype(dtype))
        return [z], [target]

    swapped = (
        "target and 1 - target swapped? the loss is -[t·log σ(z) + (1-t)·log(1-σ(z))]",
        lambda z, t: F.binary_cross_entropy_with_logits(z, 1 - t),
    )
    try:
        check_function(answer, F.binary_cross_entropy_with_logits, make, mistakes=[swapped])
    except Fail as fail:
        if fail.hint == hints.NONFINITE:
            raise Fail(fail.message, hints.LOG_OF_ZERO) from None
        raise
    return "matches binary_cross_entropy_with_logits, finite at logits ±1000, gradients too"


@exercise(
    "losses.predict_uniform",
    3,
    "warm-up",
    "Predict the cross-entropy of all-zero logits over 10 classes (a number, to 2 decimals)",
)
def _predict_uniform(answer):
    truth = nn.CrossEntropyLoss()(Tensor(np.zeros((4, 10))), Tensor([0, 3, 5, 9])).item()
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise Fail(f"expected a number, got {answer!r}") from None
    if close_to_precision(value, truth):
        return f"right: -log(1/10) = {truth:.4f}, whatever the true class"
    guesses = {
        10.0: "that is C itself",
        0.1: "that is the probability 1/C: take -log of it",
        1.0: "log base 10? losses use the natural log",
        -2.302585: "the loss is -log p, a positive number",
    }
    hint = next((h for g, h in guesses.items() if close_to_precision(value, g)), None)
    raise Fail(
        f"{value:g} is not the loss of all-zero logits (give it to 2 decimals or more)",
        hint or "softmax of equal logits is uniform",
    )
