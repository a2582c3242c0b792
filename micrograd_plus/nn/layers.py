"""Layers with PyTorch's names, arguments, defaults and initialisation.

Each layer is a :class:`~micrograd_plus.nn.Module` that holds its
parameters and calls one op; ops that PyTorch fuses (dropout, embedding, the
normalisations in :mod:`micrograd_plus.nn.normalization`) are single graph nodes
here too, with the backward written next to the forward.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.engine import Derived
from ..autograd.shared import add_at
from ..ops import elementwise, linalg, shape, softmax
from ..tensor import DEFAULT_DTYPE, Tensor
from .module import Module, Parameter
from .normalization import BatchNorm, BatchNorm1d, LayerNorm


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def pick_dim(dim, axis, default):
    """Accept PyTorch's ``dim`` and NumPy's ``axis`` spelling of the same argument."""
    if dim is not None and axis is not None:
        raise TypeError(f"got dim={dim} and axis={axis}; pass only one of them (they are aliases)")
    chosen = dim if dim is not None else axis
    return default if chosen is None else chosen


class Identity(Module):
    """Return the input unchanged (a placeholder, as ``nn.Identity``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """``y = x @ weight.T + bias``, PyTorch's ``nn.Linear``.

    Weight and bias start uniform in ``[-1/sqrt(in_features), 1/sqrt(in_features)]``
    (PyTorch's ``kaiming_uniform_(a=sqrt(5))``), drawn from NumPy's global
    generator, so :func:`~micrograd_plus.utils.set_seed` makes them reproducible.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool, default True
        Whether to learn an additive bias.
    dtype : numpy dtype, optional
        float32 unless told otherwise (float64 for gradient checks).

    Examples
    --------
    >>> from micrograd_plus import Linear, Tensor
    >>> layer = Linear(3, 2)
    >>> layer.weight.shape, layer.bias.shape, layer(Tensor([[1.0, 2.0, 3.0]])).shape
    ((2, 3), (2,), (1, 2))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = np.dtype(dtype or DEFAULT_DTYPE)
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = Parameter(
            np.random.uniform(-bound, bound, (out_features, in_features)).astype(dtype)
        )
        if bias:
            self.bias = Parameter(np.random.uniform(-bound, bound, out_features).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x) -> Tensor:
        x = _as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}) got "
                f"input of shape {x.shape}: its last axis has {x.shape[-1] if x.ndim else 0} "
                f"features, expected {self.in_features}. Make the previous layer output "
                f"{self.in_features} features, or reshape the input so its last axis is "
                f"{self.in_features}"
            )
        return linalg.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


# ------------------------------------------------------------------ activations
class ReLU(Module):
    """``max(x, 0)`` elementwise."""

    def forward(self, x) -> Tensor:
        return elementwise.relu(_as_tensor(x))


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x) -> Tensor:
        return elementwise.leaky_relu(_as_tensor(x), self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, computed without overflow."""

    def forward(self, x) -> Tensor:
        return elementwise.sigmoid(_as_tensor(x))


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, x) -> Tensor:
        return elementwise.tanh(_as_tensor(x))


