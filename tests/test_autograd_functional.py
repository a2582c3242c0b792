"""micrograd_plus.autograd.functional against torch.autograd.functional (float64)
and against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.autograd import functional as F

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

rng = np.random.default_rng(0)
X3 = rng.standard_normal(3)
X23 = rng.standard_normal((2, 3))
Y23 = rng.standard_normal((2, 3))
V3 = rng.standard_normal(3)
V23 = rng.standard_normal((2, 3))


# The functions use only methods both libraries share, so one definition serves both.
def scalar_one(x):
    return (x.tanh() * x.exp() + x**3 / 3).sum()


def scalar_two(x, y):
    return ((x * y).sigmoid() + x**2 / (y * y + 1)).mean()


def vector_one(x):
    return x.tanh() * 2 + x**3


def vector_two(x, y):
    return x * y.exp(), (x**2).sum() * y


def tuple_out_one(x):
    return x.exp(), (x * x).sum()


def _const(like, array):
    return Tensor(array) if isinstance(like, Tensor) else torch.tensor(array)


FEATURES = rng.standard_normal((5, 3))
ONE_HOT = np.eye(4)[[0, 3, 1, 1, 2]]


def mlp_loss(W, b):
    """Cross-entropy of a linear layer with tanh: matmul, broadcasting, log_softmax."""
    logits = (_const(W, FEATURES) @ W + b).tanh()
    return -(logits.log_softmax(-1) * _const(W, ONE_HOT)).sum() / 5


LABELS = np.array([0, 3, 1, 1, 2])


def mlp_cross_entropy(W, b):
    """The library's fused cross-entropy (its own double backward) after a tanh layer."""
    logits = (_const(W, FEATURES) @ W + b).tanh()
    if isinstance(W, Tensor):
        return mp.nn.functional.cross_entropy(logits, LABELS)
    return torch.nn.functional.cross_entropy(logits, torch.tensor(LABELS))


def gathered(x):
    """Indexing with a repeated index and a matrix product of the result."""
    picked = x[[0, 2, 0]]
    return picked * (x @ x), x[1:].softmax(-1)


# name -> (func, inputs as arrays (a tuple means a tuple of inputs), scalar output?)
CASES = {
    "scalar-one-input-vector": (scalar_one, X3, True),
    "scalar-one-input-matrix": (scalar_one, X23, True),
    "scalar-two-inputs-broadcast": (scalar_two, (X3, Y23), True),
    "scalar-tuple-of-one-input": (scalar_one, (X3,), True),
    "vector-one-input": (vector_one, X3, False),
    "vector-two-outputs-two-inputs": (vector_two, (X23, Y23), False),
    "tuple-output-one-input": (tuple_out_one, X3, False),
    "scalar-mlp-loss": (mlp_loss, (rng.standard_normal((3, 4)), rng.standard_normal(4)), True),
    "vector-getitem-matmul-softmax": (gathered, X3, False),
    "scalar-mlp-cross-entropy": (
        mlp_cross_entropy,
        (rng.standard_normal((3, 4)), rng.standard_normal(4)),
        True,
    ),
}


def ours(arrays):
    if isinstance(arrays, tuple):
        return tuple(Tensor(a) for a in arrays)
    return Tensor(arrays)


def theirs(arrays):
    if isinstance(arrays, tuple):
        return tuple(torch.tensor(a) for a in arrays)
    return torch.tensor(arrays)


def assert_same(mine, ref, rtol=1e-10, atol=1e-12, graph=False):
    """Same nesting (Tensor vs tuple), shapes, dtypes, values, and graph or not."""
    if isinstance(ref, torch.Tensor):
        assert isinstance(mine, Tensor), f"expected a Tensor, got {type(mine).__name__}"
        assert mine.shape == tuple(ref.shape)
        assert mine.dtype == np.float64
        # With create_graph the result has a graph exactly where torch's has one.
        assert mine.requires_grad == (ref.requires_grad if graph else False)
        np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=rtol, atol=atol)
        return
    assert type(mine) is tuple and type(ref) is tuple, (type(mine), type(ref))
    assert len(mine) == len(ref)
    for m, r in zip(mine, ref):
        assert_same(m, r, rtol, atol, graph)


