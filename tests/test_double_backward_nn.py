"""Double backward of the nn fused nodes and losses (issue 11).

Every case checks the Hessian-vector product of ``sum(fn(x) * probe)`` with
``oracles.assert_hvp_matches``: against central differences of the first-order
gradient and against PyTorch's double backward, in float64, with respect to the
inputs and the parameters (logits, targets that carry a gradient, norm weights).
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import assert_hvp_matches

from micrograd_plus import Tensor, grad
from micrograd_plus.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(11)
LOGITS = {
    "2d": rng.standard_normal((6, 4)) * 1.5,
    "1d": rng.standard_normal(4),
    "3d": rng.standard_normal((3, 4, 2)),
    "4d": rng.standard_normal((2, 4, 3, 2)),
}
LABELS = {
    "2d": np.array([0, 3, 1, 1, 2, 0]),
    "1d": np.array(2),
    "3d": np.array([[0, 3], [1, 1], [2, 0]]),
    "4d": rng.integers(0, 4, (2, 3, 2)),
}
CLASS_W = np.array([0.5, 2.0, 1.0, 1.5])


def _soft(shape, axis, seed=0):
    p = np.random.default_rng(seed).random(shape) + 0.1
    return p / p.sum(axis=axis, keepdims=True)


def _ce_pair(y, **kwargs):
    """cross_entropy of the logits against fixed labels, ours and torch's."""
    w = kwargs.pop("weight", None)

    def ours(x):
        return F.cross_entropy(x, Tensor(y), weight=w, **kwargs)

    def theirs(x):
        tw = None if w is None else torch.tensor(w)
        return TF.cross_entropy(x, torch.tensor(y), weight=tw, **kwargs)

    return ours, theirs


# ------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("layout", ["2d", "1d", "3d", "4d"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_class_labels_fast_path(layout, reduction):
    ours, theirs = _ce_pair(LABELS[layout], reduction=reduction)
    assert_hvp_matches(ours, [LOGITS[layout]], theirs)


GENERAL = {
    "weight": {"weight": CLASS_W},
    "ignore": {"ignore_index": 1},
    "ignore_weight": {"ignore_index": 1, "weight": CLASS_W},
    "smoothing": {"label_smoothing": 0.2},
    "smoothing_weight": {"label_smoothing": 0.3, "weight": CLASS_W},
    "smoothing_ignore_weight": {"label_smoothing": 0.1, "ignore_index": 0, "weight": CLASS_W},
}


@pytest.mark.parametrize("variant", sorted(GENERAL))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["2d", "3d"])
def test_cross_entropy_weights_ignore_and_smoothing(variant, reduction, layout):
    ours, theirs = _ce_pair(LABELS[layout], reduction=reduction, **GENERAL[variant])
    assert_hvp_matches(ours, [LOGITS[layout]], theirs)


def test_cross_entropy_default_ignore_index_in_labels():
    y = np.array([0, -100, 1, 1, -100, 3])
    ours, theirs = _ce_pair(y, weight=CLASS_W)
    assert_hvp_matches(ours, [LOGITS["2d"]], theirs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_all_ignored(reduction):
    y = np.full(6, -100)
    ours, theirs = _ce_pair(y, reduction=reduction)
    # torch's 'mean' of nothing has a NaN gradient; ours is zero by design (see the
    # docstring), so that case is checked against central differences alone.
    assert_hvp_matches(ours, [LOGITS["2d"]], None if reduction == "mean" else theirs)
    x = Tensor(LOGITS["2d"], requires_grad=True)
    (gx,) = grad(ours(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(gx.data, 0)


SOFT = {
    "plain": {},
    "weight": {"weight": CLASS_W},
    "smoothing": {"label_smoothing": 0.25},
    "smoothing_weight": {"label_smoothing": 0.1, "weight": CLASS_W},
}


@pytest.mark.parametrize("variant", sorted(SOFT))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["2d", "1d", "3d"])
def test_cross_entropy_probability_targets_wrt_logits_and_targets(variant, reduction, layout):
    kwargs = dict(SOFT[variant])
    w = kwargs.pop("weight", None)
    x = LOGITS[layout]
    q = _soft(x.shape, 0 if x.ndim == 1 else 1)
    tw = None if w is None else torch.tensor(w)

    def ours(logits, target):
        return F.cross_entropy(logits, target, weight=w, reduction=reduction, **kwargs)

    def theirs(logits, target):
        return TF.cross_entropy(logits, target, weight=tw, reduction=reduction, **kwargs)

    assert_hvp_matches(ours, [x, q], theirs)
    # and with the target a constant
    assert_hvp_matches(lambda a: ours(a, Tensor(q)), [x], lambda a: theirs(a, torch.tensor(q)))


def _third_order(fn, x0, lib, seed=5):
    """d/dx <d/dx <d/dx fn(x), v>, u> with ours (lib None) or torch."""
    r = np.random.default_rng(seed)
    v, u = r.standard_normal(x0.shape), r.standard_normal(x0.shape)
    if lib is None:
        x = Tensor(x0, requires_grad=True)
        (g1,) = grad(fn(x), x, create_graph=True)
        (g2,) = grad((g1 * Tensor(v)).sum(), x, create_graph=True)
        return grad((g2 * Tensor(u)).sum(), x)[0].data
    x = torch.tensor(x0, requires_grad=True)
    (g1,) = torch.autograd.grad(fn(x), x, create_graph=True)
    (g2,) = torch.autograd.grad((g1 * torch.tensor(v)).sum(), x, create_graph=True)
    return torch.autograd.grad((g2 * torch.tensor(u)).sum(), x)[0].numpy()


@pytest.mark.parametrize(
    "kwargs", [{}, {"weight": CLASS_W, "label_smoothing": 0.2, "ignore_index": 3}]
)
def test_cross_entropy_third_order_matches_torch(kwargs):
    ours, theirs = _ce_pair(LABELS["2d"], **kwargs)
    np.testing.assert_allclose(
        _third_order(ours, LOGITS["2d"], None),
        _third_order(theirs, LOGITS["2d"], torch),
        rtol=1e-9,
        atol=1e-12,
    )


# ------------------------------------------------------------------ nll_loss
@pytest.mark.parametrize("kwargs", [{}, {"weight": CLASS_W}, {"ignore_index": 2}])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["2d", "1d", "3d"])
def test_nll_loss_passes_the_graph_of_its_input(kwargs, reduction, layout):
    # nll is linear in its input: composed with tanh the Hessian comes from tanh
    # and tests that nll's graph-mode rule carries the incoming gradient's graph.
    kwargs = dict(kwargs)
    w = kwargs.pop("weight", None)
    y = LABELS[layout]
    tw = None if w is None else torch.tensor(w)

    def ours(x):
        return F.nll_loss(x.tanh() * 3, Tensor(y), weight=w, reduction=reduction, **kwargs)

    def theirs(x):
        return TF.nll_loss(x.tanh() * 3, torch.tensor(y), tw, reduction=reduction, **kwargs)

    assert_hvp_matches(ours, [LOGITS[layout]], theirs)
