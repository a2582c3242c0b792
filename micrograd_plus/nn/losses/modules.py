"""The losses as :class:`~micrograd_plus.nn.Module` objects (``MSELoss``, ...)."""

from __future__ import annotations

from ...tensor import Tensor
from .base import Loss
from .binary import binary_cross_entropy, binary_cross_entropy_with_logits
from .cross_entropy import cross_entropy, nll_loss
from .probabilistic import gaussian_nll_loss, kl_div, poisson_nll_loss
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss

_Loss = Loss  # torch's private name, for code written against it


class _WeightedLoss(Loss):
    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(Loss):
    """Mean squared error, for regression (see :func:`mse_loss`).

    Examples
    --------
    >>> from micrograd_plus import MSELoss, Tensor
    >>> MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
    2.0
    >>> MSELoss(reduction='none')(Tensor([1.0, 2.0]), [1.0, 4.0]).tolist()
    [0.0, 4.0]
    """

    def forward(self, input, target) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(Loss):
    """Mean absolute error (see :func:`l1_loss`)."""

    def forward(self, input, target) -> Tensor:
        return l1_loss(input, target, self.reduction)


class HuberLoss(Loss):
    """Quadratic near zero, linear beyond ``delta`` (see :func:`huber_loss`)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss needs delta > 0, got {delta}")
        self.delta = delta

    def forward(self, input, target) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(Loss):
    """Huber loss divided by ``beta`` (see :func:`smooth_l1_loss`)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss needs beta >= 0, got {beta}")
        self.beta = beta

    def forward(self, input, target) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy on raw logits, for classification (see :func:`cross_entropy`).

    Examples
    --------
    >>> from micrograd_plus import CrossEntropyLoss, Tensor
    >>> loss_fn = CrossEntropyLoss()
    >>> round(loss_fn(Tensor([[2.0, 0.0], [0.0, 2.0]]), Tensor([0, 1])).item(), 4)
    0.1269
    """

    def __init__(
        self,
        weight=None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target) -> Tensor:
        return cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood on log-probabilities (see :func:`nll_loss`)."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target) -> Tensor:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (see :func:`binary_cross_entropy`)."""

    def forward(self, input, target) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid plus binary cross-entropy, stable on raw scores.

    See :func:`binary_cross_entropy_with_logits`; ``pos_weight`` (one value per
    class, broadcast over the last axis) weighs the positive examples.
    """

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class KLDivLoss(Loss):
    """Kullback-Leibler divergence of log-probabilities from a target (see :func:`kl_div`).

    Use ``reduction='batchmean'`` for the KL divergence itself; ``'mean'``
    (the default, as torch) divides by every element and warns.

    Examples
    --------
    >>> from micrograd_plus import KLDivLoss, Tensor
    >>> loss_fn = KLDivLoss(reduction="batchmean")
    >>> round(loss_fn(Tensor([[0.25, 0.75]]).log(), Tensor([[0.5, 0.5]])).item(), 4)
    0.1438
    """

    _reductions = ("mean", "batchmean", "sum", "none")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target) -> Tensor:
        return kl_div(input, target, self.reduction, self.log_target)


class GaussianNLLLoss(Loss):
    """Gaussian negative log-likelihood of a predicted mean and variance.

    Call it as ``loss_fn(input, target, var)``; see :func:`gaussian_nll_loss`.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var) -> Tensor:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class PoissonNLLLoss(Loss):
    """Poisson negative log-likelihood of counts (see :func:`poisson_nll_loss`)."""

    def __init__(
        self, log_input: bool = True, full: bool = False, *, eps: float = 1e-8, reduction="mean"
    ) -> None:
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, input, target) -> Tensor:
        return poisson_nll_loss(
            input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction
        )
