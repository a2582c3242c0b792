"""Every op's value and gradient, against float64 central differences and PyTorch.

Each case is (id, our function, PyTorch's function, input shapes, positive
inputs?). Our functions and PyTorch's take the same positional tensors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracles import assert_grads_match_numeric, assert_matches_torch, random_inputs

import micrograd_plus as mp
from micrograd_plus.autograd.gradcheck import numerical_gradient
from micrograd_plus.ops.linalg import linear

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((), (3,)),
    ((2, 1, 4), (1, 3, 1)),
]

BINARY = {
    "add": (lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, None),
    "pow": (lambda a, b: a**b, None),
    "maximum": (lambda a, b: a.maximum(b), lambda a, b: a.maximum(b)),
    "minimum": (lambda a, b: a.minimum(b), lambda a, b: a.minimum(b)),
}


def _binary_cases():
    for name, (fn, tfn) in BINARY.items():
        for shapes in BROADCAST_SHAPES:
            yield pytest.param(fn, tfn or fn, shapes, True, id=f"{name}-{shapes}")


UNARY = [
    ("neg", lambda a: -a, None, False),
    ("exp", lambda a: a.exp(), None, False),
    ("log", lambda a: a.log(), None, True),
    ("sqrt", lambda a: a.sqrt(), None, True),
    ("abs", lambda a: a.abs(), None, False),
    ("relu", lambda a: a.relu(), None, False),
    ("sigmoid", lambda a: a.sigmoid(), None, False),
    ("tanh", lambda a: a.tanh(), None, False),
    ("gelu", lambda a: a.gelu(), lambda a: __import__("torch").nn.functional.gelu(a), False),
    (
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        lambda a: __import__("torch").nn.functional.leaky_relu(a, 0.1),
        False,
    ),
    ("clip", lambda a: a.clip(-0.5, 0.7), lambda a: a.clamp(-0.5, 0.7), False),
    ("clip-min-only", lambda a: a.clip(min=0.1), lambda a: a.clamp(min=0.1), False),
    ("pow2", lambda a: a**2, None, False),
    ("pow3", lambda a: a**3, None, False),
    ("pow-half", lambda a: a**0.5, None, True),
    ("pow-neg", lambda a: a**-1.5, None, True),
    ("rpow", lambda a: 2.0**a, None, False),
    ("radd", lambda a: 1.5 + a, None, False),
    ("rsub", lambda a: 1.5 - a, None, False),
    ("rmul", lambda a: 1.5 * a, None, False),
    ("rdiv", lambda a: 1.5 / a, None, True),
    ("chain", lambda a: ((a * 2).tanh() + a.sigmoid() * a).exp().mean(), None, False),
]


def _unary_cases():
    for name, fn, tfn, positive in UNARY:
        for shape in [(), (5,), (3, 4)]:
            yield pytest.param(fn, tfn or fn, (shape,), positive, id=f"{name}-{shape}")


def _torch_reduce(method):
    def reduce(axis, keepdims):
        def fn(a):
            dims = tuple(range(a.ndim)) if axis is None else axis
            return getattr(a, method)(dim=dims, keepdim=keepdims)

        return fn

    return reduce


def _reduction_cases():
    torch_names = {"sum": "sum", "mean": "mean", "amax": "amax", "amin": "amin"}
    for name, tname in torch_names.items():
        for axis in [None, 0, 1, -1, (0, 2)]:
            for keepdims in [False, True]:
                fn = (lambda n, ax, k: lambda a: getattr(a, n)(axis=ax, keepdims=k))(
                    name, axis, keepdims
                )
                tfn = _torch_reduce(tname)(axis, keepdims)
                yield pytest.param(fn, tfn, ((2, 3, 4),), False, id=f"{name}-{axis}-{keepdims}")
    for name in ["max", "min"]:  # along one dim: (values, indices), gradient to the index
        for dim in [0, 1, -1]:
            for keepdim in [False, True]:
                fn = (lambda n, d, k: lambda a: getattr(a, n)(dim=d, keepdim=k).values)(
                    name, dim, keepdim
                )
                yield pytest.param(fn, fn, ((2, 3, 4),), False, id=f"{name}-dim{dim}-{keepdim}")
        full = (lambda n: lambda a: getattr(a, n)())(name)
        yield pytest.param(full, full, ((2, 3, 4),), False, id=f"{name}-all")
    for axis, corr in [(None, 0), (1, 0), (0, 1), ((0, 2), 1), (1, None)]:
        kw = {} if corr is None else {"correction": corr}
        for stat in ["var", "std"]:
            fn = (lambda s, ax, k: lambda a: getattr(a, s)(axis=ax, **k))(stat, axis, kw)
            tfn = (
                lambda s, ax, k: (
                    lambda a: getattr(a, s)(dim=tuple(range(a.ndim)) if ax is None else ax, **k)
                )
            )(stat, axis, kw)
            yield pytest.param(fn, tfn, ((2, 3, 4),), False, id=f"{stat}-{axis}-{corr}")


def _softmax_cases():
    for axis in [0, 1, -1]:
        yield pytest.param(
            (lambda ax: lambda a: a.softmax(axis=ax))(axis),
            (lambda ax: lambda a: a.softmax(dim=ax))(axis),
            ((3, 4, 5),),
            False,
            id=f"softmax-{axis}",
        )
        yield pytest.param(
            (lambda ax: lambda a: a.log_softmax(axis=ax))(axis),
            (lambda ax: lambda a: a.log_softmax(dim=ax))(axis),
            ((3, 4, 5),),
            False,
            id=f"log_softmax-{axis}",
        )


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4,)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((1, 3, 4), (2, 4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 5)),
]


def matmul(a, b):
    return a @ b


def _matmul_cases():
    for shapes in MATMUL_SHAPES:
        yield pytest.param(matmul, matmul, shapes, False, id=f"matmul-{shapes}")


def _torch_linear(x, w, b=None):
    import torch

    return torch.nn.functional.linear(x, w, b)


def _shape_cases():
    def p(name, fn, shapes, tfn=None):
        return pytest.param(fn, tfn or fn, shapes, False, id=name)

    import_torch = __import__
    yield p("linear", lambda x, w, b: linear(x, w, b), ((5, 3), (4, 3), (4,)), _torch_linear)
    yield p("linear-3d", lambda x, w, b: linear(x, w, b), ((2, 5, 3), (4, 3), (4,)), _torch_linear)
    yield p("linear-nobias", lambda x, w: linear(x, w), ((5, 3), (4, 3)), _torch_linear)
    yield p("reshape", lambda a: a.reshape(4, 6), ((2, 3, 4),))
    yield p("reshape-tuple", lambda a: a.reshape((6, -1)), ((2, 3, 4),))
    yield p("transpose-2d", lambda a: a.transpose(0, 1), ((3, 4),))
    yield p("transpose-swap", lambda a: a.transpose(0, 2), ((2, 3, 4),))
    yield p("transpose-negative", lambda a: a.transpose(-2, -1), ((2, 3, 4),))
    yield p("permute", lambda a: a.permute(1, 2, 0), ((2, 3, 4),))
    yield p("permute-tuple", lambda a: a.permute((2, 0, 1)), ((2, 3, 4),))
    yield p("T", lambda a: a.T, ((3, 4),))
    yield p("mT", lambda a: a.mT, ((2, 3, 4),))
    yield p("clone", lambda a: a.clone() * a, ((2, 3),))
    yield p("flatten", lambda a: a.flatten(start_dim=1), ((2, 3, 4),))
    yield p("flatten-all", lambda a: a.flatten(), ((2, 3, 4),))
    yield p("squeeze", lambda a: a.squeeze(), ((2, 1, 4),))
    yield p("squeeze-axis", lambda a: a.squeeze(1), ((2, 1, 4),))
    yield p("unsqueeze", lambda a: a.unsqueeze(1), ((2, 4),))
    yield p("getitem-slice", lambda a: a[1:, ::2], ((3, 4),))
    yield p("getitem-int", lambda a: a[1], ((3, 4),))
    yield p(
        "getitem-repeated",
        lambda a: a[[0, 2, 0, 0]],
        ((3, 4),),
        lambda a: a[import_torch("torch").tensor([0, 2, 0, 0])],
    )
    yield p(
        "getitem-pairs",
        lambda a: a[np.arange(3), [0, 3, 0]],
        ((3, 4),),
        lambda a: a[import_torch("torch").arange(3), import_torch("torch").tensor([0, 3, 0])],
    )
    yield p(
        "getitem-mask",
        lambda a: a[np.array([True, False, True])],
        ((3, 4),),
        lambda a: a[import_torch("torch").tensor([True, False, True])],
    )
    yield p(
        "concatenate",
        lambda a, b: mp.concatenate([a, b, a], axis=1),
        ((2, 3), (2, 1)),
        lambda a, b: import_torch("torch").cat([a, b, a], dim=1),
    )
    yield p(
        "stack",
        lambda a, b: mp.stack([a, b], axis=1),
        ((2, 3), (2, 3)),
        lambda a, b: import_torch("torch").stack([a, b], dim=1),
    )
    yield p(
        "where",
        lambda a, b: mp.where(np.array([[True, False, True]]), a, b),
        ((2, 3), (3,)),
        lambda a, b: import_torch("torch").where(
            import_torch("torch").tensor([[True, False, True]]), a, b
        ),
    )


ALL_CASES = [
    *_binary_cases(),
    *_unary_cases(),
    *_reduction_cases(),
    *_softmax_cases(),
    *_matmul_cases(),
    *_shape_cases(),
]


@pytest.mark.parametrize(("fn", "torch_fn", "shapes", "positive"), ALL_CASES)
def test_gradient_matches_central_differences(fn, torch_fn, shapes, positive):
    assert_grads_match_numeric(fn, random_inputs(shapes, positive=positive))


@pytest.mark.parametrize(("fn", "torch_fn", "shapes", "positive"), ALL_CASES)
def test_value_and_gradient_match_torch(fn, torch_fn, shapes, positive):
    pytest.importorskip("torch")
    assert_matches_torch(fn, torch_fn, random_inputs(shapes, positive=positive))


@pytest.mark.parametrize(
    "op",
    ["exp", "log", "sqrt", "tanh", "sigmoid", "gelu", "relu", "abs", "sin", "cos", "log1p", "erf"],
)
def test_a_zero_dim_float32_stays_float32(op):
    """NumPy < 2 promotes a 0-d float32 array combined with a Python float to float64."""
    x = mp.Tensor(np.float32(0.3), requires_grad=True)
    y = getattr(x, op)()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


# ---------------------------------------------------------------- issue 27 (pin27e)
# Branches and defaults of ops/ and autograd/ that no mapped test ran (tools/mutants.py
# --scope library): each against PyTorch 2.13 or a closed form.


def _torch():
    return pytest.importorskip("torch")


def _pair(shape=(2, 3, 4), seed=7):
    torch = _torch()
    data = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    return mp.tensor(data), torch.tensor(data)


def _same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs, strict=True):
            _same(o, t)
        return
    expected = theirs.detach().numpy()
    got = ours.data
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


# name -> a call made the same way on our tensor and torch's, defaults left out
DEFAULTS = {
    "add": lambda t, T: t.add(t * 2),
    "sub": lambda t, T: t.sub(t * 2),
    "split": lambda t, T: t.split(1),
    "chunk": lambda t, T: t.chunk(2),
    "argsort": lambda t, T: t.argsort(),
    "sort": lambda t, T: tuple(t.sort()),
    "topk": lambda t, T: tuple(t.topk(2)),
    "logsumexp": lambda t, T: t.logsumexp(1),
    "norm": lambda t, T: t.norm(),
    "unbind": lambda t, T: t.unbind(),
    "triu": lambda t, T: t.triu(),
    "tril": lambda t, T: t.tril(),
    "expand": lambda t, T: t[:1].expand((3, 3, 4)),
    "repeat": lambda t, T: t.repeat((2, 1, 1)),
    "flatten": lambda t, T: t.flatten(),
    "cat": lambda t, T: T.cat([t, t]),
    "softmax": lambda t, T: t.softmax(-1) if T.__name__ == "torch" else t.softmax(),
    "log_softmax": lambda t, T: t.log_softmax(-1) if T.__name__ == "torch" else t.log_softmax(),
    "prod": lambda t, T: t.prod(1),
    "round": lambda t, T: (t * 10).round(),
    "max_dim": lambda t, T: tuple(t.max(dim=1)),
    "min_dim": lambda t, T: tuple(t.min(dim=2)),
    "max_keepdim": lambda t, T: tuple(t.max(1, keepdim=True)),
    "min_keepdim": lambda t, T: tuple(t.min(0, keepdim=True)),
    "argmin_dim": lambda t, T: t.argmin(dim=1),
    "argmin_keepdim": lambda t, T: t.argmin(1, keepdim=True),
    "any_dim": lambda t, T: (t > 0.5).any(dim=1),
    "any_keepdim": lambda t, T: (t > 0.5).any(1, keepdim=True),
    "all_dim": lambda t, T: (t > -1.0).all(dim=2),
    "all_keepdim": lambda t, T: (t > -1.0).all(2, keepdim=True),
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_ops_with_their_defaults_and_torch_keywords_match_torch(name):
    ours, theirs = _pair()
    _same(DEFAULTS[name](ours, mp), DEFAULTS[name](theirs, _torch()))


def test_diag_of_a_vector_and_of_a_matrix_with_the_default_diagonal_as_torch():
    ours, theirs = _pair((3, 3))
    _same(ours.diag(), theirs.diag())
    _same(ours[0].diag(), theirs[0].diag())


def test_integer_division_rounded_toward_zero_as_torch():
    torch = _torch()
    x, y = np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])
    got = mp.tensor(x).div(mp.tensor(y), rounding_mode="trunc")
    _same(got, torch.tensor(x).div(torch.tensor(y), rounding_mode="trunc"))


def test_new_and_created_tensors_need_no_gradient_unless_asked():
    from micrograd_plus.ops.functions import tensor as tensor_function

    t = mp.tensor([1.0, 2.0])
    made = [
        mp.zeros(2),
        mp.ones(2),
        mp.full((2,), 3.0),
        mp.zeros_like(t),
        mp.ones_like(t),
        mp.randn(2),
        mp.rand(2),
        mp.eye(2),
        mp.arange(3),
        mp.linspace(0, 1, 3),
        mp.randint(3, (2,)),
        mp.tensor([1.0]),
        tensor_function([1.0]),  # the function itself, not through the module's __call__
        t.new_zeros(2),
        t.new_tensor([1.0]),
    ]
    assert [m.requires_grad for m in made] == [False] * len(made)
    assert mp.arange(3, requires_grad=True).requires_grad
    assert mp.arange(1, 4).tolist() == [1.0, 2.0, 3.0]  # step 1 by default
    assert mp.linspace(0, 1, 3).dtype == np.float32
    assert mp.linspace(0, 1, 3, dtype="float64").dtype == np.float64


def test_randint_short_and_long_forms_generators_and_dtypes():
    short = mp.randint(2, (400,))
    assert short.dtype == np.int64 and set(short.tolist()) == {0, 1}  # low is 0
    long = mp.randint(3, 5, (400,))
    assert set(long.tolist()) == {3, 4}
    drawn = mp.randint(0, 10, (6,), generator=np.random.default_rng(4), dtype="int32")
    assert drawn.dtype == np.int32
    assert drawn.tolist() == np.random.default_rng(4).integers(0, 10, size=(6,)).tolist()
    with pytest.raises(TypeError, match="needs a size"):
        mp.randint(10)


def test_randperm_with_and_without_a_generator():
    assert sorted(mp.randperm(6).tolist()) == list(range(6))
    assert mp.randperm(6).dtype == np.int64
    drawn = mp.randperm(6, generator=np.random.default_rng(2), dtype="int32")
    assert drawn.dtype == np.int32
    assert drawn.tolist() == np.random.default_rng(2).permutation(6).tolist()


def test_from_numpy_shares_memory_and_refuses_a_list():
    array = np.arange(3.0)
    t = mp.from_numpy(array)
    array[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 2.0] and t.dtype == np.float64
    with pytest.raises(TypeError, match="NumPy array"):
        mp.from_numpy([1.0, 2.0])


def test_einsum_takes_its_operands_as_one_list_as_torch():
    torch = _torch()
    (a, ta), (b, tb) = _pair((2, 3)), _pair((3, 4), seed=8)
    _same(mp.einsum("ij,jk->ik", [a, b]), torch.einsum("ij,jk->ik", [ta, tb]))


def test_mm_and_bmm_match_torch_and_refuse_other_shapes():
    torch = _torch()
    (a, ta), (b, tb) = _pair((2, 3)), _pair((3, 4), seed=8)
    _same(mp.mm(a, b), torch.mm(ta, tb))
    (a3, ta3), (b3, tb3) = _pair((2, 3, 4)), _pair((2, 4, 5), seed=8)
    _same(mp.bmm(a3, b3), torch.bmm(ta3, tb3))
    for x, y in ((a, b3), (a3, b), (a3, b3)):
        with pytest.raises(RuntimeError, match="mm needs two 2-D"):
            mp.mm(x, y)
    for x, y in ((a3, b), (a, b3)):
        with pytest.raises(RuntimeError, match="bmm needs two 3-D"):
            mp.bmm(x, y)
    with pytest.raises(RuntimeError, match="equal batch sizes"):
        mp.bmm(a3, mp.zeros((3, 4, 5)))


def test_argmax_of_an_empty_tensor_without_a_dim_is_a_runtime_error_as_torch():
    for op in ("argmax", "argmin"):
        with pytest.raises(RuntimeError, match="empty"):
            getattr(mp.zeros((2, 0)), op)()


def test_to_accepts_the_cpu_in_each_spelling_and_refuses_other_devices():
    t = mp.tensor([1.0, 2.0])
    assert t.to("cpu") is t and t.to("cpu:0") is t and t.to(device="cpu") is t
    assert t.to("cpu", copy=True) is not t
    assert t.to(mp.tensor([1.0], dtype="float64")).dtype == np.float64
    for device in ("cuda", "cuda:0", "mps"):
        with pytest.raises(RuntimeError, match="not available"):
            t.to(device)


def test_inplace_add_and_sub_with_and_without_alpha_as_torch():
    torch = _torch()
    for alpha in ({}, {"alpha": 2}):
        for name in ("add_", "sub_"):
            ours, theirs = _pair((3,))
            getattr(ours, name)(mp.tensor([1.0, 2.0, 3.0]), **alpha)
            getattr(theirs, name)(torch.tensor([1.0, 2.0, 3.0]), **alpha)
            _same(ours, theirs)
    ours = mp.tensor([1.0, 2.0])
    assert ours.zero_().tolist() == [0.0, 0.0]


def test_transpose_of_a_0d_tensor_checks_both_dims():
    t = mp.tensor(2.0)
    assert t.transpose(0, -1).item() == 2.0
    for dims in ((1, 0), (0, 1)):
        with pytest.raises((IndexError, ValueError), match="out of range"):
            t.transpose(*dims)


def test_flatten_of_a_0d_tensor_has_one_element_as_torch():
    assert mp.tensor(2.0).flatten().shape == (1,)


def test_gelu_second_derivative_matches_torch():
    torch = _torch()
    data = np.linspace(-3, 3, 7)
    x = mp.tensor(data, requires_grad=True)
    (g,) = mp.autograd.grad(mp.nn.functional.gelu(x).sum(), [x], create_graph=True)
    (h,) = mp.autograd.grad(g.sum(), [x])
    tx = torch.tensor(data, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.nn.functional.gelu(tx).sum(), [tx], create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), [tx])
    _same(g, tg)  # the first derivative as a graph (recomputed Phi), then the second
    _same(h, th)


GRAD_FN_CASES = {
    "linear_3d_bias": lambda T, x, w, b, y: T.nn.functional.linear(x, w, b),
    "linear_3d": lambda T, x, w, b, y: T.nn.functional.linear(x, w),
    "huber": lambda T, x, w, b, y: T.nn.functional.huber_loss(x, y),
    "bce_logits": lambda T, x, w, b, y: T.nn.functional.binary_cross_entropy_with_logits(
        x, y.sigmoid()
    ),
    "bce_logits_none": lambda T, x, w, b, y: T.nn.functional.binary_cross_entropy_with_logits(
        x, y.sigmoid(), reduction="none"
    ),
}


@pytest.mark.parametrize("name", GRAD_FN_CASES)
def test_grad_fn_names_of_layers_and_losses_as_torch(name):
    torch = _torch()
    from micrograd_plus.ops.grad_fn import torch_name

    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=s).astype(np.float32) for s in ((2, 3, 4), (5, 4), (5,))]
    arrays.append(rng.normal(size=(2, 3, 4)).astype(np.float32))
    x, w, b, y = (mp.tensor(a, requires_grad=i < 3) for i, a in enumerate(arrays))
    tx, tw, tb, ty = (torch.tensor(a, requires_grad=i < 3) for i, a in enumerate(arrays))
    ours = GRAD_FN_CASES[name](mp, x, w, b, y)
    theirs = GRAD_FN_CASES[name](torch, tx, tw, tb, ty)
    assert torch_name(ours) == theirs.grad_fn.name()


def test_einsum_refuses_a_second_ellipsis_in_one_operand():
    # torch: "found '.' for operand 0 for which an ellipsis was already found"
    with pytest.raises(ValueError, match=r"has a '\.' that is not one '\.\.\.'"):
        mp.einsum("...i...->i", mp.ones(2, 3))


def test_transpose_of_a_vector_takes_negative_dims_as_torch():
    v = mp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = v.transpose(0, -1)
    assert out.shape == (3,)
    (out * mp.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(v.grad, [1.0, 2.0, 3.0])


def test_prod_second_derivative_over_the_first_of_three_dims_is_torchs():
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(3).uniform(0.5, 1.5, (2, 3, 4))
    x = mp.tensor(values, dtype=mp.float64, requires_grad=True)
    tx = torch.tensor(values, requires_grad=True)
    (g,) = mp.grad(x.prod(dim=0).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(tx.prod(dim=0).sum(), tx, create_graph=True)
    weights = np.arange(24.0).reshape(2, 3, 4)
    (h,) = mp.grad((g * mp.tensor(weights)).sum(), x)
    (th,) = torch.autograd.grad((tg * torch.tensor(weights)).sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h, th.numpy(), rtol=1e-12)


# ------------------------------------------ issue 27, census survivors in ops/ (pin27j)
def test_topk_takes_k_from_0_to_the_dim_size_and_refuses_others_as_torch():
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(5).normal(size=(2, 3))
    x, tx = mp.tensor(values, dtype=mp.float64), torch.tensor(values)
    for k in (0, 3):
        ours, theirs = x.topk(k, dim=1), tx.topk(k, dim=1)
        assert ours.values.shape == tuple(theirs.values.shape) == (2, k)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    for k in (-1, 4):
        with pytest.raises(RuntimeError):
            tx.topk(k, dim=1)
        with pytest.raises(RuntimeError, match="out of range"):
            x.topk(k, dim=1)


def test_index_select_takes_a_0d_or_1d_index_and_refuses_a_matrix_as_torch():
    torch = pytest.importorskip("torch")
    values = np.arange(6.0).reshape(2, 3)
    x, tx = mp.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    for index in ([2, 0, 2], 1):
        out = x.index_select(1, mp.tensor(index, dtype=mp.int64))
        ref = tx.index_select(1, torch.tensor(index))
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
    with pytest.raises(IndexError):  # torch: "Index is supposed to be a vector"
        tx.index_select(1, torch.tensor([[0, 1]]))
    with pytest.raises(RuntimeError, match="1-D integer"):
        x.index_select(1, mp.tensor([[0, 1]], dtype=mp.int64))
    with pytest.raises(RuntimeError, match="1-D integer"):
        x.index_select(1, mp.tensor([0.0]))


def _pin_both(values, dtype=np.float64, requires_grad=False):
    torch = pytest.importorskip("torch")
    values = np.asarray(values, dtype=dtype)
    ours = mp.tensor(values, dtype=values.dtype, requires_grad=requires_grad)
    return ours, torch.tensor(values, requires_grad=requires_grad)


def _pin_same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs, strict=True):
            _pin_same(o, t)
        return
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=0)


def test_reductions_take_dims_from_minus_ndim_to_ndim_minus_1_as_torch():
    x, tx = _pin_both(np.arange(6.0).reshape(2, 3))
    for dim in (-2, -1, 0, 1):
        _pin_same(x.sum(dim=dim), tx.sum(dim=dim))
    s, ts = _pin_both(2.0)  # a 0-d tensor takes dim 0 and -1, as torch
    for dim in (0, -1):
        _pin_same(s.softmax(dim=dim), ts.softmax(dim=dim))
    for t, tt, dim in ((x, tx, 2), (x, tx, -3), (s, ts, 1), (s, ts, -2)):
        with pytest.raises(IndexError):
            tt.sum(dim=dim)
        with pytest.raises(ValueError, match="out of range"):
            t.sum(dim=dim)


def test_trunc_division_of_negative_integers_and_of_floats_is_torchs():
    x, tx = _pin_both([-7, 7, -7, 0, 7], dtype=np.int64)
    y, ty = _pin_both([2, -2, -2, 3, 7], dtype=np.int64)
    for mode in ("trunc", "floor"):
        _pin_same(x.div(y, rounding_mode=mode), tx.div(ty, rounding_mode=mode))
    # 1.0 // 0.1 is 9 in floating point; trunc(1.0 / 0.1) is 10, as torch's
    a, ta = _pin_both([1.0, -1.0, 2.5])
    _pin_same(a.div(0.1, rounding_mode="trunc"), ta.div(0.1, rounding_mode="trunc"))
    b, tb = _pin_both([True, False], dtype=np.bool_)  # bool with int: int64, as torch
    t, tt = _pin_both([True, True], dtype=np.bool_)
    for (p, tp), (q, tq) in (((b, tb), (y[:2], ty[:2])), ((x[:2], tx[:2]), (t, tt))):
        _pin_same(p.div(q, rounding_mode="trunc"), tp.div(tq, rounding_mode="trunc"))


def test_expand_and_repeat_take_sizes_as_torch_in_each_spelling():
    x, tx = _pin_both([[1.0], [2.0], [3.0]])
    for sizes in ((-1, 4), ((-1, 4),), ([3, 4],), (2, 3, -1)):
        _pin_same(x.expand(*sizes), tx.expand(*sizes))
    v, tv = _pin_both([1.0, 2.0, 3.0])
    _pin_same(v.expand(2, -1), tv.expand(2, -1))  # -1 on the first old dim
    _pin_same(v[:1].expand(4), tv[:1].expand(4))  # one int
    for counts in ((2, 1), ((2, 1),), ([1, 2],), (2, 1, 2)):
        _pin_same(x.repeat(*counts), tx.repeat(*counts))
    _pin_same(v.repeat(3), tv.repeat(3))
    with pytest.raises(RuntimeError):
        tx.repeat(2)
    with pytest.raises(RuntimeError, match="at least one count per dim"):
        x.repeat(2)


def _pin_grad(fn, values, lib):
    x = lib.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    fn(x, lib).sum().backward()
    return np.asarray(x.grad)


def test_gradients_at_the_kinks_and_ties_are_torchs():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    at = [-1.0, -0.5, 0.0, 0.5, 1.0]
    cases = {  # our spelling, torch's
        "relu": (lambda x, L: x.relu(), None),
        "leaky_relu default": (lambda x, L: x.leaky_relu(), lambda x, L: F.leaky_relu(x)),
        "clip": (lambda x, L: x.clip(-0.5, 0.5), lambda x, L: x.clamp(-0.5, 0.5)),
        "clip min": (lambda x, L: x.clip(min=0.0), lambda x, L: x.clamp(min=0.0)),
        "clip max": (lambda x, L: x.clip(max=0.0), lambda x, L: x.clamp(max=0.0)),
        "maximum tie": (lambda x, L: x.maximum(L.zeros_like(x) + 0.5), None),
        "minimum tie": (lambda x, L: (x * 2).minimum(x + 0.5), None),
        "abs": (lambda x, L: x.abs(), None),
    }
    for name, (ours, theirs) in cases.items():
        got, expected = _pin_grad(ours, at, mp), _pin_grad(theirs or ours, at, torch)
        np.testing.assert_array_equal(got, expected, err_msg=name)
    x, tx = _pin_both(at)
    _pin_same(x.leaky_relu(), F.leaky_relu(tx))
    y = mp.tensor([2.0, 1.0], requires_grad=True)  # a tie splits the gradient in half
    z = mp.tensor([2.0, 3.0], requires_grad=True)
    y.maximum(z).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.5, 0.0])
    np.testing.assert_array_equal(z.grad, [0.5, 1.0])


def test_split_and_chunk_at_their_edges_as_torch():
    x, tx = _pin_both(np.arange(8.0).reshape(2, 4))
    for args in ((1, 1), (3, 1), (4, 1), ([1, 3], 1)):
        _pin_same(x.split(*args), tx.split(*args))
    for args in ((1, 1), (3, 1), (4, 1), (8, 1), (2, 0)):
        _pin_same(x.chunk(*args), tx.chunk(*args))
    e, te = _pin_both(np.zeros(0))
    _pin_same(e.split(2), te.split(2))  # one empty piece
    for bad in (lambda t: t.split(0, 1), lambda t: t.chunk(0, 1), lambda t: t.chunk(-1)):
        with pytest.raises(RuntimeError):
            bad(tx)
        with pytest.raises(RuntimeError, match="split_size must be positive|greater than 0"):
            bad(x)


def test_gather_and_dot_refuse_what_torch_refuses():
    torch = pytest.importorskip("torch")
    x, tx = _pin_both(np.arange(6.0).reshape(2, 3))
    for index in (np.array([[0.0]]), np.array([0]), np.array([[[0]]])):
        with pytest.raises(RuntimeError):
            tx.gather(1, torch.tensor(index))
        with pytest.raises(RuntimeError, match="gather"):
            x.gather(1, mp.tensor(index, dtype=index.dtype))
    ok = np.array([[2, 0], [1, 1]])
    _pin_same(x.gather(1, mp.tensor(ok, dtype=mp.int64)), tx.gather(1, torch.tensor(ok)))
    for a, b in (((3,), (3, 1)), ((1, 3), (3,)), ((1, 3), (3, 1))):
        with pytest.raises(RuntimeError):
            torch.dot(torch.ones(a), torch.ones(b))
        with pytest.raises(RuntimeError, match="1D tensors expected"):
            mp.dot(mp.ones(a), mp.ones(b))


def test_sorting_a_0d_tensor_and_sorting_along_the_default_dim_as_torch():
    s, ts = _pin_both(3.0)
    _pin_same(s.argsort(), ts.argsort())
    _pin_same(tuple(s.sort(descending=True)), tuple(ts.sort(descending=True)))
    b, tb = _pin_both(np.random.default_rng(8).normal(size=(2, 3, 4)))
    for call in (lambda t: t.argsort(), lambda t: t.sort().values, lambda t: t.topk(2).indices):
        _pin_same(call(b), call(tb))
        _pin_same(call(b[0, 0]), call(tb[0, 0]))


def test_cumsum_dtypes_and_logsumexp_of_large_values_as_torch():
    torch = pytest.importorskip("torch")
    cases = (([1, 2, 3], np.int32), ([True, False, True], np.bool_), ([200, 100], np.uint8))
    for values, dtype in cases:  # all int64, as torch (NumPy sums uint8 in uint64)
        x = mp.tensor(np.array(values, dtype=dtype), dtype=dtype)
        _pin_same(x.cumsum(0), torch.tensor(values, dtype=getattr(torch, str(x.dtype))).cumsum(0))
    x, tx = _pin_both([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    _pin_same(x.cumsum(1, dtype=mp.float64), tx.cumsum(1, dtype=torch.float64))
    big, tbig = _pin_both([[1000.0, 0.0, -1000.0], [-1000.0, -999.0, -1001.0]])
    for dim in (1, None):
        ours = big.logsumexp(dim) if dim is not None else big.logsumexp(dim=(0, 1))
        theirs = tbig.logsumexp(dim if dim is not None else (0, 1))
        _pin_same(ours, theirs)


def _torch_norm_grad(values, p, dim):
    import torch

    tx = torch.tensor(values, requires_grad=True)
    (tg,) = torch.autograd.grad(tx.norm(p=p, dim=dim).sum(), tx)
    return float(tg[1].sum())


def test_p_norms_at_zero_and_at_their_edges_as_torch():
    torch = pytest.importorskip("torch")
    values = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    starts = {"zero row": values, "a zero": values + [0.0, 0.0, 1.0], "no zero": values + 1}
    cases = ((3, 1, "zero row"), (0.5, 1, "a zero"), (1.5, None, "zero row"))
    for p, dim, start in (*cases, (2.5, 0, "no zero"), (-math.inf, 1, "zero row")):
        start = starts[start]
        x, tx = mp.tensor(start, requires_grad=True), torch.tensor(start, requires_grad=True)
        (g,) = mp.grad(x.norm(p=p, dim=dim).sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad(tx.norm(p=p, dim=dim).sum(), tx, create_graph=True)
        np.testing.assert_allclose(x.norm(p=p, dim=dim).data, tx.norm(p=p, dim=dim).detach())
        np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12, err_msg=str(p))
        if p in (3, 0.5, 2.5):  # the second derivative: central differences of torch's first
            (h,) = mp.grad(g[1].sum(), x)
            th = numerical_gradient(lambda v, p=p, dim=dim: _torch_norm_grad(v, p, dim), start)
            np.testing.assert_allclose(h[1], th[1], rtol=1e-6, err_msg=str(p))
    x, tx = _pin_both(values, dtype=np.float32)
    _pin_same(x.norm(dtype=mp.float64), tx.norm(dtype=torch.float64))
    for p in (0, -1, "nuc"):  # torch has these; here they are refused, by name
        with pytest.raises(ValueError, match="p must be"):
            x.norm(p=p)


def test_new_zeros_narrow_diag_and_t_at_their_edges_as_torch():
    x, tx = _pin_both(np.arange(6.0).reshape(2, 3), dtype=np.float32)
    for size in ((3,), ((2, 3),), ([2, 1],), (2, 1)):
        _pin_same(x.new_zeros(*size), tx.new_zeros(*size))
        _pin_same(x.new_ones(*size), tx.new_ones(*size))
    _pin_same(x.new_tensor([1, 2]), tx.new_tensor([1, 2]))
    for args in ((1, -2, 2), (1, 0, 3), (0, -1, 1), (-1, 1, 0)):
        _pin_same(x.narrow(*args), tx.narrow(*args))
    e, te = _pin_both(np.zeros((2, 0)))
    _pin_same(e.narrow(1, 0, 0), te.narrow(1, 0, 0))
    v, tv = _pin_both([1.0, 2.0])
    for k in (2, 1, -1, -2):
        _pin_same(v.diag(k), tv.diag(k))
        _pin_same(x.diag(k), tx.diag(k))
    b, tb = _pin_both(np.arange(24.0).reshape(2, 3, 4))
    for call in (lambda t: t.diag(), lambda t: t.t(), lambda t: t.trace()):
        with pytest.raises(RuntimeError):
            call(tb)
        with pytest.raises(RuntimeError, match="diag|t\\(\\)|trace"):
            call(b)
    _pin_same(b.tril(1), tb.tril(1))
    _pin_same(b.triu(-1), tb.triu(-1))
    assert [t.is_floating_point() for t in (x, x.long())] == [True, False]
    assert [t.is_floating_point() for t in (tx, tx.long())] == [True, False]


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "int32"])
def test_pow_with_a_number_keeps_or_promotes_the_dtype_as_torch(dtype):
    torch = pytest.importorskip("torch")
    for exponent in (0.5, 2, 2.0, 0, 3):
        ours = mp.tensor([1, 4, 0], dtype=getattr(mp, dtype)) ** exponent
        theirs = torch.tensor([1, 4, 0], dtype=getattr(torch, dtype)) ** exponent
        _pin_same(ours, theirs)


def test_dtype_names_read_as_torch_reads_them():
    torch = pytest.importorskip("torch")
    for name in ("float", "double", "half", "long", "int", "short", "bool", "uint8", "int8"):
        expected = np.dtype(str(getattr(torch, name)).removeprefix("torch."))
        assert mp.zeros(1, dtype=name).dtype == expected, name
        assert mp.zeros(1, dtype=f"torch.{name}").dtype == expected, name
        assert mp.zeros(1, dtype=getattr(torch, name)).dtype == expected, name
    for bad in ("complex64", np.complex64, "nonsense", object):
        with pytest.raises(TypeError, match="unknown dtype"):
            mp.zeros(1, dtype=bad)


def test_narrow_refuses_a_start_or_length_outside_the_dim_as_torch():
    x, tx = _pin_both(np.arange(4.0))
    for start, length in ((4, 0), (-4, 1), (0, 4), (-1, 1)):
        _pin_same(x.narrow(0, start, length), tx.narrow(0, start, length))
    for start, length, error in (
        (5, 0, IndexError),
        (-5, 1, IndexError),
        (1, -1, RuntimeError),
        (2, 3, RuntimeError),
        (-1, 2, RuntimeError),
    ):
        with pytest.raises(error):
            tx.narrow(0, start, length)
        with pytest.raises(error, match="use a (start|length) from"):
            x.narrow(0, start, length)


def test_add_and_sub_methods_on_bool_tensors_as_torch():
    b, tb = _pin_both([True, False], dtype=np.bool_)
    _pin_same(b.add(True), tb.add(True))  # logical or, still bool
    _pin_same(b.add(b), tb.add(tb))
    with pytest.raises(RuntimeError, match="not supported"):
        tb.sub(True)
    with pytest.raises(TypeError, match="not supported"):  # NumPy's message: says what to use
        b.sub(True)


# ---------------------------------------------------------------- issue 27 (pin27k)
# Census survivors in ops/ (reduce, shape, linalg, softmax, prod, inplace, functions,
# grad_fn, pointwise, methods): each call is made the same way on our tensor and
# torch's, and both must agree (the same value, or both refuse it).


def _agree(data, name, *args, bools=False, **kwargs):
    """``t.name(*args, **kwargs)`` on our tensor and torch's: the same result, or both raise."""
    torch = _torch()
    ours, theirs = mp.tensor(data), torch.tensor(data)
    if bools:
        ours, theirs = ours > 0, theirs > 0
    try:
        expected = getattr(theirs, name)(*args, **kwargs)
    except (IndexError, RuntimeError, TypeError, ValueError):
        with pytest.raises((IndexError, RuntimeError, TypeError, ValueError)):
            getattr(ours, name)(*args, **kwargs)
        return
    _same(getattr(ours, name)(*args, **kwargs), expected)


