"""Gradient clipping against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Parameter, Tensor


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


def torch_linear(torch, ours):
    layer = torch.nn.Linear(ours.in_features, ours.out_features)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(ours.weight.data))
        layer.bias.copy_(torch.tensor(ours.bias.data))
    return layer


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("as_scalar", [False, True], ids=["0-d array", "numpy scalar"])
def test_clip_grad_norm_includes_0d_gradients(torch, norm_type, as_scalar):
    grads = [np.float32(-6.0), np.array([1.0, -2.0], np.float32)]
    ours = [Parameter(Tensor(0.0)), Parameter(Tensor(np.zeros(2)))]
    theirs = [torch.zeros((), requires_grad=True), torch.zeros(2, requires_grad=True)]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad = g if as_scalar else np.array(g)
        tp.grad = torch.tensor(g)
    total = mp.clip_grad_norm_(ours, 1.0, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-6)
    for p, tp in zip(ours, theirs):
        assert isinstance(p.grad, np.ndarray) and p.grad.shape == tuple(tp.grad.shape)
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-6)
    assert abs(ours[0].grad) < 1  # the 0-d gradient was clipped too


def test_clip_grad_norm_of_a_learned_temperature_through_backward(torch):
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    lin, temp = mp.Linear(3, 2), Parameter(Tensor(0.5))
    tlin, ttemp = torch_linear(torch, lin), torch.tensor(0.5, requires_grad=True)
    (lin(Tensor(x)) / temp).sum().backward()
    (tlin(torch.tensor(x)) / ttemp).sum().backward()
    total = mp.clip_grad_norm_([*lin.parameters(), temp], 0.1)
    ttotal = torch.nn.utils.clip_grad_norm_([*tlin.parameters(), ttemp], 0.1)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-5)
    np.testing.assert_allclose(temp.grad, ttemp.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("as_scalar", [False, True], ids=["0-d array", "numpy scalar"])
def test_clip_grad_value_on_0d_gradients(torch, as_scalar):
    w, tw = Parameter(Tensor(0.0)), torch.zeros((), requires_grad=True)
    w.grad = np.float32(-3.0) if as_scalar else np.array(-3.0, np.float32)
    tw.grad = torch.tensor(-3.0)
    mp.clip_grad_value_([w], 1.25)
    torch.nn.utils.clip_grad_value_([tw], 1.25)
    assert isinstance(w.grad, np.ndarray) and w.grad.shape == ()
    assert w.grad.dtype == np.float32 and float(w.grad) == tw.grad.item() == -1.25


def test_clip_grad_norm_defaults_match_torch(torch):
    # Default norm_type is 2 and a non-finite norm is returned, not raised, as torch does.
    g = np.array([3.0, -4.0, 12.0], np.float32)
    for grad in (g, np.array([1.0, np.nan, 2.0], np.float32)):
        p, tp = Tensor(np.zeros(3, np.float32), requires_grad=True), torch.zeros(3)
        p.grad, tp.grad = grad.copy(), torch.tensor(grad)
        total, ttotal = mp.clip_grad_norm_([p], 1.0), torch.nn.utils.clip_grad_norm_([tp], 1.0)
        np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-6)
    assert np.isnan(total.item()) and np.isnan(p.grad).all()


# ------------------------------------ issue 27, census survivors (pin27h)
def test_clip_grad_norm_inf_of_gradients_below_one_matches_torch(torch):
    """The largest |g| when every gradient is below 1 (and 0 for a zero gradient)."""
    grads = [np.array([0.25, -0.5], np.float32), np.zeros(3, np.float32)]
    ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad, tp.grad = g.copy(), torch.tensor(g)
    total = mp.clip_grad_norm_(ours, 0.1, float("inf"))
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 0.1, float("inf"))
    assert total.item() == ttotal.item() == 0.5
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("clip_value", [0.0, 0.5])
def test_clip_grad_value_below_one_and_zero_match_torch(torch, clip_value):
    g = np.array([-2.0, -0.25, 0.0, 0.75], np.float32)
    w, tw = Tensor(np.zeros(4), requires_grad=True), torch.zeros(4, requires_grad=True)
    w.grad, tw.grad = g.copy(), torch.tensor(g)
    mp.clip_grad_value_([w], clip_value)
    torch.nn.utils.clip_grad_value_([tw], clip_value)
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())