def vector_for(arrays, seed=5):
    gen = np.random.default_rng(seed)
    if isinstance(arrays, tuple):
        return tuple(gen.standard_normal(a.shape) for a in arrays)
    return gen.standard_normal(arrays.shape)


def output_arrays(func, arrays):
    out = func(*(ours(arrays) if isinstance(arrays, tuple) else (ours(arrays),)))
    if isinstance(out, tuple):
        return tuple(o.data for o in out)
    return out.data


def call(fn_ours, fn_torch, func, arrays, v=None, **kwargs):
    mine = fn_ours(func, ours(arrays), **({} if v is None else {"v": ours(v)}), **kwargs)
    ref = fn_torch(func, theirs(arrays), **({} if v is None else {"v": theirs(v)}), **kwargs)
    return mine, ref


# ------------------------------------------------------------- values vs torch
@pytest.mark.parametrize("name", CASES)
def test_jacobian_matches_torch(name):
    func, arrays, _ = CASES[name]
    assert_same(*call(F.jacobian, TF.jacobian, func, arrays))


@pytest.mark.parametrize("name", CASES)
def test_vjp_matches_torch(name):
    func, arrays, scalar = CASES[name]
    v = None if scalar else vector_for(output_arrays(func, arrays))
    assert_same(*call(F.vjp, TF.vjp, func, arrays, v))


@pytest.mark.parametrize("name", CASES)
def test_jvp_matches_torch(name):
    func, arrays, _ = CASES[name]
    assert_same(*call(F.jvp, TF.jvp, func, arrays, vector_for(arrays)))


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[2]])
@pytest.mark.parametrize("which", ["hessian", "hvp", "vhp"])
def test_second_order_matches_torch(name, which):
    func, arrays, _ = CASES[name]
    if which == "hessian":
        assert_same(*call(F.hessian, TF.hessian, func, arrays))
    else:
        assert_same(*call(getattr(F, which), getattr(TF, which), func, arrays, vector_for(arrays)))


def test_v_may_be_omitted_for_one_element():
    x = np.array([0.7])
    for name in ("jvp", "hvp", "vhp"):
        assert_same(*call(getattr(F, name), getattr(TF, name), scalar_one, x))
    assert_same(*call(F.vjp, TF.vjp, scalar_one, X3))


def test_vectorize_is_accepted_with_the_same_values():
    mine = F.jacobian(vector_one, Tensor(X3), vectorize=True)
    ref = TF.jacobian(vector_one, torch.tensor(X3), vectorize=True)
    assert_same(mine, ref)
    assert_same(
        F.hessian(scalar_one, Tensor(X3), vectorize=True),
        TF.hessian(scalar_one, torch.tensor(X3), vectorize=True),
    )


def test_a_tensor_captured_from_outside_is_a_constant():
    # torch issue 32576: the function's own input is a fresh tensor, the captured one is not.
    x, xt = Tensor(X3, requires_grad=True), torch.tensor(X3, requires_grad=True)
    assert_same(F.jacobian(lambda a: a * x, x), TF.jacobian(lambda a: a * xt, xt))
    assert_same(
        F.hessian(lambda a: (a * a * x).sum(), x), TF.hessian(lambda a: (a * a * xt).sum(), xt)
    )


def test_float32_stays_float32():
    x = Tensor(X3.astype(np.float32))
    assert F.hessian(scalar_one, x).dtype == np.float32
    assert F.vjp(vector_one, x, Tensor(V3.astype(np.float32)))[1].dtype == np.float32


