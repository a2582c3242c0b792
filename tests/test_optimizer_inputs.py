"""Optimizer inputs and edge cases against PyTorch: named parameters, what is not a
parameter list, parameters whose shape changed, another optimizer's state, 0-d
parameters, and ``step(closure)``."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Parameter, Tensor

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.2, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
]


@pytest.fixture(autouse=True)
def _seeded():
    # Initial weights come from the global generator: seed them so a run can be repeated.
    mp.utils.set_seed(0)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_linear(torch, ours):
    layer = torch.nn.Linear(ours.in_features, ours.out_features, dtype=torch.float32)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(ours.weight.data))
        layer.bias.copy_(torch.tensor(ours.bias.data))
    return layer


# ------------------------------------------------------------ named parameters
def test_named_parameters_are_accepted_and_their_names_kept_as_torch(torch):
    model = mp.Linear(3, 2)
    tmodel = torch_linear(torch, model)
    opt = mp.SGD(model.named_parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tmodel.named_parameters(), lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"]
    assert opt.param_groups[0]["params"] == [model.weight, model.bias]
    saved, tsaved = opt.state_dict(), topt.state_dict()
    assert saved["param_groups"][0]["param_names"] == tsaved["param_groups"][0]["param_names"]
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    for _ in range(10):
        opt.zero_grad()
        topt.zero_grad()
        (model(Tensor(x)) ** 2).sum().backward()
        (tmodel(torch.tensor(x)) ** 2).sum().backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(
        model.weight.data, tmodel.weight.detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_names_load_into_an_unnamed_optimizer_as_torch(torch):
    model = mp.Linear(3, 1)
    saved = mp.SGD(model.named_parameters(), lr=0.2).state_dict()
    opt = mp.SGD(model.parameters(), lr=0.1)
    opt.load_state_dict(saved)
    tmodel = torch.nn.Linear(3, 1)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1)
    topt.load_state_dict(torch.optim.SGD(tmodel.named_parameters(), lr=0.2).state_dict())
    assert opt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"]
    assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"] == 0.2


def test_named_and_unnamed_parameters_do_not_mix(torch):
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="all \\(name, tensor\\) pairs.*or all tensors"):
        mp.SGD([("a", a), b])
    opt = mp.SGD([("a", a)])
    with pytest.raises(ValueError, match="with names .* or all without"):
        opt.add_param_group({"params": [b]})
    ta = torch.zeros(1, requires_grad=True)
    with pytest.raises(ValueError):  # torch refuses both too
        torch.optim.SGD([("a", ta), torch.zeros(1, requires_grad=True)])


def test_a_pair_in_the_wrong_order_or_of_three_is_refused_with_the_pairs_message():
    a = Tensor([1.0], requires_grad=True)
    for params in ([(a, "a")], [("a", a, 1)], [("a", a), ("b",)]):
        with pytest.raises(ValueError, match=r"all \(name, tensor\) pairs"):
            mp.SGD(params)


# ---------------------------------------------------- what is not a params list
@pytest.mark.parametrize("name", NAMES)
def test_state_dict_or_uncalled_parameters_say_what_to_pass(name):
    model = mp.Linear(3, 1)
    cls = getattr(mp, name)
    with pytest.raises(TypeError, match=rf"state_dict.*{name}\(model\.parameters\(\), \.\.\.\)"):
        cls(model.state_dict())
    with pytest.raises(TypeError, match=rf"method parameters.*{name}\(model\.parameters\(\)"):
        cls(model.parameters)
    with pytest.raises(TypeError, match=r"model\.named_parameters\(\)"):
        cls(model.named_parameters)
    with pytest.raises(TypeError, match="single parameter group.*wrap it in a list"):
        cls({"params": list(model.parameters())})


def test_params_that_are_not_iterable_fail_as_torch(torch):
    for bad in (5, None, 1.5):
        with pytest.raises(TypeError) as ours:
            mp.SGD(bad)
        with pytest.raises(TypeError) as theirs:
            torch.optim.SGD(bad)
        assert (
            str(ours.value) == str(theirs.value) == f"{type(bad).__name__!r} object is not iterable"
        )


# ------------------------------------------------------- shape changed later on
STATEFUL = [
    ("SGD", dict(momentum=0.9), "momentum_buffer"),
    ("Adam", dict(), "exp_avg"),
    ("AdamW", dict(), "exp_avg"),
    ("RMSprop", dict(), "square_avg"),
    ("Adagrad", dict(), "sum"),
]


@pytest.mark.parametrize("name,kwargs,key", STATEFUL)
def test_a_parameter_whose_shape_changed_is_named(torch, name, kwargs, key):
    model = mp.Sequential(mp.Linear(2, 3), mp.Linear(3, 1))
    opt = getattr(mp, name)(model.named_parameters(), lr=0.1, **kwargs)
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    bias = model[0].bias
    bias.data = np.ones(4)  # was shape (3,)
    bias.grad = np.ones(4)
    with pytest.raises(RuntimeError) as info:
        opt.step()
    message = str(info.value)
    assert "parameter 1 ('0.bias') of param_groups[0] has shape (4,)" in message
    assert f"state {key!r} has shape (3,)" in message
    assert "shape changed after the" in message and "build a new optimizer" in message
    # torch fails with a RuntimeError too (a raw size mismatch).
    tp = torch.nn.Parameter(torch.ones(3))
    topt = getattr(torch.optim, name)([tp], lr=0.1, **kwargs)
    tp.grad = torch.ones(3)
    topt.step()
    tp.data, tp.grad = torch.ones(4), torch.ones(4)
    with pytest.raises(RuntimeError):
        topt.step()


def test_a_stale_gradient_of_the_old_shape_is_named():
    p = Parameter(Tensor(np.ones(3)))
    opt = mp.SGD([p], lr=0.1)
    p.grad = np.ones(3, np.float32)
    p.data = np.ones(4)
    with pytest.raises(RuntimeError, match=r"parameter 0 of param_groups\[0\].*gradient has shape"):
        opt.step()


def test_plain_sgd_follows_a_new_shape_with_a_matching_gradient_as_torch(torch):
    # Without state there is nothing stale: torch steps, and so do we.
    p = Parameter(Tensor(np.ones(3)))
    opt = mp.SGD([p], lr=0.5)
    p.data, p.grad = np.ones(4, np.float32), np.ones(4, np.float32)
    opt.step()
    tp = torch.nn.Parameter(torch.ones(3))
    topt = torch.optim.SGD([tp], lr=0.5)
    tp.data, tp.grad = torch.ones(4), torch.ones(4)
    topt.step()
    np.testing.assert_array_equal(p.data, tp.detach().numpy())


# --------------------------------------------------- another optimizer's state
@pytest.mark.parametrize(
    "source,target,missing",
    [
        ("Adam", "SGD", "momentum, dampening, nesterov"),
        ("RMSprop", "Adagrad", "lr_decay"),
        ("SGD", "Adam", "betas, eps, amsgrad"),
    ],
)
def test_the_state_of_another_optimizer_class_is_refused(source, target, missing):
    model = mp.Linear(2, 1)
    src = getattr(mp, source)(model.parameters())
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    src.step()
    opt = getattr(mp, target)(model.parameters(), lr=0.5)
    with pytest.raises(ValueError, match=rf"has no {missing}.*not by this {target}"):
        opt.load_state_dict(src.state_dict())
    assert opt.param_groups[0]["lr"] == 0.5 and not opt.state  # untouched


def test_adam_and_adamw_states_share_a_layout():
    model = mp.Linear(2, 1)
    mp.Adam(model.parameters()).load_state_dict(mp.AdamW(model.parameters()).state_dict())


# ------------------------------------------------------------ 0-d parameters
def zero_d_problem(steps=25, seed=3):
    rng = np.random.default_rng(seed)
    return np.float32(rng.standard_normal()), rng.standard_normal(steps).astype(np.float32)


@pytest.mark.parametrize("as_scalar", [False, True], ids=["0-d array", "numpy scalar"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=lambda v: str(v))
def test_0d_parameter_trajectory_matches_torch(torch, name, kwargs, as_scalar):
    init, grads = zero_d_problem()
    w = Parameter(Tensor(init))
    tw = torch.tensor(init, requires_grad=True)
    opt, topt = getattr(mp, name)([w], **kwargs), getattr(torch.optim, name)([tw], **kwargs)
    for g in grads:
        w.grad = np.float32(g) if as_scalar else np.array(g)
        tw.grad = torch.tensor(g)
        opt.step()
        topt.step()
        assert w.data.shape == () and w.dtype == np.float32
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    for key, value in opt.state[w].items():
        if isinstance(value, np.ndarray):
            assert value.shape == (), key
            expected = topt.state[tw][key].numpy()
            np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7, err_msg=key)


def test_issue_example_momentum_on_a_0d_parameter_through_backward(torch):
    w = Parameter(Tensor(2.0))
    opt = mp.SGD([w], lr=0.1, momentum=0.9)
    tw = torch.tensor(2.0, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        (w * w).backward()
        (tw * tw).backward()
        opt.step()
        topt.step()
    assert w.item() == pytest.approx(tw.item(), rel=1e-6)  # 0.124, not 0.376
    assert w.item() == pytest.approx(0.124, abs=1e-6)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=lambda v: str(v))
def test_0d_and_vector_parameters_through_backward_match_torch(torch, name, kwargs):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 2)).astype(np.float32)
    y = rng.standard_normal((6, 1)).astype(np.float32)
    model, temperature = mp.Linear(2, 1), Parameter(Tensor(1.5))
    tmodel, ttemp = torch_linear(torch, model), torch.tensor(1.5, requires_grad=True)
    opt = getattr(mp, name)([*model.parameters(), temperature], **kwargs)
    topt = getattr(torch.optim, name)([*tmodel.parameters(), ttemp], **kwargs)
    for _ in range(15):
        opt.zero_grad()
        topt.zero_grad()
        ((model(Tensor(x)) / temperature - Tensor(y)) ** 2).mean().backward()
        ((tmodel(torch.tensor(x)) / ttemp - torch.tensor(y)) ** 2).mean().backward()
        opt.step()
        topt.step()
    assert temperature.item() != 1.5
    assert temperature.item() == pytest.approx(ttemp.item(), rel=1e-4, abs=1e-5)
    np.testing.assert_allclose(model.weight.data, tmodel.weight.detach().numpy(), rtol=1e-4)


# ------------------------------------------------------------- step(closure)
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=lambda v: str(v))
def test_step_returns_the_closures_loss_as_torch(torch, name, kwargs):
    x, tx = Tensor([0.5, -1.0], requires_grad=True), torch.tensor([0.5, -1.0], requires_grad=True)
    opt, topt = getattr(mp, name)([x], **kwargs), getattr(torch.optim, name)([tx], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((x - 3) ** 2).sum()
        loss.backward()
        closure.last = loss
        return loss

    def tclosure():
        topt.zero_grad()
        loss = ((tx - 3) ** 2).sum()
        loss.backward()
        return loss

    for _ in range(10):
        loss, tloss = opt.step(closure), topt.step(tclosure)
        assert loss is closure.last
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-5)
    np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert opt.step() is None and topt.step() is None  # no closure, no loss


# ------------------------------------------------------------- interrupts
def test_an_interrupt_inside_step_propagates_and_the_optimizer_stays_usable(monkeypatch):
    """The documented behaviour: a step interrupted half-way is partial (not rolled back),
    the KeyboardInterrupt reaches the caller, and the next step works."""
    a, b = Parameter(Tensor(np.ones(2))), Parameter(Tensor(np.ones(2)))
    opt = mp.SGD([a, b], lr=0.5, momentum=0.9)
    assert "not all-or-nothing" in mp.Optimizer.__doc__
    a.grad, b.grad = np.ones(2, np.float32), np.ones(2, np.float32)
    update = type(opt)._update
    calls = []

    def interrupted(self, param, *args):
        calls.append(param)
        if len(calls) == 2:
            raise KeyboardInterrupt
        update(self, param, *args)

    monkeypatch.setattr(type(opt), "_update", interrupted)
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    monkeypatch.undo()
    assert a.data.tolist() == [0.5, 0.5] and b.data.tolist() == [1.0, 1.0]  # partial
    assert opt._step_count == 0
    opt.step()
    assert b.data.tolist() == [0.5, 0.5] and a.data.tolist() == pytest.approx([-0.45, -0.45])
