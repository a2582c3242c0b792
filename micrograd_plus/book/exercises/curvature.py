"""Chapter 5 exercises: the best step on a quadratic, power iteration, mini-batch noise."""

from __future__ import annotations

import math

import numpy as np

from ... import optim
from ...tensor import Tensor
from . import hints
from .compare import call
from .registry import exercise
from .result import Fail

EIGENVALUE_SETS = ([1.0, 10.0], [0.5, 2.0, 8.0], [3.0, 3.5, 40.0, 300.0])


def _gd_rate(eigenvalues, lr, steps=20):
    """The error factor per step of the library's SGD on 1/2 sum(h x^2), from a run from x = 1.

    Each coordinate is one eigen-direction; the slowest one sets the rate.
    """
    h = Tensor(np.asarray(eigenvalues, dtype=np.float64))
    x = Tensor(np.ones(len(eigenvalues)), requires_grad=True)
    opt = optim.SGD([x], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (h * x * x).sum()).backward()
        opt.step()
    return float((np.abs(x.data) ** (1 / steps)).max())


@exercise(
    "curvature.best_lr",
    5,
    "warm-up",
    "Write best_lr(eigenvalues): gradient descent's fastest lr on ½xᵀAx and its rate per step",
)
def _best_lr(answer):
    for eigenvalues in EIGENVALUE_SETS:
        mu, L = min(eigenvalues), max(eigenvalues)
        where = f"eigenvalues {eigenvalues}"
        got = call(answer, list(eigenvalues), where=where)
        if not (isinstance(got, tuple | list) and len(got) == 2):
            raise Fail(f"expected a pair (lr, rate), got {got!r} on {where}")
        lr, rate = map(float, got)
        if not math.isclose(lr, 2 / (L + mu), rel_tol=1e-6):
            hint = {
                round(1 / L, 12): "1/L is stable, but not the fastest: make |1-ημ| equal |1-ηL|",
                round(2 / L, 12): "2/L is the edge of divergence (rate 1), not the best step",
                round(2 / mu, 12): "the sharpest eigenvalue L sets the step, not the flattest μ",
            }.get(round(lr, 12))
            raise Fail(f"lr {lr:.6g}, expected {2 / (L + mu):.6g} on {where}", hint)
        measured = _gd_rate(eigenvalues, lr)
        if not math.isclose(rate, measured, rel_tol=1e-6):
            hint = (
                "rate in terms of κ = L/μ: (κ-1)/(κ+1)"
                if math.isclose(rate, (L - mu) / L, rel_tol=1e-6)
                else None
            )
            raise Fail(
                f"rate {rate:.6g}, but SGD with lr={lr:.6g} shrinks the error by "
                f"{measured:.6g} per step on {where}",
                hint,
            )
    return f"right on {len(EIGENVALUE_SETS)} problems, rate confirmed by running SGD"