REDUCTIONS = ("sum", "mean", "amax", "amin", "argmax", "argmin", "var", "std", "max", "min")


@pytest.mark.parametrize("op", [*REDUCTIONS, "any", "all"])
def test_reductions_take_a_positional_dim_with_keepdim_as_torch(op):
    data = np.random.default_rng(5).normal(size=(2, 3, 4)).astype(np.float32)
    bools = op in ("any", "all")
    for dim in (0, 1, -1):
        for keep in (True, False):
            _agree(data, op, dim, keepdim=keep, bools=bools)
            _agree(data, op, dim=dim, keepdim=keep, bools=bools)
        _agree(data, op, dim=dim, bools=bools)


def test_transpose_dims_in_range_and_out_of_it_as_torch():
    for shape in ((), (3,), (2, 3)):
        data = np.arange(float(np.prod(shape))).reshape(shape).astype(np.float32)
        for d0 in range(-3, 3):
            for d1 in (0, -1):
                _agree(data, "transpose", d0, d1)
                _agree(data, "transpose", d1, d0)


def test_matmul_of_a_0d_operand_is_refused_with_the_fix():
    for x, y in ((mp.tensor(2.0), mp.ones(3)), (mp.ones(3), mp.tensor(2.0))):
        with pytest.raises(ValueError, match="at least one dimension; use \\* for scalars"):
            x @ y


