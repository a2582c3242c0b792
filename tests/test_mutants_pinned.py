"""Behaviour that sampled mutants (tools/mutants.py, tools/MUTANTS.md) showed unpinned.

Each test names the change that survived the book and the unit tests before it.
"""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.nn.layers import class_indices
from micrograd_plus.utils.data.transforms import normalize


def optimizer(lr=1.0):
    return mp.SGD([Tensor([0.0], requires_grad=True)], lr=lr)


def test_linear_lr_closed_form_for_step_with_epoch():
    """``step(epoch)`` uses the closed form: base * (start + (end - start) * e / T)."""
    opt = optimizer(lr=0.8)
    sched = mp.LinearLR(opt, start_factor=0.25, end_factor=0.75, total_iters=4)
    for epoch in (2, 3, 6):
        with pytest.warns(UserWarning):
            sched.step(epoch)
        done = min(epoch, 4) / 4
        assert opt.param_groups[0]["lr"] == pytest.approx(0.8 * (0.25 + 0.5 * done))


def test_polynomial_lr_follows_its_formula_for_power_two():
    opt = optimizer(lr=0.5)
    sched = mp.PolynomialLR(opt, total_iters=5, power=2.0)
    for t in range(1, 8):
        opt.step()
        sched.step()
        expected = 0.5 * (1 - min(t, 5) / 5) ** 2
        assert opt.param_groups[0]["lr"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.float64])
def test_class_index_equal_to_the_size_is_out_of_range(dtype):
    assert class_indices(np.array([0, 2], dtype=dtype), "target", size=3).tolist() == [0, 2]
    with pytest.raises((IndexError, ValueError)):
        class_indices(np.array([0, 3], dtype=dtype), "target", size=3)


def test_normalize_keeps_a_constant_feature_at_its_offset_from_low():
    """A zero span divides by 1: values are shifted by ``low``, not scaled."""
    X = np.array([[1.0, 5.0], [3.0, 7.0]], dtype=np.float32)
    out = normalize(X, low=np.array([1.0, 5.0]), high=np.array([3.0, 5.0]))[0]
    np.testing.assert_array_equal(out, [[0.0, 0.0], [1.0, 2.0]])


@pytest.mark.parametrize("bounds", [{"min": 0.0}, {"max": 0.0}], ids=["min", "max"])
def test_clip_with_one_bound(bounds):
    x = Tensor(np.array([-1.0, 1.0], dtype=np.float32))
    expected = np.clip(x.data, bounds.get("min"), bounds.get("max"))
    np.testing.assert_array_equal(mp.clip(x, **bounds).data, expected)


def test_a_single_parameter_group_dict_names_the_fix():
    with pytest.raises(TypeError, match="single parameter group"):
        mp.SGD({"params": [Tensor([0.0], requires_grad=True)]}, lr=0.1)


def test_optimizer_takes_named_parameters():
    model = mp.Linear(2, 1)
    opt = mp.SGD(model.named_parameters(), lr=0.1)
    assert sum(len(g["params"]) for g in opt.param_groups) == 2


def test_integer_division_is_float32_and_float64_stays_float64():
    ints = mp.tensor([1, 3]) / mp.tensor([2, 4])
    assert mp.tensor([1, 3]).dtype == np.int64
    assert ints.dtype == np.float32
    np.testing.assert_array_equal(ints.data, [0.5, 0.75])
    wide = Tensor(np.array([1.0], dtype=np.float64)) / Tensor(np.array([4.0], dtype=np.float64))
    assert wide.dtype == np.float64
    assert (mp.tensor([1]) / Tensor(np.array([4.0], dtype=np.float64))).dtype == np.float64


