"""Adagrad: :func:`adagrad_update` and the :class:`Adagrad` optimizer."""

from __future__ import annotations

import numpy as np

from .arithmetic import prepare_grad
from .optimizer import Optimizer, check_range


def adagrad_update(
    param, grad, state, scratch, *, lr, lr_decay, weight_decay, eps, initial, maximize
) -> None:
    r"""One Adagrad step in place: divide by the root of all squared gradients so far.

    .. math::
        s \leftarrow s + g^2,\quad
        \theta \leftarrow \theta - \frac{\eta}{1 + (t-1)\,d} \frac{g}{\sqrt{s} + \epsilon}
        \quad (d = \text{lr\_decay})
    """
    s1, s2 = scratch
    if not state:
        state["step"] = 0
        state["sum"] = np.full_like(param, initial)
    step = state["step"] = state["step"] + 1
    g = prepare_grad(param, grad, s1, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    total = state["sum"]
    np.multiply(g, g, out=s2)
    total += s2
    np.sqrt(total, out=s2)
    s2 += eps
    np.divide(g, s2, out=s2)
    s2 *= clr
    param -= s2


class Adagrad(Optimizer):
    """Adagrad: per-weight step sizes that shrink with the accumulated squared gradient."""

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("lr_decay value", group["lr_decay"])
        check_range("weight_decay value", group["weight_decay"])
        check_range("initial_accumulator_value", group["initial_accumulator_value"])
        check_range("epsilon value (eps)", group["eps"])

    def _update(self, param, grad, state, group, scratch) -> None:
        options = self._hyperparameters(group)
        options["initial"] = options.pop("initial_accumulator_value")
        adagrad_update(param, grad, state, scratch, **options)
