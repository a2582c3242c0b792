"""Optimizers with PyTorch's algorithms, defaults and state layout (``torch.optim``).

An :class:`Optimizer` keeps ``defaults``, a list of ``param_groups`` (each a
dict with ``'params'`` and its own hyper-parameters) and a per-parameter
``state`` dict. The update rule of each optimizer is a plain function
(:func:`sgd_update`, :func:`adam_update`, ...) that changes the parameter
array in place: anything holding the parameter sees the new values, and no
array is allocated per step (the state is created once, and temporaries go
into two scratch arrays shared by all parameters of the same shape).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .autograd import enable_grad
from .tensor import Tensor


def _check(name: str, value, low: float = 0.0, high: float | None = None, closed=True) -> None:
    """Raise ValueError unless ``low <= value`` (and ``value < high`` when given)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= low
    if ok and high is not None:
        ok = value < high if not closed else value <= high
    if not ok:
        bound = f"in [{low}, {high}{']' if closed else ')'}" if high is not None else f">= {low}"
        raise ValueError(f"Invalid {name}: {value!r}; it must be a number {bound}")


def _check_betas(betas) -> None:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r}; pass a pair like (0.9, 0.999)")
    for i, beta in enumerate(betas):
        _check(f"beta parameter at index {i} (betas[{i}])", beta, 0.0, 1.0, closed=False)


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``, ``step``.

    Subclasses pass their ``defaults`` and implement ``_update(param, grad,
    state, group, scratch)``, and ``_validate(group)`` for their hyper-parameters.

    Parameters
    ----------
    params : iterable
        Tensors to optimise, or dicts each with a ``'params'`` list and
        hyper-parameters overriding ``defaults`` for that group.
    defaults : dict
        Hyper-parameters for groups that do not set them.
    """

    def __init__(self, params, defaults: dict) -> None:
        if isinstance(params, (Tensor, dict)):
            raise TypeError(
                "params given to the optimizer should be an iterable of Tensors or of dicts, "
                f"got a single {type(params).__name__}; wrap it in a list"
            )
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict = {}
        self._scratch: dict = {}
        self._step_count = 0
        if callable(getattr(params, "parameters", None)):
            raise TypeError(
                f"the optimizer got the {type(params).__name__} module itself; pass its "
                f"parameters: {type(self).__name__}(model.parameters(), ...)"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters must be an ordered collection such as a list, not a set "
                "(a set's order changes from run to run); pass a list or model.parameters()"
            )
        groups = list(params)
        if not groups:
            raise ValueError(
                "optimizer got an empty parameter list (a generator such as "
                "model.parameters() can be consumed only once; create it anew)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (e.g. a smaller lr)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("parameters must be an ordered collection (a list), not a set")
        elif params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (one computed by an op); pass the "
                    "tensors you created with requires_grad=True, e.g. model.parameters()"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group contains the same parameter twice")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        group["params"] = params
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        _check("learning rate (lr)", group["lr"])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (``None`` by default, as PyTorch)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def _buffers(self, like: np.ndarray) -> tuple:
        key = (like.shape, like.dtype)
        buffers = self._scratch.get(key)
        if buffers is None:
            buffers = self._scratch[key] = (np.empty_like(like), np.empty_like(like))
        return buffers

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(p.data, p.grad, state, group, self._buffers(p.data))
        self._step_count += 1
        return loss

    def _update(self, param, grad, state, group, scratch) -> None:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------- state dict
    def state_dict(self) -> dict:
        """``{'state': {index: {...}}, 'param_groups': [...]}`` with parameters as indices.

        Parameters are numbered in group order, as in PyTorch; arrays are copies.
        """
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {
                k: v.copy() if isinstance(v, np.ndarray) else v for k, v in entry.items()
            }
            for p, entry in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by :meth:`state_dict` (arrays are copied)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, this optimizer "
                f"has {len(self.param_groups)}"
            )
        by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group of {len(saved['params'])} "
                    f"parameters where this optimizer's group has {len(group['params'])}"
                )
            by_index.update(zip((int(i) for i in saved["params"]), group["params"]))
        state = {}
        for key, entry in state_dict["state"].items():
            p = by_index[int(key)]
            state[p] = {}
            for name, value in entry.items():
                if name == "step":
                    state[p][name] = int(value)
                elif value is None:
                    state[p][name] = None
                else:
                    array = np.array(value, dtype=p.data.dtype, copy=True)
                    if array.shape != p.data.shape:
                        raise ValueError(
                            f"state {name!r} of parameter {key} has shape {array.shape}, but "
                            f"the parameter has shape {p.data.shape}"
                        )
                    state[p][name] = array
        for group, saved in zip(self.param_groups, saved_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _prepare_grad(param, grad, scratch, weight_decay: float, maximize: bool):
    """``-grad`` if maximising, plus ``weight_decay * param`` (L2), into ``scratch`` if needed."""
    if weight_decay:
        np.multiply(param, weight_decay, out=scratch)
        if maximize:
            scratch -= grad
        else:
            scratch += grad
        return scratch
    if maximize:
        return np.negative(grad, out=scratch)
    return grad


def _lerp(start, end, weight: float, scratch) -> None:
    """``start += weight * (end - start)`` in place, in PyTorch's two-sided form."""
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1 - weight
        np.subtract(end, scratch, out=start)


