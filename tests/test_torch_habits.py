"""What a PyTorch user types at the tensor level does what torch 2.13 does.

Each idiom runs on micrograd_plus and on torch; values, gradients, dtypes and
errors are compared. Gradients are float64 and also checked against central
differences where the op is differentiable.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Parameter, Tensor, no_grad
from micrograd_plus.autograd.gradcheck import gradient_check

torch = pytest.importorskip("torch")

F64 = np.float64


def _t(array, requires_grad=False):
    return torch.tensor(np.asarray(array), requires_grad=requires_grad)


def _same(ours, theirs, atol=1e-12):
    """Values, shape and dtype of a micrograd_plus tensor equal a torch tensor's."""
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, atol=atol, equal_nan=True)


# ---------------------------------------------------------------- in-place operators
def test_hand_written_sgd_in_no_grad_moves_the_weights_like_torch():
    rng = np.random.default_rng(0)
    W0, X, Y = rng.normal(size=(3, 2)), rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    w = Parameter(Tensor(W0.copy()))
    tw = _t(W0.copy(), requires_grad=True)
    held = w
    for _ in range(3):
        ((Tensor(X) @ w - Tensor(Y)) ** 2).mean().backward()
        ((_t(X) @ tw - _t(Y)) ** 2).mean().backward()
        with no_grad():
            w -= 0.1 * w.grad
        with torch.no_grad():
            tw -= 0.1 * tw.grad
        w.grad, tw.grad = None, None
    assert w is held and w.requires_grad and isinstance(w, Parameter)
    _same(w, tw)
    assert not np.allclose(w.data, W0)


@pytest.mark.parametrize("symbol", ["+=", "-=", "*=", "/=", "**="])
def test_each_inplace_operator_keeps_the_object_and_matches_torch(symbol):
    base = np.array([0.5, 1.5, 2.0])
    ours, theirs = Parameter(Tensor(base.copy())), _t(base.copy(), requires_grad=True)
    held, namespace = ours, {}
    with no_grad(), torch.no_grad():
        for x in (ours, theirs):
            namespace["x"] = x
            exec(f"x {symbol} 2.0", namespace)
            assert namespace["x"] is x
    assert ours is held and ours.requires_grad and ours.dtype == F64
    _same(ours, theirs)


def test_module_weight_zeroed_through_an_alias_in_no_grad():
    layer = mp.Linear(3, 2)
    opt = mp.SGD(layer.parameters(), lr=0.1)
    w = layer.weight
    with no_grad():
        w *= 0
    assert layer.weight is w and opt.param_groups[0]["params"][0] is w
    assert np.all(layer.weight.data == 0) and layer.weight.requires_grad


def test_inplace_on_a_leaf_that_requires_grad_raises_like_torch():
    w, tw = Tensor([1.0, 2.0], requires_grad=True), torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        tw += 1
    with pytest.raises(RuntimeError, match=r"leaf.*with no_grad\(\)"):
        w += 1
    with pytest.raises(RuntimeError, match=r"with no_grad\(\)"):
        w[0] = 5.0
    assert w.data.tolist() == [1.0, 2.0]


def test_raw_leaf_minus_equals_in_no_grad_keeps_requires_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    held = w
    with no_grad():
        w -= 0.5 * w.grad
    assert w is held and w.requires_grad and w.is_leaf
    assert w.data.tolist() == [0.0, 0.0]


def test_inplace_on_a_tensor_without_grad_works_in_grad_mode():
    x, tx = Tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    x += 1
    x[0] = 7.0
    tx += 1
    tx[0] = 7.0
    _same(x, tx)


