"""Helpers for notebooks and experiments: seeding, cleanup, counting, checking."""

from __future__ import annotations

import gc
import random
import types

import numpy as np

from ..autograd.gradcheck import GradCheckResult, gradient_check, numerical_gradient
from ..tensor import Tensor


def set_seed(seed: int) -> None:
    """Seed Python's and NumPy's global generators, which every random op here uses.

    Examples
    --------
    >>> import numpy as np
    >>> set_seed(0); a = np.random.rand()
    >>> set_seed(0); a == np.random.rand()
    True
    """
    random.seed(seed)
    np.random.seed(seed)


def count_parameters(model, trainable_only: bool = True) -> int:
    """Number of scalar parameters in ``model`` (or an iterable of tensors)."""
    params = model.parameters() if hasattr(model, "parameters") else model
    return sum(p.size for p in params if p.requires_grad or not trainable_only)


def _is_large(value) -> bool:
    if isinstance(value, (Tensor, np.ndarray)):
        return True
    return hasattr(value, "parameters") and callable(value.parameters)


def cleanup_notebook(namespace: dict | None = None) -> int:
    """Drop a notebook's tensors, arrays and models from ``namespace`` and collect garbage.

    Names starting with an underscore, modules, functions and classes are kept,
    so calling ``cleanup_notebook(globals())`` leaves imports working.

    Returns
    -------
    int
        How many names were removed.

    Examples
    --------
    >>> import numpy as np
    >>> ns = {"X": np.zeros(3), "np": np, "_keep": np.ones(2)}
    >>> cleanup_notebook(ns), sorted(ns)
    (1, ['_keep', 'np'])
    """
    removed = 0
    if namespace is not None:
        for name in list(namespace):
            value = namespace[name]
            if name.startswith("_") or isinstance(value, (types.ModuleType, type)):
                continue
            if _is_large(value):
                del namespace[name]
                removed += 1
    gc.collect()
    return removed


def _loss_at(model, loss_fn, X, y) -> float:
    return float(loss_fn(model(X), y).data)


def _check_parameter(model, loss_fn, X, y, param, max_entries, eps, atol, rtol, rng):
    analytic = param.grad if param.grad is not None else np.zeros_like(param.data)
    flat = param.data.reshape(-1)
    picked = np.arange(flat.size)
    if flat.size > max_entries:
        picked = np.sort(rng.choice(flat.size, max_entries, replace=False))
    numeric = np.empty(len(picked))
    for k, i in enumerate(picked):
        saved = flat[i]
        flat[i] = saved + eps
        up = _loss_at(model, loss_fn, X, y)
        flat[i] = saved - eps
        down = _loss_at(model, loss_fn, X, y)
        flat[i] = saved
        numeric[k] = (up - down) / (2 * eps)
    diff = np.abs(analytic.reshape(-1)[picked] - numeric)
    return GradCheckResult(
        bool(np.allclose(analytic.reshape(-1)[picked], numeric, atol=atol, rtol=rtol)),
        float(diff.max(initial=0.0)),
        float((diff / (np.abs(numeric) + atol)).max(initial=0.0)),
        [float(d) for d in diff],
    )


def check_all_gradients(
    model, loss_fn, X, y, max_entries: int = 32, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0
) -> dict:
    """Check every parameter's gradient of ``loss_fn(model(X), y)`` against central differences.

    The model runs in float64 during the check (parameters are converted
    and then restored, with their gradients and buffers), so the comparison
    measures the backward code, not float32 rounding. Large parameters are
    checked on ``max_entries`` randomly chosen entries. Use a small batch,
    and put a model with dropout in ``eval()`` mode first so that every
    forward pass computes the same function.

    Returns
    -------
    dict
        Parameter name to :class:`~micrograd_plus.autograd.gradcheck.GradCheckResult`
        (truthy when it passed): ``all(report.values())`` says all is well.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import Linear, MSELoss
    >>> report = check_all_gradients(Linear(3, 2), MSELoss(), np.ones((4, 3)), np.zeros((4, 2)))
    >>> sorted(report), all(report.values())
    (['bias', 'weight'], True)
    """
    named = list(model.named_parameters())
    saved = [(p, p.data, p.grad) for _, p in named]
    buffers = [(b, b.data.copy()) for b in getattr(model, "buffers", list)()]
    X = Tensor(np.asarray(getattr(X, "data", X), dtype=np.float64))
    y_data = np.asarray(getattr(y, "data", y))
    y = Tensor(y_data, dtype=np.float64 if y_data.dtype.kind == "f" else y_data.dtype)
    try:
        for p, data, _ in saved:
            p.data, p.grad = data.astype(np.float64), None
        loss_fn(model(X), y).backward()
        rng = np.random.default_rng(seed)
        return {
            name: _check_parameter(model, loss_fn, X, y, p, max_entries, eps, atol, rtol, rng)
            for name, p in named
        }
    finally:
        for p, data, grad in saved:
            p.data, p.grad = data, grad
        for b, data in buffers:
            b.data = data


def get_memory_usage(detailed: bool = False):
    """This process's resident memory in MB (``/proc/self/status``, else ``resource``).

    With ``detailed=True`` returns a dict with ``rss_mb``, ``peak_rss_mb`` and
    ``traced_mb`` (memory allocated by Python while ``tracemalloc`` traces,
    else ``None``).

    Examples
    --------
    >>> get_memory_usage() > 0
    True
    """
    import tracemalloc

    rss = peak = None
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        rss = int(fields["VmRSS"].split()[0]) / 1024
        peak = int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        try:
            import resource
            import sys

            maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            peak = maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        except ImportError:  # pragma: no cover - Windows
            peak = 0.0
        rss = peak
    traced = tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else None
    if detailed:
        return {"rss_mb": rss, "peak_rss_mb": peak, "traced_mb": traced}
    return rss


__all__ = [
    "set_seed",
    "count_parameters",
    "cleanup_notebook",
    "numerical_gradient",
    "gradient_check",
    "check_all_gradients",
    "get_memory_usage",
]
