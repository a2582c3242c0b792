"""Every op's value and gradient, against float64 central differences and PyTorch.

Each case is (id, our function, PyTorch's function, input shapes, positive
inputs?). Our functions and PyTorch's take the same positional tensors.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import assert_grads_match_numeric, assert_matches_torch, random_inputs

import micrograd_plus as mp
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