def test_inplace_operand_that_requires_grad_raises():
    x, w = Tensor([1.0, 2.0]), Tensor([1.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"x = x \+ \.\.\. out of place"):
        x += w


def test_inplace_on_an_intermediate_in_grad_mode_says_write_it_out_of_place():
    # Deliberate difference: torch records the in-place op; here it raises, saying what to write.
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    with pytest.raises(RuntimeError, match=r"out of place"):
        h += 1
    with pytest.raises(RuntimeError, match=r"where\(mask, value, y\)"):
        h[0] = 0.0


def test_input_saved_for_backward_then_changed_in_place_raises_at_backward_like_torch():
    w, x = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    tw, tx = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0])
    loss, tloss = (w * x).sum(), (tw * tx).sum()
    x *= 2
    tx *= 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*after backward"):
        loss.backward()


def test_input_not_saved_for_backward_may_change_in_place_like_torch():
    w, x = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    tw, tx = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0])
    loss, tloss = (w + x).sum() * 2, (tw + tx).sum() * 2
    x *= 2
    tx *= 2
    loss.backward()
    tloss.backward()
    _same(w.grad, tw.grad.numpy())


def test_output_saved_for_backward_then_changed_in_no_grad_raises_like_torch():
    w, tw = Tensor([0.5], requires_grad=True), torch.tensor([0.5], requires_grad=True)
    y, ty = w.exp(), tw.exp()
    with no_grad(), torch.no_grad():
        y *= 2
        ty *= 2
    with pytest.raises(RuntimeError):
        ty.sum().backward()
    with pytest.raises(RuntimeError, match="in-place"):
        y.sum().backward()


# Each view of b (or of a view of b), written through in place; torch spelling second.
VIEWS = {
    "detach": (lambda b: b.detach(), lambda b: b.detach()),
    "slice": (lambda b: b[0], lambda b: b[0]),
    "reshape": (lambda b: b.reshape(6), lambda b: b.reshape(6)),
    "view": (lambda b: b.view(3, 2), lambda b: b.view(3, 2)),
    "transpose": (lambda b: b.transpose(0, 1), lambda b: b.transpose(0, 1)),
    "T": (lambda b: b.T, lambda b: b.T),
    "permute": (lambda b: b.permute(1, 0), lambda b: b.permute(1, 0)),
    "unsqueeze-squeeze": (lambda b: b.unsqueeze(0).squeeze(0), lambda b: b[None].squeeze(0)),
    "flatten": (lambda b: b.flatten(), lambda b: b.flatten()),
    "view-of-a-slice": (lambda b: b[1:].detach()[0], lambda b: b[1:].detach()[0]),
}


@pytest.mark.parametrize("kind", VIEWS)
def test_inplace_change_through_a_view_is_seen_by_backward_like_torch(kind):
    # issue 24: b.detach()[0] = 100 once gave a.grad[0] = 100 instead of e
    ours_view, torch_view = VIEWS[kind]
    a, ta = Tensor(np.ones((2, 3)), requires_grad=True), _t(np.ones((2, 3)), True)
    b, tb = a.exp(), ta.exp()
    with no_grad(), torch.no_grad():
        ours_view(b)[0] = 100.0
        torch_view(tb)[0] = 100.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tb.sum().backward()
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*'exp' node"):
        b.sum().backward()
    assert a.grad is None


def test_inplace_change_to_the_base_is_seen_through_a_saved_view_like_torch():
    a, ta = Tensor(np.ones(4), requires_grad=True), _t(np.ones(4), True)
    b, tb = a + 1, ta + 1  # add saves nothing: only the view's node can notice
    e, te = b[:2].broadcast_to(3, 2), tb[:2].expand(3, 2)  # an expanded view of a slice
    loss, tloss = (e * e).sum(), (te * te).sum()
    with no_grad(), torch.no_grad():
        b[3] = 0.0  # not even an element the view shows: versions are per memory
        tb[3] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*'mul' node"):
        loss.backward()


def test_inplace_change_to_a_copy_is_not_a_change_to_the_original():
    a = Tensor(np.ones(3), requires_grad=True)
    b = a.exp()
    c = b.detach().clone()
    c[0] = 100.0
    b.sum().backward(create_graph=True)
    _same(a.grad, torch.ones(3, dtype=torch.float64).exp())


