"""Double backward of the matrix, softmax, shape, reduction and conversion ops.

Every case goes through ``oracles.assert_hvp_matches``: the Hessian-vector
product of ``sum(fn(x) * probe)`` against central differences of the
first-order gradient and against torch's double backward, in float64.

A linear op alone has a zero Hessian, which an array-only backward rule would
also "get right". So each case puts a nonlinearity *after* the op (or
multiplies two inputs through it): the first-order gradient then runs the op's
backward rule on a Tensor that depends on the inputs, and a rule that dropped
the graph would give a wrong (zero) second derivative.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import assert_hvp_matches, random_inputs

from micrograd_plus import Tensor, cat, concatenate, grad, stack
from micrograd_plus.ops.linalg import linear

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _cube_tanh(t):
    """A smooth nonlinearity with a nonzero third derivative (tanh, then a cube)."""
    return t.tanh() * t * t


# ------------------------------------------------------------------ matmul
MATMUL_SHAPES = [
    ((3, 4), (4, 5)),  # the 2-D fast path
    ((2, 3, 4), (4, 5)),  # batched @ matrix
    ((2, 3, 4), (1, 4, 5)),  # broadcast batch axes
    ((4,), (4, 5)),  # 1-D @ 2-D
    ((3, 4), (4,)),  # 2-D @ 1-D
    ((4,), (4,)),  # dot product
    ((2, 3, 4), (4,)),  # batched @ vector
    ((4,), (2, 4, 5)),  # vector @ batched
]


@pytest.mark.parametrize("sx, sy", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_double_backward(sx, sy):
    a, b = random_inputs([sx, sy], seed=10)
    # The bare product has only the x-y cross terms; tanh after it adds the x-x and y-y blocks.
    assert_hvp_matches(lambda x, y: x @ y, [a, b], lambda x, y: x @ y)
    assert_hvp_matches(lambda x, y: _cube_tanh(x @ y), [a, b], lambda x, y: _cube_tanh(x @ y))


def test_matmul_with_a_constant_operand_double_backward():
    a, b = random_inputs([(3, 4), (4, 2)], seed=11)
    assert_hvp_matches(lambda x: _cube_tanh(x @ b), [a], lambda x: _cube_tanh(x @ torch.tensor(b)))
    assert_hvp_matches(lambda y: _cube_tanh(a @ y), [b], lambda y: _cube_tanh(torch.tensor(a) @ y))


# ------------------------------------------------------------------ linear
LINEAR_SHAPES = [(5, 3), (2, 5, 3), (3,)]


@pytest.mark.parametrize("sx", LINEAR_SHAPES, ids=[str(s) for s in LINEAR_SHAPES])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no_bias"])
def test_linear_double_backward(sx, with_bias):
    shapes = [sx, (4, 3)] + ([(4,)] if with_bias else [])
    arrays = random_inputs(shapes, seed=12)

    def ours(x, w, b=None):
        return _cube_tanh(linear(x, w, b))

    def theirs(x, w, b=None):
        return _cube_tanh(F.linear(x, w, b))

    assert_hvp_matches(ours, arrays, theirs)
    assert_hvp_matches(lambda *t: linear(*t), arrays, lambda *t: F.linear(*t))


@pytest.mark.parametrize("sx", LINEAR_SHAPES, ids=[str(s) for s in LINEAR_SHAPES])
def test_linear_with_a_constant_input_double_backward(sx):
    """The usual Hessian of a layer: with respect to weight and bias, the input a constant."""
    xa, *params = random_inputs([sx, (4, 3), (4,)], seed=17)
    assert_hvp_matches(
        lambda w, b: _cube_tanh(linear(Tensor(xa), w, b)),
        params,
        lambda w, b: _cube_tanh(F.linear(torch.tensor(xa), w, b)),
    )


def test_linear_layer_hvp_of_a_loss_matches_torch():
    """An MLP-shaped case: tanh(linear) -> linear, weights and input all differentiated."""
    arrays = random_inputs([(6, 3), (5, 3), (5,), (2, 5), (2,)], seed=13)

    def ours(x, w1, b1, w2, b2):
        return linear(linear(x, w1, b1).tanh(), w2, b2).log_softmax(axis=1)

    def theirs(x, w1, b1, w2, b2):
        return F.linear(F.linear(x, w1, b1).tanh(), w2, b2).log_softmax(dim=1)

    assert_hvp_matches(ours, arrays, theirs)


# ----------------------------------------------------------------- softmax
SOFTMAX_CASES = [((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1), ((6,), 0)]


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES, ids=[f"{s}-{a}" for s, a in SOFTMAX_CASES])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_double_backward(name, shape, axis):
    (a,) = random_inputs([shape], seed=14)

    def ours(x):
        return getattr(x, name)(axis=axis)

    def theirs(x):
        return getattr(x, name)(dim=axis)

    # Softmax is nonlinear itself; the cube on top adds the outer product of its Jacobian.
    assert_hvp_matches(ours, [a], theirs)
    assert_hvp_matches(lambda x: ours(x) ** 3, [a], lambda x: theirs(x) ** 3)


def test_softmax_dim_keyword_double_backward():
    (a,) = random_inputs([(3, 4)], seed=15)
    assert_hvp_matches(lambda x: x.softmax(dim=0), [a], lambda x: x.softmax(dim=0))
    assert_hvp_matches(lambda x: x.log_softmax(dim=0), [a], lambda x: x.log_softmax(dim=0))


# -------------------------------------------------------------- third order
def _third(fn, arrays, seed=0):
    """d/dx <d/dx <d/dx sum(fn(x) p), v>, w> for every input, by three passes of grad()."""
    rng = np.random.default_rng(seed)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    probe = rng.standard_normal(out.shape)
    v = [rng.standard_normal(a.shape) for a in arrays]
    w = [rng.standard_normal(a.shape) for a in arrays]
    g1 = grad((out * Tensor(probe)).sum(), xs, create_graph=True)
    g2 = grad(sum((g * Tensor(d)).sum() for g, d in zip(g1, v)), xs, create_graph=True)
    g3 = grad(sum((g * Tensor(d)).sum() for g, d in zip(g2, w)), xs)
    return [g.data for g in g3], probe, v, w


def _third_torch(fn, arrays, probe, v, w):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    g1 = torch.autograd.grad((fn(*ts) * torch.tensor(probe)).sum(), ts, create_graph=True)
    dot = sum((g * torch.tensor(d)).sum() for g, d in zip(g1, v))
    g2 = torch.autograd.grad(dot, ts, create_graph=True)
    g3 = torch.autograd.grad(sum((g * torch.tensor(d)).sum() for g, d in zip(g2, w)), ts)
    return [g.numpy() for g in g3]


THIRD_ORDER = [
    ("matmul", [(3, 4), (4, 2)], lambda x, y: _cube_tanh(x @ y), None),
    ("batched_matmul", [(2, 3, 4), (4,)], lambda x, y: _cube_tanh(x @ y), None),
    (
        "linear",
        [(2, 5, 3), (4, 3), (4,)],
        lambda x, w, b: linear(x, w, b).tanh(),
        lambda x, w, b: F.linear(x, w, b).tanh(),
    ),
    ("softmax", [(3, 4)], lambda x: x.softmax(axis=1), lambda x: x.softmax(dim=1)),
    ("log_softmax", [(3, 4)], lambda x: x.log_softmax(axis=0), lambda x: x.log_softmax(dim=0)),
]


@pytest.mark.parametrize("name, shapes, ours, theirs", THIRD_ORDER, ids=[c[0] for c in THIRD_ORDER])
def test_third_order_matches_torch(name, shapes, ours, theirs):
    theirs = theirs or ours  # None: the same expression runs on torch tensors
    arrays = random_inputs(shapes, seed=16)
    mine, probe, v, w = _third(ours, arrays)
    expected = _third_torch(theirs, arrays, probe, v, w)
    for got, ref in zip(mine, expected, strict=True):
        assert np.abs(ref).max() > 1e-3  # a real third derivative, not a vacuous zero
        np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------ first order unchanged
def test_plain_backward_still_gives_ndarray_grads_of_the_input_dtype():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    w = Tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    (linear(x, w).softmax(axis=1) @ Tensor(np.ones((4, 2), np.float32))).sum().backward()
    assert type(x.grad) is np.ndarray and x.grad.dtype == np.float32
    assert type(w.grad) is np.ndarray and w.grad.dtype == np.float32


# ------------------------------------------------------------------- shape
def _t(idx):
    """An index for torch: NumPy arrays become tensors, the rest stays."""
    if isinstance(idx, tuple):
        return tuple(_t(i) for i in idx)
    return torch.as_tensor(idx) if isinstance(idx, np.ndarray) else idx


MASK = np.random.default_rng(5).standard_normal((3, 4, 5)) > 0
SHAPE_OPS = [
    ("reshape", lambda x: x.reshape(12, 5), None),
    ("reshape_infer", lambda x: x.reshape(-1), None),
    ("view", lambda x: x.view(4, 15), None),
    ("transpose", lambda x: x.transpose(0, 2), None),
    ("transpose_negative", lambda x: x.transpose(-1, -2), None),
    ("mT", lambda x: x.mT, None),
    ("permute", lambda x: x.permute(2, 0, 1), None),
    ("permute_tuple", lambda x: x.permute((1, 2, 0)), None),
    ("T_2d", lambda x: x[0].T, None),
    ("flatten", lambda x: x.flatten(), None),
    ("flatten_from_1", lambda x: x.flatten(1), None),
    ("flatten_0_1", lambda x: x.flatten(0, 1), None),
    ("unsqueeze", lambda x: x.unsqueeze(0), None),
    ("unsqueeze_negative", lambda x: x.unsqueeze(-1), None),
    ("squeeze_all", lambda x: x[:, :1].squeeze(), None),
    ("squeeze_dim", lambda x: x[:, :1].squeeze(1), None),
    ("getitem_int", lambda x: x[1], None),
    ("getitem_slices", lambda x: x[:, 1:3], None),
    ("getitem_none_ellipsis", lambda x: x[None, ..., 2], None),
    ("getitem_negative_step", lambda x: x[..., ::-2], lambda x: x.flip(-1)[..., ::2]),
    ("getitem_repeated", lambda x: x[np.array([0, 2, 0, 0])], None),
    ("getitem_list_dim1", lambda x: x[:, [1, 1, 3]], None),
    ("getitem_mask", lambda x: x[MASK], None),
    ("getitem_two_arrays", lambda x: x[np.array([0, 1, 0]), :, np.array([2, 2, 2])], None),
    ("getitem_tensor_index", lambda x: x[Tensor(np.array([2, 2]))], lambda x: x[[2, 2]]),
]


@pytest.mark.parametrize("name, ours, theirs", SHAPE_OPS, ids=[c[0] for c in SHAPE_OPS])
def test_shape_op_double_backward(name, ours, theirs):
    (a,) = random_inputs([(3, 4, 5)], seed=20)
    if theirs is None:  # the same expression, with NumPy index arrays as torch tensors

        def theirs(x):
            return ours(_TorchIndexing(x))

    assert_hvp_matches(lambda x: _cube_tanh(ours(x)), [a], lambda x: _cube_tanh(theirs(x)))


class _TorchIndexing:
    """Wrap a torch tensor so that ``ours``'s expressions run on it unchanged."""

    def __init__(self, t):
        self.t = t

    def __getitem__(self, idx):
        return self.t[_t(idx)]

    def __getattr__(self, name):
        return getattr(self.t, name)


