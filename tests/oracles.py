"""The two independent oracles every op is checked against.

``assert_grads_match_numeric`` compares backward() with float64 central
differences; ``assert_matches_torch`` compares values and gradients with
PyTorch when it is installed (the caller skips otherwise).
"""

from __future__ import annotations

import numpy as np

from micrograd_plus import Tensor
from micrograd_plus.autograd.gradcheck import gradient_check


def random_inputs(shapes, seed=0, positive=False, dtype=np.float64):
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        a = rng.standard_normal(shape)
        if positive:
            a = np.abs(a) + 0.5
        arrays.append(a.astype(dtype))
    return arrays


def assert_grads_match_numeric(fn, arrays, atol=1e-6, rtol=1e-5):
    result = gradient_check(fn, *arrays, atol=atol, rtol=rtol)
    assert result.passed, str(result)


def assert_matches_torch(fn, torch_fn, arrays, rtol=1e-5, atol=1e-6):
    import torch

    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    probe = np.random.default_rng(1).standard_normal(out.shape)
    (out * Tensor(probe)).sum().backward()
    (ref * torch.tensor(probe)).sum().backward()
    for mine, other in zip(ours, theirs, strict=True):
        expected = other.grad.numpy() if other.grad is not None else np.zeros(other.shape)
        got = mine.grad if mine.grad is not None else np.zeros(mine.shape)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def seed_notebook_spiral(n_points=100, n_classes=3):
    """The seed notebook's spiral generator, verbatim in behaviour (NumPy's global RNG).

    Kept here as an independent reference for ``make_spiral`` and the seed's cells.
    """
    X = np.zeros((n_points * n_classes, 2), dtype=np.float32)
    y = np.zeros(n_points * n_classes, dtype=np.int32)
    for c in range(n_classes):
        ix = range(n_points * c, n_points * (c + 1))
        r = np.linspace(0.0, 1, n_points)
        t = np.linspace(c * 4, (c + 1) * 4, n_points) + np.random.randn(n_points) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = c
    return X, y


# ----------------------------------------------------------- second order
def _hvp_ours(fn, arrays, vectors):
    """H v for the scalar ``sum(fn(*inputs) * probe)``, by double backward."""
    from micrograd_plus import grad

    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    probe = np.random.default_rng(2).standard_normal(out.shape)
    scalar = (out * Tensor(probe)).sum()
    grads = grad(scalar, xs, create_graph=True, allow_unused=True)
    pairs = [(g, v) for g, v in zip(grads, vectors) if g is not None and g.requires_grad]
    if not pairs:  # the gradient does not depend on the inputs: H = 0
        return [np.zeros_like(a) for a in arrays], probe
    dot = sum((g * Tensor(v)).sum() for g, v in pairs)
    hv = grad(dot, xs, allow_unused=True)
    return [np.zeros_like(a) if h is None else h.data for h, a in zip(hv, arrays)], probe


def _first_grad(fn, arrays, probe):
    from micrograd_plus import grad

    xs = [Tensor(a, requires_grad=True) for a in arrays]
    grads = grad((fn(*xs) * Tensor(probe)).sum(), xs, allow_unused=True)
    return [np.zeros_like(a) if g is None else g.data for g, a in zip(grads, arrays)]


def assert_hvp_matches(fn, arrays, torch_fn=None, eps=1e-5, rtol=1e-5, atol=1e-6, seed=3):
    """Check double backward of ``fn`` at float64 ``arrays`` against two oracles.

    The Hessian-vector product of ``sum(fn(x) * probe)`` along a random
    direction ``v`` must equal (1) central differences of the *first-order*
    gradient along ``v``, and (2) PyTorch's double backward, when
    ``torch_fn`` is given (the caller imports torch or skips).
    """
    rng = np.random.default_rng(seed)
    vectors = [rng.standard_normal(a.shape) for a in arrays]
    hv, probe = _hvp_ours(fn, arrays, vectors)
    plus = _first_grad(fn, [a + eps * v for a, v in zip(arrays, vectors)], probe)
    minus = _first_grad(fn, [a - eps * v for a, v in zip(arrays, vectors)], probe)
    for mine, p, m in zip(hv, plus, minus, strict=True):
        np.testing.assert_allclose(mine, (p - m) / (2 * eps), rtol=1e-4, atol=1e-5)
    if torch_fn is None:
        return
    import torch

    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    scalar = (torch_fn(*ts) * torch.tensor(probe)).sum()
    grads = torch.autograd.grad(scalar, ts, create_graph=True, allow_unused=True)
    pairs = [(g, v) for g, v in zip(grads, vectors) if g is not None and g.requires_grad]
    if pairs:
        dot = sum((g * torch.tensor(v)).sum() for g, v in pairs)
        ref = torch.autograd.grad(dot, ts, allow_unused=True)
    else:
        ref = [None] * len(ts)
    for mine, other in zip(hv, ref, strict=True):
        expected = np.zeros_like(mine) if other is None else other.numpy()
        np.testing.assert_allclose(mine, expected, rtol=rtol, atol=atol)
