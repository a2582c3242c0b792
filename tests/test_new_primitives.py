"""Issue 23's last primitives: sin, cos, log1p, floor, round, prod, einsum with '...',
the in-place clamp_ and masked_fill_, and torch's grad_fn names.

Every differentiable one: values and gradients against float64 central differences
and torch 2.13, and Hessian-vector products against differences of the gradient
and torch's double backward.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import (
    assert_grads_match_numeric,
    assert_hvp_matches,
    assert_matches_torch,
    random_inputs,
)

import micrograd_plus as mp
from micrograd_plus import Tensor, grad, no_grad
from micrograd_plus.ops.grad_fn import STRUCTURAL

torch = pytest.importorskip("torch")

# Inputs kept away from floor's and round's steps, so central differences see the flat part.
OFF_STEPS = np.array([[0.3, -1.2, 2.7], [-0.6, 1.4, -2.2]])

UNARY = [
    ("sin", lambda t: t.sin(), lambda t: t.sin()),
    ("cos", lambda t: t.cos(), lambda t: t.cos()),
    ("log1p", lambda t: (t * t).log1p(), lambda t: (t * t).log1p()),
    ("floor", lambda t: t.floor() * t, lambda t: t.floor() * t),
    ("round", lambda t: t.round() * t, lambda t: t.round() * t),
    ("mp.sin", lambda t: mp.sin(t), lambda t: torch.sin(t)),
    ("mp.log1p", lambda t: mp.log1p(t * t), lambda t: torch.log1p(t * t)),
]


@pytest.mark.parametrize("name, ours, theirs", UNARY, ids=[u[0] for u in UNARY])
def test_unary_first_and_second_order(name, ours, theirs):
    arrays = [OFF_STEPS.copy()]
    assert_grads_match_numeric(ours, arrays)
    assert_matches_torch(ours, theirs, arrays)
    assert_hvp_matches(ours, arrays, theirs)


def test_sin_and_cos_differentiate_each_other_to_the_fourth_order():
    x = Tensor(np.array([0.4, -1.1]), requires_grad=True)
    d = x.sin().sum()
    for _ in range(4):
        (d,) = grad(d, x, create_graph=True)
        d = d.sum()
    np.testing.assert_allclose(d.item(), np.sin([0.4, -1.1]).sum(), rtol=1e-12)


@pytest.mark.parametrize("op", ["floor", "round"])
def test_steps_have_zero_gradient_and_torch_values(op):
    values = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.7, -0.2])
    x = Tensor(values, requires_grad=True)
    out = getattr(x, op)()
    np.testing.assert_array_equal(out.data, getattr(torch, op)(torch.tensor(values)).numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(8))
    assert out.dtype == np.float64 and Tensor([1.5]).floor().dtype == np.float32


def test_round_decimals_and_integer_inputs_match_torch():
    values = np.array([1.2345, -0.0051, 2.5e-3])
    np.testing.assert_allclose(
        Tensor(values).round(decimals=2).data,
        torch.tensor(values).round(decimals=2).numpy(),
    )
    ints = Tensor([1, -3], dtype=np.int64)
    assert ints.floor().dtype == np.int64 and ints.round().tolist() == [1, -3]


def test_sin_of_integers_is_float32_as_torch():
    assert Tensor([1, 2], dtype=np.int64).sin().dtype == np.float32
    assert torch.tensor([1, 2]).sin().dtype == torch.float32


# ------------------------------------------------------------------ prod
PROD_CASES = [
    ("all", {}),
    ("dim0", {"dim": 0}),
    ("dim1", {"dim": 1}),
    ("dim-1-keep", {"dim": -1, "keepdim": True}),
]
ZEROS = {
    "none": [],
    "one": [(0, 1)],
    "two-in-a-row": [(0, 1), (0, 2)],
    "two-in-a-column": [(0, 1), (2, 1)],
}


def _with_zeros(where):
    x = random_inputs([(3, 4)], seed=5)[0]
    for idx in where:
        x[idx] = 0.0
    return x


@pytest.mark.parametrize("zeros", list(ZEROS), ids=list(ZEROS))
@pytest.mark.parametrize("name, kw", PROD_CASES, ids=[c[0] for c in PROD_CASES])
def test_prod_first_and_second_order_with_zeros(name, kw, zeros):
    arrays = [_with_zeros(ZEROS[zeros])]

    def ours(t):
        return t.prod(**kw)

    def theirs(t):
        return t.prod(**kw)

    assert_grads_match_numeric(ours, arrays)
    assert_matches_torch(ours, theirs, arrays, rtol=1e-10, atol=1e-12)
    assert_hvp_matches(ours, arrays, theirs)


def test_prod_third_order_matches_torch():
    x = np.array([0.0, 1.5, -2.0, 0.5])
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    g, tg = ours.prod(), theirs.prod()
    for _ in range(3):
        (g,) = grad(g.sum() if g.ndim else g, ours, create_graph=True)
        (tg,) = torch.autograd.grad(tg.sum(), theirs, create_graph=True)
        np.testing.assert_allclose(g.data, tg.detach().numpy(), atol=1e-12)


def test_prod_edges():
    assert Tensor(np.zeros((2, 0))).prod(dim=1).tolist() == [1.0, 1.0]
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    x.prod().backward()
    assert x.grad.shape == (2, 0)
    s = Tensor(3.0, requires_grad=True)
    s.prod().backward()
    assert s.grad.item() == 1.0
    ints = Tensor([True, True], dtype=bool).prod()
    assert ints.dtype == np.int64 == torch.tensor([True]).prod().numpy().dtype
    assert mp.prod(Tensor([2.0, 3.0])).item() == 6.0
    with pytest.raises(TypeError, match="one int"):
        Tensor([[1.0]]).prod(dim=(0, 1))


# ------------------------------------------------------------------ einsum with '...'
EINSUMS = [
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("i...->...", [(3, 2, 2)]),
    ("...j,...j", [(2, 3), (2, 3)]),
    ("ij...,jk...->ik...", [(2, 3, 2), (3, 2, 1)]),
    ("b...,b...->b", [(2, 3, 2), (2, 3, 2)]),
    ("ba...", [(2, 3, 2)]),
    ("...", [(2, 3)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum_ellipsis_first_and_second_order(eq, shapes):
    arrays = random_inputs(shapes, seed=2)

    def ours(*ts):
        return mp.einsum(eq, *ts)

    def theirs(*ts):
        return torch.einsum(eq, *ts)

    assert mp.einsum(eq, *map(Tensor, arrays)).shape == tuple(
        theirs(*map(torch.tensor, arrays)).shape
    )
    assert_grads_match_numeric(ours, arrays)
    assert_matches_torch(ours, theirs, arrays)
    assert_hvp_matches(ours, arrays, theirs)


def test_einsum_ellipsis_errors_name_the_fix():
    with pytest.raises(ValueError, match="more dims than an operand has"):
        mp.einsum("...ijk->...", Tensor(np.ones((2, 2))))
    with pytest.raises(ValueError, match="'...'"):
        mp.einsum("..i->i", Tensor(np.ones(2)))


# ------------------------------------------------------------------ in place
def test_clamp_in_place_matches_torch_and_bumps_the_version():
    values = np.array([-2.0, -0.5, 0.5, 3.0])
    for kw in ({"min": -1.0, "max": 1.0}, {"min": 0.0}, {"max": 0.25}, {"min": 1.0, "max": 0.0}):
        x, t = Tensor(values.copy()), torch.tensor(values.copy())
        before = x._version
        assert x.clamp_(**kw) is x
        t.clamp_(**kw)
        np.testing.assert_array_equal(x.data, t.numpy())
        assert x._version > before
    x = Tensor(values.copy())
    x.clip_(Tensor(np.zeros(4)), 1.0)
    assert x.tolist() == [0.0, 0.0, 0.5, 1.0]
    with pytest.raises(RuntimeError, match="at least one"):
        x.clamp_()
    with pytest.raises(RuntimeError, match="x = x.float()"):
        Tensor([1, 2], dtype=np.int64).clamp_(0.5)


def test_masked_fill_in_place_matches_torch_and_bumps_the_version():
    values = np.arange(6.0).reshape(2, 3)
    mask = np.array([True, False, True])  # broadcasts over the rows
    x, t = Tensor(values.copy()), torch.tensor(values.copy())
    before = x._version
    assert x.masked_fill_(Tensor(mask, dtype=bool), -1.0) is x
    t.masked_fill_(torch.tensor(mask), -1.0)
    np.testing.assert_array_equal(x.data, t.numpy())
    assert x._version > before
    ints = Tensor([1, 2], dtype=np.int64).masked_fill_(np.array([True, False]), 7)
    assert ints.tolist() == [7, 2] and ints.dtype == np.int64
    with pytest.raises(RuntimeError, match="boolean masks"):
        x.masked_fill_(np.array([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="0-dimensional value"):
        x.masked_fill_(mask, Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        x.masked_fill_(np.array([True, False]), 0.0)


def test_in_place_on_a_recorded_graph_raises_and_backward_sees_the_change():
    w = Tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.clamp_(0.0)
    with no_grad():
        w.clamp_(-1.0, 1.0)
    assert w.tolist() == [1.0, -1.0]
    y = w * 1.0
    with pytest.raises(RuntimeError, match="x = x.masked_fill"):
        y.masked_fill_(np.array([True, False]), 0.0)
    x = Tensor([1.0, -2.0])
    z = w * x  # saves x for the gradient
    x.clamp_(0.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


# ------------------------------------------------------------------ grad_fn names
def _graph(lib):
    is_torch = lib is torch
    rng = np.random.default_rng(0)

    def leaf(*shape):
        a = np.abs(rng.standard_normal(shape)) + 0.5
        return torch.tensor(a, requires_grad=True) if is_torch else Tensor(a, requires_grad=True)

    x, y, v, b = leaf(3, 4), leaf(3, 4), leaf(4), leaf(2, 3, 4)
    w, bias = leaf(5, 4), leaf(5)
    fn = torch.nn.functional if is_torch else mp.nn.functional
    return {
        "x + y": x + y,
        "x + 2": x + 2,
        "x - y": x - y,
        "x * y": x * y,
        "x * 2": x * 2,
        "x / y": x / y,
        "-x": -x,
        "x ** 2": x**2,
        "x ** y": x**y,
        "exp": x.exp(),
        "log": x.log(),
        "sqrt": x.sqrt(),
        "abs": x.abs(),
        "relu": x.relu(),
        "sigmoid": x.sigmoid(),
        "tanh": x.tanh(),
        "erf": x.erf(),
        "sin": x.sin(),
        "cos": x.cos(),
        "log1p": x.log1p(),
        "floor": x.floor(),
        "round": x.round(),
        "gelu": fn.gelu(x),
        "gelu tanh": fn.gelu(x, approximate="tanh"),
        "leaky_relu": fn.leaky_relu(x),
        "clamp": x.clamp(-1, 1),
        "maximum": x.maximum(y),
        "minimum": x.minimum(y),
        "where": (torch if is_torch else mp).where(x > 1, x, y),
        "sum()": x.sum(),
        "sum(dim)": x.sum(0),
        "sum(dims, keepdim)": x.sum((0, 1), keepdim=True),
        "mean()": x.mean(),
        "mean(dim)": x.mean(1),
        "prod()": x.prod(),
        "prod(dim)": x.prod(1),
        "max()": x.max(),
        "max(dim)": x.max(0)[0],
        "min()": x.min(),
        "amax": x.amax(0),
        "amin": x.amin(1),
        "mm": x @ y.T,
        "mv": x @ v,
        "dot": v @ v,
        "vector @ matrix": y[:, 0] @ x,
        "batched matmul": b @ w.T,
        "linear": fn.linear(x, w, bias),
        "linear no bias": fn.linear(x, w),
        "reshape": x.reshape(12),
        "transpose": b.transpose(0, 1),
        "permute": b.permute(2, 0, 1),
        "expand": v.expand(3, 4),
        "cat": (torch if is_torch else mp).cat([x, y]),
        "stack": (torch if is_torch else mp).stack([x, y]),
        "clone": x.clone(),
        "to(float32)": x.float(),
        "softmax": x.softmax(1),
        "log_softmax": x.log_softmax(1),
        "cross_entropy": fn.cross_entropy(x, _labels(lib)),
        "nll_loss": fn.nll_loss(x, _labels(lib)),
        "embedding": fn.embedding(_labels(lib), x),
        "layer_norm": fn.layer_norm(x, (4,)),
    }


def _labels(lib):
    labels = np.array([0, 1, 2])
    return torch.tensor(labels) if lib is torch else Tensor(labels, dtype=np.int64)


def test_grad_fn_names_match_torch():
    ours, theirs = _graph(mp), _graph(torch)
    wrong = {
        k: (ours[k].grad_fn.name(), theirs[k].grad_fn.name())
        for k in ours
        if ours[k].grad_fn.name() != theirs[k].grad_fn.name()
    }
    assert not wrong, wrong
    assert len(ours) == 62


def test_grad_fn_is_torch_like_object():
    x = Tensor([1.0, 2.0], requires_grad=True)
    node = (x * 2).grad_fn
    assert type(node).__name__ == "MulBackward0" == node.name()
    assert repr(node) == "<MulBackward0>"
    assert type((x * 3).grad_fn) is type(node)  # one class per name
    assert x.grad_fn is None and Tensor([1.0]).exp().grad_fn is None


def test_grad_fn_of_a_custom_function_is_named_after_the_class():
    class Cube(mp.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, g):
            return g

    assert Cube.apply(Tensor([1.0], requires_grad=True)).grad_fn.name() == "CubeBackward"
    assert TorchCube.apply(torch.ones(1, requires_grad=True)).grad_fn.name() == "TorchCubeBackward"


@pytest.mark.parametrize("expr", list(STRUCTURAL))
def test_the_listed_grad_fn_differences_hold(expr):
    ours, theirs = STRUCTURAL[expr]
    for lib, name in ((mp, ours), (torch, theirs)):
        make = Tensor if lib is mp else torch.tensor
        x = make(np.ones((2, 3)), requires_grad=True)
        v = make(np.ones(3), requires_grad=True)
        assert eval(expr, {"x": x, "v": v}).grad_fn.name() == name, (expr, lib.__name__)


def test_einsum_diagonal_error_names_the_term_as_written():
    with pytest.raises(NotImplementedError, match=r"'\.\.\.ii' repeats a letter"):
        mp.einsum("...ii->...i", Tensor(np.ones((2, 3, 3))))


@pytest.mark.parametrize("op", ["floor", "round"])
def test_floor_and_round_allow_an_in_place_change_of_their_input_as_torch(op):
    """Their gradient is zero and reads no array, so torch saves nothing for it."""
    x = Tensor([0.4, 1.6], requires_grad=True)
    h = x + 0.0  # add reads no array either
    y = getattr(h, op)()
    with no_grad():
        h.add_(1.0)  # an in-place change after the op was recorded
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    tx = torch.tensor([0.4, 1.6], requires_grad=True)
    th = tx + 0.0
    ty = getattr(th, op)()
    with torch.no_grad():
        th += 1.0
    ty.sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), [0.0, 0.0])