def test_add_at_is_getitems_backward_and_differentiates_again():
    from micrograd_plus.ops.shape import add_at

    (a,) = random_inputs([(4, 3)], seed=21)
    idx = np.array([0, 2, 0, 4])

    def ours(src):
        return _cube_tanh(add_at(src, idx, (5, 3)))

    def theirs(src):
        zeros = torch.zeros((5, 3), dtype=src.dtype)
        return _cube_tanh(zeros.index_put((torch.as_tensor(idx),), src, accumulate=True))

    assert_hvp_matches(ours, [a], theirs)
    (b,) = random_inputs([(5, 3)], seed=22)  # basic indexing: an assignment, no repeats
    assert_hvp_matches(
        lambda s: _cube_tanh(add_at(s, (slice(1, 3), 2), (4, 5, 3))),
        [b[:2].copy()],
        lambda s: _cube_tanh(
            torch.zeros((4, 5, 3), dtype=s.dtype).index_put(
                (torch.arange(1, 3), torch.tensor(2)), s, accumulate=True
            )
        ),
    )


def test_getitem_third_order_goes_through_add_at_and_back():
    arrays = random_inputs([(5, 3)], seed=23)
    idx = np.array([4, 0, 4])
    mine, probe, v, w = _third(lambda x: _cube_tanh(x[idx]), arrays)
    expected = _third_torch(lambda x: _cube_tanh(x[torch.as_tensor(idx)]), arrays, probe, v, w)
    assert np.abs(expected[0]).max() > 1e-3
    np.testing.assert_allclose(mine[0], expected[0], rtol=1e-7, atol=1e-9)


