"""Gradient checking: compare backward() with central differences in float64."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..tensor import Tensor


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """d f(x) / dx by central differences, in float64.

    Parameters
    ----------
    f : callable
        Takes a float64 array shaped like ``x`` and returns a number (or a
        one-element array or Tensor).
    x : array_like
        Where to take the derivative.
    eps : float
        Step size; 1e-6 balances truncation and rounding error in float64.

    Examples
    --------
    >>> import numpy as np
    >>> numerical_gradient(lambda v: (v**2).sum(), np.array([1.0, -2.0])).round(6).tolist()
    [2.0, -4.0]
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = _scalar(f(x))
        flat[i] = saved - eps
        down = _scalar(f(x))
        flat[i] = saved
        gflat[i] = (up - down) / (2 * eps)
    return grad


def _scalar(value) -> float:
    data = value.data if isinstance(value, Tensor) else np.asarray(value)
    if data.size != 1:
        raise ValueError(f"the checked function must return one number, got shape {data.shape}")
    return float(data.reshape(()))


@dataclass
class GradCheckResult:
    """Outcome of :func:`gradient_check`; truthy when every input passed."""

    passed: bool
    max_abs_error: float
    max_rel_error: float
    errors: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"gradient check {verdict}: max abs error {self.max_abs_error:.2e}, "
            f"max rel error {self.max_rel_error:.2e}"
        )


def gradient_check(f, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4):
    """Compare the analytic gradients of ``f(*inputs)`` with central differences.

    Every input is converted to float64 first, so the comparison measures the
    op, not float32 rounding. ``f`` takes Tensors and returns a Tensor; a non-scalar
    result is reduced with a fixed random projection (standard normal weights), so
    every output element is checked.

    Returns
    -------
    GradCheckResult
        ``passed`` plus the largest absolute and relative errors.

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus.autograd.gradcheck import gradient_check
    >>> result = gradient_check(lambda a, b: (a * b).sum(), np.ones(3), np.arange(3.0))
    >>> result.passed
    True
    """
    if not inputs:  # nothing to check would "pass": a check that cannot fail
        raise ValueError(
            "gradient_check needs the inputs to differentiate with respect to: pass them "
            "after f, as gradient_check(f, x, w), with f taking them as Tensors"
        )
    arrays = [np.array(getattr(x, "data", x), dtype=np.float64) for x in inputs]
    probe = np.random.default_rng(0).standard_normal(np.shape(_raw(f, arrays)))

    def objective(*xs):
        out = f(*xs)
        return (out * Tensor(probe)).sum() if probe.ndim else out

    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    objective(*tensors).backward()
    passed, abs_errors, rel_errors = True, [], []
    for i, t in enumerate(tensors):
        analytic = t.grad if t.grad is not None else np.zeros_like(arrays[i])

        def along_i(xi, i=i):
            return objective(*[Tensor(xi) if j == i else Tensor(a) for j, a in enumerate(arrays)])

        numeric = numerical_gradient(along_i, arrays[i], eps)
        diff = np.abs(analytic - numeric)
        abs_errors.append(float(diff.max(initial=0.0)))
        rel_errors.append(float((diff / (np.abs(numeric) + atol)).max(initial=0.0)))
        passed &= bool(np.allclose(analytic, numeric, atol=atol, rtol=rtol))
    return GradCheckResult(passed, max(abs_errors), max(rel_errors), abs_errors)


def _raw(f, arrays):
    out = f(*[Tensor(a) for a in arrays])
    return out.data if isinstance(out, Tensor) else np.asarray(out)
