"""lr_find sweeps the learning rate as documented, and leaves everything exactly as it was."""

import math
import warnings

import numpy as np
import pytest

from micrograd_plus import (
    SGD,
    Adam,
    BatchNorm1d,
    CrossEntropyLoss,
    DataLoader,
    Dropout,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Tensor,
    TensorDataset,
    lr_find,
    make_spiral,
    train_epoch,
)
from micrograd_plus.lr_finder import LRFinderResult, _suggestions
from micrograd_plus.utils import set_seed
from micrograd_plus.utils.data import BatchSampler, RandomSampler


def _setup(seed=0, shuffle_seed=0):
    """A model with buffers and dropout, an Adam that has state, a shuffling loader."""
    set_seed(seed)
    X, y = make_spiral(40, 3, seed=1)
    model = Sequential(Linear(2, 16), BatchNorm1d(16), ReLU(), Dropout(0.2), Linear(16, 3))
    optimizer = Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(X, y, batch_size=32, shuffle=True, seed=shuffle_seed)
    train_epoch(model, loader, CrossEntropyLoss(), optimizer)  # optimizer state, grads, epoch 1
    return model, optimizer, loader


def _same_optimizer_state(a: dict, b: dict) -> None:
    assert a["param_groups"] == b["param_groups"]
    assert a["state"].keys() == b["state"].keys()
    for key in a["state"]:
        for name, value in a["state"][key].items():
            other = b["state"][key][name]
            assert type(value) is type(other) and np.array_equal(value, other), name


def test_state_is_restored_bit_for_bit():
    model, optimizer, loader = _setup()
    model.eval()
    model[3].train()  # a mixed mode must survive too
    before = model.state_dict()
    opt_before = optimizer.state_dict()
    grads = [p.grad.copy() for p in model.parameters()]
    rng_before = np.random.get_state()[1].copy()
    epoch = loader.epoch

    result = lr_find(model, loader, CrossEntropyLoss(), optimizer, num_iter=30)

    assert len(result.lrs) > 5  # the sweep really trained
    after = model.state_dict()
    assert list(after) == list(before)
    for key in before:
        assert after[key].dtype == before[key].dtype
        assert np.array_equal(after[key], before[key]), key
    _same_optimizer_state(optimizer.state_dict(), opt_before)
    assert all(np.array_equal(p.grad, g) for p, g in zip(model.parameters(), grads))
    assert [m.training for m in model.modules()] == [False, False, False, False, True, False]
    assert np.array_equal(np.random.get_state()[1], rng_before)
    assert loader.epoch == epoch


@pytest.mark.parametrize("shuffle_seed", [0, None])  # a seeded shuffle, and the global generator
def test_training_afterwards_is_the_same_as_without_lr_find(shuffle_seed):
    runs = []
    for call_lr_find in (False, True):
        model, optimizer, loader = _setup(shuffle_seed=shuffle_seed)
        if call_lr_find:
            lr_find(model, loader, CrossEntropyLoss(), optimizer, num_iter=20)
        for _ in range(2):
            train_epoch(model, loader, CrossEntropyLoss(), optimizer)
        runs.append(model.state_dict())
    for key in runs[0]:
        assert np.array_equal(runs[0][key], runs[1][key]), key


def _nested_sampler_run(call_lr_find: bool) -> list:
    """Two epochs' batch orders of a loader whose random sampler sits inside a custom
    batch_sampler with its own generator (issue 24: lr_find did not put it back)."""
    set_seed(0)
    X, y = make_spiral(40, 3, seed=1)
    dataset = TensorDataset(X, y)
    sampler = RandomSampler(dataset, generator=np.random.default_rng(5))
    loader = DataLoader(dataset, batch_sampler=BatchSampler(sampler, 16, False))
    model = Linear(2, 3)
    optimizer = SGD(model.parameters(), lr=0.1)
    if call_lr_find:
        lr_find(model, loader, CrossEntropyLoss(), optimizer, num_iter=12)
    return [[yb.numpy().tolist() for _, yb in loader] for _ in range(2)]


def test_a_sampler_inside_a_custom_batch_sampler_gets_its_generator_back():
    assert _nested_sampler_run(True) == _nested_sampler_run(False)


def test_grads_with_a_graph_from_create_graph_are_restored():
    # issue 24: after backward(create_graph=True) each .grad is a Tensor, and the
    # snapshot crashed on it ('Tensor' object has no attribute 'copy')
    set_seed(0)
    model = Linear(3, 1)
    optimizer = SGD(model.parameters(), lr=0.1)
    MSELoss()(model(Tensor(np.ones((4, 3)))), Tensor(np.zeros((4, 1)))).backward(create_graph=True)
    grads = [p.grad for p in model.parameters()]
    values = [g.numpy().copy() for g in grads]
    assert all(isinstance(g, Tensor) and g.requires_grad for g in grads)
    result = lr_find(model, _regression(), MSELoss(), optimizer, 1e-4, 1.0, num_iter=10)
    assert len(result.lrs) == 10
    for p, g, v in zip(model.parameters(), grads, values, strict=True):
        assert p.grad is g and np.array_equal(g.numpy(), v)
    # the restored grads still carry their graph: with X all ones (4 rows, 3 columns),
    # d/dw_k of sum_j dL/dw_j = 2/4 * sum_i sum_j x_ij x_ik = 6
    g, model.weight.grad = model.weight.grad, None
    g.sum().backward()
    np.testing.assert_allclose(model.weight.grad, np.full((1, 3), 6.0))


