"""Adam over a whole parameter group at once: :func:`adam_update`'s lines on flat buffers.

A model has a few dozen parameter arrays of a few thousand numbers; updating
them one by one costs a dozen NumPy calls per array, each ~1 µs of call
overhead for ~0.1 µs of arithmetic. :class:`FlatAdam` keeps a group's moment
estimates in two flat buffers (each parameter's ``state['exp_avg']`` and
``state['exp_avg_sq']`` are views into them, so ``state_dict`` and checkpoints
see the usual layout), gathers the gradients into a third with one call, and
runs the update's lines once over all of them. Each line is the same float32
operation, element by element, as in :func:`adam_update`, so the parameters come
out bit for bit the same.

It serves Adam and AdamW without AMSGrad, where every parameter of the group
has a gradient, of one dtype, and the parameters share one step count; for
anything else the optimizer takes the per-parameter path. A state that
``load_state_dict`` (or that path) left is copied into new flat buffers.

Examples
--------
>>> import numpy as np
>>> import micrograd_plus as mp
>>> p = mp.Tensor(np.ones(3, np.float32), requires_grad=True)
>>> opt = mp.Adam([p], lr=0.1)
>>> p.grad = np.ones(3, np.float32)
>>> opt.step()
>>> p.data.round(4), opt.state[p]["exp_avg"].base is opt._flat[id(opt.param_groups[0])].m
(array([0.9, 0.9, 0.9], dtype=float32), True)
"""

from __future__ import annotations

import math

import numpy as np


class FlatAdam:
    """Flat moment buffers for one parameter group, and the update over them."""

    __slots__ = ("params", "m", "v", "g", "work", "m_views", "v_views", "g_views", "w_views")

    def __init__(self, params: list, state: dict) -> None:
        """The group's state as views into flat buffers: its values if it has one
        (see :func:`adoptable`), else step 0 and zero moments, as ``adam_update`` starts."""
        self.params = tuple(params)
        total = sum(p.data.size for p in params)
        dtype = params[0].data.dtype
        self.m, self.v, self.g, self.work = (np.zeros(total, dtype) for _ in range(4))
        self.m_views, self.v_views = self._views(self.m), self._views(self.v)
        self.g_views, self.w_views = self._views(self.g), self._views(self.work)
        for p, m, v in zip(params, self.m_views, self.v_views):
            old = state.get(p)
            if old is not None:
                m[...], v[...] = old["exp_avg"], old["exp_avg_sq"]
            state[p] = {"step": 0 if old is None else old["step"], "exp_avg": m, "exp_avg_sq": v}

    def _views(self, flat: np.ndarray) -> tuple:
        views, start = [], 0
        for p in self.params:
            views.append(flat[start : start + p.data.size].reshape(p.data.shape))
            start += p.data.size
        return tuple(views)

    def owns(self, params: list, state: dict) -> bool:
        """Whether the group and its state are still the ones these buffers hold."""
        if len(params) != len(self.params):
            return False
        step = state[self.params[0]]["step"] if self.params[0] in state else None
        for p, q, m, v in zip(params, self.params, self.m_views, self.v_views):
            s = state.get(p)
            if p is not q or s is None or s["exp_avg"] is not m or s["exp_avg_sq"] is not v:
                return False
            if m.base is not self.m or v.base is not self.v:  # copied apart (deepcopy, pickle)
                return False
            if s["step"] != step or p.data.shape != m.shape or p.data.dtype != m.dtype:
                return False
        return True

    def step(self, state: dict, *, lr, betas, eps, weight_decay, maximize, decoupled) -> None:
        """:func:`adam_update` for every parameter (the gradients all present)."""
        beta1, beta2 = betas
        l2 = weight_decay and not decoupled
        for p, g in zip(self.params, self.g_views):
            # One gathered buffer, so that the lines below run once.
            if maximize:
                np.negative(p.grad, out=g)
            else:
                g[...] = p.grad
            if l2:
                g += weight_decay * p.data  # Adam: the L2 term joins the gradient
        for p in self.params:
            entry = state[p]
            entry["step"] += 1
        t = entry["step"]  # one count for the group: owns() and adoptable() see to it
        g, m, v, w = self.g, self.m, self.v, self.work
        np.subtract(g, m, out=w)
        w *= 1 - beta1
        m += w  # m = beta1 m + (1 - beta1) g, as m += (1 - beta1) * (g - m)
        v *= beta2
        np.multiply(g, 1 - beta2, out=w)
        w *= g
        v += w  # v = beta2 v + (1 - beta2) g^2, as v += (1 - beta2) * g * g
        np.sqrt(v, out=w)
        w /= math.sqrt(1 - beta2**t)
        w += eps  # sqrt(v_hat) + eps
        np.divide(m, w, out=w)
        w *= lr / (1 - beta1**t)
        shrink = 1 - lr * weight_decay if decoupled and weight_decay else None
        for p, step in zip(self.params, self.w_views):
            if shrink is not None:
                p.data *= shrink  # AdamW: theta shrinks by eta * lambda, before the step
            p.data -= step


def plain(group: dict, params: list) -> bool:
    """Whether the group's step is one the flat buffers compute (not AMSGrad)."""
    if group["amsgrad"] or not params:
        return False
    dtype = params[0].data.dtype
    for p in params:
        grad = p.grad
        if grad is None or grad.__class__ is not np.ndarray or grad.shape != p.data.shape:
            return False
        if p.data.dtype != dtype or grad.dtype != dtype:
            return False
    return dtype.kind == "f"


def adoptable(params: list, state: dict) -> bool:
    """Whether the group has no state yet, or a plain Adam state with one step count."""
    entries = [state.get(p) for p in params]
    if all(entry is None for entry in entries):
        return True
    if any(entry is None or set(entry) != _KEYS for entry in entries):
        return False
    return len({entry["step"] for entry in entries}) == 1 and all(
        entry[key].shape == p.data.shape for entry, p in zip(entries, params) for key in _MOMENTS
    )


_MOMENTS = ("exp_avg", "exp_avg_sq")
_KEYS = {"step", *_MOMENTS}
