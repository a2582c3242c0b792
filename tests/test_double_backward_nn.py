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


def test_cross_entropy_without_classes_in_graph_mode():
    # torch: a class axis of size 0 with every target ignored; each loss is 0
    x = Tensor(np.zeros((3, 0)), requires_grad=True)
    loss = F.cross_entropy(x * x, Tensor(np.full(3, -100)), reduction="sum")
    (gx,) = grad(loss, x, create_graph=True)
    assert isinstance(gx, Tensor) and gx.shape == (3, 0)


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


def test_log_softmax_then_nll_loss_double_backward():
    x, y = LOGITS["3d"], LABELS["3d"]
    assert_hvp_matches(
        lambda t: F.nll_loss(F.log_softmax(t, dim=1), Tensor(y), weight=CLASS_W),
        [x],
        lambda t: TF.nll_loss(TF.log_softmax(t, dim=1), torch.tensor(y), torch.tensor(CLASS_W)),
    )


# ------------------------------------------------------------ normalisation
def _running(channels, seed=7):
    r = np.random.default_rng(seed)
    return r.standard_normal(channels) * 0.3, r.random(channels) + 0.5


BN_SHAPES = [(6, 3), (4, 3, 5)]


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_batch_norm_wrt_input_weight_and_bias(shape, training, affine):
    channels = shape[1]
    mean, var = _running(channels)
    r = np.random.default_rng(3)
    x = r.standard_normal(shape) * 2 + 1
    params = [r.standard_normal(channels) + 1, r.standard_normal(channels)]
    params = params[: {"none": 0, "weight": 1, "both": 2}[affine]]

    def ours(x, *wb):
        wb = list(wb) + [None] * (2 - len(wb))
        return F.batch_norm(x, mean.copy(), var.copy(), *wb, training=training, eps=1e-3)

    def theirs(x, *wb):
        wb = list(wb) + [None] * (2 - len(wb))
        rm, rv = torch.tensor(mean), torch.tensor(var)
        return TF.batch_norm(x, rm, rv, *wb, training=training, eps=1e-3)

    assert_hvp_matches(ours, [x, *params], theirs)


def test_batch_norm_without_running_statistics_uses_the_batch():
    x = np.random.default_rng(4).standard_normal((5, 2))
    assert_hvp_matches(
        lambda t: F.batch_norm(t, training=False),
        [x],
        lambda t: TF.batch_norm(t, None, None, training=True),
    )


def _params_hvp(params, loss_fn, directions):
    """H v of ``loss_fn()`` with respect to ``params`` (ours or torch's, by their type)."""
    if isinstance(params[0], Tensor):
        grads = grad(loss_fn(), params, create_graph=True)
        dot = sum((g * Tensor(v)).sum() for g, v in zip(grads, directions))
        return [h.data for h in grad(dot, params)]
    grads = torch.autograd.grad(loss_fn(), params, create_graph=True)
    dot = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, directions))
    return [h.numpy() for h in torch.autograd.grad(dot, params)]


def assert_params_hvp_matches(ours, theirs, ours_loss, torch_loss, eps=1e-5, seed=12):
    """HVP with respect to a model's parameters vs torch's model (the same weights)
    and vs central differences of our first-order gradient."""
    r = np.random.default_rng(seed)
    directions = [r.standard_normal(p.shape) for p in ours]
    mine = _params_hvp(ours, ours_loss, directions)
    ref = _params_hvp(theirs, torch_loss, directions)
    diffs = []
    for sign in (1, -1):
        for p, v in zip(ours, directions):
            p.data += sign * eps * v
        diffs.append([g.data for g in grad(ours_loss(), ours)])
        for p, v in zip(ours, directions):
            p.data -= sign * eps * v
    for m, t, plus, minus in zip(mine, ref, *diffs, strict=True):
        np.testing.assert_allclose(m, t, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(m, (plus - minus) / (2 * eps), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm1d_module_hvp_wrt_its_parameters(training):
    from micrograd_plus.nn import BatchNorm1d

    x = np.random.default_rng(8).standard_normal((7, 3)) * 3
    probe = np.random.default_rng(9).standard_normal((7, 3))
    ours_bn, torch_bn = BatchNorm1d(3, dtype=np.float64), torch.nn.BatchNorm1d(3).double()
    mean, var = _running(3)
    with torch.no_grad():
        for mine, theirs, value in (
            (ours_bn.weight, torch_bn.weight, [1.5, 0.5, 2.0]),
            (ours_bn.bias, torch_bn.bias, [0.1, -0.2, 0.3]),
            (ours_bn.running_mean, torch_bn.running_mean, mean),
            (ours_bn.running_var, torch_bn.running_var, var),
        ):
            mine.data[...] = value
            theirs.copy_(torch.tensor(np.asarray(value)))
    ours_bn.train(training), torch_bn.train(training)
    params = [ours_bn.weight, ours_bn.bias]
    assert_params_hvp_matches(
        params,
        [torch_bn.weight, torch_bn.bias],
        lambda: ((ours_bn(Tensor(x)) ** 3) * Tensor(probe)).sum(),
        lambda: ((torch_bn(torch.tensor(x)) ** 3) * torch.tensor(probe)).sum(),
    )


LN_CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,))]


