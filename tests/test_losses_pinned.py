"""Loss behaviour the book's mutants showed unpinned: the functional forms'
defaults (Huber's ``delta``, smooth L1's ``beta``, ``ignore_index``), and
plain arrays as targets, against PyTorch in float64."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.nn import functional as F


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


RESIDUALS = np.array([-3.0, -1.2, -0.7, 0.0, 0.4, 0.99, 1.01, 2.5])


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda x, y: F.huber_loss(x, y), "huber_loss"),
        (lambda x, y: mp.HuberLoss()(x, y), "huber_loss"),
        (lambda x, y: F.smooth_l1_loss(x, y), "smooth_l1_loss"),
        (lambda x, y: mp.SmoothL1Loss()(x, y), "smooth_l1_loss"),
    ],
    ids=["F.huber_loss", "HuberLoss", "F.smooth_l1_loss", "SmoothL1Loss"],
)
def test_default_delta_and_beta_match_torch(torch, ours, theirs):
    """delta = beta = 1 by default: residuals either side of 1 tell it apart."""
    x = Tensor(RESIDUALS, requires_grad=True)
    loss = ours(x, np.zeros_like(RESIDUALS))
    loss.backward()
    tx = torch.tensor(RESIDUALS, requires_grad=True)
    tloss = getattr(torch.nn.functional, theirs)(tx, torch.zeros(len(RESIDUALS), dtype=tx.dtype))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def test_huber_default_delta_is_one_by_formula():
    r = RESIDUALS
    by_hand = np.where(np.abs(r) < 1, 0.5 * r**2, np.abs(r) - 0.5).mean()
    assert F.huber_loss(Tensor(r), np.zeros_like(r)).item() == pytest.approx(by_hand)
    assert mp.HuberLoss().delta == 1.0 and mp.SmoothL1Loss().beta == 1.0


@pytest.mark.parametrize("weighted", [False, True])
def test_functional_ignore_index_default_is_minus_100(torch, weighted):
    logits = np.random.default_rng(0).normal(size=(5, 4))
    target = np.array([1, -100, 3, 0, -100])
    weight = np.array([1.0, 2.0, 0.5, 3.0]) if weighted else None
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, Tensor(target), weight=None if weight is None else Tensor(weight))
    loss.backward()
    tx = torch.tensor(logits, requires_grad=True)
    tw = None if weight is None else torch.tensor(weight)
    tloss = torch.nn.functional.cross_entropy(tx, torch.tensor(target), weight=tw)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-15)
    nll = F.nll_loss(
        Tensor(np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))),
        Tensor(target),
        weight=None if weight is None else Tensor(weight),
    )
    assert nll.item() == pytest.approx(tloss.item(), rel=1e-10)


@pytest.mark.parametrize(
    "name",
    [
        "mse_loss",
        "l1_loss",
        "huber_loss",
        "smooth_l1_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
    ],
)
def test_plain_array_and_list_targets(torch, name):
    x = np.array([0.2, 0.7, 0.9])
    y = [0.0, 1.0, 0.5]
    for target in (y, np.array(y)):
        ours = getattr(F, name)(Tensor(x), target).item()
        theirs = getattr(torch.nn.functional, name)(
            torch.tensor(x), torch.tensor(y, dtype=torch.float64)
        ).item()
        assert ours == pytest.approx(theirs, rel=1e-12)


def test_bce_with_logits_pos_weight_broadcasts_over_the_last_axis(torch):
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(4, 3)), (rng.random((4, 3)) > 0.5).astype(float)
    pw, w = np.array([1.0, 3.0, 0.5]), np.array([[1.0], [2.0], [0.5], [1.0]])
    x = Tensor(z, requires_grad=True)
    t = Tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, t, weight=Tensor(w), pos_weight=Tensor(pw))
    loss.backward()
    tx, tt = torch.tensor(z, requires_grad=True), torch.tensor(y, requires_grad=True)
    tloss = torch.nn.functional.binary_cross_entropy_with_logits(
        tx, tt, weight=torch.tensor(w), pos_weight=torch.tensor(pw)
    )
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10)


# --------------------------------------------------------------- pin27i (issue 27)
# Census survivors in nn/losses/, each pinned against PyTorch 2.13 in float64.


@pytest.mark.parametrize("beta", [0.0, 0.3])
def test_smooth_l1_module_takes_beta_zero_as_torch(torch, beta):
    """SmoothL1Loss(beta=0) is allowed (torch: the L1 loss); only a negative beta is refused."""
    x = Tensor(RESIDUALS, requires_grad=True)
    loss = mp.SmoothL1Loss(beta=beta)(x, np.zeros_like(RESIDUALS))
    loss.backward()
    tx = torch.tensor(RESIDUALS, requires_grad=True)
    tloss = torch.nn.SmoothL1Loss(beta=beta)(tx, torch.zeros_like(tx))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_and_row_sum_are_numpys_bit_for_bit(dtype):
    """The column loops for a few classes promise NumPy's own numbers (same additions)."""
    from micrograd_plus.nn.losses.cross_entropy import _row_max, _row_sum

    rng = np.random.default_rng(27)
    for classes in range(1, 13):
        rows = (rng.standard_normal((6, classes)) * 10).astype(dtype)
        for ours, theirs in ((_row_max, rows.max), (_row_sum, rows.sum)):
            got = ours(rows)
            assert got.shape == (6, 1) and got.dtype == dtype
            np.testing.assert_array_equal(got, theirs(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 10), (3, 10, 2), (10,)])
