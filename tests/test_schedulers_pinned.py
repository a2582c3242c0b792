"""Scheduler behaviour the mutants showed unpinned, against PyTorch: resuming with
``last_epoch``, the cosine schedule past ``T_max``, and (issue 27's census) the edges:
argument bounds, thresholds met exactly, phase ends, group entries, saved states."""

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
    # 0.9 and 1.1 sit exactly on the bar after 1.0 (1.0 * 0.9, 1.0 - 0.1, ...): not better
    metrics = [1.0, 0.9, 1.1, 1.05, 0.95, 0.85, 0.8, 0.9, 1.0, 1.1, 1.2, 1.15, 1.3, 1.25, 1.4]
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


def test_reduce_on_plateau_refuses_factor_one_and_skips_a_cut_of_eps_as_torch(torch):
    with pytest.raises(ValueError):
        torch.optim.lr_scheduler.ReduceLROnPlateau(
            resumed_optimizer(torch.optim, torch.tensor), factor=1.0
        )
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        mp.ReduceLROnPlateau(resumed_optimizer(mp, Tensor), factor=1.0)
    # Group 0 would drop from 0.5 to its min_lr 0.25, group 1 from 0.05 to 0.005: cuts of
    # eps or less, skipped; group 1's first cut (0.5 to 0.05) is made.
    kwargs = dict(patience=0, eps=0.25, min_lr=[0.25, 0.0])
    opt = resumed_optimizer(mp, Tensor)
    topt = resumed_optimizer(torch.optim, torch.tensor)
    ours = mp.ReduceLROnPlateau(opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for metric in [1.0, 1.0, 1.0]:
        ours.step(metric), theirs.step(metric)
    assert ours.get_last_lr() == theirs.get_last_lr() == [0.5, pytest.approx(0.05)]


def _torch_sequence(torch, build, steps, momentum=0.0):
    """The rates of a schedule ``build(module, optimizer)``, ours and torch's."""
    runs = []
    for module, tensor, lr_module in [
        (mp, Tensor, mp.optim.lr_scheduler),
        (torch.optim, torch.tensor, torch.optim.lr_scheduler),
    ]:
        opt = module.SGD([tensor([1.0], requires_grad=True)], lr=0.5, momentum=momentum)
        sched = build(lr_module, opt)
        seen = [sched.get_last_lr()]
        for _ in range(steps):
            opt.step()
            sched.step()
            seen.append(sched.get_last_lr())
        runs.append(np.array(seen, float))
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12)
    return runs[0][:, 0]


def test_shortest_cosine_schedules_are_torchs(torch):
    """T_max=1 and T_0=1 are allowed, as in torch."""
    lrs = _torch_sequence(torch, lambda m, o: m.CosineAnnealingLR(o, T_max=1), 4)
    np.testing.assert_allclose(lrs, [0.5, 0.0, 0.5, 0.0, 0.5], atol=1e-15)
    build = lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=1, T_mult=2, eta_min=0.1)  # noqa: E731
    assert len(set(_torch_sequence(torch, build, 8))) > 2


def test_cosine_closed_form_with_eta_min_is_torchs(torch):
    opt = resumed_optimizer(mp, Tensor)
    topt = resumed_optimizer(torch.optim, torch.tensor)
    ours = mp.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=6, eta_min=0.01)
    for epoch in [2, 6, 0, 9]:
        opt.step(), topt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # step(epoch) is deprecated, in both
            ours.step(epoch), theirs.step(epoch)
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    assert ours.get_last_lr()[0] > 0.01


def test_sequential_milestone_one_and_a_chain_of_one_are_torchs(torch):
    def sequential(m, o):
        parts = [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.5)]
        return m.SequentialLR(o, parts, milestones=[1])

    lrs = _torch_sequence(torch, sequential, 4)
    np.testing.assert_allclose(lrs, [0.25, 0.5, 0.25, 0.125, 0.0625])
    lrs = _torch_sequence(torch, lambda m, o: m.ChainedScheduler([m.ExponentialLR(o, 0.5)]), 2)
    np.testing.assert_allclose(lrs, [0.5, 0.25, 0.125])