def test_update_after_backward_then_a_new_forward_is_fine():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(2):
        (w * w).sum().backward()
        with no_grad():
            w -= 0.25 * w.grad
        w.grad = None
    assert w.data.tolist() == [0.25, 0.5]
    assert w._version > 0


def test_inplace_keeps_dtype_and_refuses_a_float_into_an_int_tensor_like_torch():
    i, ti = Tensor([1, 2], dtype=np.int64), torch.tensor([1, 2])
    i += 1
    ti += 1
    _same(i, ti)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ti += 0.5
    with pytest.raises(RuntimeError, match=r"can't be cast.*x = x \+ \.\.\."):
        i += 0.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        i /= 2
    f = Tensor(np.ones(3, np.float32))
    f += np.ones(3)  # float64 array into float32: stays float32, as torch
    assert f.dtype == np.float32 and f.data.tolist() == [2.0, 2.0, 2.0]


def test_inplace_that_would_change_the_shape_raises():
    x = Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"keep the tensor's shape"):
        x += np.ones((2, 3))


@pytest.mark.parametrize(
    "code",
    [
        "x[0] = 5.0",
        "x[1:] = 0",
        "x[x > 1.5] = -1.0",
        "x[[0, 2]] = y",
        "x.add_(y, alpha=2)",
        "x.sub_(y)",
        "x.mul_(3)",
        "x.div_(2)",
        "x.fill_(4)",
        "x.zero_()",
        "x.copy_(y)",
    ],
)
def test_item_assignment_and_trailing_underscore_methods_match_torch(code):
    results = []
    for lib in (mp, torch):
        x = (Tensor if lib is mp else _t)(np.array([1.0, 2.0, 3.0]))
        y = (Tensor if lib is mp else _t)(np.array([10.0, 20.0, 30.0])[: 2 if "[[" in code else 3])
        exec(code, {"x": x, "y": y})
        results.append(x)
    _same(*results)


def test_item_assignment_casts_to_the_tensor_dtype_like_torch():
    x, tx = Tensor([1, 2], dtype=np.int64), torch.tensor([1, 2])
    x[0] = 2.7
    tx[0] = 2.7
    _same(x, tx)


def test_data_assignment_still_replaces_the_array():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.data = np.array([5.0, 6.0], np.float32)
    assert w.data.tolist() == [5.0, 6.0] and w.requires_grad