JOIN_CASES = [
    ("concatenate_axis0", lambda x, y: concatenate([x, y]), lambda x, y: torch.cat([x, y])),
    (
        "concatenate_negative",
        lambda x, y: concatenate([y, x], axis=-1),
        lambda x, y: torch.cat([y, x], dim=-1),
    ),
    (
        "concatenate_dim1",
        lambda x, y: concatenate([x, y, x], dim=1),
        lambda x, y: torch.cat([x, y, x], dim=1),
    ),
    ("cat", lambda x, y: cat([x, y], 1), lambda x, y: torch.cat([x, y], 1)),
    ("stack_axis0", lambda x, y: stack([x, y * 1]), lambda x, y: torch.stack([x, y * 1])),
    (
        "stack_negative",
        lambda x, y: stack([x, y, x], axis=-1),
        lambda x, y: torch.stack([x, y, x], dim=-1),
    ),
    ("stack_dim1", lambda x, y: stack([y, x], dim=1), lambda x, y: torch.stack([y, x], dim=1)),
]


@pytest.mark.parametrize("name, ours, theirs", JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_join_double_backward(name, ours, theirs):
    a, b = random_inputs([(3, 4), (3, 4)], seed=24)
    # The product of two pieces makes the gradient of each depend on the other (x-y block).
    assert_hvp_matches(
        lambda x, y: _cube_tanh(ours(x, y)) * ours(y, x),
        [a, b],
        lambda x, y: _cube_tanh(theirs(x, y)) * theirs(y, x),
    )


def test_join_with_a_constant_piece_double_backward():
    a, c = random_inputs([(2, 3), (2, 3)], seed=25)
    assert_hvp_matches(
        lambda x: _cube_tanh(concatenate([Tensor(c), x], axis=1)),
        [a],
        lambda x: _cube_tanh(torch.cat([torch.tensor(c), x], dim=1)),
    )
    assert_hvp_matches(
        lambda x: _cube_tanh(stack([x, Tensor(c)], axis=2)),
        [a],
        lambda x: _cube_tanh(torch.stack([x, torch.tensor(c)], dim=2)),
    )


# -------------------------------------------------------------- reductions
# Random normal inputs have no ties, so max/min(dim) (one index) and amax/amin (ties
# shared) agree with torch and the gradient is smooth around the point.
REDUCTIONS = [
    ("max_dim", lambda x: x.max(dim=1).values),
    ("max_dim_keepdim", lambda x: x.max(dim=1, keepdim=True).values),
    ("max_dim_negative", lambda x: x.max(dim=-1)[0]),
    ("min_dim", lambda x: x.min(dim=0).values),
    ("min_dim_keepdim", lambda x: x.min(dim=2, keepdim=True).values),
    ("max_full", lambda x: x.max()),
    ("min_full", lambda x: x.min()),
    ("max_of_1d", lambda x: x[0, 0].max(dim=0).values),
    ("max_of_0d", lambda x: x[0, 0, 0].max(dim=0).values),
    ("amax_dims", lambda x: x.amax(dim=(0, 2))),
    ("amax_keepdim", lambda x: x.amax(dim=1, keepdim=True)),
    ("amax_full", lambda x: x.amax()),
    ("amin_dims", lambda x: x.amin(dim=(1, 2))),
    ("amin_keepdim", lambda x: x.amin(dim=-1, keepdim=True)),
    ("var_full", lambda x: x.var()),
    ("var_dim", lambda x: x.var(dim=1)),
    ("var_dims_keepdim", lambda x: x.var(dim=(0, 2), keepdim=True)),
    ("var_correction0", lambda x: x.var(dim=2, correction=0)),
    ("var_unbiased_false", lambda x: x.var(dim=0, unbiased=False)),
    ("var_correction2", lambda x: x.var(dim=(1, 2), correction=2)),
    ("std_full", lambda x: x.std()),
    ("std_dim", lambda x: x.std(dim=1)),
    ("std_dims_keepdim_correction0", lambda x: x.std(dim=(0, 1), keepdim=True, correction=0)),
    ("sum_full", lambda x: x.sum()),
    ("sum_dims", lambda x: x.sum(dim=(0, 2))),
    ("sum_dims_keepdim", lambda x: x.sum(dim=(0, 2), keepdim=True)),
    ("sum_negative_keepdim", lambda x: x.sum(dim=-1, keepdim=True)),
    ("mean_full", lambda x: x.mean()),
    ("mean_dims", lambda x: x.mean(dim=(1, 2))),
    ("mean_dim_tuple_keepdim", lambda x: x.mean(dim=(0,), keepdim=True)),
]


@pytest.mark.parametrize("name, fn", REDUCTIONS, ids=[c[0] for c in REDUCTIONS])
def test_reduction_double_backward(name, fn):
    (a,) = random_inputs([(3, 4, 5)], seed=30)
    # The same expression runs on both libraries (torch spells these dim=/keepdim= too).
    assert_hvp_matches(lambda x: _cube_tanh(fn(x)), [a], lambda x: _cube_tanh(fn(x)))


NUMPY_SPELLING = [
    (lambda x: x.sum(axis=(0, 2), keepdims=True), lambda x: x.sum(dim=(0, 2), keepdim=True)),
    (lambda x: x.mean(axis=(0, 1)), lambda x: x.mean(dim=(0, 1))),
    (lambda x: x.max(axis=1).values, lambda x: x.max(dim=1).values),
    (lambda x: x.amin(axis=(0, 2), keepdims=True), lambda x: x.amin(dim=(0, 2), keepdim=True)),
    (lambda x: x.var(axis=1, ddof=0), lambda x: x.var(dim=1, correction=0)),
    (lambda x: x.std(axis=2, keepdims=True), lambda x: x.std(dim=2, keepdim=True)),
]


@pytest.mark.parametrize(
    "ours, theirs", NUMPY_SPELLING, ids=["sum", "mean", "max", "amin", "var", "std"]
)
def test_reduction_numpy_spelling_double_backward(ours, theirs):
    (a,) = random_inputs([(3, 4, 5)], seed=31)
    assert_hvp_matches(lambda x: _cube_tanh(ours(x)), [a], lambda x: _cube_tanh(theirs(x)))


def _hvp(lib_grad, make, fn, arrays, probe, vectors):
    xs = [make(a) for a in arrays]
    gs = lib_grad((fn(*xs) * probe).sum(), xs, create_graph=True)
    return lib_grad(sum((g * v).sum() for g, v in zip(gs, vectors)), xs)


def test_amax_and_full_max_split_ties_evenly_also_in_the_second_derivative():
    """At ties amax shares the gradient (torch too); the second derivative keeps the split."""
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.5, -1.0, 0.25]])
    probe, v = np.array([0.7, -1.2, 0.4]), np.array([[0.3, -0.8, 1.1], [0.5, 0.2, -0.6], [1, 2, 3]])
    cases = [(lambda x: x.amax(dim=1) ** 3, probe), (lambda x: x.max() ** 3, np.array(0.7))]
    for fn, p in cases:
        (mine,) = _hvp(
            grad, lambda t: Tensor(t, requires_grad=True), fn, [a], Tensor(p), [Tensor(v)]
        )
        (ref,) = _hvp(
            torch.autograd.grad,
            lambda t: torch.tensor(t, requires_grad=True),
            fn,
            [a],
            torch.tensor(p),
            [torch.tensor(v)],
        )
        np.testing.assert_allclose(mine.data, ref.numpy(), rtol=1e-12, atol=1e-12)
        assert np.count_nonzero(ref.numpy()) >= 2  # the tie really is shared


