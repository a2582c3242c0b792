"""The hand-written NumPy floor (``benchmarks/floor.py``) computes what it claims.

Its loss, gradients and one Adam step are checked against PyTorch in float64
(and against micrograd_plus, which needs no torch), so its time is the time
of the same work, not of less.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ is not installed
import micrograd_plus as mp  # noqa: E402
from benchmarks import tape  # noqa: E402
from benchmarks.floor import FlatMLP, flat_trainer, tiny_graph_step  # noqa: E402
from benchmarks.mlp import batches_for, init_weights, mg_trainer  # noqa: E402


def _problem(dtype=np.float64, batch=7):
    rng = np.random.default_rng(3)
    weights = [
        (rng.standard_normal((5, 3)).astype(dtype), rng.standard_normal(5).astype(dtype)),
        (rng.standard_normal((4, 5)).astype(dtype), rng.standard_normal(4).astype(dtype)),
        (rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(3).astype(dtype)),
    ]
    X = rng.standard_normal((batch, 3)).astype(dtype)
    y = rng.integers(0, 3, batch)
    return weights, X, y


def _torch_step(torch, weights, X, y, lr):
    params = [torch.tensor(a, requires_grad=True) for pair in weights for a in pair]
    h = torch.from_numpy(X)
    for k in range(0, len(params), 2):
        h = h @ params[k].T + params[k + 1]
        if k < len(params) - 2:
            h = h.relu()
    loss = torch.nn.functional.cross_entropy(h, torch.from_numpy(y))
    loss.backward()
    grads = [p.grad.numpy().copy() for p in params]
    torch.optim.Adam(params, lr=lr).step()
    return loss.item(), grads, [p.detach().numpy() for p in params]


def test_loss_gradients_and_adam_step_match_torch_in_float64():
    torch = pytest.importorskip("torch")
    weights, X, y = _problem()
    net = FlatMLP(weights, lr=0.05)
    loss = net.step(X, y)
    want_loss, want_grads, want_params = _torch_step(torch, weights, X, y, 0.05)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    got = [g for pair in net.grad_layers for g in pair]
    for g, want in zip(got, want_grads, strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
    for p, want in zip([p for pair in net.layers for p in pair], want_params, strict=True):
        np.testing.assert_allclose(p, want, rtol=1e-10, atol=1e-12)
    assert not np.allclose(want_params[0], weights[0][0])  # the step moved the weights


def test_gradients_match_central_differences():
    weights, X, y = _problem(batch=4)
    net = FlatMLP(weights, lr=0.0)
    net.loss_and_grad(X, y)
    grads = net.grads.copy()
    eps = 1e-6
    for i in range(0, net.params.size, 3):
        keep = net.params[i]
        net.params[i] = keep + eps
        up = net.loss_and_grad(X, y)
        net.params[i] = keep - eps
        down = net.loss_and_grad(X, y)
        net.params[i] = keep
        assert grads[i] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


def test_training_trajectory_matches_micrograd_plus_in_float32():
    X, y = np.random.default_rng(0).standard_normal((50, 2)).astype(np.float32), None
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    weights = init_weights([2, 16, 3], seed=1)
    epochs = batches_for(len(X), 16, 3, seed=0)  # the last batch of each epoch is smaller
    train, predict = flat_trainer(weights, X, y, 0.01)
    mg_train, mg_predict = mg_trainer(weights, X, y, 0.01)
    assert train(epochs) == pytest.approx(mg_train(epochs), rel=1e-4)
    np.testing.assert_array_equal(predict(X), mg_predict(X))


def test_the_floor_stays_float32():
    weights = init_weights([2, 8, 3], seed=0)
    net = FlatMLP(weights, lr=0.01)
    net.step(np.ones((4, 2), np.float32), np.array([0, 1, 2, 0]))
    assert net.params.dtype == net.m.dtype == net.v.dtype == np.float32
    assert net.forward(np.ones((4, 2), np.float32)).dtype == np.float32


def test_tiny_graph_step_accumulates_the_gradients_micrograd_plus_does():
    rng = np.random.default_rng(0)
    x0, w0, b0 = (rng.standard_normal(4).astype(np.float32) for _ in range(3))
    grads = [np.zeros(4, np.float32) for _ in range(3)]
    scratch = [np.empty(4, np.float32) for _ in range(3)]
    tensors = [mp.Tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    for _ in range(2):
        out = tiny_graph_step(x0, w0, b0, grads, scratch)
        x, w, b = tensors
        want = (x * w + b).relu().sum()
        want.backward()
    assert out == pytest.approx(float(want.item()), rel=1e-6)
    for g, t in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(g, t.grad, rtol=1e-6)
    assert grads[2].any()  # some unit was active, so the check is not of zeros


def test_the_bare_tape_computes_the_tiny_graphs_gradients_as_micrograd_plus():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(6).astype(np.float32) for _ in range(3)]
    leaves = [tape.Leaf(a.copy()) for a in arrays]
    tensors = [mp.Tensor(a, requires_grad=True) for a in arrays]
    for _ in range(2):  # the second pass accumulates
        x, w, b = leaves
        out = tape.relu(tape.add(tape.mul(x, w), b)).sum()
        tape.backward(out)
        x, w, b = tensors
        want = (x * w + b).relu().sum()
        want.backward()
    assert out.data == want.item()
    for leaf, t in zip(leaves, tensors, strict=True):
        assert leaf.grad.dtype == np.float32
        np.testing.assert_array_equal(leaf.grad, t.grad)
    assert leaves[2].grad.any() and not leaves[2].grad.all()  # some units on, some off


def test_the_scaling_sweep_is_recorded_and_drawn(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from benchmarks import scaling
    from micrograd_plus.book import recorded_benchmarks as benchmark

    monkeypatch.setattr(
        scaling, "ROUND_S", 0.001
    )  # one short round per point: this checks the bookkeeping only
    sweep = scaling.sweep(None, quick=True, repeats=1, log=lambda _: None)
    assert [p["width"] for p in sweep["width"]["points"]] == list(scaling.QUICK_WIDTHS)
    assert [p["batch"] for p in sweep["batch"]["points"]] == list(scaling.QUICK_BATCHES)
    data = {"machine": {"cpu": "Test CPU"}, "scaling": sweep}
    sizes, ms = benchmark.scaling_points(data, "batch")
    assert sizes == list(scaling.QUICK_BATCHES) and set(ms) == {"micrograd_plus", "numpy_flat"}
    assert all(t > 0 for values in ms.values() for t in values)
    assert len(benchmark.scaling_ratios(data, "width")) == len(scaling.QUICK_WIDTHS)
    assert benchmark.scaling_ratios(data, "width", "torch_vs_floor") == []  # no torch here
    benchmark.scaling_chart(data, tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 0