def _spd(rng, n, top):
    """A symmetric positive definite n x n matrix with eigenvalues in (0, top], top simple."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.r_[top, rng.uniform(0.05, 0.7 * top, n - 1)]
    return (q * eigenvalues) @ q.T


@exercise(
    "curvature.power_iteration",
    5,
    "medium",
    "Write largest_eigenvalue(hvp, n, iters): λmax by power iteration with products v -> Hv",
)
def _power_iteration(answer):
    for i, (n, top) in enumerate(((2, 3.0), (10, 50.0), (40, 1000.0))):
        rng = np.random.default_rng(i)
        H = _spd(rng, n, top)
        calls = []

        def hvp(v, H=H, calls=calls):
            calls.append(1)
            return H @ np.asarray(v, dtype=np.float64)

        where = f"a {n} x {n} Hessian with λmax = {top:g}"
        got = call(answer, hvp, n, 200, where=where)
        if np.ndim(got) != 0:
            raise Fail(
                f"returned an array of shape {np.shape(got)} on {where}",
                "return the eigenvalue, a number: v @ hvp(v) for a unit vector v",
            )
        got = float(got)
        if not calls:
            raise Fail(f"hvp was never called on {where}", "the Hessian is only known through hvp")
        if not np.isfinite(got):
            raise Fail(f"got {got} on {where}", "normalise v after each product, or it overflows")
        if not math.isclose(got, top, rel_tol=1e-3):
            raise Fail(f"got {got:.6g}, expected {top:g} on {where}", hints.ratio_hint(got, top))
    return "finds λmax of 3 Hessians from 2 x 2 to 40 x 40 within 0.1 %"


@exercise(
    "curvature.minibatch_variance",
    5,
    "warm-up",
    "Write minibatch_variance(sigma2, N, B): E‖g_B - g‖² for a batch drawn without replacement",
)
def _minibatch_variance(answer):
    for sigma2, N, B in ((1.0, 10, 1), (2.5, 100, 10), (0.3, 1000, 500), (4.0, 50, 50)):
        where = f"sigma2={sigma2}, N={N}, B={B}"
        got = float(call(answer, sigma2, N, B, where=where))
        expected = sigma2 / B * (N - B) / (N - 1)
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        hint = None
        if math.isclose(got, sigma2 / B, rel_tol=1e-9):
            hint = "that is σ²/B, with replacement: a batch has no repeats, (N-B)/(N-1) is missing"
        elif math.isclose(got, sigma2 / B * (N - B) / N, rel_tol=1e-9):
            hint = "divide by N - 1, not N: at B = 1 the variance is σ² exactly"
        elif math.isclose(got, sigma2 * (N - B) / (N - 1), rel_tol=1e-9):
            hint = "a mean of B samples has 1/B of one sample's variance: divide by B"
        raise Fail(f"got {got:.6g}, expected {expected:.6g} for {where}", hint)
    return "right on 4 cases, B = N included"


def _hvp_problems():
    """``(name, loss of a tuple of Tensors, parameters, vectors)``, all float64."""
    rng = np.random.default_rng(0)
    A = _spd(rng, 4, 6.0)
    W, b = rng.standard_normal((3, 2)), rng.standard_normal(3)
    X = rng.standard_normal((5, 2))

    def rosenbrock(x, y):
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    def quadratic(x):
        return 0.5 * (x * (Tensor(A) @ x)).sum()

    def network(W, b):
        return ((Tensor(X) @ W.T + b).tanh() ** 2).mean()

    return [
        ("Rosenbrock at (-1, 1)", rosenbrock, (np.array(-1.0), np.array(1.0))),
        ("a 4 x 4 quadratic", quadratic, (rng.standard_normal(4),)),
        ("a small tanh layer", network, (W, b)),
    ]


@exercise(
    "curvature.hvp",
    5,
    "medium",
    "Write hvp(loss_fn, params, vectors): H v by double backward with grad(create_graph=True)",
)
def _hvp(answer):
    from ...autograd.engine import grad
    from ...autograd.functional import hvp

    rng = np.random.default_rng(1)
    for name, fn, point in _hvp_problems():
        params = [Tensor(p.copy(), requires_grad=True) for p in point]
        vectors = [rng.standard_normal(np.shape(p)) for p in point]
        got = _products(answer, lambda fn=fn, params=params: fn(*params), params, vectors, name)
        _, expected = hvp(fn, tuple(Tensor(p) for p in point), tuple(map(Tensor, vectors)))
        expected = [e.data for e in expected]
        gradient = [g.data for g in grad(fn(*params), params)]
        if len(got) != len(expected):
            raise Fail(f"{len(got)} products for {len(expected)} parameters on {name}")
        for i, (g, e, first) in enumerate(zip(got, expected, gradient)):
            if g.shape == e.shape and np.allclose(g, e, rtol=1e-8, atol=1e-10):
                continue
            v = vectors[i]
            hint = (
                "that is the gradient itself: differentiate (gradient · v) once more"
                if g.shape == first.shape and np.allclose(g, first)
                else "that is gradient × v: differentiate the sum of gradient · v once more"
                if g.shape == first.shape and np.allclose(g, first * v)
                else hints.ratio_hint(g, e)
            )
            raise Fail(f"product for parameter {i} differs on {name}", hint)
    return "matches autograd.functional.hvp on Rosenbrock, a quadratic and a tanh layer"


def _products(answer, loss_fn, params, vectors, where):
    """The learner's H v as float64 arrays; a RuntimeError most likely means no graph."""
    try:
        got = answer(loss_fn, params, vectors)
    except RuntimeError as err:
        raise Fail(
            f"on {where} your code raised RuntimeError: {err}",
            "the first grad(...) needs create_graph=True, or its result has no graph",
        ) from None
    except Exception as err:
        raise Fail(f"on {where} your code raised {type(err).__name__}: {err}") from None
    return [np.asarray(getattr(g, "data", g), dtype=np.float64) for g in got]