def test_reductions_third_order_match_torch():
    arrays = random_inputs([(3, 4)], seed=32)
    cases = [
        lambda x: x.max(dim=1).values.tanh(),
        lambda x: x.amin(dim=0).tanh(),
        lambda x: x.std(dim=1),
        lambda x: x.var(dim=0, correction=0).tanh(),
    ]
    for fn in cases:
        mine, probe, v, w = _third(fn, arrays)
        (expected,) = _third_torch(fn, arrays, probe, v, w)
        assert np.abs(expected).max() > 1e-3
        np.testing.assert_allclose(mine[0], expected, rtol=1e-7, atol=1e-9)


# -------------------------------------------------------------- conversion
CONVERSIONS = [
    ("clone", lambda x: x.clone(), lambda x: x.clone()),
    ("float_double", lambda x: x.float().double(), lambda x: x.float().double()),
    (
        "to_dtype",
        lambda x: x.to(np.float32).to(np.float64),
        lambda x: x.to(torch.float32).to(torch.float64),
    ),
    (
        "to_name",
        lambda x: x.to("float32").to(dtype="float64"),
        lambda x: x.to(torch.float32).to(dtype=torch.float64),
    ),
    ("to_same_dtype", lambda x: x.to(np.float64), lambda x: x.to(torch.float64)),
    ("to_copy", lambda x: x.to(np.float64, copy=True), lambda x: x.to(torch.float64, copy=True)),
]