# ---------------------------------------------------------------- 0-d gradients
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.1}),
        ("AdamW", {"lr": 0.1}),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
        ("Adagrad", {"lr": 0.1}),
    ],
)
def test_zero_d_parameter_trains_like_torch(name, kwargs):
    w, tw = Parameter(Tensor(np.array(2.0))), torch.tensor(2.0, dtype=torch.float64)
    tw.requires_grad_()
    opt, topt = getattr(mp, name)([w], **kwargs), getattr(torch.optim, name)([tw], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        (w * w).backward()
        (tw * tw).backward()
        assert type(w.grad) is np.ndarray and w.grad.shape == () and w.grad.dtype == F64
        opt.step()
        topt.step()
    _same(w, tw)


def test_zero_d_gradients_are_arrays_everywhere():
    w = Parameter(Tensor(2.0))
    (w * w + w.exp() * 0 + (w * 3).sum()).backward()
    assert type(w.grad) is np.ndarray and w.grad.shape == () and w.grad.dtype == np.float32
    g = w.grad
    g *= 0.5  # an in-place update of the gradient takes effect
    assert w.grad == pytest.approx(3.5)
    held = w
    with no_grad():
        w -= 0.1 * w.grad  # and of the 0-d parameter itself
        w[()] += 1.0
    assert w is held and type(w.data) is np.ndarray and w.item() == pytest.approx(2.65)
    x = Tensor(3.0, requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * 2).backward()
    assert type(y.grad) is np.ndarray and type(x.grad) is np.ndarray
    assert type((Tensor(2.0) * Tensor(3.0)).data) is np.ndarray


def test_zero_d_parameter_is_clipped_like_torch():
    w, tw = Parameter(Tensor(np.array(3.0))), torch.tensor(3.0, dtype=torch.float64)
    tw.requires_grad_()
    (w * w).backward()
    (tw * tw).backward()
    norm = mp.clip_grad_norm_([w], 1.0)
    tnorm = torch.nn.utils.clip_grad_norm_([tw], 1.0)
    assert float(norm.item()) == pytest.approx(tnorm.item())
    _same(w.grad, tw.grad)
    mp.clip_grad_value_([w], 0.5)
    torch.nn.utils.clip_grad_value_([tw], 0.5)
    _same(w.grad, tw.grad)


# ---------------------------------------------------------------- dtype promotion
PROMOTIONS = [
    ("int64 * 0.5", lambda L: L([1, 2, 3], "int64") * 0.5),
    ("int64 + 0.7", lambda L: L([1, 2, 3], "int64") + 0.7),
    ("0.5 * int64", lambda L: 0.5 * L([1, 2, 3], "int64")),
    ("int64 / 2", lambda L: L([1, 2, 3], "int64") / 2),
    ("int64 / int64", lambda L: L([1, 2, 3], "int64") / L([2, 2, 2], "int64")),
    ("2 / int64", lambda L: 2 / L([1, 2, 4], "int64")),
    ("1.5 - int64", lambda L: 1.5 - L([1, 2, 3], "int64")),
    ("int64 * 2", lambda L: L([1, 2, 3], "int64") * 2),
    ("int32 * 2", lambda L: L([1, 2, 3], "int32") * 2),
    ("int64 ** 2", lambda L: L([1, 2, 3], "int64") ** 2),
    ("int64 ** 0.5", lambda L: L([1, 4, 9], "int64") ** 0.5),
    ("bool * 2.5", lambda L: (L([-1.0, 1.0, 2.0], "float32") > 0) * 2.5),
    ("bool * 2", lambda L: (L([-1.0, 1.0, 2.0], "float32") > 0) * 2),
    ("bool * bool", lambda L: (L([-1.0, 1.0], "float32") > 0) * (L([1.0, 1.0], "float32") > 0)),
    ("int64 * float32 tensor", lambda L: L([1, 2], "int64") * L([0.5, 0.5], "float32")),
    ("int64 * float64 tensor", lambda L: L([1, 2], "int64") * L([0.5, 0.5], "float64")),
    ("float32 * float64 tensor", lambda L: L([1.0], "float32") * L([0.5], "float64")),
    ("float32 * 0.1", lambda L: L([1.0], "float32") * 0.1),
    ("float64 * 0.1", lambda L: L([1.0], "float64") * 0.1),
    ("int64 > 1.5", lambda L: L([1, 2], "int64") > 1.5),
    ("int64 < 0.5", lambda L: L([0, 1], "int64") < 0.5),
    ("int64 maximum 0.5", lambda L: L([0, 1], "int64").maximum(L([0.5, 0.5], "float32"))),
]


def _lib(lib):
    if lib is mp:
        return lambda v, dtype: Tensor(np.array(v), dtype=np.dtype(dtype))
    return lambda v, dtype: torch.tensor(v, dtype=getattr(torch, dtype))


@pytest.mark.parametrize(("code", "expr"), PROMOTIONS, ids=[p[0] for p in PROMOTIONS])
def test_dtype_promotion_matches_torch(code, expr):
    _same(expr(_lib(mp)), expr(_lib(torch)), atol=1e-6)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid"])
def test_float_functions_of_integer_tensors_are_float32_like_torch(name):
    ours = getattr(Tensor([1, 2, 4], dtype=np.int64), name)()
    _same(ours, getattr(torch.tensor([1, 2, 4]), name)(), atol=1e-6)


def test_bool_minus_float_is_float():
    # torch refuses "-" with a bool tensor; here it promotes to float32 as "*" does
    # (issue 16): a float result, never NumPy's "boolean subtract" error.
    out = (Tensor([-1.0, 1.0, 2.0]) > 0) - 0.5
    assert out.dtype == np.float32 and out.tolist() == [-0.5, 0.5, 0.5]


def test_float32_with_float64_scalar_or_array_stays_float32():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    for out in (x * np.float64(0.1), x + np.ones(2), x / np.array(3.0), x ** np.float64(2.0)):
        assert out.dtype == np.float32


# ---------------------------------------------------------------- copy, clone, detach
def test_tensor_from_tensor_copies_and_warns_like_torch():
    t, tt = Tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match=r"clone\(\)\.detach\(\)"):
        w = Tensor(t, requires_grad=True)
    with pytest.warns(UserWarning, match=r"clone\(\)"):
        tw = torch.tensor(tt, requires_grad=True)
    opt = mp.SGD([w], lr=1.0)
    (w * w).sum().backward()
    opt.step()
    with torch.no_grad():
        tw -= 1.0 * 2 * tw
    assert t.tolist() == tt.tolist() == [1.0, 2.0]  # the source never moves
    _same(w, tw)