@pytest.mark.parametrize("needs", ["x", "weight", "bias", "x,bias"])
@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3)])
def test_linear_gradients_of_each_input_alone_match_torch(needs, shape):
    torch = _torch()
    rng = np.random.default_rng(11)
    arrays = [rng.normal(size=s).astype(np.float32) for s in (shape, (4, 3), (4,))]
    names = ("x", "weight", "bias")
    ours = [mp.tensor(a, requires_grad=n in needs) for a, n in zip(arrays, names)]
    theirs = [torch.tensor(a, requires_grad=n in needs) for a, n in zip(arrays, names)]
    probe = rng.normal(size=(*shape[:-1], 4)).astype(np.float32)
    (linear(*ours) * mp.tensor(probe)).sum().backward()
    (torch.nn.functional.linear(*theirs) * torch.tensor(probe)).sum().backward()
    for mine, other in zip(ours, theirs):
        assert (mine.grad is None) == (other.grad is None)
        if other.grad is not None:
            np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-5, atol=1e-6)


def _grads_agree(data, name, *args, **kwargs):
    """Value and gradient of ``t.name(*args, **kwargs)`` (its ``values`` if a pair) as torch."""
    torch = _torch()
    ours, theirs = mp.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, ref = getattr(ours, name)(*args, **kwargs), getattr(theirs, name)(*args, **kwargs)
    if isinstance(ref, tuple):
        _same(out.indices, ref.indices)
        out, ref = out.values, ref.values
    _same(out, ref)
    probe = np.arange(1.0, ref.numel() + 1).reshape(ref.shape)
    (out * mp.tensor(probe)).sum().backward()
    (ref * torch.tensor(probe)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_max_min_and_arg_of_0d_and_1d_tensors_along_a_dim_as_torch():
    # Not here: dim=-1 on a 0-d tensor, which torch takes and normalize_axis refuses.
    for data in (np.float64(2.5), np.array([1.0, 4.0, -2.0])):
        for op in ("max", "min"):
            for keep in (False, True):
                _grads_agree(data, op, 0, keepdim=keep)
                _grads_agree(data, op, dim=-data.ndim, keepdim=keep)
        for op in ("argmax", "argmin"):
            for keep in (False, True):
                _agree(data, op, 0, keepdim=keep)
                _agree(data, op, keepdim=keep)
    data = np.random.default_rng(2).normal(size=(2, 3))
    for op in ("argmax", "argmin"):
        _agree(data, op, keepdim=True)


def test_full_max_and_min_share_the_gradient_between_ties_as_torch():
    data = np.array([[3.0, 1.0, 3.0], [-1.0, 3.0, -1.0]])
    for op in ("max", "min", "amax", "amin"):
        _grads_agree(data, op)
    for op in ("max", "min"):  # along a dim: the gradient goes to the one index chosen
        _grads_agree(data, op, 1)


def test_reductions_over_an_empty_dim_are_refused_as_torch():
    data = np.zeros((0, 3), dtype=np.float32)
    for op in ("max", "min", "amax", "amin", "argmax", "argmin"):
        for dim in (0, 1, -2):
            _agree(data, op, dim)
        _agree(data, op)
        with pytest.raises(IndexError, match=f"{op}\\(\\): the reduction dim 0 has size 0"):
            getattr(mp.tensor(data), op)(0)


def test_var_and_std_corrections_and_their_spellings_as_torch():
    data = np.random.default_rng(4).normal(size=(3, 4))
    for op in ("var", "std"):
        for kw in ({"unbiased": True}, {"unbiased": False}, {"correction": 0}, {"correction": 2}):
            _grads_agree(data, op, 1, **kw)
            _grads_agree(data, op, **kw)
        _grads_agree(data[:, :2], op, 1)  # two elements, correction 1
        np.testing.assert_allclose(
            getattr(mp.tensor(data), op)(0, ddof=2).data, getattr(np, op)(data, 0, ddof=2)
        )
        for given in ({"unbiased": True, "correction": 1}, {"ddof": 1, "correction": 1}):
            with pytest.raises(TypeError, match="pass only one of them"):
                getattr(mp.tensor(data), op)(**given)
        for bad in ({"correction": 4}, {"correction": 5}):  # torch: nan; here an error
            with pytest.raises(ValueError, match="divides by zero"):
                getattr(mp.tensor(data), op)(1, **bad)


def test_std_where_the_variance_is_zero_or_one_as_torch():
    # Row 0 is constant (variance 0: value 0, gradient 0), row 1 has variance exactly 1.
    _grads_agree(np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]), "std", 1)