@pytest.mark.parametrize("name, ours, theirs", CONVERSIONS, ids=[c[0] for c in CONVERSIONS])
def test_conversion_double_backward(name, ours, theirs):
    (a,) = random_inputs([(4, 3)], seed=40)
    # x * cast(x)**2: the gradient is quadratic in x, so central differences are exact
    # even with the larger step that float32 rounding needs.
    assert_hvp_matches(
        lambda x: ours(x) ** 2 * x, [a], lambda x: theirs(x) ** 2 * x, eps=1e-2, rtol=1e-5
    )


def test_float32_second_derivative_through_a_cast_stays_float32():
    x = Tensor(np.array([0.5, -1.5, 2.0], dtype=np.float32), requires_grad=True)
    (g,) = grad((x.double() ** 3).sum(), x, create_graph=True)  # 3 x**2
    (h,) = grad(g.sum(), x)  # 6 x
    assert g.dtype == np.float32 and h.dtype == np.float32
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-6)


def test_t_matmul_linears_weight_gradient_node_double_backward():
    pytest.importorskip("torch")
    from micrograd_plus.ops.linalg import t_matmul

    a, b = random_inputs([(5, 2), (5, 3)], seed=11)
    assert_hvp_matches(
        lambda x, y: t_matmul(x.tanh(), y * y).tanh(),
        [a, b],
        lambda x, y: (x.tanh().T @ (y * y)).tanh(),
    )