def _groups(optimizer):
    return [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(momentum=0.9)), ("Adam", {})])
@pytest.mark.parametrize(
    "build",
    [
        lambda m, o: m.CyclicLR(o, base_lr=0.1, max_lr=0.5, step_size_up=2),
        lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=6, three_phase=True),
    ],
    ids=["CyclicLR", "OneCycleLR"],
)
def test_cyclic_schedules_write_torchs_group_entries(torch, build, name, kwargs):
    """initial_lr, the momentum (SGD's or Adam's betas, both of them) and its bounds, and
    OneCycleLR's max_lr and min_lr, at every step."""
    opt = getattr(mp, name)([Tensor([1.0], requires_grad=True)], lr=0.5, **kwargs)
    topt = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], lr=0.5, **kwargs)
    ours, theirs = build(mp.optim.lr_scheduler, opt), build(torch.optim.lr_scheduler, topt)
    for _ in range(6):  # OneCycleLR: up to step == total_steps, which torch allows
        mine, torchs = _groups(opt)[0], _groups(topt)[0]
        assert {"initial_lr", "base_momentum", "max_momentum"} <= set(mine) <= set(torchs)
        for key, value in mine.items():
            np.testing.assert_allclose(value, torchs[key], rtol=1e-12, err_msg=key)
        opt.step(), topt.step()
        ours.step(), theirs.step()
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)


class Halving:
    """A callable scale_fn object: its attributes are saved in CyclicLR's state dict."""

    def __init__(self, base):
        self.base = base

    def __call__(self, cycle):
        return self.base ** (cycle - 1)


def test_cyclic_state_saves_a_callable_scale_fn_object_as_torch(torch):
    def build(module, tensor, fn):
        opt = module.SGD([tensor([1.0], requires_grad=True)], lr=0.5)
        lr_module = module.lr_scheduler
        return lr_module.CyclicLR(opt, 0.1, 0.5, step_size_up=2, scale_fn=fn)

    for fn in [Halving(0.5), lambda x: 1.0]:
        state = build(mp.optim, Tensor, fn).state_dict()["_scale_fn_custom"]
        tstate = build(torch.optim, torch.tensor, fn).state_dict()["_scale_fn_custom"]
        assert state == tstate == ({"base": 0.5} if isinstance(fn, Halving) else None)
    other = Halving(0.9)
    sched = build(mp.optim, Tensor, other)
    sched.load_state_dict(build(mp.optim, Tensor, Halving(0.5)).state_dict())
    assert other.base == 0.5 and sched.scale_fn(3) == 0.25


def test_one_cycle_at_its_smallest_and_its_bad_lengths(torch):
    build = lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=1)  # noqa: E731
    assert len(set(_torch_sequence(torch, build, 1, momentum=0.9))) == 2
    opt = resumed_optimizer(mp, Tensor)
    for kwargs in [dict(total_steps=0), dict(total_steps=-3), dict(total_steps=True)]:
        with pytest.raises(ValueError, match="total_steps must be a positive integer"):
            mp.OneCycleLR(opt, 1.0, **kwargs)
    for kwargs in [dict(epochs=3), dict(steps_per_epoch=3)]:
        with pytest.raises(ValueError, match="or epochs and steps_per_epoch"):
            mp.OneCycleLR(opt, 1.0, **kwargs)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        mp.OneCycleLR(opt, 1.0, epochs=0, steps_per_epoch=3)


