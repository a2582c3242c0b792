"""KLDivLoss, GaussianNLLLoss, PoissonNLLLoss and the Loss base class: values and gradients
against torch (float64) and central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.autograd.gradcheck import gradient_check
from micrograd_plus.losses import Loss
from micrograd_plus.nn import functional as F


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


rng = np.random.default_rng(7)
LOGP = np.log(rng.dirichlet(np.ones(4), size=5))  # (5, 4) log-probabilities
PROBS = rng.dirichlet(np.ones(4), size=5)
PROBS[0, 1] = 0.0  # a zero target adds 0 (and has torch's NaN target gradient)


def compare(torch, ours, theirs, arrays, grad_on, seed=0):
    """Ours and torch's value and gradients on float64 copies of ``arrays``."""
    mine = [Tensor(a, requires_grad=i in grad_on) for i, a in enumerate(arrays)]
    out = ours(*mine)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)
    tt = [torch.tensor(a, requires_grad=i in grad_on) for i, a in enumerate(arrays)]
    t_out = theirs(*tt)
    t_out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-12)
    for i in grad_on:
        np.testing.assert_allclose(mine[i].grad, tt[i].grad.numpy(), rtol=1e-9, atol=1e-12)
        assert mine[i].grad.shape == np.shape(arrays[i])


