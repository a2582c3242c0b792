"""Higher-order gradients: grad(), backward(create_graph=True), custom Functions.

Each op family's double backward is checked in its own test file with
``oracles.assert_hvp_matches`` (torch and central differences of the gradient).
"""

from __future__ import annotations

import gc
import math

import numpy as np
import pytest
from oracles import assert_hvp_matches, random_inputs

from micrograd_plus import Function, Tensor, grad


def _x(value):
    return Tensor(np.array([value]), requires_grad=True)


def _nth_derivative(f, x, n):
    out = f(x)
    for _ in range(n):
        (out,) = grad(out, x, create_graph=True)
    return float(out)


@pytest.mark.parametrize("x0", [0.7, -1.3, 2.0])
def test_third_order_of_x5_and_tanh_match_closed_forms(x0):
    assert _nth_derivative(lambda x: x**5, _x(x0), 3) == pytest.approx(60 * x0**2, rel=1e-12)
    assert _nth_derivative(lambda x: x**5, _x(x0), 4) == pytest.approx(120 * x0, rel=1e-12)
    t = math.tanh(x0)
    # d3/dx3 tanh = -2 sech^2 (1 - 3 tanh^2) = -2 (1 - t^2)(1 - 3 t^2)
    expected = -2 * (1 - t * t) * (1 - 3 * t * t)
    assert _nth_derivative(lambda x: x.tanh(), _x(x0), 3) == pytest.approx(expected, rel=1e-10)


def test_arithmetic_double_backward_matches_oracles():
    torch = pytest.importorskip("torch")
    a, b = random_inputs([(3, 4), (4,)], seed=0)
    b = np.abs(b) + 0.5
    ops = [
        (lambda x, y: x * y * x, lambda x, y: x * y * x),
        (lambda x, y: x / y - y / (x * x + 1), lambda x, y: x / y - y / (x * x + 1)),
        (lambda x, y: (x * x + 1) ** y, lambda x, y: (x * x + 1) ** y),
        (lambda x, y: x**3 - 2 ** (x * y) + x**2, lambda x, y: x**3 - 2 ** (x * y) + x**2),
        (lambda x, y: -(x + y) - (x - y) ** 2, lambda x, y: -(x + y) - (x - y) ** 2),
        (lambda x, y: x.sum(axis=0) * y + x.mean(), lambda x, y: x.sum(0) * y + x.mean()),
    ]
    del torch
    for ours, theirs in ops:
        assert_hvp_matches(ours, [a, b], theirs)


def test_grad_agrees_with_backward_and_leaves_grad_alone():
    a, b = random_inputs([(5,), (5,)], seed=1)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    gx, gy = grad((x * y * y).sum(), [x, y])
    assert x.grad is None and y.grad is None
    (x * y * y).sum().backward()
    np.testing.assert_array_equal(gx.data, x.grad)
    np.testing.assert_array_equal(gy.data, y.grad)


def test_backward_create_graph_gives_tensor_grads_that_differentiate_again():
    torch = pytest.importorskip("torch")
    a = np.array([0.5, -1.0, 2.0])
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    (tx**3).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad
    gx, tgx = x.grad, tx.grad
    x.grad, tx.grad = None, None
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def test_plain_backward_keeps_ndarray_grads():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert type(x.grad) is np.ndarray and x.grad.dtype == np.float32


def test_grad_with_respect_to_an_intermediate_tensor():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3
    (gh,) = grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def test_retain_graph_defaults_to_create_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x.exp() * x).sum()
    grad(y, x, create_graph=True)
    grad(y, x)  # still there: create_graph retained it
    with pytest.raises(RuntimeError, match="a second time"):
        grad(y, x)


