"""Non-finite values: ``detect_anomaly()`` names the first op that makes NaN or Inf,
forward or backward; extreme but valid inputs keep losses and gradients finite."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Function, Tensor, detect_anomaly
from micrograd_plus.autograd.engine import SWITCHES


def _leaf(values, dtype=np.float32):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


FORWARD = [
    ("log-of-zero", "log", lambda x: x.log(), [0.0, 1.0]),
    ("log-of-negative", "log", lambda x: x.log(), [-1.0]),
    ("exp-overflow", "exp", lambda x: x.exp(), [100.0]),
    ("zero-over-zero", "div", lambda x: x / x, [0.0]),
    ("sqrt-of-negative", "sqrt", lambda x: x.sqrt(), [-4.0]),
    ("fractional-power-of-negative", "pow", lambda x: x**0.5, [-2.0]),
    ("matmul-overflow", "matmul", lambda x: x.reshape(1, 1) @ Tensor([[3e38]]), [10.0]),
]


@pytest.mark.parametrize(
    ("op", "fn", "values"), [c[1:] for c in FORWARD], ids=[c[0] for c in FORWARD]
)
def test_anomaly_forward_names_the_op(op, fn, values):
    x = _leaf(values)
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        fn(x)
    assert f"forward of {op!r}" in str(info.value)
    assert "inputs" in str(info.value)  # and says where to look


class _BadBackward(Function):
    """A user op whose backward divides by zero."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        with np.errstate(divide="ignore"):
            return grad / (x - x)


BACKWARD = [
    ("sqrt-at-zero", "sqrt", lambda x: x.sqrt().sum(), [0.0, 1.0]),
    ("half-power-at-zero", "pow", lambda x: (x.abs() ** 0.5).sum(), [0.0]),
    ("user-function", "_BadBackward", lambda x: _BadBackward.apply(x).sum(), [1.0]),
    ("log-near-zero-overflows", "log", lambda x: (x.log() * 1e30).sum(), [1e-30]),
]


@pytest.mark.parametrize(
    ("op", "fn", "values"), [c[1:] for c in BACKWARD], ids=[c[0] for c in BACKWARD]
)
def test_anomaly_backward_names_the_op(op, fn, values):
    x = _leaf(values)
    with detect_anomaly():
        loss = fn(x)  # the forward is finite
        with pytest.raises(FloatingPointError) as info:
            loss.backward()
    assert f"backward of {op!r}" in str(info.value)


def test_anomaly_names_the_first_bad_op_not_a_later_one():
    x = _leaf([-1.0, 2.0])
    with detect_anomaly(), pytest.raises(FloatingPointError, match="forward of 'log'"):
        ((x.log() * 2 + 1).exp()).sum()


def test_anomaly_mode_restores_the_previous_state_even_after_an_error():
    assert SWITCHES.anomaly is False
    with pytest.raises(FloatingPointError), detect_anomaly():
        assert SWITCHES.anomaly is True
        with detect_anomaly():
            pass
        assert SWITCHES.anomaly is True  # nested exit keeps the outer block on
        _leaf([0.0]).log()
    assert SWITCHES.anomaly is False


def test_without_anomaly_mode_nan_flows_through_silently_like_pytorch():
    x = _leaf([-1.0, 4.0])
    with np.errstate(invalid="ignore"):
        y = x.sqrt() * 2
    assert np.isnan(y.data[0]) and y.data[1] == 4.0


def test_anomaly_mode_accepts_finite_graphs_and_keeps_gradients_identical():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    grads = []
    for checked in (False, True):
        t = Tensor(x, requires_grad=True)
        if checked:
            with detect_anomaly():
                (t.tanh() * t.sigmoid()).log_softmax(axis=1).sum().backward()
        else:
            (t.tanh() * t.sigmoid()).log_softmax(axis=1).sum().backward()
        grads.append(t.grad)
    np.testing.assert_array_equal(grads[0], grads[1])


# ------------------------------------------------- extreme but valid inputs
HUGE = [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]]


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_huge_logits_is_finite_forward_and_backward(name, axis):
    x = Tensor(np.array(HUGE, np.float32), requires_grad=True)
    with detect_anomaly():  # any NaN or Inf anywhere raises
        out = getattr(x, name)(axis=axis)
        (out * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    assert out.dtype == np.float32 and np.isfinite(x.grad).all()


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "relu", "exp"])
def test_activations_saturate_without_nan(name):
    values = [-1e4, -50.0, 0.5, 50.0] + ([1e4] if name != "exp" else [])
    x = _leaf(values)
    with detect_anomaly():
        getattr(x, name)().sum().backward()
    assert np.isfinite(x.grad).all()


def _loss(name, **kwargs):
    cls = getattr(mp, name, None)
    if cls is None:
        pytest.skip(f"{name} is not in micrograd_plus yet")
    return cls(**kwargs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_logits_1e4_is_finite_and_matches_torch(reduction):
    logits = np.array(HUGE, np.float32)
    target = np.array([1, 0, 2])  # the last row's target has logit -1e4: loss 1e4
    x = Tensor(logits, requires_grad=True)
    with detect_anomaly():
        loss = _loss("CrossEntropyLoss", reduction=reduction)(x, Tensor(target, dtype=np.int64))
        loss.sum().backward()
    assert np.isfinite(loss.data).all() and np.isfinite(x.grad).all()
    if reduction == "none":  # log-sum-exp minus the target's logit, in float64
        big = logits.astype(np.float64)
        lse = np.logaddexp.reduce(big, axis=1)
        np.testing.assert_allclose(loss.data, lse - big[[0, 1, 2], target], rtol=1e-6)
    torch = pytest.importorskip("torch")
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.CrossEntropyLoss(reduction=reduction)(t, torch.tensor(target))
    ref.sum().backward()
    np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_bce_with_probabilities_exactly_0_and_1_clamps_like_pytorch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    x = Tensor(p, requires_grad=True)
    with detect_anomaly():
        loss = _loss("BCELoss", reduction="none")(x, Tensor(y))
        loss.sum().backward()
    # log clamped at -100: a certain, wrong prediction costs exactly 100, not inf.
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0, np.log(2)], rtol=1e-6)
    assert np.isfinite(x.grad).all()
    torch = pytest.importorskip("torch")
    t = torch.tensor(p, requires_grad=True)
    ref = torch.nn.BCELoss(reduction="none")(t, torch.tensor(y))
    ref.sum().backward()
    np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6)


def test_bce_with_logits_of_1e4_is_finite_and_matches_torch():
    z = np.array([1e4, -1e4, 1e4, -1e4, 0.0], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    x = Tensor(z, requires_grad=True)
    with detect_anomaly():
        loss = _loss("BCEWithLogitsLoss", reduction="none")(x, Tensor(y))
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1e4, 1e4, np.log(2)], rtol=1e-6)
    torch = pytest.importorskip("torch")
    t = torch.tensor(z, requires_grad=True)
    ref = torch.nn.BCEWithLogitsLoss(reduction="none")(t, torch.tensor(y))
    ref.sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6)