def test_mean_of_integers_and_bools_is_float32_and_of_float64_float64():
    assert mp.tensor([1, 2, 4]).mean().dtype == np.float32
    assert mp.tensor([True, False]).mean().item() == 0.5
    assert mp.tensor(np.array([1.0, 2.0])).mean().dtype == np.float64
    _grads_agree(np.arange(6.0).reshape(2, 3), "mean", 0)


def test_flatten_squeeze_unsqueeze_and_permute_dims_as_torch():
    data = np.arange(24.0).reshape(2, 1, 3, 4)
    for dims in ((0, 1), (1, 1), (0, 0), (1, 2), (-3, -2), (2, -1)):
        _grads_agree(data, "flatten", *dims)
    _grads_agree(data[0, 0], "flatten", 1)  # a matrix's rows stay rows
    for dim in (0, 1, -3, (0, 1), (1, 3)):
        _grads_agree(data, "squeeze", dim)
        _grads_agree(data, "squeeze", dim=dim)
    for dim in range(-6, 6):
        _agree(data, "unsqueeze", dim)
    with pytest.raises(ValueError, match="unsqueeze axis -6 is out of range"):
        mp.tensor(data).unsqueeze(-6)
    for dims in ((3, 0, 1, 2), (-4, -1, 1, 2), (4, 0, 1, 2), (0, 1, 2), (0, 0, 1, 2)):
        _agree(data, "permute", *dims)
    _grads_agree(data, "permute", (-1, 0, 2, 1))
    with pytest.raises(ValueError, match="not a permutation"):
        mp.tensor(data).permute(0, 0, 1, 2)
    _grads_agree(data[0, 0, 0], "permute", 0)  # one dim, not a tuple


