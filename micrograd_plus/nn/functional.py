"""Stateless forms of the layers and losses (PyTorch's ``torch.nn.functional``).

Examples
--------
>>> import micrograd_plus.nn.functional as F
>>> from micrograd_plus import Tensor
>>> round(F.cross_entropy(Tensor([[2.0, 0.0]]), Tensor([0])).item(), 4)
0.1269
"""

from __future__ import annotations

import numpy as np

from ..ops import elementwise as _elementwise
from ..ops import softmax as _softmax
from ..ops.elementwise import leaky_relu, relu, sigmoid, tanh
from ..ops.linalg import linear
from ..tensor import Tensor
from .layers import dropout, embedding, gelu_tanh, pick_dim
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


def softmax(input, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Softmax along ``dim`` (alias ``axis``; not both), default the last axis.

    PyTorch's ``dim=None`` guesses an axis from the rank and warns; here it
    is the last axis, the class axis of ``(N, C)`` scores.

    Examples
    --------
    >>> import micrograd_plus.nn.functional as F
    >>> from micrograd_plus import Tensor
    >>> F.softmax(Tensor([[0.0, 0.0], [1.0, 1.0]]), dim=0).numpy().astype(float).round(4).tolist()
    [[0.2689, 0.2689], [0.7311, 0.7311]]
    """
    input = input if isinstance(input, Tensor) else Tensor(input)
    return _softmax.softmax(input, pick_dim(dim, axis, -1))


def log_softmax(input, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """``log(softmax(input))`` along ``dim`` (alias ``axis``) as one stable node."""
    input = input if isinstance(input, Tensor) else Tensor(input)
    return _softmax.log_softmax(input, pick_dim(dim, axis, -1))


def gelu(input, approximate: str = "none") -> Tensor:  # noqa: A002 - torch's argument name
    """GELU, exact (``approximate="none"``) or its tanh approximation, as torch's.

    Examples
    --------
    >>> gelu(Tensor([1.0]), approximate="tanh").item() != gelu(Tensor([1.0])).item()
    True
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    x = input if isinstance(input, Tensor) else Tensor(input)
    return _elementwise.gelu(x) if approximate == "none" else gelu_tanh(x)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """Class indices as rows of zeros with a 1, int64, as ``torch.nn.functional.one_hot``.

    (The book's :func:`micrograd_plus.one_hot` makes float32 rows from labels.)

    Examples
    --------
    >>> one_hot(Tensor([0, 2], dtype=np.int64)).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    labels = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if labels.dtype.kind not in "iu":
        raise RuntimeError(
            f"one_hot is only applicable to index tensor (int64), got {labels.dtype}; "
            "convert with .long()"
        )
    if not labels.size and num_classes <= 0:
        raise RuntimeError(  # as torch: no label to count the classes from
            "Can not infer total number of classes from empty tensor; pass num_classes"
        )
    if labels.size and labels.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    count = int(labels.max()) + 1 if num_classes == -1 else int(num_classes)
    if labels.size and labels.max() >= count:
        raise RuntimeError(
            f"Class values must be smaller than num_classes ({count}), got {labels.max()}"
        )
    out = (labels[..., None] == np.arange(count)).astype(np.int64)
    return Tensor(out, dtype=np.int64)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``input`` divided by its ``p``-norm along ``dim`` (at least ``eps``), as torch's.

    Examples
    --------
    >>> normalize(Tensor([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    denominator = x.norm(p=p, dim=dim, keepdim=True).clamp(min=eps)
    return x / denominator


__all__ = [
    "one_hot",
    "normalize",
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