def test_cross_entropy_with_ten_classes_matches_torch(torch, reduction, shape):
    """More classes than the column loops take (MNIST's ten): NumPy's row reductions."""
    rng = np.random.default_rng(10)
    logits = rng.standard_normal(shape) * 4
    labels = rng.integers(0, 10, shape[:1] + shape[2:]) if len(shape) > 1 else np.array(7)
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, Tensor(labels), reduction=reduction)
    upstream = rng.standard_normal(loss.shape)
    loss.backward(upstream)
    tx = torch.tensor(logits, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(tx, torch.tensor(labels), reduction=reduction)
    tloss.backward(torch.tensor(upstream))
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_bce_names_the_first_target_outside_the_unit_interval_and_counts_them():
    """The edges 0 and 1 are valid targets: the message names the first one outside."""
    p = Tensor(np.full(6, 0.5))
    target = Tensor(np.array([0.0, 1.0, -0.5, 0.3, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"target\[2\] is -0\.5 \(2 of 6 outside\)"):
        F.binary_cross_entropy(p, target)


def test_bce_target_gradient_is_the_derivative_of_the_clamped_loss():
    """At p = 0, p = 1 and p below exp(-100) both logs are clamped at -100 (torch 2.13's
    target gradient is +-inf or unclamped there, as chapter 3 shows): the loss is linear in
    the target, so central differences of the forward value are exact."""
    p = np.array([0.0, 1.0, 1e-50, 0.3])
    y = np.array([0.2, 0.7, 0.5, 0.4])
    t = Tensor(y, requires_grad=True)
    F.binary_cross_entropy(Tensor(p), t, reduction="sum").backward()
    h, by_differences = 1e-3, []
    for i in range(len(y)):
        up, down = y.copy(), y.copy()
        up[i] += h
        down[i] -= h
        loss = [F.binary_cross_entropy(Tensor(p), Tensor(v), reduction="sum") for v in (up, down)]
        by_differences.append((loss[0].item() - loss[1].item()) / (2 * h))
    np.testing.assert_allclose(t.grad, by_differences, rtol=1e-9)
    np.testing.assert_array_equal(t.grad[:3], [100.0, -100.0, 100.0])


MASKED = np.array([[-np.inf, 1.0, 2.0], [0.5, 0.1, -0.3], [1.0, -np.inf, 0.0], [0.2, 0.4, -1.0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"label_smoothing": 0.1}, {"weight": np.array([1.0, 2.0, 3.0])}],
    ids=["plain", "smoothed", "weighted"],
)
def test_an_ignored_row_with_a_minus_inf_logit_counts_zero_as_torch(torch, reduction, kwargs):
    """A masked logit (-inf) in an ignored row: torch's loss skips the row; ours was NaN."""
    target = np.array([-100, 0, 2, -100])
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    x = Tensor(MASKED, requires_grad=True)
    loss = F.cross_entropy(x, Tensor(target), reduction=reduction, **kwargs)
    loss.sum().backward()
    tx = torch.tensor(MASKED, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(
        tx, torch.tensor(target), reduction=reduction, **theirs
    )
    tloss.sum().backward()
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    if "label_smoothing" not in kwargs:  # nll_loss on log-probabilities with a -inf
        log_p = torch.log_softmax(torch.tensor(MASKED), 1)
        weight = kwargs.get("weight")
        ours = F.nll_loss(Tensor(log_p.numpy()), Tensor(target), weight, reduction=reduction)
        tnll = torch.nn.functional.nll_loss(
            log_p, torch.tensor(target), theirs.get("weight"), reduction=reduction
        )
        np.testing.assert_allclose(ours.data, tnll.numpy(), rtol=1e-12)


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_one_class_with_ignored_targets_matches_torch(torch, smoothing):
    """One class: the ignored rows gather class 0, the only one there is."""
    logits = np.array([[0.3], [-1.2], [2.0]])
    target = np.array([0, -100, 0])
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, Tensor(target), label_smoothing=smoothing, reduction="sum")
    loss.backward()
    tx = torch.tensor(logits, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(
        tx, torch.tensor(target), label_smoothing=smoothing, reduction="sum"
    )
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), abs=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-12)
    nll = F.nll_loss(Tensor(logits), Tensor(target), reduction="none")
    np.testing.assert_array_equal(nll.data, [-0.3, 0.0, -2.0])


@pytest.mark.parametrize("smoothing", [0.0, 1.0])
def test_label_smoothing_at_the_ends_of_its_range_matches_torch(torch, smoothing):
    """0 and 1 are both allowed (torch: [0.0, 1.0]); just outside is refused."""
    logits, target = np.array([[1.0, -0.5, 0.2], [0.3, 0.9, -1.1]]), np.array([2, 0])
    for ours in (
        lambda x, t: F.cross_entropy(x, t, label_smoothing=smoothing),
        mp.CrossEntropyLoss(label_smoothing=smoothing),
    ):
        x = Tensor(logits, requires_grad=True)
        loss = ours(x, Tensor(target))
        loss.backward()
        tx = torch.tensor(logits, requires_grad=True)
        tloss = torch.nn.functional.cross_entropy(
            tx, torch.tensor(target), label_smoothing=smoothing
        )
        tloss.backward()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    for bad in (-1e-9, 1 + 1e-9):
        with pytest.raises(ValueError, match="label_smoothing must be in"):
            F.cross_entropy(Tensor(logits), Tensor(target), label_smoothing=bad)
        with pytest.raises(ValueError, match="label_smoothing must be in"):
            mp.CrossEntropyLoss(label_smoothing=bad)


def test_one_sample_with_a_probability_target_matches_torch(torch):
    """1-D logits are one sample: a float target summing to 1 is its class probabilities;
    one that does not (scores per sample mistaken for classes) is refused."""
    logits, q = np.array([0.5, -1.0, 2.0, 0.1]), np.array([0.1, 0.2, 0.3, 0.4])
    x, t = Tensor(logits, requires_grad=True), Tensor(q, requires_grad=True)
    loss = F.cross_entropy(x, t)
    loss.backward()
    tx, tt = torch.tensor(logits, requires_grad=True), torch.tensor(q, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(tx, tt)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"it sums to 2\.5.*BCEWithLogitsLoss"):
        F.cross_entropy(Tensor(logits), Tensor([1.0, 0.0, 1.0, 0.5]))


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize(
    "ignore_index, target",
    [(3, [3, 1, 3]), (0, [0, 1, 2])],
    ids=["just-past-the-last-class", "class-zero"],
)
def test_ignore_index_at_the_ends_of_the_classes_matches_torch(torch, fn, ignore_index, target):
    """An ignore_index of 0, or just past the last class: the targets holding it are ignored."""
    scores = np.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    x = Tensor(scores, requires_grad=True)
    loss = getattr(F, fn)(x, Tensor(target), ignore_index=ignore_index)
    loss.backward()
    tx = torch.tensor(scores, requires_grad=True)
    tloss = getattr(torch.nn.functional, fn)(tx, torch.tensor(target), ignore_index=ignore_index)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def test_nll_loss_takes_one_sample_and_refuses_a_0d_input(torch):
    log_p = np.log([0.2, 0.5, 0.3])
    x = Tensor(log_p, requires_grad=True)
    loss = F.nll_loss(x, Tensor(np.array(1)))
    loss.backward()
    tx = torch.tensor(log_p, requires_grad=True)
    tloss = torch.nn.functional.nll_loss(tx, torch.tensor(1))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="nll_loss needs log-probabilities with a class axis"):
        F.nll_loss(Tensor(np.float64(-0.5)), Tensor(np.array(0)))


def test_a_wrongly_shaped_target_is_explained_per_loss():
    """cross_entropy also takes probabilities shaped like the input; nll_loss does not."""
    scores, target = Tensor(np.zeros((3, 4))), Tensor(np.array([0, 1]))
    needs = r"input of shape \(3, 4\) needs class-index targets of shape \(3,\)"
    with pytest.raises(ValueError, match=needs + " or probabilities shaped like the input,"):
        F.cross_entropy(scores, target)
    with pytest.raises(ValueError, match=needs + r", got target of shape \(2,\)"):
        F.nll_loss(scores, target)


def test_smooth_l1_at_exactly_beta_takes_the_linear_piece_as_torch(torch):
    """torch's test is |d| < beta; at |d| == beta = 0.09 the quadratic piece, computed as
    (0.5 / beta) d**2, rounds differently from |d| - beta / 2, so the bits tell them apart."""
    beta, d = 0.09, np.array([0.09, -0.09, 0.05, 0.2])
    ours = F.smooth_l1_loss(Tensor(d), np.zeros(4), reduction="none", beta=beta).data
    theirs = torch.nn.functional.smooth_l1_loss(
        torch.tensor(d), torch.zeros(4, dtype=torch.float64), reduction="none", beta=beta
    )
    np.testing.assert_array_equal(ours[:2], theirs.numpy()[:2])
    np.testing.assert_array_equal(ours[:2], np.abs(d[:2]) - 0.5 * beta)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("var_shape", [(2, 3), (2, 1, 4), (2, 3, 4)])
def test_gaussian_nll_with_3d_inputs_matches_torch(torch, var_shape):
    """A (2, 3, 4) mean: var without the last axis is one variance per (2, 3) entry."""
    rng = np.random.default_rng(3)
    mean, target = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    var = rng.random(var_shape) + 0.2
    ours = [Tensor(a, requires_grad=True) for a in (mean, target, var)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (mean, target, var)]
    loss = F.gaussian_nll_loss(*ours, reduction="sum")
    loss.backward()
    tloss = torch.nn.functional.gaussian_nll_loss(*theirs, reduction="sum")
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for a, b in zip(ours, theirs):
        assert a.grad.shape == b.shape
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10)


