"""Layers: gradients vs central differences, values and gradients vs PyTorch, modes, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.autograd.gradcheck import gradient_check
from micrograd_plus.nn import functional as F
from micrograd_plus.utils import set_seed

rng = np.random.default_rng(7)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def backward_with(out: Tensor, seed: int = 0) -> np.ndarray:
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)
    return upstream


def assert_close(ours, theirs, rtol=1e-9, atol=1e-10):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


# ------------------------------------------------------- gradients, every layer
X = rng.standard_normal((4, 3, 5))


@pytest.mark.parametrize(
    "layer",
    [
        mp.Linear(5, 2, dtype=np.float64),
        mp.ReLU(),
        mp.LeakyReLU(0.2),
        mp.Sigmoid(),
        mp.Tanh(),
        mp.GELU(),
        mp.GELU(approximate="tanh"),
        mp.Softmax(dim=1),
        mp.LogSoftmax(axis=-1),
        mp.Flatten(),
        mp.Identity(),
        mp.BatchNorm1d(3, dtype=np.float64),
        mp.BatchNorm1d(3, dtype=np.float64).eval(),
        mp.LayerNorm((3, 5), dtype=np.float64),
        mp.Sequential(mp.Flatten(), mp.Linear(15, 4, dtype=np.float64), mp.Tanh()),
    ],
    ids=lambda layer: repr(layer).split("\n")[0],
)
def test_layer_input_gradients_pass_central_differences(layer):
    x = X + 0.05  # keep ReLU's kink away from the sample points
    result = gradient_check(lambda t: layer(t), x)
    assert result.passed, str(result)


def test_dropout_gradient_passes_central_differences_with_a_fixed_mask():
    layer = mp.Dropout(0.4)

    def seeded(t):
        np.random.seed(3)
        return layer(t)

    result = gradient_check(seeded, X)
    assert result.passed, str(result)


def test_parameter_gradients_pass_central_differences():
    x, w, b = rng.standard_normal((6, 3)), rng.standard_normal(3) + 1, rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    checks = [
        gradient_check(lambda x, w, b: F.linear(x, w, b), x, rng.standard_normal((2, 3)), b[:2]),
        gradient_check(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b),
        gradient_check(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), x, w, b),
        gradient_check(lambda x, w, b: F.layer_norm(x, (3,), w, b), x, w, b),
        gradient_check(lambda w: F.embedding(np.array([[0, 2], [2, 2]]), w), x),
        gradient_check(
            lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
            rng.standard_normal((4, 3, 2)),
            w,
            b,
        ),
    ]
    for result in checks:
        assert result.passed, str(result)


# ---------------------------------------------------------------------- Linear
def test_linear_init_and_shapes():
    set_seed(0)
    layer = mp.Linear(16, 100)
    bound = 1 / math.sqrt(16)
    assert layer.weight.shape == (100, 16) and layer.bias.shape == (100,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3): PyTorch's kaiming_uniform_(a=sqrt(5)).
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    set_seed(0)
    assert np.array_equal(mp.Linear(16, 100).weight.data, layer.weight.data)
    assert mp.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in mp.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


def test_linear_matches_torch(torch):
    layer = mp.Linear(4, 3, dtype=np.float64)
    tlayer = torch.nn.Linear(4, 3, dtype=torch.float64)
    tlayer.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((2, 5, 4))
    xt, txt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = layer(xt), tlayer(txt)
    assert_close(out.data, tout)
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(xt.grad, txt.grad)
    assert_close(layer.weight.grad, tlayer.weight.grad)
    assert_close(layer.bias.grad, tlayer.bias.grad)


def test_linear_uses_the_fused_op_and_names_both_sizes_on_mismatch():
    layer = mp.Linear(3, 2)
    assert layer(Tensor(np.ones((4, 3))))._op == "linear"
    with pytest.raises(ValueError, match=r"in_features=3.*shape \(4, 5\).*5 features, expected 3"):
        layer(Tensor(np.ones((4, 5))))


# ----------------------------------------------------------------- activations
ACTIVATIONS = [
    (mp.ReLU(), "ReLU", {}),
    (mp.LeakyReLU(0.1), "LeakyReLU", {"negative_slope": 0.1}),
    (mp.Sigmoid(), "Sigmoid", {}),
    (mp.Tanh(), "Tanh", {}),
    (mp.GELU(), "GELU", {}),
    (mp.GELU("tanh"), "GELU", {"approximate": "tanh"}),
    (mp.Softmax(dim=0), "Softmax", {"dim": 0}),
    (mp.LogSoftmax(dim=1), "LogSoftmax", {"dim": 1}),
    (mp.Flatten(0, 1), "Flatten", {"start_dim": 0, "end_dim": 1}),
]


@pytest.mark.parametrize("ours,name,kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_matches_torch(torch, ours, name, kwargs):
    theirs = getattr(torch.nn, name)(**kwargs)
    x = X * 3
    xt, txt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(xt), theirs(txt)
    assert_close(out.data, tout)
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(xt.grad, txt.grad)


def test_softmax_dim_and_axis_are_aliases():
    assert mp.Softmax(axis=0).dim == 0 and mp.Softmax().dim == -1 and mp.LogSoftmax(1).dim == 1
    with pytest.raises(TypeError, match="only one"):
        mp.Softmax(dim=0, axis=1)
    with pytest.raises(ValueError, match="approximate"):
        mp.GELU("fast")


def test_activations_accept_arrays_and_keep_float32():
    assert mp.ReLU()(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]
    assert mp.Tanh()(Tensor([0.5])).dtype == np.float32


# --------------------------------------------------------------------- Dropout
def test_dropout_statistics_in_training():
    set_seed(0)
    x = mp.ones(200_000)
    out = mp.Dropout(p=0.3)(x).data
    kept = out != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout keeps the mean


def test_dropout_gradient_is_the_mask():
    x = Tensor(np.ones(1000), requires_grad=True)
    out = mp.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)


def test_dropout_eval_is_identity_and_edge_probabilities():
    layer = mp.Dropout(0.5).eval()
    x = Tensor(rng.standard_normal(10))
    assert layer(x) is x
    train = mp.Dropout(0.0)
    assert train(x) is x
    assert np.all(mp.Dropout(1.0)(x).data == 0)
    for bad in (-0.1, 1.5, "0.5", None):
        with pytest.raises(ValueError, match="between|in \\[0, 1\\]"):
            mp.Dropout(bad)


# ------------------------------------------------------------------- BatchNorm
@pytest.mark.parametrize("shape", [(8, 3), (5, 3, 4)])
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_matches_torch_over_steps_and_in_eval(torch, shape, momentum, affine):
    bn = mp.BatchNorm1d(3, momentum=momentum, affine=affine, dtype=np.float64)
    tbn = torch.nn.BatchNorm1d(3, momentum=momentum, affine=affine, dtype=torch.float64)
    if affine:
        bn.weight.data[...] = rng.random(3) + 0.5
        bn.bias.data[...] = rng.standard_normal(3)
        tbn.load_state_dict({k: torch.tensor(v) for k, v in bn.state_dict().items()})
    for step in range(4):
        x = rng.standard_normal(shape) * 3 + step
        xt, txt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        bn.zero_grad()
        tbn.zero_grad()
        out, tout = bn(xt), tbn(txt)
        assert_close(out.data, tout)
        tout.backward(torch.tensor(backward_with(out, step)))
        assert_close(xt.grad, txt.grad, rtol=1e-8)
        if affine:
            assert_close(bn.weight.grad, tbn.weight.grad)
            assert_close(bn.bias.grad, tbn.bias.grad)
        assert_close(bn.running_mean.data, tbn.running_mean)
        assert_close(bn.running_var.data, tbn.running_var)
    assert int(bn.num_batches_tracked.data) == int(tbn.num_batches_tracked) == 4
    bn.eval()
    tbn.eval()
    x = rng.standard_normal(shape)
    xt, txt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = bn(xt), tbn(txt)
    assert_close(out.data, tout)
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(xt.grad, txt.grad)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval(torch):
    bn = mp.BatchNorm1d(2, track_running_stats=False, dtype=np.float64).eval()
    tbn = torch.nn.BatchNorm1d(2, track_running_stats=False, dtype=torch.float64).eval()
    x = rng.standard_normal((6, 2)) * 4
    assert_close(bn(Tensor(x)).data, tbn(torch.tensor(x)))
    assert list(bn.state_dict()) == ["weight", "bias"]


def test_batchnorm_running_variance_is_unbiased():
    bn = mp.BatchNorm1d(1, momentum=1.0)
    bn(Tensor([[1.0], [3.0]]))
    assert bn.running_mean.data.tolist() == [2.0]
    assert bn.running_var.data.tolist() == [2.0]  # biased would be 1.0
    assert bn.running_var.dtype == np.float32


def test_batchnorm_errors_and_alias():
    assert mp.BatchNorm is mp.BatchNorm1d
    bn = mp.BatchNorm(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(Tensor(np.ones((1, 3))))
    with pytest.raises(ValueError, match="2 channels, expected 3"):
        bn(Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="2D or 3D"):
        bn(Tensor(np.ones((4, 3, 2, 2))))
    assert bn.eval()(Tensor(np.ones((1, 3)))).shape == (1, 3)  # eval works for one sample
    assert repr(bn) == (
        "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )


def test_batchnorm_is_one_graph_node():
    x = Tensor(np.ones((4, 3)), requires_grad=True)
    bn = mp.BatchNorm1d(3)
    out = bn(x)
    assert out._op == "batch_norm" and out._parents == (x, bn.weight, bn.bias)


# ------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("normalized_shape", [5, (3, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_layernorm_matches_torch(torch, normalized_shape, affine):
    ln = mp.LayerNorm(normalized_shape, elementwise_affine=affine, dtype=np.float64)
    tln = torch.nn.LayerNorm(normalized_shape, elementwise_affine=affine, dtype=torch.float64)
    if affine:
        ln.weight.data[...] = rng.random(ln.weight.shape) + 0.5
        ln.bias.data[...] = rng.standard_normal(ln.bias.shape)
        tln.load_state_dict({k: torch.tensor(v) for k, v in ln.state_dict().items()})
    x = X * 2 + 1
    xt, txt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ln(xt), tln(txt)
    assert_close(out.data, tout)
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(xt.grad, txt.grad, rtol=1e-8)
    if affine:
        assert_close(ln.weight.grad, tln.weight.grad)
        assert_close(ln.bias.grad, tln.bias.grad)


def test_layernorm_shape_error():
    with pytest.raises(ValueError, match=r"last 1 axes are \(4,\)"):
        mp.LayerNorm(4)(Tensor(np.ones((2, 3))))


# ------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_matches_torch(torch, padding_idx):
    emb = mp.Embedding(6, 3, padding_idx=padding_idx, dtype=np.float64)
    temb = torch.nn.Embedding(6, 3, padding_idx=padding_idx, dtype=torch.float64)
    if padding_idx is not None:
        assert np.all(emb.weight.data[padding_idx] == 0)
    temb.load_state_dict({k: torch.tensor(v) for k, v in emb.state_dict().items()})
    idx = np.array([[0, 1, 5], [5, 5, 2]])
    out, tout = emb(Tensor(idx)), temb(torch.tensor(idx))  # float32 whole numbers work
    assert_close(out.data, tout)
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(emb.weight.grad, temb.weight.grad)


def test_embedding_init_and_errors():
    set_seed(0)
    emb = mp.Embedding(1000, 20)
    assert emb.weight.data.std() == pytest.approx(1.0, abs=0.02)  # N(0, 1), as PyTorch
    with pytest.raises(IndexError, match=r"value 1000 at position \(1,\)"):
        emb(np.array([0, 1000]))
    with pytest.raises(ValueError, match="whole numbers"):
        emb(Tensor([0.5]))
    assert repr(mp.Embedding(10, 4, padding_idx=0)) == "Embedding(10, 4, padding_idx=0)"


def test_flatten_and_identity():
    x = Tensor(np.ones((2, 3, 4)))
    assert mp.Flatten()(x).shape == (2, 12)
    assert mp.Flatten(0, -1)(x).shape == (24,)
    assert mp.Identity(54, unused="ok")(x) is x


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("spelling", ["dim", "axis", "positional"])
def test_softmax_dim_keyword_matches_torch(torch, name, dim, spelling):
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    upstream = np.random.default_rng(5).standard_normal(x.shape)
    kwargs = {} if spelling == "positional" else {spelling: dim}
    args = (dim,) if spelling == "positional" else ()
    module = {"softmax": mp.Softmax, "log_softmax": mp.LogSoftmax}[name](*args, **kwargs)
    functional = getattr(mp.nn.functional, name)
    t_x = torch.tensor(x, requires_grad=True)
    t_out = getattr(torch.nn.functional, name)(t_x, dim=dim)
    t_out.backward(torch.tensor(upstream))
    for fn in (module, lambda a: functional(a, *args, **kwargs)):
        ours = Tensor(x, requires_grad=True)
        out = fn(ours)
        out.backward(upstream)
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ours.grad, t_x.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_dim_and_axis_together_is_an_error_even_when_equal():
    for make in (
        lambda: mp.Softmax(dim=1, axis=1),
        lambda: mp.LogSoftmax(dim=0, axis=1),
        lambda: mp.nn.functional.softmax(Tensor(np.ones((2, 2))), dim=1, axis=1),
        lambda: mp.nn.functional.log_softmax(Tensor(np.ones((2, 2))), 0, axis=0),
    ):
        with pytest.raises(TypeError, match="pass only one of them"):
            make()


@pytest.mark.parametrize("dims", [(), (1, -1), (0, 1), (-2, -1), (2, 2), (0, -1), (-3, 0)])
def test_flatten_start_and_end_dim_match_torch(torch, dims):
    x = np.arange(24.0).reshape(2, 3, 4)
    ours = mp.Flatten(*dims)(Tensor(x))
    theirs = torch.nn.Flatten(*dims)(torch.tensor(x))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_flatten_rejects_dims_out_of_range_like_torch(torch):
    x = np.zeros((2, 3, 4))
    for dims in ((3, -1), (0, -4)):
        with pytest.raises(IndexError, match="Dimension out of range"):
            torch.nn.Flatten(*dims)(torch.tensor(x))
        with pytest.raises(IndexError, match=r"out of range for an input of shape \(2, 3, 4\)"):
            mp.Flatten(*dims)(Tensor(x))
    with pytest.raises(ValueError, match="comes after"):
        mp.Flatten(2, 1)(Tensor(x))
    assert mp.Flatten(0, 0)(Tensor(2.0)).shape == tuple(
        torch.nn.Flatten(0, 0)(torch.tensor(2.0)).shape
    )


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 3, 0)])
def test_batchnorm_on_an_empty_batch_in_training_follows_torch(torch, shape):
    ours, theirs = mp.BatchNorm1d(3, dtype=np.float64), torch.nn.BatchNorm1d(3).double()
    for bn in (ours, theirs):
        bn.running_mean.data[...] = 0.5
        bn.running_var.data[...] = 2.0
    x = Tensor(np.zeros(shape), requires_grad=True)
    tx = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    out, t_out = ours(x), theirs(tx)
    out.sum().backward()
    t_out.sum().backward()
    assert out.shape == tuple(t_out.shape) == shape
    assert x.grad.shape == shape
    np.testing.assert_array_equal(ours.running_mean.data, theirs.running_mean.numpy())
    np.testing.assert_array_equal(ours.running_var.data, theirs.running_var.numpy())
    assert int(ours.num_batches_tracked.data) == int(theirs.num_batches_tracked) == 1
    np.testing.assert_array_equal(ours.weight.grad, theirs.weight.grad.numpy())
    np.testing.assert_array_equal(ours.bias.grad, theirs.bias.grad.numpy())
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        ours(Tensor(np.zeros((1, 3))))  # a single sample is still an error, as in torch


def test_embedding_refuses_a_padding_index_of_num_embeddings_as_torch():
    # valid indices are -n .. n - 1; n itself is one past the table (torch asserts the same)
    mp.nn.Embedding(4, 3, padding_idx=3)
    mp.nn.Embedding(4, 3, padding_idx=-4)
    with pytest.raises(ValueError, match="padding_idx"):
        mp.nn.Embedding(4, 3, padding_idx=4)


# ------------------------------------ issue 27, census survivors (pin27h)
def test_a_float_label_from_2_to_the_53_up_is_reported_as_the_float():
    """From 2**53 on a float no longer names one label (2**53 + 1 rounds to 2**53), so the
    out-of-range message shows the float itself; a whole float below that reads as an int."""
    from micrograd_plus.nn.layers import class_indices

    for value in (2.0**53, float(2**53 + 1), 2.0**53 + 2):
        with pytest.raises(IndexError, match=rf"value {value!r} at position \(1,\)"):
            class_indices(np.array([0.0, value]), "target", size=3)
    below = 2.0**53 - 1
    with pytest.raises(IndexError, match=rf"value {int(below)} at position \(0,\)"):
        class_indices(np.array([below]), "target", size=3)


def test_a_huge_negative_float_label_is_reported_as_itself():
    """A float far below zero is refused before the conversion to integers, which would
    wrap it around and report another value."""
    from micrograd_plus.nn.layers import class_indices

    with pytest.raises(IndexError, match=r"value -1e\+20 at position \(1,\)"):
        class_indices(np.array([0.0, -1e20]), "target", size=3)
    with pytest.raises(IndexError, match=r"value -2 at position \(0,\)"):
        class_indices(np.array([-2.0]), "target", size=3)


def test_softmax_by_default_takes_the_last_axis_of_any_rank(torch):
    """Without dim, softmax is over the last axis (torch's dim=-1; torch's own dim=None
    would guess axis 0 for a 3-D input and warn, a documented difference)."""
    for shape in [(5,), (2, 3, 4)]:
        x = np.random.default_rng(6).standard_normal(shape)
        for name, module in (("softmax", mp.Softmax()), ("log_softmax", mp.LogSoftmax())):
            expected = getattr(torch.nn.functional, name)(torch.tensor(x), dim=-1).numpy()
            functional = getattr(mp.nn.functional, name)
            for out in (module(Tensor(x)), functional(Tensor(x)), functional(x)):
                np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)


def test_one_class_is_reported_as_the_range_zero_to_zero():
    from micrograd_plus.nn.layers import class_indices

    with pytest.raises(IndexError, match=r"value 1 at position \(0,\) .*valid values are 0\.\.0"):
        class_indices(np.array([1]), "target", size=1)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # torch, Linear(0, n)
@pytest.mark.parametrize("in_features", [0, 1, 4])
def test_linear_starts_uniform_within_one_over_root_in_features_as_torch(torch, in_features):
    """Weight and bias fill [-1/sqrt(in), 1/sqrt(in)] (torch's bound; 0 without inputs)."""
    set_seed(0)
    ours, theirs = mp.Linear(in_features, 4000), torch.nn.Linear(in_features, 4000)
    for name in ("weight", "bias"):
        mine, torchs = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        for values in (mine, torchs):
            if in_features == 0:
                assert values.size == 0 or not values.any()
                continue
            bound = 1 / math.sqrt(in_features)
            assert -bound <= values.min() < -0.99 * bound
            assert 0.99 * bound < values.max() <= bound


def test_flatten_of_a_vector_and_a_scalar_as_torch(torch):
    with pytest.raises(IndexError):
        torch.nn.Flatten()(torch.ones(3))  # start_dim=1 does not exist in a vector
    with pytest.raises(IndexError, match="start_dim=1 is out of range"):
        mp.Flatten()(mp.ones(3))
    assert mp.Flatten(0)(Tensor(2.0)).tolist() == torch.nn.Flatten(0)(torch.tensor(2.0)).tolist()


def test_dropout_refuses_a_bool_probability():
    with pytest.raises(ValueError, match="got True"):
        mp.Dropout(True)


def test_embedding_with_a_negative_padding_index_matches_torch(torch):
    """padding_idx=-1 names the last row, stored as its positive index (torch's)."""
    emb = mp.Embedding(4, 3, padding_idx=-1, dtype=np.float64)
    temb = torch.nn.Embedding(4, 3, padding_idx=-1, dtype=torch.float64)
    assert emb.padding_idx == temb.padding_idx == 3
    assert repr(emb) == repr(temb)
    assert not emb.weight.data[3].any()
    temb.load_state_dict({"weight": torch.tensor(emb.weight.data)})
    idx = np.array([3, 0, 3, 1])
    out, tout = emb(idx), temb(torch.tensor(idx))
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(emb.weight.grad, temb.weight.grad)


def test_no_float_labels_are_no_indices():
    from micrograd_plus.nn.layers import class_indices

    out = class_indices(np.zeros((0, 2)), "target", size=3)
    assert out.shape == (0, 2) and out.dtype == np.intp


@pytest.mark.parametrize(("normalized_shape", "shape"), [(1, (3, 1)), (4, (4,))])
def test_layernorm_over_one_element_and_of_a_single_sample_matches_torch(
    torch, normalized_shape, shape
):
    """Over one element x_hat is 0 and so is the input's gradient; a 1-D input is one
    sample (its rank equals len(normalized_shape))."""
    x = np.random.default_rng(8).standard_normal(shape)
    ln = mp.LayerNorm(normalized_shape, dtype=np.float64)
    tln = torch.nn.LayerNorm(normalized_shape, dtype=torch.float64)
    xt, txt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ln(xt), tln(txt)
    assert_close(out.data, tout)
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(xt.grad, txt.grad, rtol=1e-8)
    with pytest.raises(ValueError, match=r"normalized_shape \(\)"):
        F.layer_norm(xt, ())  # torch refuses an empty normalized_shape too


def test_batchnorm_reset_running_stats_as_torch(torch):
    ours, theirs = mp.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    x = np.random.default_rng(9).normal(2.0, 3.0, (6, 3)).astype(np.float32)
    ours(Tensor(x))
    theirs(torch.tensor(x))
    ours.reset_running_stats()
    theirs.reset_running_stats()
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())


