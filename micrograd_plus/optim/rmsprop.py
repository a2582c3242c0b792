"""RMSprop: :func:`rmsprop_update` and the :class:`RMSprop` optimizer."""

from __future__ import annotations

import numpy as np

from .arithmetic import lerp_, prepare_grad
from .optimizer import Optimizer, check_range


def _buffer(state, name, like):
    """``state[name]``, made on first use: momentum or centered may be switched on mid-run."""
    if name not in state:
        state[name] = np.zeros_like(like)
    return state[name]


def rmsprop_update(
    param, grad, state, scratch, *, lr, alpha, eps, weight_decay, momentum, centered, maximize
) -> None:
    r"""One RMSprop step in place: divide the gradient by a running RMS of itself.

    .. math::
        v \leftarrow \alpha v + (1-\alpha) g^2,\quad
        \theta \leftarrow \theta - \eta \frac{g}{\sqrt{v - \bar g^2 \text{ (centered)}} + \epsilon}
    """
    s1, s2 = scratch
    if not state:
        state["step"] = 0
        state["square_avg"] = np.zeros_like(param)
    state["step"] += 1
    g = prepare_grad(param, grad, s1, weight_decay, maximize)
    v = state["square_avg"]
    v *= alpha
    np.multiply(g, g, out=s2)
    s2 *= 1 - alpha
    v += s2
    if centered:
        mean = _buffer(state, "grad_avg", param)
        lerp_(mean, g, 1 - alpha, s2)
        np.multiply(mean, mean, out=s2)
        np.subtract(v, s2, out=s2)
        avg = np.sqrt(s2, out=s2)
    else:
        avg = np.sqrt(v, out=s2)
    avg += eps
    np.divide(g, avg, out=s2)
    if momentum > 0:
        buf = _buffer(state, "momentum_buffer", param)
        buf *= momentum
        buf += s2
        np.multiply(buf, lr, out=s2)
    else:
        s2 *= lr
    param -= s2


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e form, as PyTorch): per-weight step sizes from a running RMS."""

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("alpha value", group["alpha"])
        check_range("epsilon value (eps)", group["eps"])
        check_range("momentum value", group["momentum"])
        check_range("weight_decay value", group["weight_decay"])

    def _update(self, param, grad, state, group, scratch) -> None:
        rmsprop_update(param, grad, state, scratch, **self._hyperparameters(group))
