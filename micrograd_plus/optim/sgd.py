"""Stochastic gradient descent: :func:`sgd_update` and the :class:`SGD` optimizer."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _check, _prepare_grad


def sgd_update(
    param, grad, state, scratch, *, lr, momentum, dampening, weight_decay, nesterov, maximize
) -> None:
    r"""One SGD step in place.

    .. math::
        g \leftarrow g + \lambda\theta,\quad
        b \leftarrow \mu b + (1-\tau) g,\quad
        \theta \leftarrow \theta - \eta\,(g + \mu b \text{ if nesterov else } b)
    """
    s1, s2 = scratch
    d = _prepare_grad(param, grad, s1, weight_decay, maximize)
    if momentum:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = d.copy()
        else:
            buf *= momentum
            if dampening:
                np.multiply(d, 1 - dampening, out=s2)
                buf += s2
            else:
                buf += d
        if nesterov:
            np.multiply(buf, momentum, out=s2)
            s2 += d
            d = s2
        else:
            d = buf
    np.multiply(d, lr, out=s2)
    param -= s2


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
        _check("momentum", group["momentum"])
        _check("weight_decay", group["weight_decay"])
        _check("dampening", group["dampening"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, param, grad, state, group, scratch) -> None:
        sgd_update(param, grad, state, scratch, **self._hyperparameters(group))
