"""Loss functions with PyTorch's names, arguments and numerics.

Every loss is one graph node: the forward computes the per-element loss in
NumPy and the backward its closed-form derivative, scaled by the reduction.
Each comes as a function (``mse_loss``, ``cross_entropy``, ...) and as a
:class:`~micrograd_plus.nn.Module` (``MSELoss``, ``CrossEntropyLoss``, ...).

Input and target must have the same shape: a loss never broadcasts silently
(``(N, 1)`` predictions against ``(N,)`` targets would otherwise give an
``(N, N)`` loss that trains the wrong thing).
"""

from .base import Loss
from .binary import binary_cross_entropy, binary_cross_entropy_with_logits
from .cross_entropy import cross_entropy, nll_loss
from .modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
)
from .probabilistic import gaussian_nll_loss, kl_div, poisson_nll_loss
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss

__all__ = [
    "Loss",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
    "GaussianNLLLoss",
    "PoissonNLLLoss",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "gaussian_nll_loss",
    "poisson_nll_loss",
]
