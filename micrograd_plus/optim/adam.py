"""Adam and AdamW: :func:`adam_update` and the :class:`Adam`, :class:`AdamW` optimizers."""

from __future__ import annotations

import math

import numpy as np

from . import adam_foreach
from .optimizer import Optimizer, check_betas, check_range


def adam_update(
    param, grad, state, *, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled
) -> None:
    r"""One Adam (or, with ``decoupled``, AdamW) step in place, a line per term of

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}
            \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}

    Adam adds ``weight_decay * theta`` to the gradient (L2, which the adaptive
    denominator then rescales); AdamW shrinks ``theta`` by ``lr * weight_decay``
    directly, before the step. With ``amsgrad`` the denominator uses the largest
    :math:`v` so far. ``param`` and the state are arrays updated in place.
    """
    beta1, beta2 = betas
    if not state:
        _init_adam_state(state, param, amsgrad)
    t = state["step"] = state["step"] + 1
    g = -grad if maximize else grad
    if decoupled:
        param *= 1 - lr * weight_decay  # AdamW: theta shrinks by eta * lambda
    elif weight_decay:
        g = g + weight_decay * param  # Adam: the L2 term joins the gradient
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m += (1 - beta1) * (g - m)  # m = beta1 m + (1 - beta1) g (torch's lerp_)
    v *= beta2
    v += (1 - beta2) * g * g  # v = beta2 v + (1 - beta2) g^2
    if amsgrad:
        v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
    denominator = np.sqrt(v) / math.sqrt(1 - beta2**t) + eps  # sqrt(v_hat) + eps
    param -= lr / (1 - beta1**t) * (m / denominator)  # eta m_hat / (sqrt(v_hat) + eps)


def _init_adam_state(state: dict, param, amsgrad: bool) -> None:
    """PyTorch's layout: a step count and zeroed moment estimates (and their running max)."""
    state["step"] = 0
    state["exp_avg"] = np.zeros_like(param)
    state["exp_avg_sq"] = np.zeros_like(param)
    if amsgrad:
        state["max_exp_avg_sq"] = np.zeros_like(param)


class Adam(Optimizer):
    """Adam: momentum on the gradient, scaled by a running RMS of the gradient.

    ``weight_decay`` is an L2 penalty added to the gradient, as in PyTorch's
    ``Adam``; for decoupled weight decay use :class:`AdamW`.

    Examples
    --------
    >>> from micrograd_plus import Adam, Tensor
    >>> x = Tensor([0.0], requires_grad=True)
    >>> opt = Adam([x], lr=0.1)
    >>> for _ in range(300):
    ...     opt.zero_grad()
    ...     ((x - 3) ** 2).sum().backward()
    ...     opt.step()
    >>> round(x.item(), 2)
    3.0
    """

    _decoupled = False

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        self._flat: dict = {}  # id(group) -> its adam_foreach.FlatAdam
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_betas(group["betas"])
        check_range("epsilon value (eps)", group["eps"])
        check_range("weight_decay", group["weight_decay"])

    def _update(self, param, grad, state, group, scratch) -> None:
        options = self._hyperparameters(group)
        adam_update(param, grad, state, decoupled=self._decoupled, **options)

    def _step_group(self, group: dict) -> bool:
        # adam_update's lines once over the whole group (adam_foreach.py), bit for bit
        # the same numbers, where the group allows it.
        params = group["params"]
        if not adam_foreach.plain(group, params):
            return False
        flat = self._flat.get(id(group))
        if flat is None or not flat.owns(params, self.state):
            if not adam_foreach.adoptable(params, self.state):
                return False
            flat = self._flat[id(group)] = adam_foreach.FlatAdam(params, self.state)
        options = self._hyperparameters(group)
        del options["amsgrad"]
        flat.step(self.state, decoupled=self._decoupled, **options)
        return True


class AdamW(Adam):
    """Adam with decoupled weight decay: ``theta *= 1 - lr * weight_decay`` before each step.

    Unlike Adam's L2 term the decay is not divided by the gradient's RMS, so
    every weight shrinks at the same relative rate. Default ``weight_decay=1e-2``.
    """

    _decoupled = True

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