def test_reshape_and_broadcast_to_take_sizes_or_one_sequence_as_torch():
    data = np.arange(6.0)
    for sizes in ((6,), (2, 3), ((3, 2),), ([3, -1],)):
        _grads_agree(data, "reshape", *sizes)
    with pytest.raises(ValueError, match="cannot reshape a tensor of shape"):
        mp.tensor(data).reshape(4, 2)
    for sizes in ((2, 6), ((3, 6),), ([1, 6],)):
        _grads_agree(data, "broadcast_to", *sizes)
    _grads_agree(data[:1], "broadcast_to", 3)
    with pytest.raises(ValueError, match="cannot broadcast a tensor of shape"):
        mp.tensor(data).broadcast_to(2, 3)


def test_cat_and_stack_defaults_dtypes_and_errors_as_torch():
    torch = _torch()
    pieces = {
        "float32": np.ones((2, 3), np.float32),
        "float64": np.full((2, 3), 2.0),
        "int64": np.arange(6).reshape(2, 3),
        "bool": np.eye(2, 3, dtype=bool),
    }
    for first, second in (("float32", "int64"), ("int64", "int64"), ("bool", "float32")):
        for name in ("cat", "stack"):
            ours = [mp.tensor(pieces[first]), mp.tensor(pieces[second])]
            theirs = [torch.tensor(pieces[first]), torch.tensor(pieces[second])]
            _same(getattr(mp, name)(ours), getattr(torch, name)(theirs))
    (a, ta), (b, tb) = _pair((2, 3)), _pair((2, 3), seed=9)
    _same(mp.concatenate([a, b]), torch.cat([ta, tb]))  # dim 0 by default
    _same(mp.stack([a, b]), torch.stack([ta, tb]))
    _same(mp.stack([a, b], dim=-1), torch.stack([ta, tb], dim=-1))
    for name in ("concatenate", "stack"):
        with pytest.raises(ValueError, match=f"{name} needs at least one tensor"):
            getattr(mp, name)([])
    with pytest.raises(ValueError, match="stack needs tensors of one shape"):
        mp.stack([a, b[:, :2]])