def test_linear_weight_gradient_in_graph_mode_for_3d_input():
    """create_graph's weight gradient (t_matmul over flattened rows) equals the plain one."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3, 4)))
    layer = mp.Linear(4, 5).double()
    plain = mp.grad(layer(x).sum(), [layer.weight])[0]
    graph = mp.grad(layer(x).sum(), [layer.weight], create_graph=True)[0]
    np.testing.assert_allclose(graph.data, plain.data, rtol=1e-12)
    np.testing.assert_allclose(plain.data, np.tile(x.data.sum(axis=(0, 1)), (5, 1)), rtol=1e-12)


def test_inference_mode_records_nothing_by_default():
    x = Tensor([1.0], requires_grad=True)
    with mp.inference_mode():
        assert not (x * 2).requires_grad
    with mp.inference_mode(False):
        assert (x * 2).requires_grad


# ------------------------------------------ survivors of the fresh book sample (seed 27001)
def test_tanh_gain_and_xavier_uniform_bound():
    from micrograd_plus.nn import init

    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    w = Tensor(np.zeros((200, 300), dtype=np.float32))
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * np.sqrt(6.0 / 500)
    assert np.abs(w.data).max() <= bound
    assert np.abs(w.data).max() > 0.99 * bound


def test_linear_refuses_a_scalar_and_the_wrong_width():
    layer = mp.Linear(3, 2)
    for bad in (Tensor(1.0), Tensor(np.ones((4, 5)))):
        with pytest.raises(ValueError, match="expected 3"):
            layer(bad)


def test_clip_passes_the_gradient_on_its_bounds():
    """As torch.clamp: the gradient is 1 where min <= x <= max, bounds included."""
    x = Tensor(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), requires_grad=True)
    mp.clip(x, min=0.0, max=1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_abs_gradient_at_zero_is_zero():
    x = Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])


def test_maximum_splits_the_gradient_of_a_tie():
    """As torch.maximum: equal inputs get half the gradient each."""
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    mp.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0])


def test_poisson_full_adds_stirling_for_targets_above_one():
    x, t = np.array([0.5, 0.2]), np.array([3.0, 1.0])
    loss = mp.nn.functional.poisson_nll_loss(
        Tensor(x), Tensor(t), log_input=True, full=True, reduction="none"
    )
    stirling = np.where(t > 1, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t), 0)
    np.testing.assert_allclose(loss.data, np.exp(x) - t * x + stirling, rtol=1e-12)


def test_cubic_interpolate_without_a_minimum_takes_the_middle():
    from micrograd_plus.optim.lbfgs import cubic_interpolate

    # d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2) = 0 and g1 g2 > 0: no real minimum
    assert cubic_interpolate(0.0, 0.0, 2.0, 1.0, 4 / 3, 2.0) == 0.5


def test_assigning_to_a_parameter_name_needs_a_parameter_or_none():
    layer = mp.Linear(2, 2)
    with pytest.raises(TypeError, match="wrap it in Parameter"):
        layer.weight = Tensor(np.zeros((2, 2)))
    layer.bias = None
    assert layer.bias is None and "bias" not in layer.state_dict()


def test_reassigned_buffers_keep_their_persistence():
    module = mp.Module()
    module.register_buffer("kept", Tensor([1.0]))
    module.register_buffer("temp", Tensor([2.0]), persistent=False)
    module.kept, module.temp = Tensor([3.0]), Tensor([4.0])
    assert list(module.state_dict()) == ["kept"]
    assert module.state_dict()["kept"].tolist() == [3.0]


# ------------------------------------------ survivors of the fresh library sample (seed 27002)
def test_make_regression_default_size():
    from micrograd_plus.utils.data.toy import make_regression

    X, y = make_regression()[:2]
    assert len(X) == len(y) == 100


def test_a_broadcast_gradient_is_copied_into_a_writable_leaf_grad():
    """The leaf must own its .grad, not keep backward's read-only broadcast view."""
    x = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    x.sum().backward()
    assert x.grad.flags.writeable and x.grad.flags.owndata
    x.grad[0] = 5.0  # an in-place change, as optimizers and clipping make
    np.testing.assert_array_equal(x.grad, [5.0, 1.0, 1.0])


# --------------------------------------- fresh library sample, seed 27003 (issue 27)
def test_graph_mode_gradient_is_fitted_to_its_input_dtype():
    """``engine._fit``: a hook's float64 gradient under create_graph is cast back
    to the leaf's float32, as without create_graph (engine.py:382-383)."""
    grads = []
    for create_graph in (False, True):
        x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
        y = x * x
        y.register_hook(
            lambda g: g.to(np.float64) if isinstance(g, Tensor) else g.astype(np.float64)
        )
        y.sum().backward(create_graph=create_graph)
        grads.append(x.grad.data if isinstance(x.grad, Tensor) else x.grad)
    assert [g.dtype for g in grads] == [np.float32, np.float32]
    np.testing.assert_array_equal(grads[1], grads[0])