@pytest.mark.parametrize("shape, normalized", LN_CASES)
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm_wrt_input_weight_and_bias(shape, normalized, affine):
    r = np.random.default_rng(6)
    x = r.standard_normal(shape) * 2
    params = [r.standard_normal(normalized) + 1, r.standard_normal(normalized)]
    params = params[: {"none": 0, "weight": 1, "both": 2}[affine]]

    def ours(x, *wb):
        wb = list(wb) + [None] * (2 - len(wb))
        return F.layer_norm(x, normalized, *wb, eps=1e-3)

    def theirs(x, *wb):
        wb = list(wb) + [None] * (2 - len(wb))
        return TF.layer_norm(x, normalized, *wb, eps=1e-3)

    assert_hvp_matches(ours, [x, *params], theirs)


def _layer_norm_by_hand(x, w):
    centred = x - x.mean(dim=-1, keepdim=True)
    return centred / ((centred * centred).mean(dim=-1, keepdim=True) + 1e-5).sqrt() * w


def test_layer_norm_third_order_matches_torch_composed():
    # torch's fused layer_norm has a wrong third derivative (its double-backward
    # formula is not differentiated correctly: it disagrees with the same function
    # written with torch's elementary ops), so the reference is that composition.
    x0 = np.random.default_rng(9).standard_normal((3, 4))
    w = np.array([1.0, 2.0, 0.5, -1.0])
    probe = np.random.default_rng(10).standard_normal((3, 4))

    def ours(x):
        return (F.layer_norm(x, (4,), Tensor(w)) * Tensor(probe)).sum()

    def theirs(x):
        return (_layer_norm_by_hand(x, torch.tensor(w)) * torch.tensor(probe)).sum()

    np.testing.assert_allclose(
        _third_order(ours, x0, None), _third_order(theirs, x0, torch), rtol=1e-8, atol=1e-10
    )


# ------------------------------------------------------------------- losses
R = np.random.default_rng(21)
PRED, TARGET = R.standard_normal((5, 4)) * 2, R.standard_normal((5, 4)) * 2
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("mse_loss", {}),
        ("l1_loss", {}),
        ("huber_loss", {"delta": 1.0}),
        ("huber_loss", {"delta": 2.5}),
        ("smooth_l1_loss", {"beta": 1.0}),
        ("smooth_l1_loss", {"beta": 0.5}),
        ("smooth_l1_loss", {"beta": 0.0}),
    ],
)
def test_regression_losses_wrt_input_and_target(name, kwargs, reduction):
    ours, theirs = getattr(F, name), getattr(TF, name)
    # the Hessians are piecewise constant; the points are away from the kinks
    d = np.abs(PRED - TARGET)
    assert np.min(np.abs(d - kwargs.get("delta", kwargs.get("beta", 0)))) > 1e-3
    assert_hvp_matches(
        lambda x, t: ours(x, t, reduction=reduction, **kwargs) ** 2,
        [PRED, TARGET],
        lambda x, t: theirs(x, t, reduction=reduction, **kwargs) ** 2,
    )


