"""Batch and layer normalisation, each one fused graph node.

Normalising by hand takes a dozen small ops (mean, subtract, square, mean,
add, sqrt, divide, scale, shift) and as many saved arrays; the fused forward
keeps only the normalised input and ``1/std``, and the backward is the
closed-form gradient:

    dx = w / std * (g - mean(g) - x_hat * mean(g * x_hat))

with the means taken over the axes that were normalised (``_norm_rule``). With
``create_graph=True`` the engine hands the same rule Tensors: ``x_hat`` and
``1/std`` are recomputed from the input (``_graph_statistics``), so the
gradient can be differentiated again.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd.engine import Derived
from ..tensor import DEFAULT_DTYPE, Tensor
from .module import Module, Parameter


def _data(t):
    return None if t is None else (t.data if isinstance(t, Tensor) else t)


def _present(tensors, values) -> tuple:
    """``values`` for the tensors that exist: a norm without affine has no weight or bias."""
    return tuple(v for t, v in zip(tensors, values) if t is not None)


def _norm_rule(parents: tuple, stat_axes, affine_axes: tuple, wshape: tuple, n: int):
    """The backward of ``x_hat * w + b``, ``x_hat = (x - mean) / std`` over ``stat_axes``.

    ``stat_axes=None`` means fixed statistics (batch norm in eval mode), so
    ``dx = w / std * g``; ``n`` is the count each mean is over.
    """
    input, weight, bias = parents
    wanted = [t is not None and t.requires_grad for t in parents]

    def mean(v):
        return v.sum(axis=stat_axes, keepdims=True) / max(n, 1)

    def backward(g, xhat, inv_std, w):
        gxhat = g if w is None else g * w.reshape(wshape)
        gx = gw = gb = None
        if wanted[0] and stat_axes is None:
            gx = gxhat * inv_std
        elif wanted[0]:  # dx = w / std * (g - mean(g) - x_hat * mean(g * x_hat))
            gx = (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)) * inv_std
        if wanted[1]:
            gw = (g * xhat).sum(axis=affine_axes).reshape(weight.shape)  # dw = sum g x_hat
        if wanted[2]:
            gb = g.sum(axis=affine_axes).reshape(bias.shape)  # db = sum g
        return _present(parents, (gx, gw, gb))

    return backward


def _graph_statistics(input: Tensor, stat_axes: tuple, eps: float) -> tuple:
    """``x_hat`` and ``1/std`` as Tensor ops of the input, for ``create_graph``."""
    centred = input - input.mean(axis=stat_axes, keepdims=True)
    inv_std = 1 / ((centred * centred).mean(axis=stat_axes, keepdims=True) + eps).sqrt()
    return centred * inv_std, inv_std


def batch_norm(
    input: Tensor,
    running_mean=None,
    running_var=None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of an ``(N, C)`` or ``(N, C, L)`` input (``F.batch_norm``).

    In training the batch's own mean and *biased* variance normalise it, and
    the running statistics (arrays or tensors, updated in place) move toward
    the batch mean and the *unbiased* variance by ``momentum``, as PyTorch
    does. Otherwise the running statistics normalise the input.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Tensor
    >>> x = Tensor([[1.0], [3.0]])
    >>> mean, var = np.zeros(1, np.float32), np.ones(1, np.float32)
    >>> batch_norm(x, mean, var, training=True).numpy().round(3).ravel().tolist()
    [-1.0, 1.0]
    >>> mean, var     # moved 10% toward 2 and toward the unbiased variance 2
    (array([0.2], dtype=float32), array([1.1], dtype=float32))
    """
    x = input.data
    if x.ndim not in (2, 3):
        raise ValueError(
            f"batch_norm expects 2D (N, C) or 3D (N, C, L) input, got {x.ndim}D input of "
            f"shape {x.shape}"
        )
    channels = x.shape[1]
    axes = (0,) if x.ndim == 2 else (0, 2)
    bshape = (channels,) if x.ndim == 2 else (channels, 1)
    rm, rv = _data(running_mean), _data(running_var)
    use_batch = training or rm is None or rv is None
    n = x.size // max(channels, 1)
    if use_batch:
        if training and n == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input of shape "
                f"{x.shape}; use a batch of at least 2 or call model.eval()"
            )
        # An empty batch gives an empty result and leaves the running statistics alone, as torch.
        mean = x.mean(axis=axes) if n else np.zeros(channels, x.dtype)
        xhat = x - mean.reshape(bshape)
        var = np.einsum("nc->c", xhat * xhat) if x.ndim == 2 else (xhat * xhat).sum(axes)
        var /= max(n, 1)
        if training and rm is not None and rv is not None and n:
            rm *= 1 - momentum
            rm += momentum * mean
            rv *= 1 - momentum
            rv += (momentum * n / (n - 1)) * var
    else:
        var = rv
        xhat = x - rm.reshape(bshape)
    inv_std = 1 / np.sqrt(var + eps)
    xhat *= inv_std.reshape(bshape)
    w, b = _data(weight), _data(bias)
    out = xhat * w.reshape(bshape) if w is not None else xhat.copy()
    if b is not None:
        out += b.reshape(bshape)
    istd = inv_std.reshape(bshape)

    def recompute(input, *params):  # x_hat and 1/std as Tensor ops of the input
        if use_batch:
            return (*_graph_statistics(input, axes, eps), weight)
        # The running statistics are constants: x_hat is affine in x, exactly
        # x_hat + (x - x.data) / std, which holds no reference to them.
        return (input - x) * istd + xhat, istd, weight

    rule = _norm_rule((input, weight, bias), axes if use_batch else None, axes, bshape, n)
    parents = _present((input, weight, bias), (input, weight, bias))
    return Tensor._make(out, parents, rule, "batch_norm", Derived((xhat, istd, w), recompute))


