"""The schedulers added after the first five: 120-step learning-rate (and momentum)
sequences against PyTorch with two parameter groups, resuming, state dicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.optim import lr_scheduler as ours_lr

STEPS = 120


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def make_optimizer(lib, tensor, name="SGD", **kwargs):
    a, b = tensor([1.0], requires_grad=True), tensor([2.0], requires_grad=True)
    second = {"params": [b], "lr": 0.02}
    return getattr(lib, name)([{"params": [a]}, second], lr=0.1, **kwargs)


def momenta(optimizer):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in optimizer.param_groups]


def sequence(optimizer, scheduler, steps=STEPS, epochs=None):
    """(lrs, momenta) before each step; ``epochs`` feeds ``step(epoch)`` instead."""
    seen = []
    for i in range(steps):
        lrs = list(scheduler.get_last_lr())
        assert lrs == [g["lr"] for g in optimizer.param_groups]
        seen.append(lrs + momenta(optimizer))
        optimizer.step()
        scheduler.step() if epochs is None else scheduler.step(epochs[i])
    return seen


class Factor:
    """A callable object: its attributes are saved in LambdaLR's state dict."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate**epoch


# Each case builds the scheduler from a module holding the scheduler classes
# (ours or torch.optim.lr_scheduler), so both sides run the same code.
CASES = {
    "LambdaLR": ("SGD", {}, lambda m, o: m.LambdaLR(o, lambda e: 0.97**e)),
    "LambdaLR-per-group": (
        "SGD",
        {},
        lambda m, o: m.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: max(0.0, 1 - e / 80)]),
    ),
    "MultiplicativeLR": ("SGD", {}, lambda m, o: m.MultiplicativeLR(o, lambda e: 0.96)),
    "MultiplicativeLR-epoch-dependent": (
        "SGD",
        {},
        lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9 if e % 10 == 0 else 1.01),
    ),
    "ConstantLR": ("SGD", {}, lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=17)),
    "PolynomialLR": ("SGD", {}, lambda m, o: m.PolynomialLR(o, total_iters=90, power=2.0)),
    "PolynomialLR-linear": ("SGD", {}, lambda m, o: m.PolynomialLR(o, total_iters=40)),
    "OneCycleLR-cos": ("SGD", {"momentum": 0.9}, lambda m, o: m.OneCycleLR(o, 1.0, STEPS)),
    "OneCycleLR-linear-per-group": (
        "SGD",
        {"momentum": 0.9},
        lambda m, o: m.OneCycleLR(
            o,
            max_lr=[1.0, 0.3],
            epochs=12,
            steps_per_epoch=10,
            pct_start=0.25,
            anneal_strategy="linear",
            base_momentum=[0.8, 0.7],
            div_factor=10.0,
            final_div_factor=100.0,
        ),
    ),
    "OneCycleLR-three-phase-adam": (
        "Adam",
        {},
        lambda m, o: m.OneCycleLR(o, 0.5, STEPS, three_phase=True, pct_start=0.4),
    ),
    "OneCycleLR-no-momentum": (
        "Adagrad",
        {},
        lambda m, o: m.OneCycleLR(o, 0.5, STEPS + 5, cycle_momentum=False),
    ),
    "CyclicLR-triangular": (
        "SGD",
        {"momentum": 0.9},
        lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=10),
    ),
    "CyclicLR-triangular2-asymmetric": (
        "SGD",
        {},
        lambda m, o: m.CyclicLR(
            o, [0.01, 0.002], [0.1, 0.05], step_size_up=7, step_size_down=3, mode="triangular2"
        ),
    ),
    "CyclicLR-exp-range-adam": (
        "Adam",
        {},
        lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=9, mode="exp_range", gamma=0.98),
    ),
    "CyclicLR-no-momentum": (
        "Adagrad",
        {},
        lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=5, cycle_momentum=False),
    ),
    "CyclicLR-scale-fn-iterations": (
        "RMSprop",
        {},
        lambda m, o: m.CyclicLR(
            o, 0.001, 0.01, 6, scale_fn=lambda x: 1 / (1 + 0.01 * x), scale_mode="iterations"
        ),
    ),
    "CosineAnnealingWarmRestarts": (
        "SGD",
        {},
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=13),
    ),
    "CosineAnnealingWarmRestarts-T_mult": (
        "SGD",
        {},
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
    ),
    "SequentialLR-warmup-cosine": (
        "SGD",
        {},
        lambda m, o: m.SequentialLR(
            o,
            [m.LinearLR(o, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(o, T_max=50)],
            milestones=[10],
        ),
    ),
    "SequentialLR-three-parts": (
        "SGD",
        {},
        lambda m, o: m.SequentialLR(
            o,
            [
                m.ConstantLR(o, factor=0.5, total_iters=3),
                m.ExponentialLR(o, gamma=0.9),
                m.StepLR(o, step_size=9, gamma=0.5),
            ],
            milestones=[5, 40],
        ),
    ),
    "SequentialLR-multistep-polynomial": (
        "SGD",
        {},
        lambda m, o: m.SequentialLR(
            o,
            [m.MultiStepLR(o, [3, 6], gamma=0.5), m.PolynomialLR(o, total_iters=60, power=1.5)],
            milestones=[20],
        ),
    ),
    "ChainedScheduler": (
        "SGD",
        {},
        lambda m, o: m.ChainedScheduler(
            [m.ConstantLR(o, factor=0.1, total_iters=4), m.ExponentialLR(o, gamma=0.97)]
        ),
    ),
    "ChainedScheduler-warmup-step": (
        "SGD",
        {},
        lambda m, o: m.ChainedScheduler(
            [m.LinearLR(o, start_factor=0.2, total_iters=8), m.StepLR(o, 15, 0.5)], optimizer=o
        ),
    ),
}


