"""Gradient clipping against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def test_clip_grad_norm_matches_torch(torch):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) * 3 for s in [(3, 4), (5,)]]
    for norm_type in (2.0, 1.0, float("inf")):
        for max_norm in (0.5, 1e6):
            ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
            theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
            for p, tp, g in zip(ours, theirs, grads):
                p.grad, tp.grad = g.copy(), torch.tensor(g)
            total = mp.clip_grad_norm_(ours, max_norm, norm_type)
            ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
            assert isinstance(total, Tensor) and total.dtype == np.float32
            assert total.item() == pytest.approx(ttotal.item(), rel=1e-6)
            for p, tp in zip(ours, theirs):
                np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    w = Tensor([0.0], requires_grad=True)
    assert mp.clip_grad_norm_([w], 1.0).item() == 0.0  # no gradients at all
    w.grad = np.array([np.inf], np.float32)
    with pytest.raises(RuntimeError, match="non-finite"):
        mp.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch(torch):
    g = np.linspace(-3, 3, 7).astype(np.float32)
    w, tw = Tensor(np.zeros(7), requires_grad=True), torch.zeros(7, requires_grad=True)
    w.grad, tw.grad = g.copy(), torch.tensor(g)
    mp.clip_grad_value_([w], 1.5)
    torch.nn.utils.clip_grad_value_([tw], 1.5)
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())
    with pytest.raises(ValueError, match="clip_value"):
        mp.clip_grad_value_([w], -1.0)