def test_parameter_from_tensor_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Parameter(Tensor([1.0]))


def test_clone_is_a_differentiable_copy():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    tx = _t([1.0, 2.0], requires_grad=True)
    c, tc = x.clone(), tx.clone()
    assert c.data is not x.data and not np.shares_memory(c.data, x.data)
    (c * c * 3).sum().backward()
    (tc * tc * 3).sum().backward()
    _same(x.grad, tx.grad)
    assert gradient_check(lambda a: (a.clone() ** 3).sum(), [np.array([0.5, -1.5])]).passed


def test_detach_inplace_and_requires_grad_inplace():
    w = Tensor([1.0], requires_grad=True)
    h = w * 2
    assert h.detach_() is h and not h.requires_grad and h.is_leaf
    x = Tensor([1.0]).requires_grad_()
    assert x.requires_grad
    with pytest.raises(TypeError, match=r"float\(\)\.requires_grad_\(\)"):
        Tensor([1, 2], dtype=np.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="detach"):
        (w * 2).requires_grad_(False)


# ---------------------------------------------------------------- transpose, permute, T, mT
@pytest.mark.parametrize(
    ("shape", "code"),
    [
        ((2, 3), "a.transpose(0, 1)"),
        ((2, 3), "a.transpose(1, 0)"),
        ((2, 3), "a.transpose(0, 0)"),
        ((2, 3, 4), "a.transpose(-2, -1)"),
        ((2, 3, 4), "a.transpose(0, 2)"),
        ((2, 3, 4), "a.permute(2, 0, 1)"),
        ((2, 3, 4), "a.permute((1, 2, 0))"),
        ((2, 3, 4), "a.permute(-1, 0, 1)"),
        ((2, 3), "a.T"),
        ((2, 3, 4), "a.mT"),
        ((3, 4), "a.mT"),
    ],
)
def test_transpose_permute_T_mT_match_torch(shape, code):
    base = np.arange(np.prod(shape), dtype=F64).reshape(shape)
    a, ta = Tensor(base, requires_grad=True), _t(base, requires_grad=True)
    out, tout = eval(code, {"a": a}), eval(code, {"a": ta})
    _same(out, tout)
    weights = np.random.default_rng(0).normal(size=tout.shape)
    (out * Tensor(weights)).sum().backward()
    (tout * _t(weights)).sum().backward()
    _same(a.grad, ta.grad)


@pytest.mark.parametrize("shape", [(2, 3, 4), (3,), ()])
def test_T_on_other_than_2d_warns_like_torch_and_mT_on_1d_raises(shape):
    # torch warns once per process (TORCH_WARN_ONCE), so only its result is compared.
    base = np.arange(np.prod(shape), dtype=F64).reshape(shape)
    with pytest.warns(UserWarning, match=r"deprecated.*mT.*permute"):
        out = Tensor(base).T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = _t(base).T
    _same(out, tout)
    with pytest.raises(RuntimeError, match="mT"):
        _ = torch.ones(3).mT
    with pytest.raises(RuntimeError, match=r"matrices"):
        _ = Tensor(np.ones(3)).mT


