"""Optimizers: 50-step trajectories against PyTorch, state_dict, groups, validation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.1, weight_decay=0.1, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), eps=1e-3)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, maximize=True)),
]
SHAPES = [(3, 4), (4,), (3, 4)]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def problem(steps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(steps)]
    return init, grads


def feed(params, grads) -> None:
    for p, g in zip(params, grads):
        p.grad = g.copy()


def step_both(opt, topt, ours, theirs, grads) -> None:
    """Step ours and torch's optimizer once for each set of gradients."""
    torch = pytest.importorskip("torch")
    for g in grads:
        feed(ours, g)
        for tp, gi in zip(theirs, g):
            tp.grad = torch.tensor(gi)
        opt.step()
        topt.step()


@pytest.mark.parametrize("name,kwargs", CASES, ids=lambda v: str(v))
def test_trajectory_matches_torch_for_50_steps(torch, name, kwargs):
    init, grads = problem(50)
    ours = [Tensor(a, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(mp, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    for step, g in enumerate(grads):
        feed(ours, g)
        for tp, gi in zip(theirs, g):
            tp.grad = torch.tensor(gi)
        opt.step()
        topt.step()
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(
                p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=f"step {step}"
            )
    for p in ours:
        assert p.dtype == np.float32
        assert all(
            v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray)
        )


@pytest.mark.parametrize("name,kwargs", CASES, ids=lambda v: str(v))
def test_state_after_three_steps_is_torchs_entry_for_entry(torch, name, kwargs):
    # The step counts and buffers themselves, not only the parameters they move.
    init, grads = problem(3, seed=2)
    ours = [Tensor(a, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(mp, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    step_both(opt, topt, ours, theirs, grads)
    state, tstate = opt.state_dict()["state"], topt.state_dict()["state"]
    assert {k for k, v in state.items() if v} == tstate.keys()
    for index, entry in tstate.items():
        assert state[index].keys() == entry.keys()
        for key, value in entry.items():
            if key == "step":
                assert state[index][key] == int(value) == len(grads)
            else:
                np.testing.assert_allclose(state[index][key], value.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name,kwargs", CASES[1::3], ids=lambda v: str(v))
def test_state_dict_round_trip_continues_identically(name, kwargs):
    init, grads = problem(30, seed=1)
    a = [Tensor(x, requires_grad=True) for x in init]
    opt_a = getattr(mp, name)(a, **kwargs)
    for g in grads[:10]:
        feed(a, g)
        opt_a.step()
    saved = opt_a.state_dict()
    b = [Tensor(p.data.copy(), requires_grad=True) for p in a]
    opt_b = getattr(mp, name)(b, lr=123.0)  # hyper-parameters come back from the state
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
    for g in grads[10:]:
        feed(a, g)
        feed(b, g)
        opt_a.step()
        opt_b.step()
    for pa, pb in zip(a, b):
        np.testing.assert_array_equal(pa.data, pb.data)


def test_state_dict_layout_is_torchs(torch):
    init, grads = problem(2)
    ours = [Tensor(a, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt, topt = mp.Adam(ours, amsgrad=True), torch.optim.Adam(theirs, amsgrad=True)
    for p, tp, g in zip(ours, theirs, grads[0]):
        p.grad, tp.grad = g.copy(), torch.tensor(g)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"] == [0, 1, 2]
    assert set(sd["param_groups"][0]) <= set(tsd["param_groups"][0])
    assert sd["state"].keys() == tsd["state"].keys()
    assert sd["state"][0].keys() == tsd["state"][0].keys()
    np.testing.assert_allclose(sd["state"][1]["exp_avg"], tsd["state"][1]["exp_avg"].numpy())
    # Saved arrays are copies: stepping on does not change the snapshot.
    before = sd["state"][0]["exp_avg"].copy()
    feed(ours, grads[1])
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)


def test_load_state_dict_checks_group_sizes():
    def param(*values):
        return Tensor(np.array(values), requires_grad=True)

    saved = mp.SGD([param(1.0, 1.0)], momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="parameter group of 1 parameters"):
        mp.SGD([param(1.0, 1.0), param(1.0)]).load_state_dict(saved)
    with pytest.raises(ValueError, match="parameter groups"):
        mp.SGD([{"params": [param(1.0)]}, {"params": [param(2.0)]}]).load_state_dict(saved)


def test_param_groups_match_torch(torch):
    init, grads = problem(20)
    ours = [Tensor(a, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt = mp.SGD([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.01}], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(
        [{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.01}], lr=0.1, momentum=0.9
    )
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    step_both(opt, topt, ours, theirs, grads)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_add_param_group_fills_defaults_and_rejects_duplicates():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    opt = mp.Adam([a], lr=0.5)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        opt.add_param_group({"params": [Tensor([0.0], requires_grad=True)], "betas": (0.9, 1.0)})


def test_updates_are_in_place_and_skip_parameters_without_gradients():
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    frozen = Tensor(np.ones(3, np.float32), requires_grad=True)
    view = w.data
    opt = mp.Adam([w, frozen], lr=0.1)
    w.grad = np.ones(3, np.float32)
    opt.step()
    assert view is w.data and np.all(view < 1)
    assert frozen not in opt.state and np.all(frozen.data == 1)
    assert opt.state[w]["step"] == 1


def test_zero_grad_sets_none_or_zeros():
    w = Tensor(np.ones(2), requires_grad=True)
    opt = mp.SGD([w])
    w.grad = np.ones(2)
    opt.zero_grad()
    assert w.grad is None
    w.grad = np.ones(2)
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]


def test_step_with_closure_returns_its_loss():
    x = Tensor([0.0], requires_grad=True)
    opt = mp.SGD([x], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = ((x - 3) ** 2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0 and x.item() == pytest.approx(0.6)


def test_defaults_are_torchs(torch):
    p = [Tensor([1.0], requires_grad=True)]
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]:
        ours = getattr(mp, name)(p).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


def test_adam_l2_and_adamw_decoupled_decay_differ():
    # With a zero gradient, Adam's L2 term passes through the adaptive denominator
    # (a step of about lr), while AdamW shrinks the weight by exactly lr * weight_decay.
    a, b = Tensor([10.0], requires_grad=True), Tensor([10.0], requires_grad=True)
    adam, adamw = mp.Adam([a], lr=0.1, weight_decay=0.01), mp.AdamW([b], lr=0.1, weight_decay=0.01)
    a.grad, b.grad = np.zeros(1, np.float32), np.zeros(1, np.float32)
    adam.step()
    adamw.step()
    assert a.item() == pytest.approx(10.0 - 0.1, rel=1e-6)
    assert b.item() == pytest.approx(10.0 * (1 - 0.1 * 0.01), rel=1e-6)


INVALID = [
    (mp.SGD, dict(lr=-0.1), "learning rate"),
    (mp.SGD, dict(lr=math.nan), "learning rate"),
    (mp.SGD, dict(momentum=-0.5), "momentum"),
    (mp.SGD, dict(weight_decay=-1.0), "weight_decay"),
    (mp.SGD, dict(nesterov=True), "Nesterov"),
    (mp.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
    (mp.Adam, dict(betas=(1.0, 0.999)), "index 0"),
    (mp.Adam, dict(betas=(0.9, -0.1)), "index 1"),
    (mp.Adam, dict(eps=-1e-8), "eps"),
    (mp.AdamW, dict(weight_decay=-0.1), "weight_decay"),
    (mp.RMSprop, dict(alpha=-0.1), "alpha"),
    (mp.Adagrad, dict(lr_decay=-0.1), "lr_decay"),
    (mp.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
]


@pytest.mark.parametrize("cls,kwargs,match", INVALID, ids=lambda v: str(v))
def test_invalid_hyper_parameters_fail_at_construction(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([Tensor([1.0], requires_grad=True)], **kwargs)


def test_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty parameter list"):
        mp.SGD([])
    model = mp.Linear(2, 2)
    params = model.parameters()
    mp.SGD(params)
    with pytest.raises(ValueError, match="empty parameter list"):
        mp.SGD(params)  # the generator was consumed by the first optimizer
    with pytest.raises(TypeError, match="optimize Tensors"):
        mp.SGD([np.ones(2)])
    with pytest.raises(TypeError, match="iterable"):
        mp.SGD(Tensor([1.0], requires_grad=True))
    with pytest.raises(ValueError, match="non-leaf"):
        mp.SGD([Tensor([1.0], requires_grad=True) * 2])
    with pytest.raises(TypeError, match="set"):
        mp.SGD([{"params": {Tensor([1.0], requires_grad=True)}}])


def test_repr_lists_groups():
    text = repr(mp.SGD([Tensor([1.0], requires_grad=True)], lr=0.5))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.5" in text


def test_load_state_dict_refuses_what_is_not_a_state_dict():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    for wrong in ({}, {"state": {}}, [1, 2]):
        with pytest.raises(TypeError, match=r"the dict from optimizer\.state_dict\(\)"):
            opt.load_state_dict(wrong)


@pytest.mark.parametrize(
    "name,kwargs",
    [("SGD", dict(lr=0.1, momentum=0.9)), ("RMSprop", dict()), ("Adagrad", dict())],
)
def test_a_loaded_state_is_a_copy_that_stepping_leaves_alone(torch, name, kwargs):
    # As torch, which deep-copies the state dict it loads.
    init, grads = problem(3, seed=3)
    saved_by = getattr(mp, name)([Tensor(a, requires_grad=True) for a in init], **kwargs)
    ours = [Tensor(a, requires_grad=True) for a in init]
    feed(saved_by.param_groups[0]["params"], grads[0])
    saved_by.step()
    saved = saved_by.state_dict()
    before = {i: {k: np.copy(v) for k, v in e.items()} for i, e in saved["state"].items()}
    opt = getattr(mp, name)(ours, **kwargs)
    opt.load_state_dict(saved)
    for g in grads[1:]:
        feed(ours, g)
        opt.step()
    for i, entry in saved["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(value, before[i][key])
        assert not np.array_equal(opt.state[ours[i]][key], before[i][key])


def test_betas_must_be_a_pair():
    p = [Tensor([1.0], requires_grad=True)]
    for betas in ((0.9,), (0.9, 0.99, 0.999), 0.9):
        with pytest.raises(ValueError, match="pass a pair like"):
            mp.Adam(p, betas=betas)


def test_a_scheduler_stepped_before_the_optimizer_warns_as_torch(torch):
    def warnings_of(lib, step_optimizer_first):
        p = lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1)
        p.grad = lib.ones(1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if step_optimizer_first:
                opt.step()
            sched.step()
        return any("before `optimizer.step()`" in str(w.message) for w in caught)

    for first in (False, True):
        assert warnings_of(mp, first) == warnings_of(torch, first) == (not first)


def test_lerp_gives_its_end_points_exactly_as_torch(torch):
    # The two-sided form exists for this: weight 0 gives start, 1 gives end, bit for bit.
    from micrograd_plus.optim.arithmetic import lerp_

    start, end = np.random.default_rng(4).normal(size=(2, 1000)).astype(np.float32)
    for weight, expected in ((0.0, start), (1.0, end)):
        ours = start.copy()
        lerp_(ours, end, weight, np.empty_like(ours))
        theirs = torch.lerp(torch.from_numpy(start), torch.from_numpy(end), weight).numpy()
        np.testing.assert_array_equal(ours, expected)
        np.testing.assert_array_equal(ours, theirs)