def test_grad_bad_inputs_name_the_argument():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="grad_outputs"):
        grad(x * 2, x)
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        grad((x * 2).sum(), Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*allow_unused=True"):
        grad((x * 2).sum(), [x, z])
    assert grad((x * 2).sum(), [x, z], allow_unused=True)[1] is None
    np.testing.assert_array_equal(
        grad((x * 2).sum(), [x, z], materialize_grads=True)[1].data, np.zeros(2)
    )
    with pytest.raises(RuntimeError, match=r"outputs\[0\] does not require grad"):
        grad(Tensor([1.0]), x)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape"):
        grad(x * 2, x, grad_outputs=np.ones(3))


class _Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return g * 3 * x**2


class _DifferentiableCube(_Cube):
    differentiable_backward = True


def test_custom_function_states_whether_its_backward_is_differentiable():
    x = Tensor(np.array([2.0]), requires_grad=True)
    (g,) = grad(_DifferentiableCube.apply(x), x, create_graph=True)
    assert float(grad(g, x)[0]) == pytest.approx(12.0)
    with pytest.raises(RuntimeError, match="_Cube.*differentiable_backward = True"):
        grad(_Cube.apply(x), x, create_graph=True)
    # first order is unaffected
    assert float(grad(_Cube.apply(x), x)[0]) == pytest.approx(12.0)


class _ExpSavingItsOutput(Function):
    """exp as most users write it: the backward reuses the saved output."""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved
        return g * out


def test_a_custom_function_saving_its_output_has_the_right_hessian():
    # d2/dx2 exp(x) = exp(x): with the output handed over as an array (a constant) the
    # second derivative would be 0; the cross terms come from the product x * y.
    pytest.importorskip("torch")
    (a, b) = random_inputs([(3,), (3,)], seed=21)
    assert_hvp_matches(
        lambda x, y: _ExpSavingItsOutput.apply(x * y),
        [a, b],
        lambda x, y: (x * y).exp(),
    )
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    (g,) = grad(_ExpSavingItsOutput.apply(x).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(h.data, np.exp([0.5, -1.0]), rtol=1e-12)


class _TransposedGradient(Function):
    """A backward that returns its gradient transposed: the wrong shape for a non-square input."""

    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return (g * 2).T


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_wrongly_shaped_custom_gradient_raises_in_both_modes(create_graph):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    out = (_TransposedGradient.apply(x) * 1.0).sum()
    with pytest.raises(RuntimeError, match=r"_TransposedGradient.*shape \(3, 2\).*\(2, 3\)"):
        grad(out, x, create_graph=create_graph)
    x.grad = None
    with pytest.raises(RuntimeError, match=r"_TransposedGradient.*shape \(3, 2\).*\(2, 3\)"):
        (_TransposedGradient.apply(x) * 1.0).sum().backward(create_graph=create_graph)


def test_hvp_graphs_are_released_when_the_gradients_are_dropped():
    import tracemalloc

    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((64, 64)), requires_grad=True)
    v = Tensor(rng.standard_normal((64, 64)))
    xb = Tensor(rng.standard_normal((32, 64)))

    def hvp_once():
        loss = ((xb @ w).tanh() ** 2).mean()
        (g,) = grad(loss, w, create_graph=True)
        (hv,) = grad((g * v).sum(), w)
        return hv

    for _ in range(50):
        hvp_once()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        hvp_once()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 1_000_000, f"memory grew by {grown} bytes over 1,000 HVPs"


ELEMENTWISE = [
    ("exp", lambda x: (x * 0.5).exp(), lambda x: (x * 0.5).exp(), False),
    ("log", lambda x: x.log() * x, lambda x: x.log() * x, True),
    ("sqrt", lambda x: x.sqrt() * x, lambda x: x.sqrt() * x, True),
    ("abs", lambda x: x.abs() * x, lambda x: x.abs() * x, False),
    ("relu", lambda x: x.relu() * x, lambda x: x.relu() * x, False),
    ("leaky_relu", lambda x: x.leaky_relu(0.1) * x, None, False),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), False),
    ("tanh", lambda x: x.tanh(), lambda x: x.tanh(), False),
    ("erf", lambda x: x.erf(), lambda x: x.erf(), False),
    ("gelu", lambda x: x.gelu(), "gelu", False),
    ("clip", lambda x: x.clip(-0.5, 0.5) * x, lambda x: x.clamp(-0.5, 0.5) * x, False),
    ("maximum", lambda x: x.maximum(x * x) * x, lambda x: torch_max(x, x * x) * x, False),
    ("minimum", lambda x: x.minimum(x * x) * x, lambda x: torch_min(x, x * x) * x, False),
    ("where", lambda x: where_(x > 0, x * x, x.exp()), "where", False),
]


def torch_max(a, b):
    import torch

    return torch.maximum(a, b)


def torch_min(a, b):
    import torch

    return torch.minimum(a, b)


def where_(cond, a, b):
    from micrograd_plus import where

    return where(cond, a, b)