@pytest.mark.parametrize("layer", ["BatchNorm1d", "LayerNorm"])
def test_norms_without_a_shift_give_the_scale_its_gradient_as_torch(torch, layer):
    x = np.random.default_rng(10).standard_normal((5, 3))
    ours = getattr(mp, layer)(3, bias=False, dtype=np.float64)
    theirs = getattr(torch.nn, layer)(3, bias=False, dtype=torch.float64)
    out, tout = ours(Tensor(x)), theirs(torch.tensor(x))
    assert ours.bias is None and theirs.bias is None
    tout.backward(torch.tensor(backward_with(out)))
    assert_close(ours.weight.grad, theirs.weight.grad)


def test_layers_hold_float32_unless_told_otherwise_as_torch(torch):
    for name, args in (("Linear", (2, 3)), ("Embedding", (4, 2))):
        for layer in (getattr(mp, name)(*args), getattr(torch.nn, name)(*args)):
            assert str(layer.weight.dtype).endswith("float32")
    for name in ("BatchNorm1d", "LayerNorm"):
        for layer in (getattr(mp, name)(3), getattr(torch.nn, name)(3)):
            assert str(layer.weight.dtype).endswith("float32")
            assert str(layer.bias.dtype).endswith("float32")
        if name == "BatchNorm1d":
            assert layer.running_var.dtype == torch.float32
            assert mp.BatchNorm1d(3).running_var.dtype == np.float32