# -------------------------------------------------------------------------- KL
@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(torch, reduction, log_target):
    target = np.log(PROBS + 0.01) if log_target else PROBS
    kwargs = dict(reduction=reduction, log_target=log_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 'mean' warns in both libraries
        compare(
            torch,
            lambda x, t: F.kl_div(x, t, **kwargs),
            lambda x, t: torch.nn.functional.kl_div(x, t, **kwargs),
            [LOGP, target],
            grad_on=(0, 1),
        )
        compare(
            torch,
            mp.KLDivLoss(**kwargs),
            torch.nn.KLDivLoss(**kwargs),
            [LOGP, target],
            grad_on=(0,),
        )


def test_kl_div_mean_warns_as_torch_and_batchmean_does_not(torch):
    with pytest.warns(UserWarning, match="batchmean"):
        torch.nn.functional.kl_div(torch.tensor(LOGP), torch.tensor(PROBS))
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(Tensor(LOGP), Tensor(PROBS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = mp.KLDivLoss(reduction="batchmean")(Tensor(LOGP), Tensor(PROBS)).item()
    # batchmean is the KL divergence of the definition, averaged over the batch.
    safe = np.where(PROBS > 0, PROBS, 1.0)
    expected = np.sum(np.where(PROBS > 0, PROBS * (np.log(safe) - LOGP), 0))
    assert value == pytest.approx(expected / len(PROBS), rel=1e-12)


def test_kl_div_negative_target_is_nan_as_torch_and_bad_reduction_is_refused(torch):
    ours = F.kl_div(Tensor([-1.0]), Tensor([-0.5]), reduction="sum").item()
    theirs = torch.nn.functional.kl_div(
        torch.tensor([-1.0]), torch.tensor([-0.5]), reduction="sum"
    ).item()
    assert np.isnan(ours) and np.isnan(theirs)
    with pytest.raises(ValueError, match="'batchmean'"):
        mp.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match="'batchmean'"):
        F.kl_div(Tensor(LOGP), Tensor(PROBS), reduction="batch")


# -------------------------------------------------------------------- Gaussian
MEAN = rng.standard_normal((5, 3))
Y = rng.standard_normal((5, 3))
VARS = {
    "same-shape": rng.random((5, 3)) + 0.1,
    "per-sample": rng.random(5) + 0.1,
    "per-sample-column": rng.random((5, 1)) + 0.1,
    "per-feature-row": rng.random((1, 3)) + 0.1,
    "below-eps": np.array([[0.0, 1e-9, 0.5]] * 5),  # clamped at eps; gradient passes unclamped
}


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var", list(VARS))
def test_gaussian_nll_matches_torch(torch, var, full, reduction):
    kwargs = dict(full=full, reduction=reduction, eps=1e-3 if var == "below-eps" else 1e-6)
    compare(
        torch,
        lambda x, t, v: F.gaussian_nll_loss(x, t, v, **kwargs),
        lambda x, t, v: torch.nn.functional.gaussian_nll_loss(x, t, v, **kwargs),
        [MEAN, Y, VARS[var]],
        grad_on=(0, 1, 2),
    )


def test_gaussian_nll_module_float_variance_and_broadcast_target(torch):
    compare(
        torch,
        lambda x, t: mp.GaussianNLLLoss(full=True)(x, t, 0.7),
        lambda x, t: torch.nn.GaussianNLLLoss(full=True)(x, t, 0.7),
        [MEAN, Y],
        grad_on=(0, 1),
    )
    compare(  # a target with one axis of size 1 broadcasts, as torch's documentation allows
        torch,
        lambda x, t, v: mp.GaussianNLLLoss(reduction="sum")(x, t, v),
        lambda x, t, v: torch.nn.GaussianNLLLoss(reduction="sum")(x, t, v),
        [MEAN, Y[:1], VARS["same-shape"]],
        grad_on=(0, 1, 2),
    )


def test_gaussian_nll_rejects_what_torch_rejects(torch):
    with pytest.raises(ValueError, match="var must be non-negative"):
        F.gaussian_nll_loss(Tensor(MEAN), Tensor(Y), Tensor(-VARS["same-shape"]))
    with pytest.raises(ValueError, match="negative"):
        torch.nn.functional.gaussian_nll_loss(
            torch.tensor(MEAN), torch.tensor(Y), torch.tensor(-VARS["same-shape"])
        )
    for bad in (np.ones((1, 1)), np.ones(3), np.ones((5, 3, 1))):
        with pytest.raises(ValueError, match=r"var of shape .* does not fit"):
            F.gaussian_nll_loss(Tensor(MEAN), Tensor(Y), Tensor(bad))
        with pytest.raises((ValueError, RuntimeError)):
            torch.nn.functional.gaussian_nll_loss(
                torch.tensor(MEAN), torch.tensor(Y), torch.tensor(bad)
            )
    with pytest.raises(ValueError, match="target of shape"):
        F.gaussian_nll_loss(Tensor(MEAN), Tensor(Y[:, :2]), 1.0)


# --------------------------------------------------------------------- Poisson
COUNTS = np.array([[0.0, 1.0, 2.0, 5.0], [3.0, 0.5, 0.0, 7.0]])
LOG_RATE = rng.standard_normal((2, 4))


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_nll_matches_torch(torch, log_input, full, reduction):
    x = LOG_RATE if log_input else np.exp(LOG_RATE)
    kwargs = dict(log_input=log_input, full=full, reduction=reduction)
    compare(
        torch,
        lambda a, t: F.poisson_nll_loss(a, t, **kwargs),
        lambda a, t: torch.nn.functional.poisson_nll_loss(a, t, **kwargs),
        [x, COUNTS],
        grad_on=(0, 1),
    )
    compare(
        torch,
        mp.PoissonNLLLoss(log_input, full, eps=1e-6, reduction=reduction),
        torch.nn.PoissonNLLLoss(log_input, full, eps=1e-6, reduction=reduction),
        [x, COUNTS],
        grad_on=(0,),
    )


# ------------------------------------------- second order at a target of zero
ZERO_TARGETS = {  # each holds zeros, values in (0, 1] and, for Stirling's term, above 1
    "2d": np.array([[0.0, 0.5, 2.5], [0.2, 0.0, 3.0]]),
    "1d": np.array([0.0, 1.5, 0.7, 0.0]),
    "0d": np.array(0.0),
}
SECOND_ORDER_AT_ZERO = {
    **{
        f"kl-{r}": (lambda x, t, r=r, F=F: F.kl_div(x, t, reduction=r), lambda x: -x * x)
        for r in ("mean", "batchmean", "sum", "none")
    },
    **{
        f"poisson-full-{'log' if li else 'rate'}-{r}": (
            lambda x, t, li=li, r=r, F=F: F.poisson_nll_loss(x, t, li, True, reduction=r),
            (lambda x: x) if li else (lambda x: x * x + 0.5),
        )
        for li in (True, False)
        for r in ("mean", "sum", "none")
    },
}


def _second_order(lib, fn, x, t, probe):
    """d/d(x, t) of sum(dL/dt * probe), the rows of the Hessian w.r.t. the target."""
    if lib is None:  # ours
        xs, ts = Tensor(x, requires_grad=True), Tensor(t, requires_grad=True)
        loss = fn(xs, ts)
        loss = (loss * Tensor(probe)).sum() if loss.ndim else loss * 3.0
        (gt,) = mp.grad(loss, [ts], create_graph=True)
        return [np.asarray(g) for g in mp.grad((gt * Tensor(probe)).sum(), [xs, ts])]
    xs, ts = lib.tensor(x, requires_grad=True), lib.tensor(t, requires_grad=True)
    loss = fn(xs, ts)
    loss = (loss * lib.tensor(probe)).sum() if loss.ndim else loss * 3.0
    (gt,) = lib.autograd.grad(loss, [ts], create_graph=True)
    return [g.numpy() for g in lib.autograd.grad((gt * lib.tensor(probe)).sum(), [xs, ts])]


@pytest.mark.filterwarnings("ignore::UserWarning")  # kl_div's 'mean'
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on 0 / 0, as intended
@pytest.mark.parametrize("layout", ZERO_TARGETS)
@pytest.mark.parametrize("name", SECOND_ORDER_AT_ZERO)
def test_hessian_wrt_a_zero_target_is_nan_as_torch(torch, name, layout):
    # issue 24: d2/dt2 of t log t (KL) and of Poisson's masked Stirling term is infinite
    # at t = 0; we gave a finite number, torch gives NaN (30 configurations)
    fn, make_input = SECOND_ORDER_AT_ZERO[name]
    t = ZERO_TARGETS[layout]
    x = np.asarray(make_input(np.random.default_rng(1).standard_normal(t.shape) * 0.5))
    probe = np.asarray(np.random.default_rng(2).standard_normal(t.shape))
    ours = _second_order(None, fn, x, t, probe)
    theirs = _second_order(torch, lambda a, b: fn(a, b, F=torch.nn.functional), x, t, probe)
    for mine, ref in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.isnan(mine), np.isnan(ref))
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert np.isnan(ours[1][t == 0]).all()


# ---------------------------------------------------------- central differences
@pytest.mark.parametrize(
    "loss",
    [
        lambda x, t: F.kl_div(x, t.exp(), reduction="batchmean"),
        lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
        lambda x, t: F.gaussian_nll_loss(x, t, (x * 0.5).exp() + 0.2, full=True),
        lambda x, t: F.poisson_nll_loss(x, t.exp() + 1.5, full=True, reduction="sum"),
        lambda x, t: F.poisson_nll_loss(x.exp(), t.exp(), log_input=False),
    ],
)
def test_likelihood_losses_pass_central_differences(loss):
    x, t = np.random.default_rng(5).standard_normal((2, 3, 4))
    result = gradient_check(loss, x, t)
    assert result.passed, str(result)


def test_float32_stays_float32():
    x = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    for loss in (
        F.kl_div(x, np.full((2, 3), 0.3), reduction="batchmean"),
        F.gaussian_nll_loss(x, np.ones((2, 3)), np.ones(2)),
        F.poisson_nll_loss(x, np.ones((2, 3))),
    ):
        loss.backward()
        assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# ------------------------------------------------------------------ Loss base
def test_loss_base_class_is_the_base_of_every_loss_and_subclassable(torch):
    for cls in (mp.MSELoss, mp.CrossEntropyLoss, mp.BCEWithLogitsLoss, mp.KLDivLoss):
        assert issubclass(cls, Loss) and issubclass(cls, mp.Module)
    assert mp.nn.Loss is Loss and mp.nn.losses.Loss is Loss

    class Cubed(Loss):
        def forward(self, input, target):
            return self.reduce_loss(((input - target) ** 2) * (input - target).abs())

    x = np.array([1.0, -2.0, 0.5])
    for reduction in ("mean", "sum", "none"):
        ours = Cubed(reduction=reduction)(Tensor(x), Tensor(np.zeros(3)))
        expected = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](np.abs(x) ** 3)
        np.testing.assert_allclose(ours.data, expected)
    assert Cubed().reduction == "mean" and repr(Cubed("sum")) == "Cubed(reduction='sum')"
    with pytest.raises(ValueError, match=r"Cubed: reduction must be 'mean', 'sum' or 'none'"):
        Cubed(reduction="batchmean")