def test_numpy_style_transpose_calls_say_what_to_write():
    with pytest.raises(TypeError, match=r"permute"):
        Tensor(np.ones((2, 3, 4))).transpose(1, 2, 0)
    with pytest.raises(TypeError, match=r"two dims"):
        Tensor(np.ones((2, 3))).transpose()
    with pytest.raises(ValueError, match=r"dim 2 is out of range"):
        Tensor(np.ones((2, 3))).transpose(0, 2)


# ---------------------------------------------------------------- pow at the edges
@pytest.mark.parametrize("exponent", [0, 0.5, 1, 2, 3, -1, 2.5, -2])
def test_pow_constant_exponent_gradient_matches_torch(exponent):
    base = np.array([0.0, 1.0, -2.0, 0.5])
    x, tx = Tensor(base, requires_grad=True), _t(base, requires_grad=True)
    with np.errstate(all="ignore"):
        out = x**exponent
        out.sum().backward()
    tout = tx**exponent
    tout.sum().backward()
    _same(out, tout)
    _same(x.grad, tx.grad)


def test_pow_tensor_exponent_gradients_match_torch():
    xs, ys = np.array([0.0, 0.0, 1.0, -1.0, 2.0, 0.0]), np.array([0.0, -1.0, 0.0, 2.0, 0.5, 2.0])
    x, y = Tensor(xs, requires_grad=True), Tensor(ys, requires_grad=True)
    tx, ty = _t(xs, requires_grad=True), _t(ys, requires_grad=True)
    with np.errstate(all="ignore"):
        (x**y).sum().backward()
    (tx**ty).sum().backward()
    _same(x.grad, tx.grad)
    _same(y.grad, ty.grad)


def test_rpow_matches_torch():
    xs = np.array([0.0, 1.0, -1.5])
    x, tx = Tensor(xs, requires_grad=True), _t(xs, requires_grad=True)
    (2.0**x).sum().backward()
    (2.0**tx).sum().backward()
    _same(x.grad, tx.grad)


# ---------------------------------------------------------------- torch's names
REDUCTIONS = [
    "a.sum(dim=1)",
    "a.sum(dim=(0, 2), keepdim=True)",
    "a.sum(1, True)",
    "a.mean(dim=-1)",
    "a.mean(dim=0, keepdim=True)",
    "a.amax(dim=(0, 1))",
    "a.amin(dim=1, keepdim=True)",
    "a.max()",
    "a.min()",
    "a.max(dim=1).values",
    "a.max(1).indices",
    "a.max(dim=2, keepdim=True).values",
    "a.min(dim=0).values",
    "a.min(dim=-1, keepdim=True).indices",
    "a.argmax()",
    "a.argmax(dim=1)",
    "a.argmin(dim=-1, keepdim=True)",
    "a.var()",
    "a.var(dim=1)",
    "a.var(dim=1, unbiased=False)",
    "a.var(1, False)",
    "a.var(dim=(0, 2), correction=0, keepdim=True)",
    "a.std()",
    "a.std(dim=0)",
    "a.std(dim=2, correction=0)",
    "a.softmax(dim=1)",
    "a.log_softmax(dim=0)",
    "a.squeeze(dim=1) if a.shape[1] == 1 else a.unsqueeze(dim=1)",
    "a.flatten(start_dim=1)",
]


@pytest.mark.parametrize("code", REDUCTIONS)
def test_dim_keepdim_spellings_match_torch(code):
    base = np.random.default_rng(1).normal(size=(2, 3, 4))
    a, ta = Tensor(base, requires_grad=True), _t(base, requires_grad=True)
    out, tout = eval(code, {"a": a}), eval(code, {"a": ta})
    _same(out, tout)
    if tout.requires_grad:
        weights = np.random.default_rng(2).normal(size=tout.shape)
        (out * Tensor(weights)).sum().backward()
        (tout * _t(weights)).sum().backward()
        _same(a.grad, ta.grad)


