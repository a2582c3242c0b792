"""Scheduler behaviour the book's mutants showed unpinned: resuming with
``last_epoch``, and the cosine schedule past ``T_max``, against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor

RESUMED = [
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("LinearLR", dict(start_factor=0.25, total_iters=8)),
    ("MultiStepLR", dict(milestones=[6, 9], gamma=0.1)),
]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def resumed_optimizer(module, tensor, lr=0.5):
    """An optimizer whose groups carry 'initial_lr', as after load_state_dict."""
    a, b = tensor([1.0], requires_grad=True), tensor([2.0], requires_grad=True)
    groups = [{"params": [a], "initial_lr": 0.1}, {"params": [b], "initial_lr": 0.02}]
    return module.SGD(groups, lr=lr)


def sequence(optimizer, scheduler, steps=30):
    seen = []
    for _ in range(steps):
        seen.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return seen


@pytest.mark.parametrize("last_epoch", [1, 4, 12])
@pytest.mark.parametrize("name,kwargs", RESUMED, ids=lambda v: str(v))
def test_scheduler_resumed_with_last_epoch_matches_torch(torch, name, kwargs, last_epoch):
    opt = resumed_optimizer(mp, Tensor)
    topt = resumed_optimizer(torch.optim, torch.tensor)
    ours = getattr(mp, name)(opt, last_epoch=last_epoch, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, last_epoch=last_epoch, **kwargs)
    assert ours.last_epoch == theirs.last_epoch
    np.testing.assert_allclose(ours.base_lrs, [0.1, 0.02])
    np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    np.testing.assert_allclose(sequence(opt, ours), sequence(topt, theirs), rtol=1e-12)


def test_cosine_past_t_max_follows_the_cosine_back_up():
    opt = mp.SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
    sched = mp.CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    seen = [lr[0] for lr in sequence(opt, sched, steps=21)]
    t = np.arange(21)
    np.testing.assert_allclose(seen, 0.1 + 0.45 * (1 + np.cos(np.pi * t / 5)), rtol=1e-9)
    assert seen[5] == pytest.approx(0.1) and seen[10] == pytest.approx(1.0)


def test_resuming_without_initial_lr_names_the_fix():
    opt = mp.SGD([Tensor([0.0], requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        mp.CosineAnnealingLR(opt, T_max=10, last_epoch=3)


def test_scheduler_defaults_match_torch(torch):
    opt = mp.SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    for name, kwargs in [
        ("StepLR", dict(step_size=2)),
        ("MultiStepLR", dict(milestones=[2])),
        ("LinearLR", {}),
        ("CosineAnnealingLR", dict(T_max=4)),
    ]:
        opt.param_groups[0].pop("initial_lr", None)
        topt.param_groups[0].pop("initial_lr", None)
        opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 1.0
        ours = sequence(opt, getattr(mp, name)(opt, **kwargs), steps=8)
        theirs = sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kwargs), steps=8)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=name)


PLATEAU_MODES = [("min", "rel"), ("min", "abs"), ("max", "rel"), ("max", "abs")]


@pytest.mark.parametrize("mode,threshold_mode", PLATEAU_MODES)
def test_reduce_on_plateau_state_is_torchs_at_every_step(torch, mode, threshold_mode):
    """Metrics that land just inside and just outside the threshold's bar, both ways."""
    kwargs = dict(mode=mode, threshold_mode=threshold_mode, threshold=0.1, patience=1, cooldown=1)
    opt = resumed_optimizer(mp, Tensor)
    topt = resumed_optimizer(torch.optim, torch.tensor)
    ours = mp.ReduceLROnPlateau(opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    metrics = [1.0, 1.05, 0.95, 0.85, 0.8, 0.9, 1.0, 1.1, 1.2, 1.15, 1.3, 1.25, 1.4]
    for metric in [None, *metrics]:
        if metric is not None:
            opt.step(), topt.step()
            ours.step(metric), theirs.step(metric)
        mine, torchs = ours.state_dict(), theirs.state_dict()
        assert mine == {k: torchs[k] for k in mine}, metric
    assert ours.get_last_lr() != [0.5, 0.5]  # the rate was reduced on the way


CONSTANT_BOUNDS = [  # (kwargs, what step() is given, how many distinct rates)
    (dict(factor=1.0, total_iters=3), [None] * 6, 1),  # a no-op
    (dict(factor=0.0, total_iters=4), [None] * 3, 1),  # both divide by 0 at total_iters
    (dict(factor=0.5, total_iters=4), [3, 4, 5, 4, 0], 2),  # step(total_iters): past it
]


@pytest.mark.parametrize("kwargs,epochs,distinct", CONSTANT_BOUNDS)
def test_constant_lr_at_its_bounds_is_torchs(torch, kwargs, epochs, distinct):
    opt = resumed_optimizer(mp, Tensor)
    topt = resumed_optimizer(torch.optim, torch.tensor)
    ours = mp.ConstantLR(opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ConstantLR(topt, **kwargs)
    seen = []
    for epoch in epochs:
        opt.step(), topt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # step(epoch) is deprecated, in both
            ours.step(epoch), theirs.step(epoch)
        seen.append(ours.get_last_lr())
        np.testing.assert_allclose(seen[-1], theirs.get_last_lr(), rtol=1e-12)
    assert len({tuple(lrs) for lrs in seen}) == distinct