# --------------------------------------------------------------- create_graph
@pytest.mark.parametrize("which", ["vjp", "jvp", "hvp", "vhp"])
def test_create_graph_products_are_differentiable_again(which):
    func, arrays = scalar_two, (X3, Y23)
    v = vector_for(arrays) if which != "vjp" else None
    xs, ts = ours(arrays), theirs(arrays)
    for t in (*xs, *ts):
        t.requires_grad_(True)
    mine = getattr(F, which)(func, xs, **({"v": ours(v)} if v else {}), create_graph=True)
    ref = getattr(TF, which)(func, ts, **({"v": theirs(v)} if v else {}), create_graph=True)
    assert_same(mine, ref, graph=True)
    # Differentiate a weighted sum of the result once more, back to the inputs.
    res, res_t = (r if isinstance(r, tuple) else (r,) for r in (mine[1], ref[1]))
    weights = [np.random.default_rng(9).standard_normal(r.shape) for r in res]
    total = sum((r * Tensor(w)).sum() for r, w in zip(res, weights))
    total_t = sum((r * torch.tensor(w)).sum() for r, w in zip(res_t, weights))
    got = mp.grad(total, xs, allow_unused=True)
    want = torch.autograd.grad(total_t, ts, allow_unused=True)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("which", ["jacobian", "hessian"])
def test_create_graph_matrices_are_differentiable_again(which):
    func = vector_one if which == "jacobian" else scalar_one
    x, xt = Tensor(X3, requires_grad=True), torch.tensor(X3, requires_grad=True)
    mine = getattr(F, which)(func, x, create_graph=True)
    ref = getattr(TF, which)(func, xt, create_graph=True)
    assert_same(mine, ref, graph=True)
    w = np.random.default_rng(4).standard_normal(mine.shape)
    (g,) = mp.grad((mine * Tensor(w)).sum(), x)
    (gt,) = torch.autograd.grad((ref * torch.tensor(w)).sum(), xt)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-10, atol=1e-12)


def test_without_create_graph_results_carry_no_graph():
    x = Tensor(X3, requires_grad=True)
    out, hv = F.hvp(scalar_one, x, Tensor(V3))
    assert not out.requires_grad and not hv.requires_grad
    assert not F.jacobian(vector_one, x).requires_grad
    assert x.grad is None  # nothing was accumulated into .grad


# --------------------------------------------------------------------- strict
def independent_of_y(x, y):
    return (x**2).sum() + 0 * x.sum()


def linear(x):
    return (x * 3).sum()


STRICT = [
    ("vjp", independent_of_y, (X3, X3), None, "independent of input 1"),
    ("jvp", independent_of_y, (X3, X3), (V3, V3), "independent of"),
    ("jacobian", independent_of_y, (X3, X3), None, "independent of input 1"),
    ("hessian", independent_of_y, (X3, X3), None, "respect to input 1"),
    ("vhp", independent_of_y, (X3, X3), (V3, V3), "independent of input 1"),
    ("hvp", independent_of_y, (X3, X3), (V3, V3), "independent of input 1"),
    ("hessian", linear, X3, None, "jacobian of the user-provided function"),
    ("hvp", linear, X3, V3, "jacobian of the user-provided function"),
    ("jvp", lambda x: Tensor(X3) if isinstance(x, Tensor) else torch.tensor(X3), X3, V3,
     "does not require gradients"),
]  # fmt: skip


@pytest.mark.parametrize("which, func, arrays, v, phrase", STRICT)
def test_strict_raises_as_torch_does(which, func, arrays, v, phrase):
    with pytest.raises(RuntimeError, match=phrase) as torch_err:
        call(lambda *a, **k: None, getattr(TF, which), func, arrays, v, strict=True)
    with pytest.raises(RuntimeError) as err:
        call(getattr(F, which), lambda *a, **k: None, func, arrays, v, strict=True)
    assert str(err.value).split(";")[0] == str(torch_err.value)


@pytest.mark.parametrize("which", ["vjp", "jacobian", "hessian", "vhp", "hvp"])
def test_without_strict_an_unused_input_gets_zeros(which):
    v = (V3, V3) if which in ("vhp", "hvp") else None
    assert_same(*call(getattr(F, which), getattr(TF, which), independent_of_y, (X3, X3), v))


