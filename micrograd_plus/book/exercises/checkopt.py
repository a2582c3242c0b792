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
NONE_GRAD = "skip parameters without a gradient (if p.grad is None: continue), as torch does"
STEPS = 6


def problem(dtype, seed: int):
    """Initial parameters and a sequence of gradients, seeded."""
    rng = np.random.default_rng([seed, np.dtype(dtype).itemsize])
    inits = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    return inits, grads


class Steps(list):
    """The updates, step by step; ``idle_moved`` is the failure to report if a parameter
    without a gradient moved (after the updates themselves were compared)."""

    idle_moved: Fail | None = None


def steps_of(cls, options: dict, inits, grads, where: str) -> list:
    """Each parameter's update ``θ_t - θ_{t-1}`` at each step of ``cls(params, **options)``.

    One more parameter is passed that never gets a gradient (``.grad`` stays
    None): it must not move. After the last step ``zero_grad()`` must clear
    every gradient.
    """
    params = [Tensor(a.copy(), requires_grad=True) for a in inits]
    idle = Tensor(np.ones(2, dtype=inits[0].dtype), requires_grad=True)
    opt = call(cls, [*params, idle], where=where, **options)
    deltas = Steps()
    for t, step in enumerate(grads, start=1):
        before = [p.data.copy() for p in params]
        call(opt.zero_grad, where=where)
        for p, g in zip(params, step):
            p.grad = g.copy()
        idle.grad = None
        try:
            call(opt.step, where=where)
        except Fail as fail:
            if "NoneType" in fail.message and fail.hint is None:
                fail.hint = NONE_GRAD
            raise
        if any(not isinstance(data(p), np.ndarray) for p in params):
            raise Fail(f"after step() a parameter's .data is no longer an array on {where}")
        if deltas.idle_moved is None and not np.array_equal(data(idle), np.ones(2)):
            deltas.idle_moved = Fail(
                f"a parameter whose .grad is None moved at step {t} on {where}", NONE_GRAD
            )
        deltas.append([p.data - b for p, b in zip(params, before)])
    call(opt.zero_grad, where=where)
    if any(p.grad is not None and np.any(data(p.grad) != 0) for p in params):
        raise Fail(
            f"after zero_grad() the gradients are still there on {where}",
            "zero_grad() must clear every p.grad: set it to None (or to zeros)",
        )
    return deltas


def accepts(cls, name: str) -> bool:
    try:
        return name in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def check_optimizer(answer, reference, configs, mistakes_for, name: str) -> str:
    """Compare ``answer``'s steps with ``reference``'s for every setting in ``configs``.

    A setting is an options dict for both, or a pair ``(answer_options,
    reference_options)`` where the answer is left to its defaults: when only such
    a setting fails, the hint says the defaults differ. ``mistakes_for(options,
    inits, grads)`` returns ``(hint, deltas)`` pairs of typical wrong update rules.
    """
    if not isinstance(answer, type):
        raise Fail(f"expected a class (like {name}), got {type(answer).__name__}")
    n = 0
    for seed, config in enumerate(configs):
        mine, options = config if isinstance(config, tuple) else (config, config)
        left = {k: v for k, v in options.items() if k not in mine}
        for dtype in (np.float32, np.float64):
            where = f"{name}({_args(mine)}), {np.dtype(dtype).name}"
            inits, grads = problem(dtype, seed)
            expected = steps_of(reference, options, inits, grads, where)
            got = steps_of(answer, mine, inits, grads, where)
            wrong = mistakes_for(options, inits, grads)
            try:
                _compare_steps(got, expected, wrong, where, dtype)
            except Fail as fail:
                if left and fail.hint is None:
                    fail.hint = f"check your defaults: the exercise's are {_args(left)}"
                raise
            if got.idle_moved is not None:
                raise got.idle_moved
            n += 1
    return f"every step matches torch.optim's rule on {n} runs ({len(configs)} settings x 2 dtypes)"


def _compare_steps(got, expected, wrong, where, dtype):
    # A mistake is named only if it explains every step: several give the same first step.
    wrong = [(h, w) for h, w in wrong if _same_path(got, w)]
    for t, (g_step, e_step) in enumerate(zip(got, expected)):
        for i, (g, e) in enumerate(zip(g_step, e_step)):
            what = f"step {t + 1} of parameter {i}"
            known = [(h, w[t][i]) for h, w in wrong]
            assert_close(g, e, what, where, known, dtype, factors=False)
            _dtype_kept(g, dtype, where)


def _same_path(got, wrong) -> bool:
    return all(
        np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-3, atol=1e-6)
        for g_step, w_step in zip(got, wrong)
        for g, w in zip(g_step, w_step)
    )


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
    decay_after=False,
):
    """SGD's updates in float64 NumPy, with switches for typical mistakes."""
    theta = [a.astype(np.float64) for a in inits]
    bufs: list = [None] * len(theta)
    out = []
    for step in grads:
        deltas = []
        for i, g in enumerate(step):
            before = theta[i].copy()
            if decoupled:
                theta[i] *= 1 - lr * weight_decay
            g = g + (0.0 if decoupled or decay_after else weight_decay) * before
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
            if decay_after:
                g = g + weight_decay * before
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
    eps_inside=False,
    t_per_param=False,
):
    """Adam's (with ``decoupled``, AdamW's) updates in float64 NumPy, with switches for mistakes."""
    (b1, b2), theta = betas, [a.astype(np.float64) for a in inits]
    m = [np.zeros_like(t) for t in theta]
    v = [np.zeros_like(t) for t in theta]
    out = []
    for k, step in enumerate(grads):
        deltas = []
        for i, g in enumerate(step):
            t = k * len(step) + i + 1 if t_per_param else k + 1
            before = theta[i].copy()
            if decoupled:
                theta[i] *= 1 - lr * weight_decay
            g = g + (0.0 if decoupled else weight_decay) * before
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t) if bias_correction else m[i]
            v_hat = v[i] / (1 - b2**t) if bias_correction else v[i]
            root = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
            theta[i] = theta[i] - lr * m_hat / root
            deltas.append(theta[i] - before)
        out.append(deltas)
    return out