def both(torch, case):
    name, kwargs, build = CASES[case]
    opt, topt = (
        make_optimizer(mp, Tensor, name, **kwargs),
        make_optimizer(torch.optim, torch.tensor, name, **kwargs),
    )
    return opt, build(ours_lr, opt), topt, build(torch.optim.lr_scheduler, topt)


@pytest.mark.parametrize("case", list(CASES))
def test_sequence_matches_torch(torch, case):
    opt, sched, topt, tsched = both(torch, case)
    ours, theirs = sequence(opt, sched), sequence(topt, tsched)
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-12)
    lrs = np.array(ours, float)[:, :2]
    assert len(np.unique(lrs[:, 0])) > 1  # the schedule really moves the rate


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.startswith(("OneCycle", "Cyclic")) and "no-mom" not in c]
)
def test_momentum_cycles_opposite_to_the_rate(torch, case):
    opt, sched, _, _ = both(torch, case)
    seen = np.array(sequence(opt, sched), float)
    lr, momentum = seen[:, 0], seen[:, 2]
    assert len(np.unique(momentum)) > 2
    rising = np.diff(lr) > 1e-12
    assert np.all(np.diff(momentum)[rising] < 0)


def test_warm_restarts_with_fractional_epochs_match_torch(torch):
    batches = 7
    epochs = [e + b / batches for e in range(20) for b in range(1, batches + 1)]
    cases = [dict(T_0=3), dict(T_0=2, T_mult=3, eta_min=0.005)]
    for kwargs in cases:
        opt, topt = make_optimizer(mp, Tensor), make_optimizer(torch.optim, torch.tensor)
        sched = mp.CosineAnnealingWarmRestarts(opt, **kwargs)
        tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **kwargs)
        ours = sequence(opt, sched, len(epochs), epochs)
        theirs = sequence(topt, tsched, len(epochs), epochs)
        np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-12)
        assert sched.T_cur == pytest.approx(tsched.T_cur) and sched.T_i == tsched.T_i