def test_axis_and_keepdims_still_work_and_both_spellings_is_an_error():
    a = Tensor(np.ones((2, 3)))
    assert a.sum(axis=1, keepdims=True).shape == (2, 1)
    assert a.mean(axis=0).shape == (3,)
    assert a.softmax(axis=0).shape == (2, 3)
    with pytest.raises(TypeError, match=r"both axis=1 and dim=1"):
        a.sum(axis=1, dim=1)
    with pytest.raises(TypeError, match=r"keepdims= and keepdim="):
        a.mean(keepdims=True, keepdim=True)
    with pytest.raises(TypeError, match="correction"):
        a.var(unbiased=True, correction=1)


def test_max_with_a_dim_is_a_named_tuple_like_torch():
    base = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]])
    out, tout = Tensor(base).max(dim=1), _t(base).max(dim=1)
    values, indices = out
    assert out.values is values and out.indices is indices
    assert type(out).__name__ == "MaxResult" and tuple(out._fields) == ("values", "indices")
    _same(values, tout.values)
    _same(indices, tout.indices)
    assert isinstance(Tensor(base).max(), Tensor)
    _same(Tensor(base).max(Tensor(np.full((2, 3), 3.0))), _t(base).max(torch.full((2, 3), 3.0)))
    with pytest.raises(TypeError, match=r"amax\(dim=\(0, 1\)\)"):
        Tensor(base).max(dim=(0, 1))


def test_concatenate_and_stack_take_dim():
    a, b = np.ones((2, 3)), np.zeros((2, 3))
    _same(mp.concatenate([Tensor(a), Tensor(b)], dim=1), torch.cat([_t(a), _t(b)], dim=1))
    _same(mp.stack([Tensor(a), Tensor(b)], dim=-1), torch.stack([_t(a), _t(b)], dim=-1))
    _same(mp.cat([Tensor(a), Tensor(b)], dim=0), torch.cat([_t(a), _t(b)]))
    with pytest.raises(TypeError, match="both axis"):
        mp.stack([Tensor(a)], axis=0, dim=0)


@pytest.mark.parametrize(
    "code",
    [
        "a.float()",
        "a.double()",
        "a.long()",
        "a.int()",
        "a.bool()",
        "a.half()",
        "a.to('float64')",
        "a.to(dtype='int64') if False else a.long()",
        "a.numel()",
        "a.dim()",
        "a.any()",
        "(a > 100).all()",
        "(a > 0).any(dim=1)",
        "(a > -5).all(dim=0)",
    ],
)
def test_conversions_and_small_methods_match_torch(code):
    base = np.array([[1.5, -2.5, 0.0], [3.7, 0.2, -0.9]])
    out = eval(code, {"a": Tensor(base)})
    tcode = code.replace("'float64'", "torch.float64")
    tout = eval(tcode, {"a": _t(base), "torch": torch})
    if isinstance(tout, int):
        assert out == tout
    else:
        _same(out, tout, atol=1e-3 if "half" in code else 1e-12)


def test_to_accepts_torch_spellings_and_cpu_but_not_cuda():
    a = Tensor([1.0, 2.0])
    assert a.to("cpu") is a and a.to(np.float32) is a and a.float() is a
    assert a.to("cpu", "float64").dtype == np.float64
    assert a.to(dtype=np.float64).dtype == np.float64
    assert a.to(torch.float64).dtype == np.float64
    assert a.to(torch.int64).dtype == np.int64
    assert a.to(Tensor([1], dtype=np.int64)).dtype == np.int64
    assert a.to(torch.device("cpu")) is a
    with pytest.raises(RuntimeError, match=r"cuda.*CPU"):
        a.to("cuda")
    with pytest.raises(RuntimeError, match="cpu"):
        a.to("cuda:0")
    with pytest.raises(TypeError, match="unknown dtype"):
        a.to("float128x")