def test_to_by_keyword_changes_dtype_and_copy_true_copies():
    """``Tensor.to``: ``is -> is not`` (convert.py:115)."""
    t = Tensor([1.0, 2.0])
    assert t.to(dtype=np.float64).dtype == np.float64
    assert t.to(np.float32) is t  # nothing to change: the same tensor, as torch
    copied = t.to(np.float32, copy=True)
    assert copied is not t and not np.shares_memory(copied.data, t.data)


def test_tensor_of_a_numpy_array_keeps_its_dtype_as_torch():
    """``mp.tensor``: ``not isinstance -> isinstance`` (functions.py:120)."""
    torch = pytest.importorskip("torch")
    for data in (np.zeros(2), np.float64(1.5), np.arange(3, dtype=np.int32)):
        assert mp.tensor(data).dtype == np.dtype(str(torch.tensor(data).dtype)[6:])


def test_comparison_with_none():
    """``t == None`` is False and ``t != None`` True, as torch; ``in -> not in`` (methods.py:23)."""
    t = Tensor([1.0])
    assert (t == None) is False  # noqa: E711 - the comparison under test
    assert (t != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        t < None  # noqa: B015


# ------------------------------- survivors of the earlier samples (issue 27, round 2)
def test_line_search_brackets_on_an_equal_loss_as_torch():
    """``strong_wolfe``'s bracket phase ends when a later trial's loss merely equals the
    one before (``f_new >= prev``, lbfgs.py:202; ``>`` survived): torch's trial steps."""
    torch = pytest.importorskip("torch")
    from torch.optim.lbfgs import _strong_wolfe

    from micrograd_plus.optim.lbfgs import strong_wolfe

    def fn(z):  # the loss falls until 2, then stays flat; the slope keeps saying "down"
        return float(-min(z[0], 2.0)), np.array([-1.0 if z[0] < 2.0 else -0.95])

    tried = ([], [])

    def obj_func(x, t, d, tried=tried[0]):
        tried.append(float(t))
        return fn(x + float(t) * d)

    def torch_obj_func(x, t, d):
        f_new, g_new = obj_func(x.numpy(), t, d.numpy(), tried[1])
        return f_new, torch.from_numpy(g_new)

    x, d = np.zeros(1), np.ones(1)
    f, g = fn(x)
    ours = strong_wolfe(obj_func, x, 0.1, d, f, g, g.dot(d), max_ls=5)
    tg, td = torch.from_numpy(g), torch.from_numpy(d)
    theirs = _strong_wolfe(
        torch_obj_func, torch.from_numpy(x), 0.1, td, f, tg, tg.dot(td), max_ls=5
    )
    assert tried[0][:4] == [0.1, 1.0, 10.0, 10.09]  # 10 and 10.09 both give -2: bracketed
    np.testing.assert_allclose(tried[0], tried[1], rtol=1e-12)
    assert (ours[0], ours[2], ours[3]) == (theirs[0], pytest.approx(float(theirs[2])), theirs[3])


def test_gradient_check_without_inputs_is_refused():
    """It used to "pass" with errors ``max(..., default=0.0)``: a check that cannot fail
    (the default survived as ``0.0 -> 1.0``, gradcheck.py:115); now the default is gone."""
    from micrograd_plus.autograd.gradcheck import gradient_check

    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient_check\(f, x, w\)"):
        gradient_check(lambda: (w * w).sum())
    result = gradient_check(lambda a, b: (a * b).sum(), np.ones(2), np.arange(2.0))
    assert result.passed and result.max_abs_error < 1e-8 and len(result.errors) == 2


@pytest.mark.parametrize("milestones", [[0], [1], [2]])
def test_sequential_lr_starts_with_the_scheduler_of_epoch_zero_as_torch(milestones):
    """The constructor's first step belongs to the part epoch 0 falls in
    (``bisect_right(milestones, 0)``; ``0 -> 1`` survived, combined.py:91)."""
    torch = pytest.importorskip("torch")

    def rates(lib):
        if lib is torch:
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            schedulers = torch.optim.lr_scheduler
        else:
            opt, schedulers = mp.SGD([Tensor([0.0], requires_grad=True)], lr=1.0), mp
        parts = [
            schedulers.ConstantLR(opt, factor=0.5, total_iters=3),
            schedulers.ExponentialLR(opt, gamma=0.9),
        ]
        sched = schedulers.SequentialLR(opt, parts, milestones=milestones)
        out = [opt.param_groups[0]["lr"]]
        for _ in range(5):
            opt.step()
            sched.step()
            out.append(opt.param_groups[0]["lr"])
        return out

    np.testing.assert_allclose(rates(mp), rates(torch), rtol=1e-12)


def test_a_range_error_states_the_range():
    """``check_range``'s message: ``in [0.0, 1.0)`` with an upper bound, ``>= 0.0``
    without (``high is not None -> is`` survived, optimizer.py:25)."""
    params = [Tensor([0.0], requires_grad=True)]
    with pytest.raises(
        ValueError, match=r"betas\[0\]\): 1\.0; it must be a number in \[0\.0, 1\.0\)$"
    ):
        mp.Adam(params, betas=(1.0, 0.9))
    with pytest.raises(ValueError, match=r"\(lr\): -1\.0; it must be a number >= 0\.0$"):
        mp.SGD(params, lr=-1.0)


def test_an_end_record_counting_0xffff_entries_defers_to_zip64(tmp_path):
    """0xFFFF in the end record's entry count means "more than fits: see the ZIP64
    record" (Python's zipfile writes it from 65,536 entries on), so it is not compared
    with the entries found (``65535 -> 65536`` survived, checkpoint.py:373)."""
    model = mp.Sequential(mp.Linear(3, 2))
    path = tmp_path / "model.npz"
    mp.save_model(model, path)
    data = bytearray(path.read_bytes())
    end = len(data) - 22
    assert data[end : end + 4] == b"PK\x05\x06"  # no archive comment: the record is last
    data[end + 8 : end + 12] = b"\xff\xff\xff\xff"  # entries on this disk, in all
    path.write_bytes(bytes(data))
    copy = mp.Sequential(mp.Linear(3, 2))
    mp.load_model(copy, path)
    np.testing.assert_array_equal(copy[0].weight.data, model[0].weight.data)


# ------------------------------ fresh library sample, seed 27102 (issue 27, round 2)
def test_a_wrong_gradient_where_the_true_one_is_zero_shows_a_large_relative_error():
    """The relative error divides by ``|numeric| + atol`` (``+ -> -`` survived,
    gradcheck.py:117): with a true gradient of 0 it is ``|analytic| / atol``."""

    class Wrong(mp.Function):
        @staticmethod
        def forward(ctx, x):
            return np.zeros_like(x)

        @staticmethod
        def backward(ctx, grad):
            return grad  # should be 0

    from micrograd_plus.autograd.gradcheck import gradient_check

    result = gradient_check(lambda a: Wrong.apply(a).sum(), np.array([0.5]), atol=1e-5)
    assert not result.passed
    assert result.max_abs_error == pytest.approx(1.0)
    assert result.max_rel_error == pytest.approx(1e5)


def test_a_checkpoint_keeps_a_nan_in_its_extras(tmp_path):
    """JSON metadata allows NaN (``allow_nan=True -> False`` survived, checkpoint.py:521):
    a best loss that is still NaN must not make saving fail."""
    model = mp.Sequential(mp.Linear(2, 1))
    mp.save_checkpoint(tmp_path / "c.npz", model, best_loss=float("nan"), epoch=3)
    extra = mp.load_checkpoint(tmp_path / "c.npz", mp.Sequential(mp.Linear(2, 1)))
    assert np.isnan(extra["best_loss"]) and extra["epoch"] == 3


def test_fans_of_a_3d_weight_count_the_receptive_field_as_torch():
    """``_fans``: ``ndim > 2 -> > 3`` survived (init.py:125)."""
    torch = pytest.importorskip("torch")
    from micrograd_plus.nn import init

    for shape in [(4, 3), (4, 3, 5), (2, 3, 4, 5)]:
        expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert init._fans(Tensor(np.zeros(shape))) == expected


def test_an_infinite_class_index_is_reported_not_overflowing():
    """``class_indices``' message: only a float below 2**53 reads as an integer label
    (``and -> or`` survived, layers.py:324: ``int(inf)`` would raise OverflowError)."""
    with pytest.raises(IndexError, match="inf"):
        class_indices(np.array([0.0, np.inf]), "target", size=3)


def test_a_linear_layer_with_no_inputs_gives_its_bias_as_torch():
    """``in_features > 0 -> >= 0`` survived (layers.py:76): Linear(0, n) is allowed."""
    layer = mp.Linear(0, 2)
    assert layer.weight.shape == (2, 0)
    out = layer(Tensor(np.zeros((4, 0), dtype=np.float32)))
    np.testing.assert_array_equal(out.data, np.broadcast_to(layer.bias.data, (4, 2)))


def test_bce_names_the_first_target_outside_zero_one():
    """The error points at the first bad target, not at a 1.0 (``<= 1 -> < 1``
    survived, binary.py:32)."""
    with pytest.raises(ValueError, match=r"target\[1\] is 1\.5 \(1 of 2 outside\)"):
        mp.BCELoss()(Tensor([0.5, 0.5]), Tensor([1.0, 1.5]))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_a_custom_loss_reduces_as_its_reduction_says(reduction):
    """``Loss.reduce_loss`` for a subclass (``== 'sum' -> !=`` survived the book sample,
    seed 27101, base.py:49; no chapter subclasses ``Loss``)."""
    from micrograd_plus.nn.losses.base import Loss

    class Squares(Loss):
        def forward(self, input, target):
            return self.reduce_loss((input - target) ** 2)

    out = Squares(reduction=reduction)(Tensor([1.0, 2.0, 4.0]), Tensor([0.0, 0.0, 0.0]))
    expected = {"none": [1.0, 4.0, 16.0], "mean": 7.0, "sum": 21.0}[reduction]
    np.testing.assert_allclose(out.data, expected)


def test_forward_hooks_run_in_the_order_registered():
    """``register_forward_hook``'s ``prepend=False`` default (survived, module.py:165)."""
    layer, calls = mp.Linear(2, 2), []
    layer.register_forward_hook(lambda m, args, out: calls.append("first"))
    layer.register_forward_hook(lambda m, args, out: calls.append("second"))
    layer(Tensor(np.zeros((1, 2), dtype=np.float32)))
    assert calls == ["first", "second"]


def test_an_empty_parameter_has_shape_zero_as_torch():
    """``Parameter()``: ``np.empty(0)`` (``0 -> 1`` survived, module.py:40)."""
    assert mp.Parameter().shape == (0,) and mp.Parameter().requires_grad


@pytest.mark.parametrize("track", [True, False, "switched off"])
def test_batch_norm_in_each_mode_matches_torch(track):
    """Train and eval, with and without running statistics, and with tracking switched
    off after they exist (``not self.training -> self.training`` survived,
    normalization.py:229)."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(2.0, 3.0, (6, 3)).astype(np.float32)
    ours = mp.BatchNorm1d(3, track_running_stats=bool(track))
    theirs = torch.nn.BatchNorm1d(3, track_running_stats=bool(track))
    for training in (True, False, True, False):
        ours.train(training)
        theirs.train(training)
        a = ours(Tensor(x * (2 if training else 1), requires_grad=True))
        b = theirs(torch.from_numpy(x * (2 if training else 1)))
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-5, atol=1e-5)
        if track == "switched off":  # torch keeps the buffers and stops updating them
            ours.track_running_stats = theirs.track_running_stats = False
    if track:
        np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-5)


def test_pow_gradient_is_zero_where_the_exponent_is_zero_as_torch():
    """``where(zero_exponent, 0, ...)`` (``0 -> 1`` survived, arithmetic.py:132)."""
    torch = pytest.importorskip("torch")
    base, exponent = np.array([0.0, 2.0, 3.0]), np.array([0.0, 0.0, 2.0])
    x = Tensor(base, requires_grad=True)
    (x ** Tensor(exponent)).sum().backward()
    tx = torch.tensor(base, requires_grad=True)
    (tx ** torch.tensor(exponent)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_norm_gradient_at_zero_is_zero_as_torch():
    """``_root`` masks a zero total (``not zero.any() -> zero.any()`` survived,
    composites.py:338)."""
    for p in (2, 3):
        x = Tensor(np.zeros(3), requires_grad=True)
        x.norm(p=p).backward()
        np.testing.assert_array_equal(x.grad, np.zeros(3))
    y = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    y.norm(p=3).backward()  # d/dy (sum |y|^3)^(1/3) = y^2 / norm^2
    np.testing.assert_allclose(y.grad, np.array([9.0, 16.0]) / 91 ** (2 / 3))


def test_new_zeros_takes_one_size():
    """``new_zeros(3)`` (``and -> or`` survived, composites.py:358)."""
    t = Tensor([1.0, 2.0])
    assert t.new_zeros(3).shape == (3,) and t.new_zeros((2, 3)).shape == (2, 3)
    assert t.new_ones(2, 3).shape == (2, 3)


def test_einsum_with_ellipsis_and_implicit_output():
    """``...`` widths and the implicit output (functions.py:172, :184, :193 survived)."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5))
    out = mp.einsum("...ij,...jk->...ik", Tensor(a), Tensor(b))
    np.testing.assert_allclose(out.data, np.einsum("...ij,...jk->...ik", a, b), rtol=1e-5)
    m, n = rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
    implicit = mp.einsum("ij,jk", Tensor(m), Tensor(n))  # output 'ik', as torch
    np.testing.assert_allclose(implicit.data, m @ n, rtol=1e-5)


def test_round_halves_to_even():
    """``round`` of floats (``kind != 'f' -> ==`` survived, pointwise.py:75)."""
    np.testing.assert_array_equal(Tensor([0.5, 1.5, 2.5, -0.5]).round().data, [0, 2, 2, -0.0])


def test_prod_of_a_0d_tensor_has_gradient_one():
    """``_others`` of a 0-d tensor is 1 (``+ 1 -> + 2`` survived, prod.py:59)."""
    x = Tensor(3.0, requires_grad=True)
    x.prod().backward()
    assert float(x.grad) == 1.0


def test_argmax_with_and_without_a_dim_as_torch():
    """``_arg`` (reduce.py:187 ``is -> is not``, :195 ``ndim == 0 -> == 1`` survived)."""
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert int(x.argmax()) == 3 and x.argmax(dim=1).tolist() == [1, 0]
    v = Tensor([1.0, 3.0, 2.0])
    assert v.argmax(dim=0, keepdim=True).shape == (1,) and v.argmax(dim=0).shape == ()


def test_permute_and_stack_refuse_with_their_own_message():
    """Repeated permute dims and stacked shapes that differ (shape.py:83 ``or -> and``,
    :249 ``> -> <`` survived: NumPy's own errors are also ValueErrors)."""
    with pytest.raises(ValueError, match="not a permutation"):
        Tensor(np.zeros((2, 3))).permute(0, 0)
    with pytest.raises(ValueError, match="stack needs tensors of one shape"):
        mp.stack([Tensor([1.0]), Tensor([1.0, 2.0])])


def test_lerp_at_one_half_uses_torchs_second_form_bit_for_bit():
    """``lerp_`` switches form at ``weight < 0.5`` as torch (``<= 0.5`` and ``< 1.5``
    survived, optim/arithmetic.py:29); at 0.5 the result is exact in either library."""
    from micrograd_plus.optim.arithmetic import lerp_

    rng = np.random.default_rng(0)
    start, end = rng.normal(size=(2, 1000)).astype(np.float32)
    ours = start.copy()
    lerp_(ours, end, 0.5, np.empty_like(ours))
    np.testing.assert_array_equal(ours, end - (end - start) * np.float32(0.5))
    torch = pytest.importorskip("torch")
    expected = torch.lerp(torch.from_numpy(start), torch.from_numpy(end), 0.5).numpy()
    np.testing.assert_array_equal(ours, expected)


def test_adam_with_a_gradient_of_another_dtype_matches_adam_update():
    """A float64 gradient on a float32 parameter is not a flat-buffer step
    (``or -> and`` survived, adam_foreach.py:124)."""
    from micrograd_plus.optim import adam_update

    grad = np.array([0.1, -0.2, 0.3])  # float64
    p = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    opt = mp.Adam([p], lr=0.1)
    reference, state = p.data.copy(), {}
    for _ in range(3):
        p.grad = grad.copy()
        opt.step()
        adam_update(
            reference, grad, state, lr=0.1, betas=(0.9, 0.999), eps=1e-8,
            weight_decay=0.0, amsgrad=False, maximize=False, decoupled=False,
        )  # fmt: skip
    assert p.data.dtype == np.float32
    np.testing.assert_array_equal(p.data, reference)


def test_data_loader_takes_a_list_of_pairs_as_a_dataset_and_lists_with_labels():
    """``_wrap_data``: a list without ``y`` is a dataset, as torch (``is not -> is``
    survived, dataloader.py:145)."""
    pairs = [(np.array([1.0, 2.0], dtype=np.float32), 0), (np.array([3.0, 4.0]), 1)]
    xb, yb = next(iter(mp.DataLoader(pairs, batch_size=2)))
    assert xb.shape == (2, 2) and np.asarray(yb.data if hasattr(yb, "data") else yb).tolist() == [
        0,
        1,
    ]
    xb, yb = next(iter(mp.DataLoader([[1.0, 2.0], [3.0, 4.0]], [0, 1], batch_size=2)))
    assert xb.shape == (2, 2)


def test_make_regression_is_its_line_plus_outliers_of_one_size():
    """``weight * x + bias`` exactly without noise, outliers moved by exactly
    ``±outlier_scale`` (toy.py:140 ``+ -> -``, :144 ``1.0 -> 2.0`` survived)."""
    from micrograd_plus.utils.data import make_regression

    X, y = make_regression(200, weight=3.0, bias=-1.0, noise=0.0, seed=0)
    np.testing.assert_allclose(y, 3 * X - 1, atol=1e-5)
    X, y = make_regression(200, weight=3.0, bias=-1.0, noise=0.0, outliers=0.2,
                           outlier_scale=5.0, seed=0)  # fmt: skip
    shift = np.round((y - (3 * X - 1))[:, 0], 3)
    assert set(shift.tolist()) == {-5.0, 0.0, 5.0} and (shift != 0).sum() == 40
    X, y = make_regression(4000, weight=3.0, bias=-1.0, noise=0.5, seed=0)
    residual = (y - (3 * X - 1))[:, 0]  # noise around the line, not around -bias
    assert abs(residual.mean()) < 0.05 and 0.45 < residual.std() < 0.55


def test_make_blobs_draws_its_centres_in_the_box_from_minus_to_plus_ten():
    """As scikit-learn's ``center_box`` (toy.py:96 ``-10 -> 10``, ``-10 -> -11`` survived)."""
    from micrograd_plus.utils.data import make_blobs

    X, y = make_blobs(400, centers=200, n_features=2, cluster_std=0.0, seed=0)
    assert X.min() >= -10 and X.max() <= 10 and X.min() < -9.5 and X.max() > 9.5


def _stepped_lbfgs_state(dtype) -> dict:
    """The state dict of an L-BFGS that took one step on a small quadratic."""
    x = Tensor(np.array([3.0, -1.0], dtype), requires_grad=True)
    opt = mp.LBFGS([x], max_iter=3)

    def closure():
        opt.zero_grad()
        loss = ((x - 1.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return opt.state_dict()


def test_lbfgs_load_state_dict_copies_the_saved_arrays():
    """The loaded state keeps none of the given dict's arrays, as ``load_state_dict``
    documents (``copy=True -> False`` survived, lbfgs.py:530)."""
    saved = _stepped_lbfgs_state(np.float32)
    other = mp.LBFGS([Tensor([3.0, -1.0], requires_grad=True)], max_iter=3)
    other.load_state_dict(saved)

    def arrays(entry):
        for name, value in sorted(entry.items()):
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, np.ndarray) and v.ndim:
                    yield name, v

    loaded = next(iter(other.state.values()))
    before = [(name, v.copy()) for name, v in arrays(loaded)]
    assert {"d", "prev_flat_grad", "old_dirs", "old_stps"} <= {name for name, _ in before}
    for _, v in arrays(next(iter(saved["state"].values()))):
        v[...] = 0  # the caller reuses its dict
    for (name, was), (_, now) in zip(before, arrays(loaded), strict=True):
        np.testing.assert_array_equal(now, was, err_msg=name)


# ---------------------------------------------- issue 27, after book sample 27201
def test_lbfgs_load_state_dict_gives_saved_scalars_the_parameters_dtype():
    """0-d values of a loaded L-BFGS state (``ro``, ``al``, ``H_diag``; a checkpoint
    gives them back as 0-d arrays or float64 scalars) become scalars of the
    parameters' dtype, so a float32 run stays float32 (lbfgs.py:520, the restore
    no chapter runs: ``np.ndim(value) == 0 -> == 1`` and ``and -> or``)."""
    saved = _stepped_lbfgs_state(np.float32)
    entry = next(iter(saved["state"].values()))
    entry["H_diag"] = np.array(entry["H_diag"], np.float64)  # a 0-d array
    entry["ro"] = [np.float64(r) for r in entry["ro"]]
    other = mp.LBFGS([Tensor(np.array([3.0, -1.0], np.float32), requires_grad=True)])
    other.load_state_dict(saved)
    loaded = next(iter(other.state.values()))
    scalars = [loaded["H_diag"], *loaded["ro"], *(a for a in loaded["al"] if a is not None)]
    assert len(scalars) >= 3
    assert all(type(s) is np.float32 for s in scalars), [type(s) for s in scalars]
    assert [type(loaded[k]) for k in ("n_iter", "func_evals")] == [int, int]
    assert loaded["d"].dtype == np.float32 and loaded["d"].shape == (2,)


# ------------------------------------ census survivors in autograd/, checkpoint.py (pin27g)
class _CubeWithWrongGradient(mp.Function):
    """x**3 with a backward ``3 x**2 * scale + offset``: off by a relative or absolute error."""

    scale, offset = 1.0, 0.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * (3 * x**2 * _CubeWithWrongGradient.scale + _CubeWithWrongGradient.offset)


def _check_cube(x, scale=1.0, offset=0.0, **tolerances):
    _CubeWithWrongGradient.scale, _CubeWithWrongGradient.offset = scale, offset
    try:
        cube = _CubeWithWrongGradient.apply
        return mp.autograd.gradient_check(lambda t: cube(t).sum(), x, **tolerances)
    finally:
        _CubeWithWrongGradient.scale, _CubeWithWrongGradient.offset = 1.0, 0.0


X_CUBE = np.array([1.0, -2.0, 3.0])  # the true gradient 3 x**2 is [3, 12, 27]


@pytest.mark.parametrize("scale", [1.0, 1.001])
def test_gradient_check_defaults_flag_a_gradient_off_by_a_tenth_of_a_percent(scale):
    """With its defaults (atol 1e-5, rtol 1e-4, a step of 1e-6) gradient_check passes
    the exact gradient of x**3 and fails one 0.1 % off, reporting that error."""
    result = _check_cube(X_CUBE, scale)
    assert result.passed is (scale == 1.0) and bool(result) is result.passed
    expected = np.abs(3 * X_CUBE**2 * (scale - 1)).max()  # 0.027 off at x = 3
    assert result.max_abs_error == pytest.approx(expected, abs=1e-7)


def test_gradient_check_reports_the_largest_absolute_and_relative_errors():
    """An error of 1e-3 in every entry: absolute 1e-3, relative largest where the true
    gradient is smallest, 1e-3 / (3 + atol); passes under wide enough tolerances."""
    result = _check_cube(X_CUBE, offset=1e-3, atol=0.5, rtol=0.0)
    assert result.passed and result.errors == pytest.approx([1e-3], rel=1e-5)  # one input
    assert result.max_abs_error == pytest.approx(1e-3, rel=1e-5)
    assert result.max_rel_error == pytest.approx(1e-3 / 3.5, rel=1e-5)
    assert not _check_cube(X_CUBE, offset=1e-3, atol=0.5e-3, rtol=0.0).passed


def test_numerical_gradient_default_step_is_accurate_for_a_cubic():
    """Central differences of x**3 are off by the step squared: 1e-12 at the default step."""
    x = np.array([1.0, -2.0])
    grad = mp.autograd.numerical_gradient(lambda v: (v**3).sum(), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=0, atol=1e-6)


def test_gradient_check_weighs_a_non_scalar_output_by_standard_normal_draws():
    """Each output's error counts with its weight, a standard normal draw (below 5 in
    size but with odds of 6e-7): an error of 1e-3 per output reports at most 5e-3."""
    cube = _CubeWithWrongGradient.apply
    _CubeWithWrongGradient.offset = 1e-3
    try:
        result = mp.autograd.gradient_check(lambda t: cube(t), X_CUBE, atol=0.5)
    finally:
        _CubeWithWrongGradient.offset = 0.0
    assert result.passed and 0 < result.max_abs_error <= 5e-3