RESUMABLE = {
    "StepLR": lambda m, o, e: m.StepLR(o, step_size=7, gamma=0.5, last_epoch=e),
    "MultiStepLR": lambda m, o, e: m.MultiStepLR(o, [20, 30, 50], gamma=0.3, last_epoch=e),
    "ExponentialLR": lambda m, o, e: m.ExponentialLR(o, gamma=0.95, last_epoch=e),
    "CosineAnnealingLR": lambda m, o, e: m.CosineAnnealingLR(o, T_max=30, last_epoch=e),
    "CosineAnnealingLR-eta-min": lambda m, o, e: m.CosineAnnealingLR(o, 25, 0.01, last_epoch=e),
    "LinearLR": lambda m, o, e: m.LinearLR(o, 0.1, total_iters=40, last_epoch=e),
    "ConstantLR": lambda m, o, e: m.ConstantLR(o, 0.5, total_iters=30, last_epoch=e),
    "PolynomialLR": lambda m, o, e: m.PolynomialLR(o, total_iters=60, power=2.0, last_epoch=e),
    "LambdaLR": lambda m, o, e: m.LambdaLR(o, lambda k: 0.97**k, last_epoch=e),
    "MultiplicativeLR": lambda m, o, e: m.MultiplicativeLR(o, lambda k: 0.97, last_epoch=e),
    "CosineAnnealingWarmRestarts": lambda m, o, e: m.CosineAnnealingWarmRestarts(
        o, 9, 2, last_epoch=e
    ),
}


@pytest.mark.parametrize("case", list(RESUMABLE))
@pytest.mark.parametrize("last_epoch", [0, 10])
def test_constructed_with_last_epoch_behaves_as_torch(torch, case, last_epoch):
    opt, topt = make_optimizer(mp, Tensor), make_optimizer(torch.optim, torch.tensor)
    for group in opt.param_groups + topt.param_groups:
        group["initial_lr"] = group["lr"] * 2
    sched = RESUMABLE[case](ours_lr, opt, last_epoch)
    tsched = RESUMABLE[case](torch.optim.lr_scheduler, topt, last_epoch)
    assert sched.last_epoch == tsched.last_epoch == last_epoch + 1
    ours, theirs = sequence(opt, sched, 100), sequence(topt, tsched, 100)
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-12)


@pytest.mark.parametrize(
    "case",
    [
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "LinearLR",
        "ConstantLR",
        "PolynomialLR",
    ],
)
def test_step_with_an_epoch_uses_the_closed_form_as_torch(torch, case):
    epochs = [3, 4, 10, 9, 25, 26, 60, 0, 5]
    opt, topt = make_optimizer(mp, Tensor), make_optimizer(torch.optim, torch.tensor)
    sched = RESUMABLE[case](ours_lr, opt, -1)
    tsched = RESUMABLE[case](torch.optim.lr_scheduler, topt, -1)
    with pytest.warns(UserWarning, match="deprecated"):
        ours = sequence(opt, sched, len(epochs), epochs)
    with pytest.warns(UserWarning):
        theirs = sequence(topt, tsched, len(epochs), epochs)
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-12)


def fresh(case):
    name, kwargs, build = CASES[case]
    opt = make_optimizer(mp, Tensor, name, **kwargs)
    return opt, build(ours_lr, opt)


@pytest.mark.parametrize("case", list(CASES))
def test_state_dict_round_trip_continues_identically(case):
    opt, sched = fresh(case)
    sequence(opt, sched, 40)
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved
    opt2, sched2 = fresh(case)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    assert sequence(opt, sched, 60) == sequence(opt2, sched2, 60)


@pytest.mark.parametrize("case", list(CASES))
def test_state_survives_a_checkpoint_file(case, tmp_path):
    opt, sched = fresh(case)
    model = mp.Linear(1, 1)
    sequence(opt, sched, 30)
    mp.save_checkpoint(tmp_path / "c.npz", model, opt, sched)
    opt2, sched2 = fresh(case)
    mp.load_checkpoint(tmp_path / "c.npz", model, opt2, sched2)
    assert sequence(opt, sched, 30) == sequence(opt2, sched2, 30)