def gelu_tanh(a: Tensor) -> Tensor:
    """GELU's tanh approximation (PyTorch's ``approximate='tanh'``) as one node."""
    x = a.data
    k = x.dtype.type(math.sqrt(2 / math.pi))
    inner = k * (x + 0.044715 * x * x * x)
    t = np.tanh(inner)
    out = 0.5 * x * (1 + t)

    def backward(g, x, t):  # d/dx of 0.5 x (1 + t), t = tanh(inner(x))
        dinner = k * (1 + 3 * 0.044715 * x * x)
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner),)

    def recompute(a):  # tanh(inner) as Tensor ops of the input, for create_graph
        return a, (k * (a + 0.044715 * a * a * a)).tanh()

    return Tensor._make(out, (a,), backward, "gelu_tanh", Derived((x, t), recompute))


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` for the fast form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x) -> Tensor:
        x = _as_tensor(x)
        return elementwise.gelu(x) if self.approximate == "none" else gelu_tanh(x)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax along ``dim`` (alias ``axis``), default the last axis.

    PyTorch's ``dim=None`` guesses an axis from the input's rank and warns;
    here the default is simply the last axis, the class axis of ``(N, C)``.
    """

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        self.dim = pick_dim(dim, axis, -1)

    def forward(self, x) -> Tensor:
        return softmax.softmax(_as_tensor(x), axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log(softmax(x))`` along ``dim`` as one stable node (pair it with ``NLLLoss``)."""

    def forward(self, x) -> Tensor:
        return softmax.log_softmax(_as_tensor(x), axis=self.dim)


# --------------------------------------------------------------------- dropout
def dropout(x, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

    Scaling during training ("inverted" dropout) keeps the expected value of
    every activation unchanged, so evaluation needs no rescaling. The mask
    comes from NumPy's global generator.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> dropout(Tensor([1.0, 2.0]), p=0.5, training=False).tolist()
    [1.0, 2.0]
    """
    _check_probability(p)
    x = _as_tensor(x)
    if not training or p == 0:
        return x
    data = x.data
    if p == 1:
        mask = np.zeros_like(data)
    else:
        keep = np.random.random_sample(data.shape) >= p
        mask = keep.astype(data.dtype)
        mask *= 1 / (1 - p)
    return Tensor._make(data * mask, (x,), lambda g: (g * mask,), "dropout")


def _check_probability(p) -> None:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability p must be a number in [0, 1], got {p!r}")


class Dropout(Module):
    """Randomly zero elements with probability ``p`` while training; identity in eval mode.

    Examples
    --------
    >>> from micrograd_plus import Dropout, ones
    >>> layer = Dropout(p=0.5)
    >>> sorted(set(layer(ones(1000)).tolist()))   # kept values are scaled by 1/(1-p)
    [0.0, 2.0]
    >>> layer.eval()(ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_probability(p)
        self.p = p
        # Accepted for torch's signature; the result is always a new tensor (an in-place
        # change would break the graph here), with the same values as torch's.
        self.inplace = inplace

    def forward(self, x) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


# --------------------------------------------------------------- shape layers
class Flatten(Module):
    """Merge axes ``start_dim..end_dim`` into one (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x) -> Tensor:
        x = _as_tensor(x)
        rank = max(x.ndim, 1)
        for name in ("start_dim", "end_dim"):
            value = getattr(self, name)
            if not -rank <= value < rank:
                raise IndexError(
                    f"Flatten: {name}={value} is out of range for an input of shape {x.shape}; "
                    f"use a dimension from {-rank} to {rank - 1}"
                )
        return shape.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# ------------------------------------------------------------------- embedding
def class_indices(target, what: str, size: int, ignore=None) -> np.ndarray:
    """Integer indices from ints or whole-number floats, validated against ``[0, size)``."""
    data = np.asarray(target.data if isinstance(target, Tensor) else target)
    kind = data.dtype.kind
    if kind == "f":
        bad = np.flatnonzero(np.floor(data) != data)  # NaN is not whole; inf is, but too big
        if bad.size:
            pos = np.unravel_index(bad[0], data.shape)
            raise ValueError(
                f"{what} must hold whole numbers, but position {tuple(map(int, pos))} holds "
                f"{data[pos].item()!r}; pass integer labels"
            )
    elif kind not in "iub":
        raise TypeError(f"{what} must be integers, got dtype {data.dtype}")
    if kind == "f" or (kind == "u" and data.dtype.itemsize >= np.dtype(np.intp).itemsize):
        # Check before converting: a float such as 1e20 or a uint64 above 2**63 would
        # wrap around in the conversion and be reported (or ignored) as another value.
        if data.size and (data.max() >= size or data.min() < 0):
            _raise_out_of_range(data, what, size, ignore)
    data = data.astype(np.intp, copy=False)
    # One reduction rules out bad labels in the common case: seen as unsigned,
    # a negative index is huge, so ``max < size`` means every index is in range.
    if data.view(np.uintp).max(initial=0) >= size:
        _raise_out_of_range(data, what, size, ignore)
    return data


def _raise_out_of_range(data: np.ndarray, what: str, size: int, ignore) -> None:
    """Raise for the first value outside ``[0, size)`` that is not ``ignore`` (if any)."""
    out = (data < 0) | (data >= size)
    if ignore is not None:
        out &= data != ignore
    bad = np.flatnonzero(out)
    if not bad.size:
        return
    pos = np.unravel_index(bad[0], data.shape)
    value = data[pos].item()
    if isinstance(value, float) and abs(value) < 2**53:
        value = int(value)  # a whole float reads as the label it stands for
    if size == 0:
        valid = "the input has no classes (its class axis has size 0); check what produced it"
    else:
        valid = f"valid values are 0..{size - 1}"
    raise IndexError(
        f"{what} value {value} at position {tuple(map(int, pos))} is out of range: {valid}"
    )


def embedding(indices, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by integer ``indices`` (any shape), as one node.

    The gradient adds up into the picked rows (repeated indices accumulate);
    the row ``padding_idx``, if given, never receives any gradient.
    """
    idx = class_indices(indices, "embedding indices", weight.shape[0])
    table = weight.data

    def backward(g):  # each row of g added into the row it was picked from
        grad = add_at(g.reshape(-1, table.shape[1]), idx.reshape(-1), table.shape)
        if padding_idx is not None:
            keep = np.ones((table.shape[0], 1), table.dtype)
            keep[padding_idx] = 0
            grad = grad * keep
        return (grad,)

    return Tensor._make(table[idx], (weight,), backward, "embedding")


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    The weight starts standard normal (PyTorch's init); with ``padding_idx`` that
    row starts at zero and is never updated.

    Examples
    --------
    >>> from micrograd_plus import Embedding
    >>> table = Embedding(10, 4)
    >>> table([[1, 2], [3, 1]]).shape
    (2, 2, 4)
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, dtype=None
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"padding_idx must be within [-{num_embeddings}, {num_embeddings}), "
                    f"got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        data = np.random.standard_normal((num_embeddings, embedding_dim))
        data = data.astype(np.dtype(dtype or DEFAULT_DTYPE))
        if padding_idx is not None:
            data[padding_idx] = 0
        self.weight = Parameter(data)

    def forward(self, indices) -> Tensor:
        return embedding(indices, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None):
        """An Embedding whose table is ``embeddings`` (2-D), frozen unless ``freeze=False``.

        As torch's: the table is used as given (the ``padding_idx`` row is not zeroed,
        only kept out of the updates).

        Examples
        --------
        >>> import numpy as np
        >>> from micrograd_plus import Embedding
        >>> table = Embedding.from_pretrained(np.eye(3, dtype=np.float32))
        >>> table([2]).tolist(), table.weight.requires_grad
        ([[0.0, 0.0, 1.0]], False)
        """
        data = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(
                f"Embeddings parameter is expected to be 2-dimensional, got shape {data.shape}"
            )
        layer = cls(*data.shape, padding_idx=padding_idx, dtype=data.dtype)
        layer.weight.data[...] = data
        layer.weight.requires_grad = not freeze
        return layer

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"


__all__ = [
    "Identity",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "GELU",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "Flatten",
    "Embedding",
    "BatchNorm",
    "BatchNorm1d",
    "LayerNorm",
    "dropout",
    "embedding",
    "gelu_tanh",
]