# ------------------------------------------------------- vs central differences
def numeric_jacobian(func, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        plus = func(Tensor(x + step)).data
        minus = func(Tensor(x - step)).data
        cols.append((plus - minus) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(plus.shape + x.shape)


def test_jacobian_matches_central_differences():
    got = F.jacobian(vector_one, Tensor(X23)).data
    np.testing.assert_allclose(got, numeric_jacobian(vector_one, X23), rtol=1e-6, atol=1e-8)


def test_hessian_and_hvp_match_central_differences_of_the_gradient():
    def grad_fn(x):
        x = x.detach().requires_grad_()
        return mp.grad(scalar_one(x), x)[0]

    numeric = numeric_jacobian(grad_fn, X23)
    np.testing.assert_allclose(
        F.hessian(scalar_one, Tensor(X23)).data, numeric, rtol=1e-6, atol=1e-7
    )
    hv = F.hvp(scalar_one, Tensor(X23), Tensor(V23))[1].data
    np.testing.assert_allclose(hv, np.tensordot(numeric, V23, axes=2), rtol=1e-6, atol=1e-7)


def test_third_order_through_hessian_of_x_to_the_fifth():
    # d/dx of the Hessian of x**5 is 60 x**2 (closed form).
    x = Tensor([1.5], requires_grad=True)
    H = F.hessian(lambda t: (t**5).sum(), x, create_graph=True)
    np.testing.assert_allclose(H.data, [[20 * 1.5**3]])
    (d3,) = mp.grad(H.sum(), x)
    np.testing.assert_allclose(d3.data, [60 * 1.5**2])


# ------------------------------------------------------------------ bad input
def test_numpy_inputs_are_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"inputs given to hvp .* ndarray; wrap arrays as Tensor"):
        F.hvp(scalar_one, X3, Tensor(V3))


def test_a_list_of_inputs_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="pass a tuple of Tensors, not a list"):
        F.jacobian(scalar_two, [Tensor(X3), Tensor(Y23)])


def test_func_returning_a_non_tensor():
    with pytest.raises(TypeError, match=r"outputs of the user-provided function .* float"):
        F.jacobian(lambda x: 3.0, Tensor(X3))


def test_v_of_the_wrong_shape():
    with pytest.raises(RuntimeError, match=r"v has invalid shape: should be \(3,\) but got \(2,\)"):
        F.hvp(scalar_one, Tensor(X3), Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"Entry 1 in v has invalid shape"):
        F.jvp(scalar_two, ours((X3, Y23)), (Tensor(V3), Tensor(V3)))
    with pytest.raises(RuntimeError, match=r"v is a tuple of invalid length: should be 2"):
        F.vhp(scalar_two, ours((X3, Y23)), (Tensor(V3),))


def test_v_omitted_for_a_vector():
    with pytest.raises(RuntimeError, match=r"v can only be None .* single element; pass v="):
        F.vjp(vector_one, Tensor(X3))


def test_hvp_of_a_non_scalar():
    with pytest.raises(RuntimeError, match=r"hvp should contain a single element.*out\.sum\(\)"):
        F.hvp(vector_one, Tensor(X3), Tensor(V3))
    with pytest.raises(RuntimeError, match=r"hessian should contain a single element"):
        F.hessian(vector_one, Tensor(X3))
    with pytest.raises(RuntimeError, match=r"vhp should return a single Tensor, not a tuple"):
        F.vhp(tuple_out_one, Tensor(X3), Tensor(V3))


def test_forward_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match=r'"reverse-mode" \(the default\)'):
        F.jacobian(vector_one, Tensor(X3), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="outer_jacobian_strategy"):
        F.hessian(scalar_one, Tensor(X3), outer_jacobian_strategy="forward-mode")
    with pytest.raises(ValueError, match="strategy must be either"):
        F.jacobian(vector_one, Tensor(X3), strategy="backward")


def test_reachable_from_the_package():
    assert mp.autograd.functional is F
    assert set(F.__all__) == set(TF.__all__)