def test_lambdas_are_not_saved_but_callable_objects_attributes_are(torch):
    opt = make_optimizer(mp, Tensor)
    factor = Factor(0.9)
    sched = mp.LambdaLR(opt, [factor, lambda e: 1.0])
    state = sched.state_dict()
    topt = make_optimizer(torch.optim, torch.tensor)
    tstate = torch.optim.lr_scheduler.LambdaLR(topt, [Factor(0.9), lambda e: 1.0]).state_dict()
    assert state["lr_lambdas"] == tstate["lr_lambdas"] == [{"rate": 0.9}, None]
    other = Factor(0.5)
    sched2 = mp.LambdaLR(make_optimizer(mp, Tensor), [other, lambda e: 2.0])
    sched2.load_state_dict(state)
    assert other.rate == 0.9 and sched2.lr_lambdas[0] is other
    assert state["lr_lambdas"] == [{"rate": 0.9}, None]  # loading does not consume the state


def test_a_state_of_another_scheduler_class_is_refused():
    opt = make_optimizer(mp, Tensor)
    step_state = mp.StepLR(opt, step_size=3).state_dict()
    cosine = mp.CosineAnnealingLR(make_optimizer(mp, Tensor), T_max=10)
    with pytest.raises(ValueError, match=r"not saved by a CosineAnnealingLR.*'T_max'"):
        cosine.load_state_dict(step_state)
    assert cosine.T_max == 10 and cosine.last_epoch == 0  # nothing was half-loaded
    plateau = mp.ReduceLROnPlateau(make_optimizer(mp, Tensor))
    with pytest.raises(ValueError, match="not saved by a ReduceLROnPlateau"):
        plateau.load_state_dict(step_state)


BAD = [
    (lambda o: mp.LambdaLR(o, [lambda e: 1.0]), ValueError, "one value per parameter group"),
    (lambda o: mp.LambdaLR(o, 0.5), TypeError, "function of the epoch"),
    (lambda o: mp.ConstantLR(o, factor=1.5), ValueError, "factor"),
    (lambda o: mp.PolynomialLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: mp.OneCycleLR(o, 1.0), ValueError, "total_steps, or epochs and steps_per_epoch"),
    (lambda o: mp.OneCycleLR(o, 1.0, 10, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: mp.OneCycleLR(o, 1.0, 10, anneal_strategy="cosine"), ValueError, "'cos'"),
    (lambda o: mp.OneCycleLR(o, 1.0, -3), ValueError, "total_steps"),
    (lambda o: mp.CyclicLR(o, 0.1, 1.0, mode="sawtooth"), ValueError, "mode"),
    (lambda o: mp.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
    (lambda o: mp.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0), ValueError, "T_mult"),
    (lambda o: mp.SequentialLR(o, [mp.StepLR(o, 2)], milestones=[3]), ValueError, "milestone"),
    (lambda o: mp.SequentialLR(o, [], milestones=[]), ValueError, "at least one"),
    (lambda o: mp.ChainedScheduler([mp.ReduceLROnPlateau(o)]), ValueError, "metric"),
    (
        lambda o: mp.SequentialLR(o, [mp.StepLR(make_optimizer(mp, Tensor), 2)], []),
        ValueError,
        "same optimizer",
    ),
]


@pytest.mark.parametrize("build,error,match", BAD, ids=lambda v: getattr(v, "__name__", str(v)))
def test_bad_arguments_are_refused(build, error, match):
    with pytest.raises(error, match=match):
        build(make_optimizer(mp, Tensor))


def test_cycling_momentum_needs_an_optimizer_with_momentum():
    opt = make_optimizer(mp, Tensor, "Adagrad")
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        mp.OneCycleLR(opt, 1.0, 10)
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        mp.CyclicLR(opt, 0.1, 1.0)


def test_one_cycle_refuses_to_step_past_total_steps(torch):
    opt = make_optimizer(mp, Tensor)
    sched = mp.OneCycleLR(opt, 1.0, total_steps=5)
    sequence(opt, sched, 5)
    with pytest.raises(ValueError, match="stepped 6 times, but total_steps is 5"):
        sched.step()


def test_warm_restarts_reach_eta_min_and_restart():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    sched = mp.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.1)
    lrs = [lr for lr, _ in sequence(opt, sched, 13)]
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(4)]
    expected += [0.1 + 0.9 * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(8)] + [1.0]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "case", ["OneCycleLR-cos", "OneCycleLR-three-phase-adam", "CyclicLR-triangular2-asymmetric"]
)
def test_resuming_a_cyclic_schedule_with_last_epoch_matches_torch(torch, case):
    """The torch idiom: load the optimizer's state, then build the scheduler with last_epoch."""
    name, kwargs, build = CASES[case]

    def resume(lib, tensor, module):
        opt = make_optimizer(lib, tensor, name, **kwargs)
        sched = build(module, opt)
        sequence(opt, sched, 30)
        opt2 = make_optimizer(lib, tensor, name, **kwargs)
        opt2.load_state_dict(opt.state_dict())
        assert sched.last_epoch == 30
        sched2 = _with_last_epoch(build, module, opt2, 29)  # then its first step is the 30th
        return sequence(opt2, sched2, 50), sequence(opt, sched, 50)

    ours, uninterrupted = resume(mp, Tensor, ours_lr)
    theirs, _ = resume(torch.optim, torch.tensor, torch.optim.lr_scheduler)
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-12)
    np.testing.assert_allclose(np.array(ours, float), np.array(uninterrupted, float), rtol=1e-12)


