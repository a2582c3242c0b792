"""Long runs: constant memory over 5,000 training steps, backward through 100,000
ops, and training that resumes from a checkpoint exactly as if never stopped."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import (
    Adam,
    BatchNorm1d,
    CrossEntropyLoss,
    DataLoader,
    Dropout,
    Linear,
    ReLU,
    Sequential,
    StepLR,
    Tensor,
    load_checkpoint,
    no_grad,
    save_checkpoint,
)
from micrograd_plus.training import train_epoch

STEPS = 5_000
WARMUP = 500
# Room for allocator noise only: one leaked 16-float array per step would be 320 KiB.
MEMORY_BOUND = 16 * 1024


def _spiral_loader(seed: int = 0):
    X, y = mp.make_spiral(n_points=32, n_classes=3, seed=seed)
    return DataLoader(X, y, batch_size=16, shuffle=True, seed=seed)


@pytest.mark.slow
def test_5000_training_steps_run_in_constant_memory(record_property):
    np.random.seed(0)
    model = Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 3))
    optimizer = Adam(model.parameters(), lr=0.01)
    loss_fn = CrossEntropyLoss()
    loader = _spiral_loader()
    # Preallocated, so recording a sample allocates nothing itself.
    samples, count = np.zeros(16, dtype=np.int64), 0
    steps, first_loss = 0, None
    tracemalloc.start()
    try:
        while steps < STEPS:
            loss, _ = train_epoch(model, loader, loss_fn, optimizer)
            first_loss = loss if first_loss is None else first_loss
            steps += len(loader)
            if steps >= WARMUP and steps % 600 == 0:
                gc.collect()
                samples[count], count = tracemalloc.get_traced_memory()[0], count + 1
        gc.collect()
        samples[count], count = tracemalloc.get_traced_memory()[0], count + 1
    finally:
        tracemalloc.stop()
    samples = samples[:count].tolist()
    growth = samples[-1] - samples[0]
    record_property("memory_steps", steps)
    record_property("memory_growth_bytes", growth)
    print(f"\n{steps} steps; traced memory after warm-up: {samples} bytes; growth {growth} B")
    assert steps >= STEPS
    assert max(samples) - samples[0] < MEMORY_BOUND, samples
    assert loss < first_loss  # it trained


def test_evaluation_without_backward_keeps_no_graph():
    """A forward pass under no_grad holds no references to its inputs."""
    model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
    x = Tensor(np.ones((3, 4)))
    with no_grad():
        out = model(x)
    assert out._parents == () and out._backward is None and not out.requires_grad


# ------------------------------------------------------------- deep graphs
CHAIN = 100_000


@pytest.mark.slow
def test_backward_through_a_chain_of_100000_ops():
    assert sys.getrecursionlimit() < CHAIN  # a recursive walk could not do this
    c = 1.0 + 1e-5
    x = Tensor(np.array([0.5, -2.0]), requires_grad=True)
    y = x
    for i in range(CHAIN):
        y = y * c if i % 2 else y + 1e-3
    y.sum().backward()
    # d y / d x = c ** (CHAIN / 2), each step's chain rule applied in float64.
    np.testing.assert_allclose(x.grad, [c ** (CHAIN // 2)] * 2, rtol=1e-9)
    expected_value = x.data
    for i in range(CHAIN):
        expected_value = expected_value * c if i % 2 else expected_value + 1e-3
    np.testing.assert_allclose(y.data, expected_value, rtol=1e-12)


@pytest.mark.slow
def test_a_100000_op_graph_that_is_never_backpropagated_is_freed():
    """Dropping a long unused chain must not overflow the C stack when it is freed."""
    x = Tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = y.tanh()
    ref = y
    del y
    del ref  # CPython frees the chain node by node
    gc.collect()
    z = (x * 2).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


@pytest.mark.slow
def test_wide_graph_with_100000_uses_of_one_leaf():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    total = x * 0.0
    for _ in range(CHAIN // 2):
        total = total + x
    total.sum().backward()
    np.testing.assert_array_equal(x.grad, [CHAIN // 2, CHAIN // 2])


# ------------------------------------------------------- resumed training
def _setup(init_seed: int):
    np.random.seed(init_seed)
    model = Sequential(Linear(2, 32), BatchNorm1d(32), ReLU(), Dropout(0.2), Linear(32, 3))
    optimizer = Adam(model.parameters(), lr=0.02, weight_decay=1e-4)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler, _spiral_loader(seed=3)


def _train(model, optimizer, scheduler, loader, epochs):
    losses = []
    for _ in range(epochs):
        losses.append(train_epoch(model, loader, CrossEntropyLoss(), optimizer)[0])
        scheduler.step()
    return losses


def _everything(model, optimizer) -> dict:
    state = {f"model.{k}": np.array(v.data) for k, v in model.state_dict().items()}
    for i, p in enumerate(model.parameters()):
        for name, value in optimizer.state[p].items():
            state[f"opt.{i}.{name}"] = np.array(value)
    state["lr"] = np.array(optimizer.param_groups[0]["lr"])
    state["rng"] = np.random.random(4)  # dropout's next draws
    return state


@pytest.mark.slow
def test_resumed_training_equals_uninterrupted_training_bit_for_bit(tmp_path):
    """Dropout (global RNG), BatchNorm buffers, Adam moments, a step schedule and a
    seeded shuffling loader: stopped after 3 epochs, saved, loaded into fresh
    objects in a scrambled process state, and trained 5 more."""
    model, optimizer, scheduler, loader = _setup(init_seed=0)
    straight = _train(model, optimizer, scheduler, loader, 8)
    expected = _everything(model, optimizer)

    model, optimizer, scheduler, loader = _setup(init_seed=0)
    first = _train(model, optimizer, scheduler, loader, 3)
    save_checkpoint(tmp_path / "ckpt.npz", model, optimizer, scheduler, epoch=3, losses=first)
    del model, optimizer, scheduler, loader
    np.random.seed(999)  # whatever happened in between

    model, optimizer, scheduler, loader = _setup(init_seed=123)  # different weights
    extra = load_checkpoint(tmp_path / "ckpt.npz", model, optimizer, scheduler)
    loader.set_epoch(extra["epoch"])
    rest = _train(model, optimizer, scheduler, loader, 5)

    assert extra["losses"] + rest == straight
    got = _everything(model, optimizer)
    assert got.keys() == expected.keys()
    for key in expected:
        assert np.array_equal(got[key], expected[key]), key
        assert got[key].dtype == expected[key].dtype, key