class _Recording(SGD):
    """SGD that records every group's lr and how many steps it took."""

    def __init__(self, params, **kw):
        super().__init__(params, **kw)
        self.seen = []

    def step(self, closure=None):
        self.seen.append([g["lr"] for g in self.param_groups])
        return super().step(closure)


def _regression(n=48, batch_size=16):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
    return DataLoader(X, y, batch_size=batch_size)


def test_sweep_is_exponential_and_sets_every_group():
    set_seed(0)
    model = Sequential(Linear(3, 4), ReLU(), Linear(4, 1))
    groups = [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 5.0}]
    optimizer = _Recording(groups, lr=0.1)
    result = lr_find(model, _regression(), MSELoss(), optimizer, 1e-5, 1e-2, num_iter=12)
    expected = 1e-5 * (1e-2 / 1e-5) ** (np.arange(12) / 11)
    assert not result.diverged and len(result.lrs) == 12
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    assert [lrs for lrs in optimizer.seen] == [[lr, lr] for lr in result.lrs]
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 5.0]  # restored


def test_smoothing_is_the_bias_corrected_moving_average():
    set_seed(0)
    model = Linear(3, 1)
    result = lr_find(model, _regression(), MSELoss(), SGD(model.parameters()), 1e-4, 1e-1, 40)
    average, expected = 0.0, []
    for i, loss in enumerate(result.losses):
        average = 0.95 * average + 0.05 * loss
        expected.append(average / (1 - 0.95 ** (i + 1)))
    np.testing.assert_allclose(result.smoothed, expected, rtol=1e-12)
    assert result.smoothed[0] == pytest.approx(result.losses[0], rel=1e-12)  # not pulled to 0
    raw = lr_find(model, _regression(), MSELoss(), SGD(model.parameters()), 1e-4, 1e-1, 10, 0)
    np.testing.assert_array_equal(raw.smoothed, raw.losses)


def test_stops_when_the_loss_diverges():
    set_seed(0)
    model = Linear(3, 1)
    optimizer = SGD(model.parameters(), lr=0.1)
    result = lr_find(model, _regression(), MSELoss(), optimizer, 1e-3, 1e3, 100)
    assert result.diverged and len(result.lrs) < 100
    assert len(result.losses) == len(result.smoothed) == len(result.lrs)
    last, best = result.smoothed[-1], result.smoothed[:-1].min()
    assert not math.isfinite(last) or last > 4 * best
    assert np.all(result.smoothed[:-1] <= 4 * np.minimum.accumulate(result.smoothed[:-1]))
    patient = lr_find(model, _regression(), MSELoss(), optimizer, 1e-3, 1e3, 100, 0.05, 1e30)
    assert len(patient.lrs) > len(result.lrs)


def test_a_loss_that_overflows_ends_the_sweep_quietly():
    set_seed(0)
    model = Linear(3, 1)
    optimizer = SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings: the overflow is expected
        result = lr_find(model, _regression(), MSELoss(), optimizer, 1e-2, 1e12, 200, 0.05, 1e300)
    assert result.diverged and not math.isfinite(result.smoothed[-1])
    assert np.isfinite(result.smoothed[:-1]).all() and np.isfinite(model.weight.data).all()


def test_the_loader_starts_over_when_it_runs_out():
    set_seed(0)
    model = Linear(3, 1)
    loader = _regression(n=32, batch_size=16)  # two batches
    result = lr_find(model, loader, MSELoss(), SGD(model.parameters()), 1e-6, 1e-5, 7)
    assert len(result.lrs) == 7 and not result.diverged
    # tiny learning rates: the losses repeat with the loader's period of two batches
    np.testing.assert_allclose(result.losses[2:], result.losses[:-2], rtol=1e-3)


def test_optimizers_that_call_the_closure_several_times_work():
    class Twice(SGD):
        def step(self, closure=None):
            first = closure()
            super().step(closure)
            return first

    set_seed(0)
    model = Linear(3, 1)
    result = lr_find(model, _regression(), MSELoss(), Twice(model.parameters()), 1e-4, 1e-1, 10)
    assert len(result.lrs) == 10 and np.isfinite(result.losses).all()


def test_suggestions():
    lrs = np.logspace(-6, 1, 71)
    x = np.log10(lrs)
    # a fall centred at 1e-3 (steepest there), the minimum near 1e-1, then a rise
    curve = 2 - np.tanh(2 * (x + 3)) + np.where(x > -1, 5 * (x + 1) ** 2, 0)
    steep, lowest = _suggestions(lrs, curve)
    assert steep == pytest.approx(1e-3, rel=0.01)
    assert lowest == lrs[np.argmin(curve)] and 0.05 < lowest < 0.2
    flat_then_up = np.r_[np.ones(40), np.linspace(1, 9, 31)]
    assert _suggestions(lrs, flat_then_up) == (lrs[0], lrs[0])  # no descent: no steep part


def test_result_repr_and_plot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    set_seed(0)
    model = Linear(3, 1)
    result = lr_find(model, _regression(), MSELoss(), SGD(model.parameters()), 1e-4, 10.0)
    assert isinstance(result, LRFinderResult) and "suggested_lr=" in repr(result)
    ax = result.plot(skip_start=5)
    assert ax.get_xscale() == "log"
    assert len(ax.lines[1].get_xdata()) == len(result.lrs) - 5
    assert any("steepest" in t.get_text() for t in ax.get_legend().get_texts())
    with pytest.raises(ValueError, match="leave no points"):
        result.plot(skip_start=len(result.lrs))
    plt.close("all")
