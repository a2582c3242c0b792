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

from micrograd_plus import Tensor, grad
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
    ("linear", [(2, 5, 3), (4, 3), (4,)], lambda x, w, b: linear(x, w, b).tanh(), "linear"),
    ("softmax", [(3, 4)], lambda x: x.softmax(axis=1), None),
    ("log_softmax", [(3, 4)], lambda x: x.log_softmax(axis=0), None),
]


@pytest.mark.parametrize("name, shapes, ours, theirs", THIRD_ORDER, ids=[c[0] for c in THIRD_ORDER])
def test_third_order_matches_torch(name, shapes, ours, theirs):
    if theirs == "linear":
        theirs = lambda x, w, b: F.linear(x, w, b).tanh()  # noqa: E731
    elif name == "softmax":
        theirs = lambda x: x.softmax(dim=1)  # noqa: E731
    elif name == "log_softmax":
        theirs = lambda x: x.log_softmax(dim=0)  # noqa: E731
    theirs = theirs or ours
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