PROBS = R.random((5, 4)) * 0.9 + 0.05
LABELS01 = R.random((5, 4))
ELEMENT_W = R.random((5, 4)) + 0.5


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_wrt_probabilities_and_targets(reduction, weighted):
    w = ELEMENT_W if weighted else None
    tw = None if w is None else torch.tensor(w)
    assert_hvp_matches(
        lambda p, t: F.binary_cross_entropy(p, t, weight=w, reduction=reduction),
        [PROBS, LABELS01],
        lambda p, t: TF.binary_cross_entropy(p, t, weight=tw, reduction=reduction),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_wrt_logits_and_targets(reduction, weighted, pos_weighted):
    w = ELEMENT_W if weighted else None
    pw = np.array([0.5, 1.0, 2.0, 3.0]) if pos_weighted else None

    def theirs(x, t):
        return TF.binary_cross_entropy_with_logits(
            x,
            t,
            weight=None if w is None else torch.tensor(w),
            reduction=reduction,
            pos_weight=None if pw is None else torch.tensor(pw),
        )

    assert_hvp_matches(
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, weight=w, reduction=reduction, pos_weight=pw
        ),
        [PRED, LABELS01],
        theirs,
    )


@pytest.mark.filterwarnings("ignore:kl_div")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_wrt_input_and_target(reduction, log_target):
    target = np.log(PROBS) if log_target else PROBS
    assert_hvp_matches(
        lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target) ** 2,
        [PRED, target],
        lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target) ** 2,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(5, 4), (5,), (5, 1)])
def test_gaussian_nll_loss_wrt_mean_target_and_var(reduction, full, var_shape):
    var = np.random.default_rng(2).random(var_shape) + 0.3
    assert_hvp_matches(
        lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
        [PRED, TARGET, var],
        lambda x, t, v: TF.gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
    )


def test_gaussian_nll_loss_clamped_var_as_torch():
    # torch clamps var at eps without recording it: the value is eps, the gradient 1,
    # in first and second order alike. That is not the derivative of the clamped
    # function, so central differences do not apply here: the reference is torch.
    # var = v * v * scale; the columns scaled by 1e-7 are below eps.
    v = np.random.default_rng(2).random((5, 4)) + 0.5
    scale = np.array([1e-7, 1.0, 0.5, 1e-7])
    assert (v * v * scale < 1e-6).sum() == 10
    arrays = [PRED * 1e-3, TARGET * 1e-3, v]
    directions = [np.random.default_rng(i).standard_normal((5, 4)) for i in range(3)]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine = _params_hvp(
        ours, lambda: F.gaussian_nll_loss(ours[0], ours[1], ours[2] ** 2 * scale), directions
    )
    ref = _params_hvp(
        theirs,
        lambda: TF.gaussian_nll_loss(theirs[0], theirs[1], theirs[2] ** 2 * torch.tensor(scale)),
        directions,
    )
    for m, r in zip(mine, ref, strict=True):
        np.testing.assert_allclose(m, r, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss_wrt_input_and_target(reduction, log_input, full):
    x = PRED * 0.5 if log_input else PROBS * 3
    counts = np.random.default_rng(3).random((5, 4)) * 4 + 0.2  # some above 1, some below
    assert_hvp_matches(
        lambda a, t: F.poisson_nll_loss(a, t, log_input, full, reduction=reduction),
        [x, counts],
        lambda a, t: TF.poisson_nll_loss(a, t, log_input, full, reduction=reduction),
    )


# ------------------------------------------------------------------- layers
def test_gelu_tanh_double_and_third_order():
    x = R.standard_normal((4, 5)) * 2
    assert_hvp_matches(F.gelu_tanh, [x], lambda t: TF.gelu(t, approximate="tanh"))
    np.testing.assert_allclose(
        _third_order(lambda t: F.gelu_tanh(t).sum(), x, None),
        _third_order(lambda t: TF.gelu(t, approximate="tanh").sum(), x, torch),
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_dropout_passes_the_graph_with_its_fixed_mask(p):
    x = R.standard_normal((6, 5))
    np.random.seed(4)
    mask = F.dropout(Tensor(np.ones_like(x)), p=p).data

    def ours(t):
        np.random.seed(4)  # the same mask at every call
        return F.dropout(t * t * t, p=p)

    assert_hvp_matches(ours, [x], lambda t: t * t * t * torch.tensor(mask))


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_hvp_wrt_its_table(padding_idx):
    table = R.standard_normal((5, 3))
    idx = np.array([[0, 2, 2], [4, 1, 0]])  # repeated rows accumulate

    def ours(w):
        return F.embedding(idx, w, padding_idx=padding_idx).tanh()

    def theirs(w):
        return TF.embedding(torch.tensor(idx), w, padding_idx=padding_idx).tanh()

    assert_hvp_matches(ours, [table], theirs)
    np.testing.assert_allclose(
        _third_order(lambda w: ours(w).sum(), table, None),
        _third_order(lambda w: theirs(w).sum(), table, torch),
        rtol=1e-9,
        atol=1e-12,
    )


# --------------------------------------------------------------- end to end
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_mlp_cross_entropy_hvp_wrt_all_parameters_matches_torch(activation):
    """The HVP of a 2-64-64-3 MLP's cross-entropy loss with respect to every
    parameter, vs the same torch model (same weights) and central differences."""
    from micrograd_plus import nn

    r = np.random.default_rng(13)
    x = r.standard_normal((40, 2))
    y = r.integers(0, 3, 40)
    act, torch_act = {"tanh": (nn.Tanh, torch.nn.Tanh), "relu": (nn.ReLU, torch.nn.ReLU)}[
        activation
    ]
    ours = nn.Sequential(
        nn.Linear(2, 64, dtype=np.float64),
        act(),
        nn.Linear(64, 64, dtype=np.float64),
        act(),
        nn.Linear(64, 3, dtype=np.float64),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 64), torch_act(), torch.nn.Linear(64, 64), torch_act()
    )
    theirs.append(torch.nn.Linear(64, 3)).double()
    # The same weights in both, drawn here so that the test does not depend on the
    # global random state (uniform with bound 1/sqrt(fan_in), as both initialise).
    with torch.no_grad():
        for mine, other in zip(list(ours)[::2], list(theirs)[::2]):
            bound = 1 / np.sqrt(mine.in_features)
            for p, q in ((mine.weight, other.weight), (mine.bias, other.bias)):
                p.data[...] = r.uniform(-bound, bound, p.shape)
                q.copy_(torch.tensor(p.data))
    params, torch_params = list(ours.parameters()), list(theirs.parameters())
    assert len(params) == len(torch_params) == 6
    eps = 1e-5
    if activation == "relu":
        # Central differences must not step over a kink: every pre-activation is
        # much further from 0 than a step of 1e-7 along the direction moves it.
        eps = 1e-7
        h = Tensor(x)
        for layer in list(ours)[:4:2]:
            h = layer(h)
            assert np.abs(h.data).min() > 1e-5
            h = h.relu()
    assert_params_hvp_matches(
        params,
        torch_params,
        lambda: F.cross_entropy(ours(Tensor(x)), Tensor(y)),
        lambda: TF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)),
        eps=eps,
    )


