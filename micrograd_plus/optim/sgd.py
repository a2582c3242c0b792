"""Stochastic gradient descent: :func:`sgd_update` and the :class:`SGD` optimizer."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_range


def sgd_update(
    param, grad, state, *, lr, momentum, dampening, weight_decay, nesterov, maximize
) -> None:
    r"""One SGD step in place, a line per term of

    .. math::
        g \leftarrow \pm\nabla + \lambda\theta,\quad
        b \leftarrow \mu b + (1-\tau) g \;(b_1 = g_1),\quad
        \theta \leftarrow \theta - \eta\,(g + \mu b \text{ if nesterov else } b)

    (:math:`-\nabla` with ``maximize``; without momentum the step is :math:`\eta g`).
    ``param`` and the momentum buffer are arrays updated in place.
    """
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param  # + lambda theta
    if momentum:
        b = state.get("momentum_buffer")
        if b is None:
            b = state["momentum_buffer"] = np.array(g)  # b_1 = g_1 (a copy, 0-d too)
        else:
            b *= momentum
            b += (1 - dampening) * g  # b = mu b + (1 - tau) g
        g = g + momentum * b if nesterov else b
    param -= lr * g  # theta = theta - eta g


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay.

    The momentum buffer starts as the first gradient and then follows
    ``b = momentum * b + (1 - dampening) * g``; the step is ``lr * b`` (PyTorch's
    formulation). ``lr`` defaults to 1e-3 as in PyTorch 2.x.

    Examples
    --------
    >>> from micrograd_plus import SGD, Tensor
    >>> x = Tensor([0.0], requires_grad=True)
    >>> opt = SGD([x], lr=0.1)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     ((x - 3) ** 2).sum().backward()
    ...     opt.step()
    >>> round(x.item(), 4)
    3.0
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("momentum", group["momentum"])
        check_range("weight_decay", group["weight_decay"])
        check_range("dampening", group["dampening"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, param, grad, state, group, scratch) -> None:
        sgd_update(param, grad, state, **self._hyperparameters(group))