def test_cat_and_stack_gradients_along_a_negative_dim_as_torch():
    torch = _torch()
    rng = np.random.default_rng(6)
    arrays = [rng.normal(size=s) for s in ((2, 3, 1), (2, 3, 2), (2, 3, 1))]
    for name, (fn, tfn) in {
        "cat": (lambda ts: mp.cat(ts, dim=-1), lambda ts: torch.cat(ts, dim=-1)),
        "stack": (lambda ts: mp.stack(ts, dim=-2), lambda ts: torch.stack(ts, dim=-2)),
    }.items():
        arrs = arrays if name == "cat" else [arrays[0], arrays[2]]
        ours = [mp.tensor(a, requires_grad=True) for a in arrs]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrs]
        out, ref = fn(ours), tfn(theirs)
        probe = np.arange(float(ref.numel())).reshape(ref.shape)
        (out * mp.tensor(probe)).sum().backward()
        (ref * torch.tensor(probe)).sum().backward()
        for mine, other in zip(ours, theirs):
            np.testing.assert_array_equal(mine.grad, other.grad.numpy())


def test_float_index_tensors_holding_whole_numbers_index_as_integers():
    t = mp.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert t[mp.tensor([2.0, 0.0])].tolist() == [[5.0, 6.0], [1.0, 2.0]]
    assert t[mp.tensor([2, 0])].tolist() == [[5.0, 6.0], [1.0, 2.0]]
    with pytest.raises(IndexError, match="must hold whole numbers"):
        t[mp.tensor([0.5])]