@pytest.mark.parametrize(
    "name, ours, theirs, positive", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE]
)
def test_elementwise_double_backward(name, ours, theirs, positive):
    torch = pytest.importorskip("torch")
    if theirs == "gelu":
        theirs = torch.nn.functional.gelu
    elif theirs == "where":
        theirs = lambda x: torch.where(x > 0, x * x, x.exp())  # noqa: E731
    elif name == "leaky_relu":
        theirs = lambda x: torch.nn.functional.leaky_relu(x, 0.1) * x  # noqa: E731
    (a,) = random_inputs([(4, 5)], seed=7, positive=positive)
    assert_hvp_matches(ours, [a], theirs)


def test_grad_runs_only_the_part_of_the_graph_that_leads_to_its_inputs():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    h = (x * w).exp()
    y = (h * w).sum()
    (gh,) = grad(y, h)  # frees only the nodes above h, as torch
    np.testing.assert_allclose(gh.data, w.data)
    (h.sum()).backward()  # the graph below h is still there
    np.testing.assert_allclose(x.grad, w.data * h.data)
    with pytest.raises(RuntimeError, match="a second time"):
        grad(y, h)


def test_grad_through_a_graph_freed_by_an_earlier_grad_says_so():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x.exp()
    grad(h.sum(), x)
    with pytest.raises(RuntimeError, match="a second time"):
        grad((h * 2).sum(), x)


def test_a_rule_that_returns_an_array_in_graph_mode_is_named():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 1.0
    y._backward = lambda g, *saved: (np.asarray(g.data),)  # an array-only rule
    with pytest.raises(RuntimeError, match="'mul' node.*returned a NumPy array"):
        grad(y.sum(), x, create_graph=True)