def test_loss_modules_double_backward_like_torch():
    from micrograd_plus import nn

    x, labels = LOGITS["2d"], LABELS["2d"]
    pairs = [
        (
            nn.CrossEntropyLoss(weight=CLASS_W, label_smoothing=0.1, ignore_index=2),
            torch.nn.CrossEntropyLoss(torch.tensor(CLASS_W), label_smoothing=0.1, ignore_index=2),
            labels,
        ),
        (
            nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2.0, 0.5, 3.0])),
            torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 0.5, 3.0]).double()),
            LABELS01[:1].repeat(6, axis=0),
        ),
        (nn.HuberLoss(delta=0.7), torch.nn.HuberLoss(delta=0.7), rng.standard_normal((6, 4))),
    ]
    for ours, theirs, target in pairs:
        assert_hvp_matches(
            lambda a, ours=ours, target=target: ours(a, Tensor(target)),
            [x],
            lambda a, theirs=theirs, target=target: theirs(a, torch.tensor(target)),
        )


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.cross_entropy(x, [0, 1, 2, 3, 0], weight=CLASS_W, label_smoothing=0.1),
        lambda x: (F.batch_norm(x, training=True) ** 3).sum(),
        lambda x: (F.layer_norm(x, (4,)) ** 3).sum(),
        lambda x: F.binary_cross_entropy_with_logits(x, np.full((5, 4), 0.3)),
        lambda x: F.gaussian_nll_loss(x, np.zeros((5, 4)), x * x + 1),
    ],
)
def test_float32_stays_float32_in_graph_mode(fn):
    x = Tensor(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    (g,) = grad(fn(x), x, create_graph=True)
    (h,) = grad((g * g).sum(), x)
    assert g.dtype == h.dtype == np.float32 and g.requires_grad
    assert np.isfinite(h.data).all() and np.abs(h.data).max() > 0
