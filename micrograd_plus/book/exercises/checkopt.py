"""Checking an optimizer class: its steps on seeded gradients against the library's, step by step.

The gradients are set by hand (``p.grad = g`` after ``zero_grad()``), so only
the update rule is tested; reference mistakes are written out in NumPy, so a
matching wrong answer gets its hint.
"""

from __future__ import annotations

import inspect

import numpy as np

from ...tensor import Tensor
from .compare import assert_close, call, data
from .result import Fail

SHAPES = ((3,), (2, 4))
STEPS = 6


def problem(dtype, seed: int):
    """Initial parameters and a sequence of gradients, seeded."""
    rng = np.random.default_rng([seed, np.dtype(dtype).itemsize])
    inits = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    return inits, grads


def steps_of(cls, options: dict, inits, grads, where: str) -> list:
    """Each parameter's update ``θ_t - θ_{t-1}`` at each step of ``cls(params, **options)``."""
    params = [Tensor(a.copy(), requires_grad=True) for a in inits]
    opt = call(cls, params, where=where, **options)
    deltas = []
    for step in grads:
        before = [p.data.copy() for p in params]
        call(opt.zero_grad, where=where)
        for p, g in zip(params, step):
            p.grad = g.copy()
        call(opt.step, where=where)
        if any(not isinstance(data(p), np.ndarray) for p in params):
            raise Fail(f"after step() a parameter's .data is no longer an array on {where}")
        deltas.append([p.data - b for p, b in zip(params, before)])
    return deltas


def accepts(cls, name: str) -> bool:
    try:
        return name in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def check_optimizer(answer, reference, configs, mistakes_for, name: str) -> str:
    """Compare ``answer``'s steps with ``reference``'s for every option dict in ``configs``.

    ``mistakes_for(options, inits, grads)`` returns ``(hint, deltas)`` pairs of
    typical wrong update rules.
    """
    if not isinstance(answer, type):
        raise Fail(f"expected a class (like {name}), got {type(answer).__name__}")
    n = 0
    for seed, options in enumerate(configs):
        for dtype in (np.float32, np.float64):
            where = f"{name}({_args(options)}), {np.dtype(dtype).name}"
            inits, grads = problem(dtype, seed)
            expected = steps_of(reference, options, inits, grads, where)
            got = steps_of(answer, options, inits, grads, where)
            wrong = mistakes_for(options, inits, grads)
            for t, (g_step, e_step) in enumerate(zip(got, expected)):
                for i, (g, e) in enumerate(zip(g_step, e_step)):
                    what = f"step {t + 1} of parameter {i}"
                    known = [(h, w[t][i]) for h, w in wrong]
                    assert_close(g, e, what, where, known, dtype, factors=False)
                    _dtype_kept(g, dtype, where)
            n += 1
    return f"every step matches torch.optim's rule on {n} runs ({len(configs)} settings x 2 dtypes)"


def _dtype_kept(delta, dtype, where):
    if delta.dtype != np.dtype(dtype):
        raise Fail(
            f"a {np.dtype(dtype).name} parameter became {delta.dtype.name} on {where}",
            "state buffers made with np.zeros(shape) are float64: use np.zeros_like(p.data)",
        )


def _args(options: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in options.items())


def sgd_steps(
    inits,
    grads,
    lr,
    momentum=0.0,
    dampening=0.0,
    weight_decay=0.0,
    *,
    zero_start=False,
    decoupled=False,
):
    """SGD's updates in float64 NumPy, with switches for two typical mistakes."""
    theta = [a.astype(np.float64) for a in inits]
    bufs: list = [None] * len(theta)
    out = []
    for step in grads:
        deltas = []
        for i, g in enumerate(step):
            before = theta[i].copy()
            if decoupled:
                theta[i] *= 1 - lr * weight_decay
            g = g + (0.0 if decoupled else weight_decay) * before
            if momentum:
                first = bufs[i] is None
                bufs[i] = (
                    g * (1 - dampening)
                    if first and zero_start
                    else g
                    if first
                    else (momentum * bufs[i] + (1 - dampening) * g)
                )
                g = bufs[i]
            theta[i] = theta[i] - lr * g
            deltas.append(theta[i] - before)
        out.append(deltas)
    return out


def adam_steps(
    inits,
    grads,
    lr,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    *,
    bias_correction=True,
    decoupled=False,
):
    """Adam's (with ``decoupled``, AdamW's) updates in float64 NumPy, with switches for mistakes."""
    (b1, b2), theta = betas, [a.astype(np.float64) for a in inits]
    m = [np.zeros_like(t) for t in theta]
    v = [np.zeros_like(t) for t in theta]
    out = []
    for t, step in enumerate(grads, start=1):
        deltas = []
        for i, g in enumerate(step):
            before = theta[i].copy()
            if decoupled:
                theta[i] *= 1 - lr * weight_decay
            g = g + (0.0 if decoupled else weight_decay) * before
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t) if bias_correction else m[i]
            v_hat = v[i] / (1 - b2**t) if bias_correction else v[i]
            theta[i] = theta[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
            deltas.append(theta[i] - before)
        out.append(deltas)
    return out