def _with_last_epoch(build, module, optimizer, last_epoch):
    """Run a case's builder with every scheduler given ``last_epoch``."""

    class Resuming:
        def __getattr__(self, name):
            cls = getattr(module, name)
            return lambda *args, **kwargs: cls(*args, last_epoch=last_epoch, **kwargs)

    return build(Resuming(), optimizer)


def test_reduce_on_plateau_is_a_scheduler_as_in_torch(torch):
    opt = make_optimizer(mp, Tensor)
    assert isinstance(mp.ReduceLROnPlateau(opt), mp.LRScheduler)
    topt = make_optimizer(torch.optim, torch.tensor)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt)
    assert isinstance(tsched, torch.optim.lr_scheduler.LRScheduler)
    sched = mp.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr() == pytest.approx([0.01, 0.002])
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    other = mp.ReduceLROnPlateau(make_optimizer(mp, Tensor), patience=0)
    other.load_state_dict(sched.state_dict())
    assert other.best == 1.0 and other.get_last_lr() == sched.get_last_lr()


def test_warm_restarts_state_dict_is_torchs_after_steps(torch):
    ours_p = mp.zeros(1, requires_grad=True)
    theirs_p = torch.zeros(1, requires_grad=True)
    ours_opt, theirs_opt = mp.optim.SGD([ours_p], lr=1.0), torch.optim.SGD([theirs_p], lr=1.0)
    ours = mp.optim.lr_scheduler.CosineAnnealingWarmRestarts(ours_opt, T_0=2, T_mult=2)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs_opt, T_0=2, T_mult=2)
    for _ in range(5):
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert mine == {k: torchs[k] for k in mine}  # _step_count included


@pytest.mark.parametrize("pct_start", [0.0, 1.0])  # no warm-up, or only warm-up: as torch
def test_one_cycle_with_a_phase_of_zero_length_is_torchs(torch, pct_start):
    ours_p, theirs_p = mp.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    ours_opt, theirs_opt = mp.optim.SGD([ours_p], lr=1.0), torch.optim.SGD([theirs_p], lr=1.0)
    kwargs = {"max_lr": 1.0, "total_steps": 6, "pct_start": pct_start}
    ours = mp.optim.lr_scheduler.OneCycleLR(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.OneCycleLR(theirs_opt, **kwargs)
    for _ in range(5):
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