def test_repeated_hvp_leaves_no_tensor_alive():
    # Each call's graphs (the gradient's and the double-backward trick's) must be
    # released with its results, by reference counting alone: no cycles.
    import gc

    def live_tensors():
        return sum(type(o) is Tensor for o in gc.get_objects())

    x, v = Tensor(X23), Tensor(V23)
    F.hvp(scalar_one, x, v)
    gc.collect()
    gc.disable()
    try:
        before = live_tensors()
        for _ in range(1000):
            F.hvp(scalar_one, x, v)
        after = live_tensors()
    finally:
        gc.enable()
    assert after == before, after - before
    assert gc.collect() == 0


# ---------------------------------------------------------------- issue 27 (pin27e)
# Branches no mapped test ran (tools/mutants.py --scope library).


def test_vjp_of_an_output_that_does_not_depend_on_the_input_is_zeros_as_torch():
    ours = F.vjp(lambda x: mp.zeros(2, dtype="float64"), Tensor(X3), Tensor(np.ones(2)))
    theirs = TF.vjp(lambda x: torch.zeros(2, dtype=torch.float64), torch.tensor(X3),
                    torch.ones(2, dtype=torch.float64))  # fmt: skip
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(o.data, t.numpy())


@pytest.mark.parametrize("name", ["vhp", "hvp"])
def test_strict_create_graph_names_the_hessian_for_a_constant_one_as_torch(name):
    def f(x):
        return (x * x).sum()

    with pytest.raises(RuntimeError) as theirs:
        getattr(TF, name)(f, torch.tensor(X3), torch.tensor(V3), create_graph=True, strict=True)
    with pytest.raises(RuntimeError) as ours:
        getattr(F, name)(f, Tensor(X3), Tensor(V3), create_graph=True, strict=True)
    assert str(ours.value) == str(theirs.value)
    assert "hessian" in str(ours.value)


def test_jacobian_of_an_empty_output_is_empty():
    """torch's own jacobian fails on an empty output ('stack expects a non-empty
    TensorList'); the Jacobian of a function into R^0 is the (0, n) matrix."""
    jac = F.jacobian(lambda x: x[:0], Tensor(X3))
    assert jac.shape == (0, 3) and jac.dtype == np.float64


# ------------------------------------------- census survivors (issue 27, pin27g)
def test_create_graph_jacobian_of_a_two_element_output_matches_torch():
    """Two rows that carry a graph are stacked (one row is only reshaped)."""
    x, xt = Tensor(X3[:2], requires_grad=True), torch.tensor(X3[:2], requires_grad=True)
    mine = F.jacobian(vector_one, x, create_graph=True)
    ref = TF.jacobian(vector_one, xt, create_graph=True)
    assert_same(mine, ref, graph=True)
    (g,) = mp.grad((mine * Tensor(V3[:2])).sum(), x)
    (gt,) = torch.autograd.grad((ref * torch.tensor(V3[:2])).sum(), xt)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-10, atol=1e-12)


def quadratic(x):
    return (x * x * 2).sum()


def doubled(x):
    return x * 2


# which -> (func, v?): each result is constant in x, so under create_graph it carries
# no graph unless x's own does; v and the inputs are detached copies (torch).
CONSTANT_RESULTS = {
    "vjp": (doubled, True),
    "jvp": (doubled, True),
    "jacobian": (doubled, False),
    "vhp": (quadratic, True),
    "hvp": (quadratic, True),
}


@pytest.mark.parametrize("which", CONSTANT_RESULTS)
@pytest.mark.parametrize("inputs_require_grad", [False, True])
def test_create_graph_results_constant_in_the_input_as_torch(which, inputs_require_grad):
    func, with_v = CONSTANT_RESULTS[which]
    x, xt = Tensor(X3), torch.tensor(X3)
    x.requires_grad_(inputs_require_grad)
    xt.requires_grad_(inputs_require_grad)
    v = {"v": Tensor(V3)} if with_v else {}
    vt = {"v": torch.tensor(V3)} if with_v else {}
    mine = getattr(F, which)(func, x, **v, create_graph=True)
    ref = getattr(TF, which)(func, xt, **vt, create_graph=True)
    assert_same(mine, ref, graph=True)
