"""Losses: values and gradients against PyTorch (float64), central differences, errors."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.autograd.gradcheck import gradient_check
from micrograd_plus.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def run_ours(fn, arrays, grad_on, upstream_seed=0):
    """Evaluate ``fn`` on float64 tensors and backpropagate a random upstream gradient."""
    tensors = [
        Tensor(a, requires_grad=i in grad_on) if np.asarray(a).dtype.kind == "f" else a
        for i, a in enumerate(arrays)
    ]
    out = fn(*tensors)
    upstream = np.random.default_rng(upstream_seed).standard_normal(out.shape)
    out.backward(upstream)
    return out.data, [tensors[i].grad for i in grad_on], upstream


def run_torch(torch, fn, arrays, grad_on, upstream):
    tensors = [
        torch.tensor(np.asarray(a), requires_grad=i in grad_on) for i, a in enumerate(arrays)
    ]
    out = fn(*tensors)
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), [tensors[i].grad.numpy() for i in grad_on]


def assert_matches_torch(torch, ours, theirs, arrays, grad_on):
    value, grads, upstream = run_ours(ours, arrays, grad_on)
    t_value, t_grads = run_torch(torch, theirs, arrays, grad_on, upstream)
    np.testing.assert_allclose(value, t_value, rtol=1e-7, atol=1e-10)
    for g, tg in zip(grads, t_grads):
        np.testing.assert_allclose(g, tg, rtol=1e-7, atol=1e-10)


rng = np.random.default_rng(1)
X = rng.standard_normal((6, 4)) * 2
Y = rng.standard_normal((6, 4)) * 2


# ------------------------------------------------------------------- regression
REGRESSION = [
    ("mse", {}, F.mse_loss, "mse_loss"),
    ("l1", {}, F.l1_loss, "l1_loss"),
    ("huber", {"delta": 1.0}, F.huber_loss, "huber_loss"),
    ("huber", {"delta": 0.4}, F.huber_loss, "huber_loss"),
    ("smooth_l1", {"beta": 1.0}, F.smooth_l1_loss, "smooth_l1_loss"),
    ("smooth_l1", {"beta": 0.3}, F.smooth_l1_loss, "smooth_l1_loss"),
    ("smooth_l1", {"beta": 0.0}, F.smooth_l1_loss, "smooth_l1_loss"),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,kwargs,ours,theirs", REGRESSION, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_regression_losses_match_torch(torch, name, kwargs, ours, theirs, reduction):
    tfn = getattr(torch.nn.functional, theirs)
    assert_matches_torch(
        torch,
        lambda x, y: ours(x, y, reduction=reduction, **kwargs),
        lambda x, y: tfn(x, y, reduction=reduction, **kwargs),
        [X, Y],
        grad_on=(0, 1),
    )


def test_loss_modules_match_functions(torch):
    pairs = [
        (mp.MSELoss(), torch.nn.MSELoss()),
        (mp.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum")),
        (mp.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5)),
        (mp.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5)),
    ]
    for ours, theirs in pairs:
        assert_matches_torch(torch, ours, theirs, [X, Y], grad_on=(0,))


# ------------------------------------------------------------------------ binary
P = 1 / (1 + np.exp(-X))
T01 = (rng.random((6, 4)) > 0.5).astype(np.float64)
W = rng.random((6, 4)) + 0.5


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_matches_torch(torch, reduction, weighted):
    w = W if weighted else None
    soft_target = rng.random((6, 4))
    assert_matches_torch(
        torch,
        lambda p, t: F.binary_cross_entropy(p, t, weight=w, reduction=reduction),
        lambda p, t: torch.nn.functional.binary_cross_entropy(
            p, t, weight=None if w is None else torch.tensor(w), reduction=reduction
        ),
        [P, soft_target],
        grad_on=(0, 1),
    )


def test_bce_clamps_log_at_minus_100_like_torch(torch):
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    ours = F.binary_cross_entropy(Tensor(p), Tensor(t), reduction="none").data
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p), torch.tensor(t), reduction="none"
    )
    np.testing.assert_array_equal(ours, theirs.numpy())
    assert ours.tolist() == [100.0, 100.0, 0.0, 0.0]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_matches_torch(torch, reduction, weighted, pos_weighted):
    w = W if weighted else None
    pw = rng.random(4) * 3 if pos_weighted else None
    soft_target = rng.random((6, 4))

    def theirs(x, t):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            x,
            t,
            weight=None if w is None else torch.tensor(w),
            pos_weight=None if pw is None else torch.tensor(pw),
            reduction=reduction,
        )

    assert_matches_torch(
        torch,
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, weight=w, reduction=reduction, pos_weight=pw
        ),
        theirs,
        [X * 3, soft_target],
        grad_on=(0, 1),
    )


def test_bce_with_logits_is_stable_for_huge_scores():
    x = Tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    loss = mp.BCEWithLogitsLoss(reduction="none")(x, Tensor([1.0, 0.0, 0.0, 1.0]))
    loss.sum().backward()
    assert loss.data.tolist() == [0.0, 0.0, 1000.0, 1000.0]
    assert x.grad.tolist() == [0.0, 0.0, 1.0, -1.0]


# ------------------------------------------------------------------ cross-entropy
LOGITS = rng.standard_normal((7, 5)) * 3
LABELS = np.array([0, 4, 2, 2, 1, 3, 4])
LABELS_IGNORED = np.array([0, -100, 2, 2, -100, 3, 4])
CLASS_W = rng.random(5) + 0.2


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignored", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_targets_match_torch(torch, reduction, weighted, ignored, smoothing):
    w = CLASS_W if weighted else None
    labels = LABELS_IGNORED if ignored else LABELS
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    assert_matches_torch(
        torch,
        lambda x, t: F.cross_entropy(x, t, weight=w, **kwargs),
        lambda x, t: torch.nn.functional.cross_entropy(
            x, t, weight=None if w is None else torch.tensor(w), **kwargs
        ),
        [LOGITS, labels],
        grad_on=(0,),
    )


def test_cross_entropy_custom_ignore_index_and_module(torch):
    labels = np.array([0, 3, 2, 2, 1, 3, 4])
    w = torch.tensor(CLASS_W)
    assert_matches_torch(
        torch,
        mp.CrossEntropyLoss(weight=CLASS_W, ignore_index=3),
        torch.nn.CrossEntropyLoss(weight=w, ignore_index=3),
        [LOGITS, labels],
        grad_on=(0,),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets_match_torch(torch, reduction, weighted, smoothing):
    w = CLASS_W if weighted else None
    q = rng.random((7, 5))
    q /= q.sum(axis=1, keepdims=True)
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    assert_matches_torch(
        torch,
        lambda x, t: F.cross_entropy(x, t, weight=w, **kwargs),
        lambda x, t: torch.nn.functional.cross_entropy(
            x, t, weight=None if w is None else torch.tensor(w), **kwargs
        ),
        [LOGITS, q],
        grad_on=(0, 1),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_unbatched_inputs_match_torch(torch, reduction):
    logits = rng.standard_normal((3, 4, 5))
    labels = rng.integers(0, 4, (3, 5))
    labels[0, 0] = -100
    for x, t in [(logits, labels), (LOGITS[0], np.array(3))]:
        assert_matches_torch(
            torch,
            lambda x, t: F.cross_entropy(x, t, reduction=reduction),
            lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction),
            [x, t],
            grad_on=(0,),
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_torch(torch, reduction, weighted):
    w = CLASS_W if weighted else None
    log_p = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    assert_matches_torch(
        torch,
        lambda x, t: F.nll_loss(x, t, weight=w, reduction=reduction),
        lambda x, t: torch.nn.functional.nll_loss(
            x, t, weight=None if w is None else torch.tensor(w), reduction=reduction
        ),
        [log_p, LABELS_IGNORED],
        grad_on=(0,),
    )


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    logits = Tensor(LOGITS.astype(np.float32), requires_grad=True)
    mp.CrossEntropyLoss()(logits, Tensor(LABELS)).backward()
    e = np.exp(LOGITS - LOGITS.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(5)[LABELS]) / len(LABELS)
    assert logits.grad.dtype == np.float32
    np.testing.assert_allclose(logits.grad, expected, rtol=1e-5, atol=1e-7)


def test_cross_entropy_is_one_graph_node():
    logits = Tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, LABELS, label_smoothing=0.1, weight=CLASS_W)
    assert loss._op == "cross_entropy" and loss._parents == (logits,)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = Tensor([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(logits, [0, 2])
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(5e3)
    np.testing.assert_allclose(logits.grad, [[0, 0, 0], [0, 0.5, -0.5]], atol=1e-6)


@pytest.mark.parametrize(
    "loss",
    [
        lambda x: F.cross_entropy(x, [1, 0, 2], weight=[0.2, 1.0, 3.0], label_smoothing=0.2),
        lambda x: F.cross_entropy(x, [1, -100, 2], reduction="sum"),
        lambda x: F.nll_loss(x.log_softmax(axis=1), [1, 0, 2], reduction="none"),
        lambda x: F.binary_cross_entropy(x.sigmoid(), np.full((3, 3), 0.3)),
        lambda x: F.binary_cross_entropy_with_logits(x, np.eye(3), pos_weight=[1.0, 2.0, 3.0]),
        lambda x: F.huber_loss(x, np.ones((3, 3)), delta=0.7),
        lambda x: F.smooth_l1_loss(x, np.ones((3, 3)), beta=0.6, reduction="sum"),
    ],
)
def test_losses_pass_central_differences(loss):
    x = np.random.default_rng(3).standard_normal((3, 3))
    result = gradient_check(loss, x)
    assert result.passed, str(result)


def test_float32_stays_float32_and_array_targets_are_converted():
    pred = Tensor(np.ones((4, 2), np.float32), requires_grad=True)
    for loss_fn in (mp.MSELoss(), mp.L1Loss(), mp.HuberLoss(), mp.BCEWithLogitsLoss()):
        loss = loss_fn(pred, np.zeros((4, 2)))  # a float64 array becomes the input's dtype
        loss.backward()
        assert loss.dtype == np.float32 and pred.grad.dtype == np.float32
        pred.grad = None
    logits = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    loss = mp.CrossEntropyLoss(weight=np.ones(3), label_smoothing=0.1)(logits, np.arange(4) % 3)
    loss.backward()
    assert loss.dtype == np.float32 and logits.grad.dtype == np.float32


# ------------------------------------------------------------------------ errors
LOSS_CLASSES = [
    mp.MSELoss,
    mp.L1Loss,
    mp.HuberLoss,
    mp.SmoothL1Loss,
    mp.CrossEntropyLoss,
    mp.NLLLoss,
    mp.BCELoss,
    mp.BCEWithLogitsLoss,
]


@pytest.mark.parametrize("cls", LOSS_CLASSES)
def test_unknown_reduction_is_a_value_error(cls):
    with pytest.raises(ValueError, match="reduction must be"):
        cls(reduction="avg")


@pytest.mark.parametrize("cls", [mp.MSELoss, mp.L1Loss, mp.HuberLoss, mp.BCEWithLogitsLoss])
def test_shape_mismatch_raises_instead_of_broadcasting(cls):
    pred = Tensor(np.full((5, 1), 0.5), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(5,\)"):
        cls()(pred, Tensor(np.zeros(5)))


def test_cross_entropy_rejects_fractional_and_out_of_range_targets():
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"position \(1,\) holds 1\.5"):
        mp.CrossEntropyLoss()(logits, Tensor([0.0, 1.5, 2.0]))
    with pytest.raises(IndexError, match=r"value 4 at position \(2,\)"):
        mp.CrossEntropyLoss()(logits, Tensor([0, 1, 4]))
    with pytest.raises(IndexError, match=r"value -1 at position \(0,\)"):
        mp.NLLLoss()(logits, [-1, 1, 2])
    with pytest.raises(ValueError, match=r"target of shape \(2,\)"):
        mp.CrossEntropyLoss()(logits, [0, 1])
    with pytest.raises(ValueError, match="one entry per class"):
        mp.CrossEntropyLoss(weight=[1.0, 2.0])(logits, [0, 1, 2])
    with pytest.raises(ValueError, match="label_smoothing"):
        mp.CrossEntropyLoss(label_smoothing=1.5)


def test_bce_rejects_inputs_outside_unit_interval():
    with pytest.raises(ValueError, match=r"input\[1\] is 1\.5"):
        mp.BCELoss()(Tensor([0.5, 1.5]), Tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        mp.BCELoss()(Tensor([np.nan, 0.5]), Tensor([1.0, 0.0]))


def test_bad_huber_delta_and_smooth_l1_beta():
    with pytest.raises(ValueError, match="delta"):
        mp.HuberLoss(delta=0.0)
    with pytest.raises(ValueError, match="beta"):
        mp.SmoothL1Loss(beta=-1.0)


NOTHING_COUNTED = {
    "all-ignored": dict(labels=[-100, -100, -100], weight=None),
    "all-ignored-weighted": dict(labels=[-100, -100, -100], weight=[1.0, 2.0, 0.5, 1.0, 1.0]),
    "zero-weight-present": dict(labels=[0, 1, 1], weight=[0.0, 0.0, 1.0, 1.0, 1.0]),
    "all-ignored-custom-index": dict(labels=[2, 2, 2], weight=None, ignore_index=2),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(NOTHING_COUNTED))
@pytest.mark.parametrize(
    "fn,smoothing", [("cross_entropy", 0.0), ("cross_entropy", 0.2), ("nll_loss", 0.0)]
)
def test_nothing_counted_gives_nan_loss_and_zero_gradient(torch, fn, case, reduction, smoothing):
    """Mean over zero counted targets: NaN as torch, but a zero gradient, never NaN."""
    spec = NOTHING_COUNTED[case]
    labels = np.array(spec["labels"])
    w = None if spec["weight"] is None else np.array(spec["weight"])
    kwargs = dict(reduction=reduction, ignore_index=spec.get("ignore_index", -100))
    if smoothing:
        kwargs["label_smoothing"] = smoothing
    ours = getattr(F, fn)
    theirs = getattr(torch.nn.functional, fn)
    value, (grad,), upstream = run_ours(
        lambda x, t: ours(x, t, weight=w, **kwargs), [LOGITS[:3], labels], (0,)
    )
    t_value, (t_grad,) = run_torch(
        torch,
        lambda x, t: theirs(x, t, weight=None if w is None else torch.tensor(w), **kwargs),
        [LOGITS[:3], labels],
        (0,),
        upstream,
    )
    np.testing.assert_allclose(value, t_value, rtol=1e-7, atol=1e-10)  # NaN where torch's is
    assert np.isfinite(grad).all()
    if reduction == "mean":
        assert np.isnan(value)
        assert not grad.any()
    if np.isfinite(t_grad).all():
        np.testing.assert_allclose(grad, t_grad, rtol=1e-7, atol=1e-10)
    else:
        # Torch's own gradient is NaN only where the weights of the present targets sum to
        # zero (0 * inf); ours is zero there too, a deliberate difference: no NaN in a step.
        assert case == "zero-weight-present" and reduction == "mean"


def test_all_ignored_batch_leaves_the_weights_unchanged_after_a_step():
    layer = mp.Linear(4, 5, dtype=np.float64)
    before = [p.data.copy() for p in layer.parameters()]
    opt = mp.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    loss = mp.CrossEntropyLoss()(layer(Tensor(X)), np.full(len(X), -100))
    loss.backward()
    opt.step()
    assert np.isnan(loss.item())
    for p, old in zip(layer.parameters(), before):
        np.testing.assert_array_equal(p.data, old)


def test_all_ignored_spatial_targets_match_torch(torch):
    logits = rng.standard_normal((2, 5, 3))
    labels = np.full((2, 3), -100)
    value, (grad,), _ = run_ours(F.cross_entropy, [logits, labels], (0,))
    t_value = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    assert np.isnan(value) and np.isnan(t_value.item())
    assert grad.shape == logits.shape and not grad.any()


def test_weight_is_a_buffer_in_the_state_dict():
    loss = mp.CrossEntropyLoss(weight=np.array([1.0, 2.0], np.float32))
    assert list(loss.state_dict()) == ["weight"]
    assert list(mp.CrossEntropyLoss().state_dict()) == []


@pytest.mark.parametrize("target", [[-1.0, 1.0], [0.5, 1.0000001], [0.5, np.nan]])
def test_bce_rejects_targets_outside_unit_interval_like_torch(torch, target):
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        torch.nn.BCELoss()(torch.tensor([0.3, 0.8]), torch.tensor(target))
    with pytest.raises(ValueError, match=r"targets in \[0, 1\].*target\[\d\] is"):
        mp.BCELoss()(Tensor([0.3, 0.8], dtype=np.float64), Tensor(target, dtype=np.float64))
    # The edges are allowed, in both.
    edge = [0.0, 1.0]
    ours = mp.BCELoss()(Tensor([0.3, 0.8], dtype=np.float64), Tensor(edge, dtype=np.float64))
    theirs = torch.nn.BCELoss()(
        torch.tensor([0.3, 0.8], dtype=torch.float64), torch.tensor(edge, dtype=torch.float64)
    )
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


@pytest.mark.parametrize(
    "labels,shown",
    [
        (np.array([1e20, 0.0]), r"1e\+20"),
        (np.array([-3.0, 0.0]), r"-3 "),
        (np.array([np.inf, 0.0]), r"inf"),
        (np.array([2**64 - 1, 0], dtype=np.uint64), r"18446744073709551615"),
        (np.array([2**63, 0], dtype=np.uint64), r"9223372036854775808"),
        (np.array([200, 0], dtype=np.uint8), r"200"),
    ],
)
def test_out_of_range_labels_are_reported_with_their_real_value(labels, shown):
    with pytest.raises(IndexError, match=rf"target value {shown}.*valid values are 0\.\.2"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), labels)


def test_uint64_label_that_wraps_to_the_ignore_index_is_not_ignored():
    # 2**64 - 100 is -100 once wrapped to a signed integer: it must not count as ignored.
    labels = np.array([2**64 - 100, 0], dtype=np.uint64)
    with pytest.raises(IndexError, match="18446744073709551516"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), labels)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "fn,soft", [("cross_entropy", False), ("cross_entropy", True), ("nll_loss", False)]
)
def test_scores_without_classes_follow_torch(torch, fn, soft, reduction):
    target = np.zeros((2, 0)) if soft else np.array([-100, -100])
    x = np.zeros((2, 0))
    value, (grad,), _ = run_ours(
        lambda a, t: getattr(F, fn)(a, t, reduction=reduction), [x, target], (0,)
    )
    theirs = getattr(torch.nn.functional, fn)(
        torch.tensor(x, requires_grad=True), torch.tensor(target), reduction=reduction
    )
    np.testing.assert_allclose(value, theirs.detach().numpy())
    assert grad.shape == (2, 0)
    with pytest.raises(IndexError, match="out of bounds"):
        getattr(torch.nn.functional, fn)(torch.tensor(x), torch.tensor([0, -100]))
    with pytest.raises(IndexError, match=r"target value 1 at position \(1,\).*no classes"):
        getattr(F, fn)(Tensor(x), np.array([-100, 1]))


@pytest.mark.parametrize("name", ["weight", "pos_weight"])
def test_bce_weights_that_do_not_broadcast_are_refused_by_name(torch, name):
    # torch refuses them too (RuntimeError); ours names the argument and both shapes.
    x, t, bad = np.zeros((2, 4), np.float32), np.ones((2, 4), np.float32), np.ones(3, np.float32)
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(x), torch.tensor(t), **{name: torch.tensor(bad)}
        )
    message = rf"{name} of shape \(3,\) does not broadcast to the input's \(2, 4\)"
    with pytest.raises(ValueError, match=message):
        F.binary_cross_entropy_with_logits(Tensor(x), Tensor(t), **{name: bad})
    if name == "weight":
        with pytest.raises(ValueError, match=message):
            F.binary_cross_entropy(Tensor(x + 0.5), Tensor(t), weight=bad)
