"""Chapter 3 exercises of the likelihood view of losses: a Gaussian negative
log-likelihood and the distillation loss, T² times a KL divergence."""

from __future__ import annotations

from ... import nn
from ...tensor import Tensor
from .checkfn import check_function
from .registry import exercise

HALF = "a factor of 2 off: the Gaussian's negative log-likelihood is (log v + r²/v) / 2"
STD_NOT_VAR = "var is the variance: divide r² by v, not by v² (v is not a standard deviation)"
NO_LOG_VAR = (
    "log(var) missing? without it the loss falls forever as var grows: the model "
    "would call every point infinitely uncertain"
)


def _gaussian_inputs(rng, shape, dtype):
    mean = rng.standard_normal(shape).astype(dtype)
    var = rng.uniform(0.2, 3.0, shape).astype(dtype)
    return [mean, var], [rng.standard_normal(shape).astype(dtype)]


def _reference(mean, var, target):
    """The library's loss, with the inputs in check_function's order (arrays, then extras)."""
    return nn.GaussianNLLLoss()(mean, Tensor(target), var)


@exercise(
    "losses.gaussian_nll",
    3,
    "medium",
    "Write gaussian_nll(mean, target, var): the mean of (log var + (target - mean)² / var) / 2",
)
def _gaussian_nll(answer):
    def scaled(factor):
        return lambda m, v, t: factor * _reference(m, v, t)

    def by_std(m, v, t):
        return (0.5 * (v.log() + (Tensor(t) - m) ** 2 / (v * v))).mean()

    def no_log(m, v, t):
        return (0.5 * (Tensor(t) - m) ** 2 / v).mean()

    mistakes = [(HALF, scaled(2.0)), (STD_NOT_VAR, by_std), (NO_LOG_VAR, no_log)]
    message = check_function(
        lambda m, v, t: answer(m, Tensor(t), v),
        _reference,
        _gaussian_inputs,
        mistakes=mistakes,
        name="loss",
    )
    return message + ": it is GaussianNLLLoss"


NO_T_SQUARED = (
    "missing the factor T²: the softened gradients shrink like 1/T², and T² restores them"
)
STUDENT_NOT_SOFTENED = "divide the student's logits by T too, not only the teacher's"
KL_MEAN = "reduction='mean' divides by N·C, not by the batch size N: use reduction='batchmean'"


def distillation_reference(student, teacher, T):
    """Hinton et al.'s distillation loss: T² · KL(softmax(teacher/T) ‖ softmax(student/T)).

    ``student`` is a Tensor of logits (N, C), ``teacher`` an array of logits.

    Examples
    --------
    >>> import numpy as np
    >>> z = Tensor(np.array([[2.0, 0.0, -1.0]]))
    >>> round(distillation_reference(z, z.data, 2.0).item(), 6)  # same logits: zero
    0.0
    """
    soft = (Tensor(teacher) / T).softmax(axis=1)
    return T**2 * nn.KLDivLoss(reduction="batchmean")((student / T).log_softmax(axis=1), soft)


def _distillation_inputs(rng, shape, dtype):
    student = (2 * rng.standard_normal(shape)).astype(dtype)
    teacher = (3 * rng.standard_normal(shape)).astype(dtype)
    return [student], [teacher, 2.0 + (shape[0] % 3)]


@exercise(
    "losses.distillation",
    3,
    "medium",
    "Write distillation_loss(student, teacher, T): T² times the KL divergence of the "
    "softened distributions, with KLDivLoss",
)
def _distillation(answer):
    def unsquared(s, t, T):
        return distillation_reference(s, t, T) / T**2

    def student_raw(s, t, T):
        soft = (Tensor(t) / T).softmax(axis=1)
        return T**2 * nn.KLDivLoss(reduction="batchmean")(s.log_softmax(axis=1), soft)

    def per_element(s, t, T):
        return distillation_reference(s, t, T) / s.shape[1]

    mistakes = [
        (NO_T_SQUARED, unsquared),
        (STUDENT_NOT_SOFTENED, student_raw),
        (KL_MEAN, per_element),
    ]
    message = check_function(
        answer,
        distillation_reference,
        _distillation_inputs,
        mistakes=mistakes,
        shapes=((4, 3), (6, 5), (2, 10)),
        name="loss",
    )
    return message + ": T² · KL, both sides softened"