# -------------------------------------------------------------------------- SGD
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
        sgd_update(
            param,
            grad,
            state,
            scratch,
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
        )


# ------------------------------------------------------------------ Adam, AdamW
def adam_update(
    param, grad, state, scratch, *, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled
) -> None:
    r"""One Adam (or, with ``decoupled``, AdamW) step in place.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}
            \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}

    Adam adds ``weight_decay * theta`` to the gradient (L2, which the adaptive
    denominator then rescales); AdamW shrinks ``theta`` by ``lr * weight_decay``
    directly, before the step.
    """
    beta1, beta2 = betas
    s1, s2 = scratch
    if not state:
        state["step"] = 0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(param)
    step = state["step"] = state["step"] + 1
    if weight_decay and decoupled:
        param *= 1 - lr * weight_decay
        weight_decay = 0
    g = _prepare_grad(param, grad, s1, weight_decay, maximize)
    m, v = state["exp_avg"], state["exp_avg_sq"]
    _lerp(m, g, 1 - beta1, s2)
    v *= beta2
    np.multiply(g, g, out=s2)
    s2 *= 1 - beta2
    v += s2
    if amsgrad:
        v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
    step_size = lr / (1 - beta1**step)
    denom = np.sqrt(v, out=s2)
    denom /= math.sqrt(1 - beta2**step)
    denom += eps
    np.divide(m, denom, out=s2)
    s2 *= step_size
    param -= s2


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
        _check_betas(group["betas"])
        _check("epsilon value (eps)", group["eps"])
        _check("weight_decay", group["weight_decay"])

    def _update(self, param, grad, state, group, scratch) -> None:
        adam_update(
            param,
            grad,
            state,
            scratch,
            lr=group["lr"],
            betas=group["betas"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            amsgrad=group["amsgrad"],
            maximize=group["maximize"],
            decoupled=self._decoupled,
        )


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


# ---------------------------------------------------------------------- RMSprop
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
        if momentum > 0:
            state["momentum_buffer"] = np.zeros_like(param)
        if centered:
            state["grad_avg"] = np.zeros_like(param)
    state["step"] += 1
    g = _prepare_grad(param, grad, s1, weight_decay, maximize)
    v = state["square_avg"]
    v *= alpha
    np.multiply(g, g, out=s2)
    s2 *= 1 - alpha
    v += s2
    if centered:
        mean = state["grad_avg"]
        _lerp(mean, g, 1 - alpha, s2)
        np.multiply(mean, mean, out=s2)
        np.subtract(v, s2, out=s2)
        avg = np.sqrt(s2, out=s2)
    else:
        avg = np.sqrt(v, out=s2)
    avg += eps
    np.divide(g, avg, out=s2)
    if momentum > 0:
        buf = state["momentum_buffer"]
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
        _check("alpha value", group["alpha"])
        _check("epsilon value (eps)", group["eps"])
        _check("momentum value", group["momentum"])
        _check("weight_decay value", group["weight_decay"])

    def _update(self, param, grad, state, group, scratch) -> None:
        rmsprop_update(
            param,
            grad,
            state,
            scratch,
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
            maximize=group["maximize"],
        )


# ---------------------------------------------------------------------- Adagrad
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
    g = _prepare_grad(param, grad, s1, weight_decay, maximize)
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
        _check("lr_decay value", group["lr_decay"])
        _check("weight_decay value", group["weight_decay"])
        _check("initial_accumulator_value", group["initial_accumulator_value"])
        _check("epsilon value (eps)", group["eps"])

    def _update(self, param, grad, state, group, scratch) -> None:
        adagrad_update(
            param,
            grad,
            state,
            scratch,
            lr=group["lr"],
            lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            initial=group["initial_accumulator_value"],
            maximize=group["maximize"],
        )


__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "sgd_update",
    "adam_update",
    "rmsprop_update",
    "adagrad_update",
]
