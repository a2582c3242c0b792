"""Workloads that use curvature: a Hessian-vector product and L-BFGS (issue 11).

``hvp``: the Hessian of the spiral MLP's cross-entropy loss with respect to all
its parameters, times a fixed direction: ``grad(create_graph=True)``, then the
gradient of ``g . v``, in micrograd_plus and in PyTorch; the NumPy floor is the
same product written by hand (Pearlmutter's R-operator: one forward, one
backward and their directional derivatives, no graph).

``lbfgs``: ``LBFGS(line_search_fn="strong_wolfe").step(closure)`` with its
default ``max_iter=20``, i.e. 20 L-BFGS iterations, on the Rosenbrock function
from (-1, 1) in float64; a graph of a dozen scalar ops per evaluation, so almost
nothing but overhead. There is no NumPy floor for it.
"""

from __future__ import annotations

import numpy as np

import micrograd_plus as mp
from micrograd_plus.nn.losses import cross_entropy
from micrograd_plus.utils.data import make_spiral

from .harness import FLOOR, MG, TORCH, Impl, Skip, Workload
from .mlp import init_weights, mg_model, torch_model

SIZES = [2, 64, 64, 3]


def _loop(step, iterations: int):
    def run():  # returns None: a timed run's return value is reported as its metrics
        for _ in range(iterations):
            step()

    return run


def _dot(grads, vs):
    """sum_i <g_i, v_i>, written the same way for both libraries."""
    total = (grads[0] * vs[0]).sum()
    for g, v in zip(grads[1:], vs[1:]):
        total = total + (g * v).sum()
    return total


def _rel_error(got, want) -> float:
    return max(float(np.abs(g - w).max() / np.abs(w).max()) for g, w in zip(got, want))


# --------------------------------------------------------------------------- hvp
def mg_hvp(weights, X, y, vs):
    """A function returning micrograd_plus's H v, as arrays, for the MLP with ``weights``."""
    model = mg_model(weights)
    params = list(model.parameters())
    x, V = mp.Tensor(X), [mp.Tensor(v) for v in vs]

    def step():
        loss = cross_entropy(model(x), y)
        grads = mp.grad(loss, params, create_graph=True)
        return mp.grad(_dot(grads, V), params)

    return step


def torch_hvp(torch, weights, X, y, vs):
    model = torch_model(torch, weights).to(torch.from_numpy(weights[0][0]).dtype)
    params = list(model.parameters())
    x, t = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    V = [torch.from_numpy(v) for v in vs]
    loss_fn = torch.nn.functional.cross_entropy

    def step():
        loss = loss_fn(model(x), t)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        return torch.autograd.grad(_dot(grads, V), params)

    return step


def numpy_hvp(weights, X, y, vs):
    """H v by hand: R{.} of the forward and backward pass of a ReLU MLP with mean CE.

    ``r_*`` is the directional derivative of the value ``*`` along ``vs``.
    """
    Ws = [w for w, _ in weights]
    Vw, Vb = vs[0::2], vs[1::2]
    rows, n = np.arange(len(y)), len(y)
    inv_n = X.dtype.type(1 / n)
    last = len(Ws) - 1

    def step():
        acts, r_acts, masks = [X], [np.zeros_like(X)], []
        h, r_h = X, r_acts[0]
        for k, ((W, b), V, c) in enumerate(zip(weights, Vw, Vb)):
            a = h @ W.T
            a += b
            r_a = r_h @ W.T
            r_a += h @ V.T
            r_a += c
            if k < last:
                mask = a > 0
                a *= mask
                r_a *= mask
                masks.append(mask)
                acts.append(a)
                r_acts.append(r_a)
            h, r_h = a, r_a
        z, r_z = h, r_h
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        r_g = p * r_z
        r_g -= p * r_g.sum(axis=1, keepdims=True)  # R{softmax}: p * (r_z - <p, r_z>)
        r_g *= inv_n
        g = p
        g[rows, y] -= 1
        g *= inv_n
        out = [None] * (2 * len(Ws))
        for k in range(last, -1, -1):
            h, r_h = acts[k], r_acts[k]
            out[2 * k] = r_g.T @ h + g.T @ r_h
            out[2 * k + 1] = r_g.sum(axis=0)
            if k:
                g, r_g = g @ Ws[k], r_g @ Ws[k] + g @ Vw[k]
                g *= masks[k - 1]
                r_g *= masks[k - 1]
        return out

    return step


def _check_double_backward(step) -> None:
    try:
        step()
    except RuntimeError as err:  # an op of the MLP has no double backward (yet)
        raise Skip(f"micrograd_plus cannot differentiate the MLP twice: {err}") from None


