"""Stateless forms of the layers and losses (PyTorch's ``torch.nn.functional``).

Examples
--------
>>> import micrograd_plus.nn.functional as F
>>> from micrograd_plus import Tensor
>>> round(F.cross_entropy(Tensor([[2.0, 0.0]]), Tensor([0])).item(), 4)
0.1269
"""

from __future__ import annotations

from ..ops.elementwise import gelu, leaky_relu, relu, sigmoid, tanh
from ..ops.linalg import linear
from ..ops.softmax import log_softmax, softmax
from .layers import dropout, embedding, gelu_tanh
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, layer_norm

__all__ = [
    "linear",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "gelu",
    "gelu_tanh",
    "softmax",
    "log_softmax",
    "dropout",
    "embedding",
    "batch_norm",
    "layer_norm",
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
