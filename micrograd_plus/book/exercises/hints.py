"""The recognisable mistakes, each in the words a hint uses."""

from __future__ import annotations

import numpy as np

SIGN = "sign error? the gradient points the wrong way"
NONFINITE = (
    "inf or nan: log of 0 (or exp overflowing)? compute it from logits with a stable formula"
)
LOG_OF_ZERO = (
    "log of 0: log(sigmoid(z)) underflows for large |z|; "
    "use log(sigmoid(z)) = -log(1 + exp(-z)) written stably (np.logaddexp, or max(z,0) tricks)"
)
BIAS_CORRECTION = (
    "first step ≈ 3.16 × lr: bias correction missing? divide m by 1-β1^t and v by 1-β2^t"
)
MOMENTUM_START = (
    "momentum buffer started at zero? PyTorch starts it at the first gradient "
    "(buf = g on the first step, then buf = μ·buf + (1-dampening)·g)"
)
EMA_MOMENTUM = (
    "momentum as an average, buf = μ·buf + (1-μ)·g? torch's SGD adds the whole gradient: "
    "buf = μ·buf + g (dampening is 0 unless you pass it)"
)
DECAY_AFTER = (
    "weight decay added after the momentum buffer? add λ·θ to the gradient first, "
    "then update the buffer with it"
)
EPS_INSIDE = "eps inside the square root? torch adds it outside: m̂ / (√v̂ + eps)"
T_PER_PARAM = (
    "the step count t goes up once per parameter? count steps once per step(), "
    "before the loop over parameters"
)
ADAMW_DEFAULT = "AdamW's default weight_decay is 0.01 (Adam's is 0): the decay applies by default"
ADAMW_STYLE = (
    "weight decay applied AdamW-style (θ ← θ - lr·λ·θ)? Adam's weight_decay is L2: add λ·θ "
    "to the gradient before the moments"
)
L2_STYLE = (
    "weight decay added to the gradient (Adam's L2)? AdamW decouples it: θ ← θ·(1 - lr·λ) "
    "before the Adam step"
)
SOFTMAX_FIRST = (
    "softmax applied before the cross-entropy? it takes raw logits and applies log_softmax itself"
)
LOG_OF_SOFTMAX = (
    "log of softmax: on logits like [1000, 0, -1000] softmax rounds to exact 0 and 1, "
    "so its log is -inf; use log_softmax, which subtracts the max first"
)
NO_LOG = "softmax without the log? the loss is -log p of the true class, not -p"
SOFTMAX_AXIS = (
    "(log_)softmax over the wrong axis? normalise over the classes, axis=1, not the batch"
)
ZERO_GRAD = "zero_grad forgotten? the gradients of every step add up in .grad"


def factor(k: float) -> str:
    """The hint for a result off by a constant factor ``k``."""
    if k > 1:
        return f"off by a factor {k:.3g}: summed instead of averaged?"
    return f"off by a factor {k:.3g} (1/{1 / k:.3g}): averaged instead of summed, or divided twice?"


def constant_ratio(got, expected) -> float | None:
    """The factor ``k`` with ``got ≈ k * expected`` everywhere, if there is one (else None)."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape:
        return None
    mask = np.abs(expected) > 1e-6 * max(1.0, float(np.abs(expected).max(initial=0.0)))
    if not mask.any():
        return None
    ratios = got[mask] / expected[mask]
    k = float(np.median(ratios))
    if not np.isfinite(k) or abs(k) < 1e-12 or not np.allclose(ratios, k, rtol=1e-3):
        return None
    return k


def ratio_hint(got, expected, factors: bool = True) -> str | None:
    """Sign error or (with ``factors``) factor-N hint when ``got`` is a multiple of ``expected``."""
    k = constant_ratio(got, expected)
    if k is None or abs(k - 1) < 1e-3:
        return None
    if abs(k + 1) < 1e-3:
        return SIGN
    if not factors:
        return None
    return factor(k) if k > 0 else f"{SIGN}, and {factor(-k)}"
