"""optimizer.lr, .momentum, .betas, .eps, .weight_decay and .params, as the seed's classes had
them: reading gives the groups' shared value, setting changes what step() does."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor


def _run(make, steps=4, change=None):
    """Parameter values after ``steps`` steps on fixed gradients; ``change(opt)`` after step 2."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal(5), requires_grad=True)
    opt = make([w])
    for t in range(steps):
        if t == 2 and change is not None:
            change(opt)
        opt.zero_grad()
        w.grad = rng.standard_normal(5).astype(np.float32)
        opt.step()
    return w.data.copy()


@pytest.mark.parametrize(
    "cls, start, name, value",
    [
        (mp.SGD, dict(lr=0.1), "lr", 0.001),
        (mp.SGD, dict(lr=0.1, momentum=0.9), "momentum", 0.5),
        (mp.SGD, dict(lr=0.1), "weight_decay", 0.3),
        (mp.Adam, dict(lr=0.1), "lr", 0.001),
        (mp.Adam, dict(lr=0.1), "betas", (0.5, 0.9)),
        (mp.Adam, dict(lr=0.1, eps=1e-8), "eps", 0.5),
        (mp.Adam, dict(lr=0.1), "weight_decay", 0.3),
        (mp.AdamW, dict(lr=0.1), "weight_decay", 0.3),
        (mp.RMSprop, dict(lr=0.1, momentum=0.1), "momentum", 0.5),
        (mp.Adagrad, dict(lr=0.1), "eps", 0.5),
    ],
)
def test_setting_an_attribute_changes_the_step_as_the_group_entry_does(cls, start, name, value):
    assert getattr(cls([Tensor([1.0], requires_grad=True)], **start), name) == start.get(
        name, cls([Tensor([1.0], requires_grad=True)]).defaults[name]
    )

    def by_attribute(opt):
        setattr(opt, name, value)
        assert getattr(opt, name) == value and opt.param_groups[0][name] == value

    def by_group(opt):
        opt.param_groups[0][name] = value

    make = lambda params: cls(params, **start)  # noqa: E731
    changed = _run(make, change=by_attribute)
    assert np.array_equal(changed, _run(make, change=by_group))
    assert not np.allclose(changed, _run(make))  # the new value made a difference


def test_lr_set_to_a_tenth_makes_the_next_sgd_step_a_tenth():
    w = Tensor(np.zeros(3), requires_grad=True)
    opt = mp.SGD([w], lr=0.1)
    opt.lr = 0.01
    w.grad = np.array([1.0, -2.0, 3.0])
    opt.step()
    assert np.allclose(w.data, [-0.01, 0.02, -0.03])


def test_groups_that_disagree_give_a_clear_error_and_setting_sets_them_all():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    opt = mp.SGD([{"params": [a], "lr": 0.1}, {"params": [b]}], lr=0.2)
    with pytest.raises(ValueError, match=r"different lr \(\[0.1, 0.2\]\).*param_groups\[i\]"):
        _ = opt.lr
    opt.lr = 0.05
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.05] and opt.lr == 0.05
    assert opt.params == [a, b]


def test_a_hyper_parameter_the_optimizer_does_not_have_is_an_attribute_error():
    opt = mp.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(AttributeError, match="SGD has no hyper-parameter 'betas'.*lr, momentum"):
        _ = opt.betas
    with pytest.raises(AttributeError, match="no hyper-parameter 'betas'"):
        opt.betas = (0.9, 0.99)
    assert not hasattr(opt, "betas") and "betas" not in opt.param_groups[0]


def test_an_invalid_value_is_refused_and_nothing_changes():
    opt = mp.Adam([Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        opt.lr = -1.0
    with pytest.raises(ValueError, match="betas"):
        opt.betas = (0.9, 1.5)
    assert opt.lr == 0.1 and opt.betas == (0.9, 0.999)


def test_params_reads_every_parameter_and_can_be_replaced_with_one_group():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    opt = mp.SGD([a], lr=0.5)
    assert opt.params == [a]
    opt.params = [a, b]
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    assert a.item() == 0.5 and b.item() == 1.5
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        opt.params = [np.zeros(2)]
    assert opt.params == [a, b]
    two = mp.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="2 parameter groups"):
        two.params = [a]


def test_the_seed_style_loop_reads_and_halves_the_lr():
    w = Tensor([1.0], requires_grad=True)
    opt = mp.Adam([w], lr=0.01)
    opt.lr *= 0.5
    assert opt.lr == 0.005 and opt.param_groups[0]["lr"] == 0.005


@pytest.mark.parametrize("name, value", [("momentum", 0.9), ("centered", True)])
def test_rmsprop_momentum_or_centered_switched_on_mid_run_starts_its_buffer_at_zero(name, value):
    """A buffer made on first use equals one kept at zero while the option was off."""

    def switch(opt):
        for group in opt.param_groups:
            group[name] = value

    mid_run = _run(lambda p: mp.RMSprop(p, lr=0.01), change=switch)

    def zeroed(opt):
        switch(opt)
        buffer = {"momentum": "momentum_buffer", "centered": "grad_avg"}[name]
        for p in opt.param_groups[0]["params"]:
            opt.state[p][buffer] = np.zeros_like(p.data)

    with_zeros = _run(lambda p: mp.RMSprop(p, lr=0.01), change=zeroed)
    np.testing.assert_array_equal(mid_run, with_zeros)
    assert not np.array_equal(mid_run, _run(lambda p: mp.RMSprop(p, lr=0.01)))