def test_linear_lr_factor_bounds_are_torchs(torch):
    for kwargs in [dict(start_factor=1.5), dict(end_factor=1.5), dict(end_factor=-0.1)]:
        with pytest.raises(ValueError):
            torch.optim.lr_scheduler.LinearLR(
                resumed_optimizer(torch.optim, torch.tensor), **kwargs
            )
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            mp.LinearLR(resumed_optimizer(mp, Tensor), **kwargs)
    build = lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=2)  # noqa: E731
    np.testing.assert_allclose(_torch_sequence(torch, build, 3), [0.5, 0.25, 0.0, 0.0])


@pytest.mark.parametrize("total_steps", [3, 4, 8, 11])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_phase_ends_are_torchs_bit_for_bit(torch, three_phase, total_steps):
    """A step on a phase's end belongs to that phase (pct = 1), not to the next (pct = 0):
    the two agree only to rounding, so this compares with torch exactly."""
    kwargs = dict(max_lr=[1.0], total_steps=total_steps, pct_start=0.5)
    kwargs.update(three_phase=three_phase, anneal_strategy="linear")
    runs = []
    for module, tensor, lr_module in [
        (mp, Tensor, mp.optim.lr_scheduler),
        (torch.optim, torch.tensor, torch.optim.lr_scheduler),
    ]:
        opt = module.SGD([tensor([1.0], requires_grad=True)], lr=0.5, momentum=0.9)
        sched = lr_module.OneCycleLR(opt, **kwargs)
        seen = []
        for _ in range(total_steps):
            seen.append((sched.get_last_lr()[0], opt.param_groups[0]["momentum"]))
            opt.step()
            sched.step()
        runs.append(seen)
    assert runs[0] == runs[1]


def test_cyclic_refuses_a_rise_of_zero_steps(torch):
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5, momentum=0.9)
    with pytest.raises(ZeroDivisionError):  # in the step its constructor takes
        torch.optim.lr_scheduler.CyclicLR(topt, 0.1, 0.5, step_size_up=0)
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=0.5, momentum=0.9)
    for up in [0, -2]:
        with pytest.raises(ValueError, match="step_size_up must be a positive"):
            mp.CyclicLR(opt, 0.1, 0.5, step_size_up=up)
    assert opt.param_groups[0]["lr"] == 0.5  # refused before it wrote base_lr
    sched = mp.CyclicLR(opt, 0.1, 0.5, step_size_up=1, step_size_down=0)  # as torch: allowed
    assert sched.get_last_lr() == [0.1]


def test_warm_restarts_from_a_last_epoch_below_minus_one_start_at_0_as_torch(torch):
    """The constructor's step goes to epoch 0 for any negative last_epoch, as in torch."""
    opt = resumed_optimizer(mp, Tensor)
    topt = resumed_optimizer(torch.optim, torch.tensor)
    ours = mp.CosineAnnealingWarmRestarts(opt, T_0=4, last_epoch=-3)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=4, last_epoch=-3)
    assert (ours.last_epoch, ours.T_cur) == (theirs.last_epoch, theirs.T_cur) == (0, 0)
    np.testing.assert_allclose(sequence(opt, ours, 6), sequence(topt, theirs, 6), rtol=1e-12)


def test_sequential_refuses_decreasing_milestones_and_takes_equal_ones_as_torch(torch):
    opt = resumed_optimizer(mp, Tensor)
    parts = [mp.ConstantLR(opt, 0.5), mp.ExponentialLR(opt, 0.9), mp.StepLR(opt, 2)]
    with pytest.raises(ValueError, match=r"milestones must not decrease.*\[5, 3\]"):
        mp.SequentialLR(opt, parts, milestones=[5, 3])

    def sequential(m, o):  # the middle scheduler never runs
        parts = [m.ConstantLR(o, 0.5), m.ExponentialLR(o, 0.9), m.StepLR(o, 2, gamma=0.1)]
        return m.SequentialLR(o, parts, milestones=[2, 2])

    lrs = _torch_sequence(torch, sequential, 5)
    np.testing.assert_allclose(lrs, [0.25, 0.25, 0.5, 0.5, 0.05, 0.05])