# ------------------------------------------- census survivors (issue 27, pin27g)
def test_a_detached_copy_of_an_input_stays_a_constant_under_create_graph():
    """``x * x.detach()``: both operands hold one array, and the rule must get the
    input in each position (x first, the detached constant second), as torch."""
    torch = pytest.importorskip("torch")
    x0 = np.array([1.5, -2.0])
    x, xt = Tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    (g,) = grad((x * x.detach()).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((xt * xt.detach()).sum(), xt, create_graph=True)
    np.testing.assert_allclose(g.data, gt.detach().numpy())
    assert g.requires_grad is gt.requires_grad is False
    (g,) = grad((x * x).sum(), x, create_graph=True)  # the same op, both operands x
    assert g.requires_grad
    np.testing.assert_allclose(grad(g.sum(), x)[0].data, [2.0, 2.0])


def test_a_hook_that_changes_a_gradient_keeps_its_graph_under_create_graph():
    """A hook on ``z = x**2`` triples the gradient reaching it, a Tensor under
    create_graph: y = z**2 gives g = 3 * 2z * 2x = 12 x**3, and differentiating g
    (the hook fires again on the way through z) gives 12 z + 3 * 12 x * 2x = 84 x**2,
    as torch."""
    torch = pytest.importorskip("torch")
    x0 = np.array([0.5, -1.5])
    found = {}
    for name, make, grad_of in (
        ("ours", lambda: Tensor(x0, requires_grad=True), grad),
        ("torch", lambda: torch.tensor(x0, requires_grad=True), torch.autograd.grad),
    ):
        x = make()
        z = x**2
        z.register_hook(lambda g: g * 3)
        (g,) = grad_of((z**2).sum(), x, create_graph=True)
        (h,) = grad_of(g.sum(), x)
        found[name] = [
            np.asarray(t.detach().numpy() if name == "torch" else t.data) for t in (g, h)
        ]
    for ours, theirs in zip(found["ours"], found["torch"]):
        np.testing.assert_allclose(ours, theirs)
    np.testing.assert_allclose(found["ours"][1], 84 * x0**2)


def test_hooks_see_arrays_under_grad_and_backward_inputs_without_create_graph():
    """The first-order path hands hooks NumPy arrays, whichever call runs it."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(type(g)))

    def loss():
        h = x * 3
        h.register_hook(lambda g: seen.append(type(g)) or g * 2)
        return (h * h).sum()

    (g,) = grad(loss(), x)
    np.testing.assert_allclose(g.data, 2 * 2 * 9 * x.data)
    loss().backward(inputs=[x])
    np.testing.assert_allclose(x.grad, 2 * 2 * 9 * x.data)
    assert seen == [np.ndarray] * 4


def test_allow_unused_and_materialize_grads_as_torch():
    torch = pytest.importorskip("torch")
    x, z = Tensor(np.array([1.0, 2.0]), requires_grad=True), Tensor(np.ones(1), requires_grad=True)
    (g,) = grad((x * x).sum(), x, allow_unused=False)
    np.testing.assert_allclose(g.data, [2.0, 4.0])
    gx, gz = grad((x * x).sum(), [x, z], allow_unused=True, materialize_grads=True)
    tx, tz = torch.tensor([1.0, 2.0], requires_grad=True), torch.ones(1, requires_grad=True)
    want = torch.autograd.grad((tx * tx).sum(), [tx, tz], allow_unused=True, materialize_grads=True)
    for ours, theirs in zip((gx, gz), want):
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    with pytest.raises(ValueError, match="allow_unused"):
        grad((x * x).sum(), [x, z], allow_unused=False, materialize_grads=True)


def test_an_inplace_change_after_recording_is_refused_by_grad_and_create_graph():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = Tensor(np.array([3.0, 4.0]))
    ys = [(w * x).sum() for _ in range(2)]
    z = (w * 2).sum()  # its arrays are not the changed one
    x.mul_(2)
    for call in (lambda: grad(ys[0], w), lambda: ys[1].backward(create_graph=True)):
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            call()
    np.testing.assert_allclose(grad((w * x).sum(), w)[0].data, [6.0, 8.0])  # recorded after
    np.testing.assert_allclose(grad(z, w)[0].data, [2.0, 2.0])


def test_backward_of_several_roots_where_one_is_computed_from_the_other_as_torch():
    torch = pytest.importorskip("torch")
    from micrograd_plus import autograd

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    autograd.backward([y, (y * y).sum()], [Tensor(np.array([1.0, 10.0])), None])
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx * 2
    torch.autograd.backward([ty, (ty * ty).sum()], [torch.tensor([1.0, 10.0]), None])
    np.testing.assert_allclose(x.grad, tx.grad.numpy())  # 2 * seed + 8 x = [10, 36]


def test_a_single_gradient_need_not_be_wrapped_in_a_list_as_torch():
    torch = pytest.importorskip("torch")
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    (want,) = torch.autograd.grad(tx * tx, tx, grad_outputs=torch.tensor([3.0, 5.0]))
    for seed in (Tensor(np.array([3.0, 5.0])), np.array([3.0, 5.0])):
        np.testing.assert_array_equal(grad(x * x, x, grad_outputs=seed)[0].data, want.numpy())
    np.testing.assert_array_equal(grad((x * x).sum(), x, grad_outputs=3.0)[0].data, [6.0, 12.0])


def test_grad_reaches_an_input_no_op_recorded_even_from_the_first_recorded_node(monkeypatch):
    """``t.detach().requires_grad_()`` has no creation number: it must sort before
    every node, the first one a process records (number 1) included."""
    from itertools import count

    import micrograd_plus.tensor as tensor_module

    for _ in range(30):  # the tie-break of a wrong order would depend on ids: try many
        monkeypatch.setattr(tensor_module, "next_seq", count(1).__next__)
        x = Tensor(np.array([1.0, 2.0])).detach().requires_grad_()
        y = x * 2
        assert y._seq == 1
        (g,) = grad((y * 3).sum(), x)
        np.testing.assert_array_equal(g.data, [6.0, 6.0])


def test_autograd_backward_defaults_as_torch():
    """torch.autograd.backward: first order into ``.grad`` (arrays here), the graph
    released unless retain_graph=True (or create_graph=True) keeps it."""
    from micrograd_plus import autograd, inference_mode

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (x * x).sum()
    autograd.backward(loss, retain_graph=True)
    autograd.backward(loss)
    assert type(x.grad) is np.ndarray and x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="a second time"):
        autograd.backward(loss)
    x.grad, loss = None, (x * x).sum()
    autograd.backward(loss, create_graph=True)  # keeps the graph, grads are Tensors
    assert isinstance(x.grad, Tensor) and x.grad.tolist() == [2.0, 4.0]
    autograd.backward(loss)  # the graph is still there
    with inference_mode():
        assert not (x * 2).requires_grad