def test_inplace_cast_errors_name_the_result_type_torch_names():
    # torch: "result type Float can't be cast to ... Long", "result type Long ... Bool"
    for tensor, update, result in (
        (mp.tensor([1, 2]), lambda t: t.__itruediv__(2), "float32"),
        (mp.tensor([True, False]), lambda t: t.__iadd__(1), "int64"),
        (mp.tensor([True, False]), lambda t: t.__imul__(np.int64(3)), "int64"),
    ):
        with pytest.raises(RuntimeError, match=f"the result type {result} can't be cast"):
            update(tensor)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_by_dim_of_large_single_and_empty_inputs_as_torch(op):
    data = np.random.default_rng(8).normal(size=(2, 3, 4))
    for dim in (0, 1, -1):
        _grads_agree(data, op, dim=dim)
        _grads_agree(data, op, dim)
    _grads_agree(np.array([[1000.0, 0.0, -1000.0]]), op, 1)  # shifted by the max, not the min
    _grads_agree(np.array([[3.0]]), op, 0)  # one element: softmax 1, log_softmax 0
    _agree(np.zeros((0, 3)), op, 1)
    with pytest.raises(TypeError, match="got both axis=0 and dim=1"):
        getattr(mp.tensor(data), op)(0, dim=1)


def _second_derivative_agrees(data, call):
    torch = _torch()
    x, tx = mp.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    (g,) = mp.grad(call(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(call(tx).sum(), tx, create_graph=True)
    weights = np.arange(1.0, data.size + 1).reshape(data.shape)
    (h,) = mp.grad((g * mp.tensor(weights)).sum(), x)
    (th,) = torch.autograd.grad((tg * torch.tensor(weights)).sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h, th.numpy(), rtol=1e-12, atol=1e-12)


def test_prod_values_and_first_and_second_derivatives_over_each_dim_as_torch():
    rng = np.random.default_rng(12)
    for shape in ((3,), (2, 3), (2, 3, 4)):
        data = rng.uniform(0.5, 1.5, shape)
        _second_derivative_agrees(data, lambda t: t.prod())
        for dim in range(-len(shape), len(shape)):
            _second_derivative_agrees(data, lambda t, d=dim: t.prod(d))
            _grads_agree(data, "prod", dim, keepdim=True)
    _grads_agree(np.float64(2.5), "prod")  # a 0-d tensor: the gradient is 1
    _grads_agree(np.array([[2.0], [3.0]]), "prod", 1)  # a dim of size 1: the gradient is 1
    _grads_agree(np.array([[2.0, 0.0, 3.0], [0.0, 5.0, 0.0]]), "prod", 1)  # one zero, two


def test_ordering_a_tensor_against_none_is_a_type_error_as_torch():
    t = mp.tensor([1.0, 2.0])
    for compare in (t.__lt__, t.__le__, t.__gt__, t.__ge__):
        with pytest.raises(TypeError, match="NoneType"):
            compare(None)


def test_floor_and_round_of_integers_keep_them_and_round_to_tens_halves_to_even():
    ints = mp.tensor([15, 25, -14, 7])
    for out in (ints.floor(), ints.round()):
        assert out.dtype == np.int64 and out.tolist() == [15, 25, -14, 7]
    # NumPy's rule (torch refuses decimals on integer tensors): 15 -> 20, 25 -> 20
    assert ints.round(decimals=-1).tolist() == [20, 20, -10, 10]
    flags = mp.tensor([True, False]).round()  # kept as they are, as integers (torch refuses)
    assert flags.dtype == np.bool_ and flags.tolist() == [True, False]


def test_grad_fn_of_a_custom_function_of_two_matrices_is_named_after_the_class():
    class Product(mp.autograd.Function):  # two 2-D inputs, as a matmul node has
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g

    x, y = mp.ones((2, 2), requires_grad=True), mp.ones((2, 2), requires_grad=True)
    assert Product.apply(x, y).grad_fn.name() == "ProductBackward"  # torch's name


def test_clamp_in_place_refuses_a_bound_that_requires_grad():
    bound = mp.tensor([0.0, 0.0], requires_grad=True)
    for kw in ({"min": bound}, {"max": bound}):
        x = mp.tensor([-1.0, 1.0])
        with pytest.raises(RuntimeError, match="clamp_ with an operand that requires grad"):
            x.clamp_(**kw)
        assert x.tolist() == [-1.0, 1.0]


def test_flatten_refuses_dims_out_of_range_as_torch():
    for shape in ((), (3,), (2, 3), (2, 1, 3)):
        data = np.arange(float(np.prod(shape))).reshape(shape)
        for dim in range(-4, 4):
            _agree(data, "flatten", dim)
            _agree(data, "flatten", 0, dim)
    with pytest.raises(ValueError, match="flatten: dim 2 is out of range"):
        mp.ones((2, 3)).flatten(2)


def test_prod_of_a_0d_tensor_takes_dims_0_and_minus_1_only_as_torch():
    for dim in range(-3, 3):
        _agree(np.float32(2.5), "prod", dim)
    with pytest.raises(IndexError, match="prod: dim 1 is out of range for a 0-d tensor"):
        mp.tensor(2.5).prod(1)


def test_transpose_refuses_float_and_bool_dims_as_torch():
    data = np.ones((2, 3), np.float32)
    for dims in ((0.0, 1), (1, True), (np.int64(0), 1.5)):
        _agree(data, "transpose", *dims)
        with pytest.raises(TypeError, match="transpose: dims must be integers"):
            mp.tensor(data).transpose(*dims)
    _grads_agree(data.astype(np.float64), "transpose", np.int64(0), np.int32(1))


def test_einsum_ellipsis_finds_a_free_letter_when_the_subscripts_use_50_of_52():
    if np.lib.NumpyVersion(np.__version__) < "2.0.0":
        pytest.skip("NumPy 1 arrays have at most 32 axes; 50 letters and '...' need 51")
    torch = _torch()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"  # only y and z are left
    data = np.arange(3.0).reshape((3,) + (1,) * 50)
    equation = f"...{letters}->..."
    _same(mp.einsum(equation, mp.tensor(data)), torch.einsum(equation, torch.tensor(data)))