def test_float_to_double_is_differentiable_and_long_is_not():
    w = Tensor([1.5, 2.5], requires_grad=True)
    (w.double() * 2).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.tolist() == [2.0, 2.0]
    assert not w.long().requires_grad


def test_comparing_with_none_like_torch():
    t, tt = Tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert (t == None) is False and (tt == None) is False  # noqa: E711
    assert (t != None) is True and (tt != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        tt < None  # noqa: B015
    with pytest.raises(TypeError, match="NoneType"):
        t < None  # noqa: B015


# ---------------------------------------------------------------- hooks
def test_hook_on_a_leaf_and_an_intermediate_matches_torch():
    results = []
    for lib in (mp, torch):
        make = (
            (lambda v: Tensor(np.array(v), requires_grad=True))
            if lib is mp
            else (lambda v: _t(v, requires_grad=True))
        )
        w = make([1.0, -2.0, 3.0])
        seen: list = []
        w.register_hook(
            lambda g, seen=seen: seen.append(g.numpy().copy() if hasattr(g, "numpy") else g)
        )
        h = w * w
        h.register_hook(lambda g: g * 10)
        h.retain_grad()
        ((h * 2).sum() + w.sum()).backward()
        results.append((w.grad, h.grad, seen[0]))
    for ours, theirs in zip(*results):
        _same(ours, theirs)


def test_hook_sees_the_whole_gradient_of_a_leaf_once_and_can_be_removed():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    calls = []
    handle = w.register_hook(lambda g: calls.append(g.copy()) or g * 0)
    (w * 3 + w * 4).sum().backward()
    assert len(calls) == 1 and calls[0].tolist() == [7.0, 7.0]
    assert w.grad.tolist() == [0.0, 0.0]
    handle.remove()
    w.grad = None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0] and len(calls) == 1


def test_hook_errors_say_what_to_do():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        Tensor([1.0]).register_hook(lambda g: g)
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: np.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*same shape"):
        (w * 2).sum().backward()


# ---------------------------------------------------------------- empty tensors
def test_reductions_of_empty_tensors_follow_torch():
    empty, tempty = Tensor(np.zeros((0, 3))), torch.zeros(0, 3, dtype=torch.float64)
    _same(empty.max(dim=1).values, tempty.max(dim=1).values)
    _same(empty.max(axis=1).indices, tempty.max(dim=1).indices)
    _same(empty.amax(dim=1), tempty.amax(dim=1))
    _same(empty.sum(dim=0), tempty.sum(dim=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Mean of empty slice" from NumPy
        _same(empty.mean(dim=0), tempty.mean(dim=0))
        _same(empty.mean(dim=1), tempty.mean(dim=1))
    _same(empty.softmax(axis=0), tempty.softmax(dim=0))
    _same(empty.log_softmax(dim=1), tempty.log_softmax(dim=1))
    _same(empty.argmax(dim=1), tempty.argmax(dim=1))
    with pytest.raises(IndexError):
        tempty.max(dim=0)
    with pytest.raises(IndexError, match=r"dim 0 has size 0"):
        empty.max(dim=0)
    with pytest.raises(RuntimeError):
        tempty.max()
    with pytest.raises(RuntimeError, match=r"empty tensor.*dim="):
        empty.max()
    with pytest.raises(RuntimeError, match=r"empty tensor"):
        empty.argmax()


def test_softmax_backward_of_an_empty_tensor():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    x.softmax(dim=0).sum().backward()
    assert x.grad.shape == (0, 3)


def test_size_called_is_torch_size_and_uncalled_is_numpy_size() -> None:
    data = np.zeros((2, 3, 4), dtype=np.float32)
    ours, theirs = Tensor(data), torch.tensor(data)
    assert ours.size() == tuple(theirs.size())
    assert [ours.size(d) for d in range(-3, 3)] == [theirs.size(d) for d in range(-3, 3)]
    assert ours.size == data.size == theirs.numel()
    with pytest.raises(IndexError, match="dim=3 is out of range"):
        ours.size(3)