class BatchNorm1d(Module):
    """Batch normalisation over ``(N, C)`` or ``(N, C, L)`` input, PyTorch's ``BatchNorm1d``.

    Parameters
    ----------
    num_features : int
        ``C``, the number of channels.
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float or None, default 0.1
        Weight of the newest batch in the running statistics; ``None`` keeps
        a cumulative (equal-weight) average instead.
    affine : bool, default True
        Learn a per-channel scale ``weight`` (ones) and shift ``bias`` (zeros).
    bias : bool, default True
        With ``affine``, whether to learn the shift (keyword only, as PyTorch).
    track_running_stats : bool, default True
        Keep ``running_mean``/``running_var`` buffers and use them in eval mode;
        without them eval mode normalises with the batch's statistics.

    Examples
    --------
    >>> from micrograd_plus import BatchNorm1d, randn
    >>> bn = BatchNorm1d(3)
    >>> y = bn(randn(8, 3) * 5 + 2)
    >>> bool(abs(y.numpy().mean()) < 1e-5), list(bn.state_dict())
    (True, ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'])
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        dtype = np.dtype(dtype or DEFAULT_DTYPE)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter(
            "weight", Parameter(np.ones(num_features, dtype)) if affine else None
        )
        shift = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        self.register_parameter("bias", shift)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input of shape {x.shape})")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) got input of shape {x.shape}: "
                f"axis 1 has {x.shape[1]} channels, expected {self.num_features}. Use "
                f"{type(self).__name__}({x.shape[1]}), or check the layer before it"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:
                factor = 1.0 / int(self.num_batches_tracked.data)
        batch_stats = self.training or self.running_mean is None
        use_running = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if use_running else None,
            self.running_var if use_running else None,
            self.weight,
            self.bias,
            batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


BatchNorm = BatchNorm1d


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` axes of each sample (``F.layer_norm``).

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> layer_norm(Tensor([[1.0, 3.0]]), (2,)).numpy().round(3).tolist()
    [[-1.0, 1.0]]
    """
    x = input.data
    shape = tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k :] != shape or x.ndim < k:
        raise ValueError(
            f"layer_norm over normalized_shape {shape} needs input whose last {k} axes are "
            f"{shape}, got input of shape {x.shape}"
        )
    axes = tuple(range(x.ndim - k, x.ndim))
    lead = tuple(range(x.ndim - k))
    xhat = x - x.mean(axis=axes, keepdims=True)
    var = (xhat * xhat).mean(axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    xhat *= inv_std
    w, b = _data(weight), _data(bias)
    out = xhat * w if w is not None else xhat.copy()
    if b is not None:
        out += b

    def recompute(input, *params):  # x_hat and 1/std as Tensor ops of the input
        return (*_graph_statistics(input, axes, eps), weight)

    rule = _norm_rule((input, weight, bias), axes, lead, shape, int(np.prod(shape)))
    parents = _present((input, weight, bias), (input, weight, bias))
    return Tensor._make(out, parents, rule, "layer_norm", Derived((xhat, inv_std, w), recompute))


class LayerNorm(Module):
    """Layer normalisation over the last ``len(normalized_shape)`` axes, PyTorch's ``LayerNorm``.

    Unlike batch normalisation it uses each sample's own statistics, so it
    behaves the same in training and evaluation and for any batch size.

    Examples
    --------
    >>> from micrograd_plus import LayerNorm, randn
    >>> ln = LayerNorm(4)
    >>> ln(randn(2, 3, 4)).shape, ln.weight.shape
    ((2, 3, 4), (4,))
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = np.dtype(dtype or DEFAULT_DTYPE)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


__all__ = ["BatchNorm1d", "BatchNorm", "LayerNorm", "batch_norm", "layer_norm"]
