"""The base class of every loss module: :class:`Loss`."""

from __future__ import annotations

from ...tensor import Tensor
from ..module import Module


class Loss(Module):
    """Base class of the loss modules (``MSELoss``, ...), as torch's ``_Loss``.

    It holds ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``), checked when
    the loss is built. Subclass it for a loss of your own: define
    ``forward(self, input, target)`` and let :meth:`reduce_loss` apply the
    reduction to the per-element losses.

    Examples
    --------
    >>> from micrograd_plus import Tensor
    >>> from micrograd_plus.losses import Loss
    >>> class LogCauchy(Loss):
    ...     def forward(self, input, target):
    ...         return self.reduce_loss(((input - target) ** 2 + 1).log())
    >>> round(LogCauchy()(Tensor([1.0, 2.0]), Tensor([1.0, 0.0])).item(), 4)
    0.8047
    >>> LogCauchy(reduction="sum")
    LogCauchy(reduction='sum')
    >>> LogCauchy(reduction="avg")
    Traceback (most recent call last):
    ...
    ValueError: LogCauchy: reduction must be 'mean', 'sum' or 'none', got 'avg'
    """

    _reductions: tuple = ("mean", "sum", "none")

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self._reductions:
            choices = ", ".join(map(repr, self._reductions[:-1])) + f" or {self._reductions[-1]!r}"
            raise ValueError(
                f"{type(self).__name__}: reduction must be {choices}, got {reduction!r}"
            )
        self.reduction = reduction

    def reduce_loss(self, losses: Tensor) -> Tensor:
        """``losses`` reduced by ``self.reduction``: their mean, their sum, or unchanged."""
        if self.reduction == "mean":
            return losses.mean()
        if self.reduction == "sum":
            return losses.sum()
        return losses

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


__all__ = ["Loss"]