def hvp(torch, quick: bool = False) -> Workload:
    """Hessian-vector product of the spiral MLP's cross-entropy loss w.r.t. all parameters."""
    X, y = make_spiral(seed=42)
    weights = init_weights(SIZES, seed=42)
    rng = np.random.default_rng(1)
    vs = [rng.standard_normal(a.shape).astype(a.dtype) for pair in weights for a in pair]
    iterations = 5 if quick else 20
    _check_double_backward(mg_hvp(weights, X, y, vs))

    def impl(name, make, traced=True):
        return Impl(name, lambda: _loop(make(), iterations), traced=traced)

    impls = [impl(MG, lambda: mg_hvp(weights, X, y, vs))]
    if torch is not None:
        impls.append(impl(TORCH, lambda: torch_hvp(torch, weights, X, y, vs), traced=False))
    impls.append(impl(FLOOR, lambda: numpy_hvp(weights, X, y, vs)))

    def agreement() -> dict:
        """H v of every implementation against PyTorch's (or the floor's), untimed."""
        mine = [g.data for g in mg_hvp(weights, X, y, vs)()]
        floor = numpy_hvp(weights, X, y, vs)()
        if torch is None:
            err = _rel_error(mine, floor)
            return {"max_rel_error_vs_numpy": err, "met": {"hvp_matches": err < 1e-4}}
        want = [h.numpy() for h in torch_hvp(torch, weights, X, y, vs)()]
        err, floor_err = _rel_error(mine, want), _rel_error(floor, want)
        return {
            "max_rel_error_vs_torch": err,
            "numpy_max_rel_error_vs_torch": floor_err,
            "met": {"hvp_matches": max(err, floor_err) < 1e-4},
        }

    return Workload(
        name="hvp",
        description="Hessian-vector product of the 2-64-64-3 MLP's cross-entropy loss on the "
        "spiral data (full batch of 300) w.r.t. all parameters: grad(create_graph=True), "
        "then the gradient of g . v",
        unit="ms per product",
        scale=1e3 / iterations,
        impls=impls,
        targets={"vs_torch": 1.0},
        extra=agreement,
    )


# ------------------------------------------------------------------------- lbfgs
def rosenbrock(p):
    """The Rosenbrock function of a 2-vector, written the same way for both libraries."""
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


START = (-1.0, 1.0)
SETTINGS = {"lr": 1, "max_iter": 20, "line_search_fn": "strong_wolfe"}


def _minimizers(make_param, make_opt, runs: int):
    """``runs`` fresh (parameter, optimizer, closure) triples; a run calls each step once."""
    triples = []
    for _ in range(runs):
        p = make_param()
        opt = make_opt([p])

        def closure(p=p, opt=opt):
            opt.zero_grad()
            loss = rosenbrock(p)
            loss.backward()
            return loss

        triples.append((p, opt, closure))
    return triples


def _steps(triples):
    def run():
        for _, opt, closure in triples:
            opt.step(closure)
        return {"final_point": [float(v) for v in triples[0][0].detach().numpy()]}

    return run


def lbfgs(torch, quick: bool = False) -> Workload:
    """20 L-BFGS iterations with strong Wolfe on Rosenbrock from (-1, 1), float64."""
    LBFGS = getattr(mp.optim, "LBFGS", None)
    if LBFGS is None:
        raise Skip("micrograd_plus.optim.LBFGS does not exist yet")
    runs = 5 if quick else 20
    start = np.array(START)

    def mg_triples(n):
        make = lambda: mp.Tensor(start.copy(), requires_grad=True)  # noqa: E731
        return _minimizers(make, lambda ps: LBFGS(ps, **SETTINGS), n)

    def torch_triples(n):
        make = lambda: torch.tensor(start, requires_grad=True)  # noqa: E731
        return _minimizers(make, lambda ps: torch.optim.LBFGS(ps, **SETTINGS), n)

    impls = [Impl(MG, lambda: _steps(mg_triples(runs)))]
    if torch is not None:
        impls.append(Impl(TORCH, lambda: _steps(torch_triples(runs)), traced=False))

    def agreement() -> dict:
        """Where the 20 iterations end, in both libraries (untimed)."""
        mine = _steps(mg_triples(1))()["final_point"]
        result = {
            "final_point_micrograd_plus": mine,
            "final_loss": float(rosenbrock(np.array(mine))),
        }
        if torch is not None:
            theirs = _steps(torch_triples(1))()["final_point"]
            gap = float(np.abs(np.subtract(mine, theirs)).max())
            result.update(final_point_torch=theirs, max_abs_gap=gap)
            result["met"] = {"same_trajectory": gap < 1e-8}
        return result

    return Workload(
        name="lbfgs",
        description="LBFGS(lr=1, max_iter=20, line_search_fn='strong_wolfe'): one step(closure), "
        "i.e. 20 iterations, on the Rosenbrock function from (-1, 1), float64",
        unit="ms per 20 iterations",
        scale=1e3 / runs,
        impls=impls,
        targets={"vs_torch": 0.5},
        extra=agreement,
    )
