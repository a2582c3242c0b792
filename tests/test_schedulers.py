"""Learning-rate schedules: 100-step sequences against PyTorch, warnings, state."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor

CASES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 60], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.95)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=100)),
    ("LinearLR", dict(start_factor=0.1, total_iters=10)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=40)),
]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def two_groups(module, tensor):
    a, b = tensor([1.0], requires_grad=True), tensor([2.0], requires_grad=True)
    return module.SGD([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1)


def lr_sequence(optimizer, scheduler, steps=100, metrics=None):
    seen = []
    for epoch in range(steps):
        seen.append(list(scheduler.get_last_lr()))
        assert seen[-1] == [g["lr"] for g in optimizer.param_groups]
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
    return seen


@pytest.mark.parametrize("name,kwargs", CASES, ids=lambda v: str(v))
def test_lr_sequence_matches_torch_for_100_steps(torch, name, kwargs):
    opt, topt = two_groups(mp, Tensor), two_groups(torch.optim, torch.tensor)
    ours = lr_sequence(opt, getattr(mp, name)(opt, **kwargs))
    theirs = lr_sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert len({tuple(lrs) for lrs in ours}) > 2  # the schedule really changes the rate


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2),
    dict(patience=3, cooldown=4, threshold=0.05, threshold_mode="abs", min_lr=[0.004, 0.0]),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=lambda v: str(v))
def test_reduce_on_plateau_matches_torch(torch, kwargs):
    rng = np.random.default_rng(0)
    metrics = list(1 / np.arange(1, 101) + rng.random(100) * 0.05)
    opt, topt = two_groups(mp, Tensor), two_groups(torch.optim, torch.tensor)
    ours = lr_sequence(opt, mp.ReduceLROnPlateau(opt, **kwargs), metrics=metrics)
    theirs = lr_sequence(
        topt, torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs), metrics=metrics
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert ours[-1] != ours[0]


def test_construction_sets_initial_lr_and_warmup_starts_low():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    mp.LinearLR(opt, start_factor=0.25, total_iters=3)
    assert opt.param_groups[0]["lr"] == 0.25 and opt.param_groups[0]["initial_lr"] == 1.0


def test_stepping_the_scheduler_first_warns():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    scheduler = mp.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()
    opt2 = mp.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    scheduler2 = mp.StepLR(opt2, step_size=1)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler2.step()


def test_state_dict_round_trip_continues_identically():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    scheduler = mp.CosineAnnealingLR(opt, T_max=25)
    lr_sequence(opt, scheduler, steps=20)
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    assert "optimizer" not in saved
    opt2 = mp.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    scheduler2 = mp.CosineAnnealingLR(opt2, T_max=25)
    opt2.load_state_dict(saved_opt)
    scheduler2.load_state_dict(saved)
    assert lr_sequence(opt, scheduler, steps=20) == lr_sequence(opt2, scheduler2, steps=20)


def test_bad_arguments():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)])
    with pytest.raises(TypeError, match="not an Optimizer"):
        mp.StepLR("sgd", step_size=2)
    with pytest.raises(ValueError, match="step_size"):
        mp.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="start_factor"):
        mp.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="T_max"):
        mp.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="factor"):
        mp.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        mp.ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(KeyError, match="initial_lr"):
        mp.StepLR(mp.SGD([Tensor([1.0], requires_grad=True)]), step_size=2, last_epoch=5)
