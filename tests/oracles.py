"""The two independent oracles every op is checked against.

``assert_grads_match_numeric`` compares backward() with float64 central
differences; ``assert_matches_torch`` compares values and gradients with
PyTorch when it is installed (the caller skips otherwise).
"""

from __future__ import annotations

import numpy as np

from micrograd_plus import Tensor
from micrograd_plus.gradcheck import gradient_check


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