def test_huber_loss_refuses_delta_zero_as_torch(torch):
    x, y = torch.tensor([0.5, -2.0]), torch.zeros(2)
    with pytest.raises(RuntimeError, match="delta"):
        torch.nn.functional.huber_loss(x, y, delta=0.0)
    with pytest.raises(ValueError, match="huber_loss needs delta > 0, got 0.0"):
        F.huber_loss(Tensor([0.5, -2.0]), np.zeros(2), delta=0.0)
    small = F.huber_loss(Tensor([0.5, -2.0]), np.zeros(2), delta=1e-3).item()
    assert small == pytest.approx(torch.nn.functional.huber_loss(x, y, delta=1e-3).item())


def test_gaussian_nll_names_the_first_negative_variance():
    var = np.array([0.5, -0.5, 1.0, -2.0])
    with pytest.raises(ValueError, match=r"holds -0\.5 \(var\[1\], 2 negative\)"):
        F.gaussian_nll_loss(Tensor(np.zeros(4)), np.zeros(4), var)


def test_gaussian_nll_target_with_fewer_axes_broadcasts_as_torch(torch):
    """A (3,) target against a (5, 3) mean broadcasts, as torch's arithmetic does."""
    rng = np.random.default_rng(5)
    mean, target, var = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.random((5, 3))
    ours = [Tensor(a, requires_grad=True) for a in (mean, target, var + 0.1)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (mean, target, var + 0.1)]
    loss = F.gaussian_nll_loss(*ours)
    loss.backward()
    tloss = torch.nn.functional.gaussian_nll_loss(*theirs)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10)


def test_gaussian_nll_refuses_a_target_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"target of shape \(4,\) does not match the input's"):
        F.gaussian_nll_loss(Tensor(np.zeros((5, 3))), np.zeros(4), np.ones((5, 3)))
