"""Issue 23's silent differences: each idiom gives what torch 2.13 gives, or raises as torch.

Factories with an explicit dtype, promotion of integer with float tensors in
cat/stack/where and the binary ops, std/norm gradients at a constant input,
``requires_grad = False`` on a non-leaf, re-assigned members keeping their
place, ``default_collate`` of mixed Python numbers, lists of tensors as
operands, and a float64 input to a float32 ``Linear``.
"""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Parameter, Tensor

torch = pytest.importorskip("torch")


def _same(ours, theirs, atol=1e-6):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, atol=atol, equal_nan=True)


# ---------------------------------------------------------------- 1. factories
FACTORIES = [
    ("zeros(3, int64)", lambda L, d: L.zeros(3, dtype=d("int64"))),
    ("ones(2, bool)", lambda L, d: L.ones(2, dtype=d("bool"))),
    ("full((2,), 3, int64)", lambda L, d: L.full((2,), 3, dtype=d("int64"))),
    ("eye(3, int64)", lambda L, d: L.eye(3, dtype=d("int64"))),
    ("eye(2, 3)", lambda L, d: L.eye(2, 3)),
    ("arange(5, int64)", lambda L, d: L.arange(5, dtype=d("int64"))),
    ("arange(1, 4, int32)", lambda L, d: L.arange(1, 4, dtype=d("int32"))),
    ("zeros(2, float64)", lambda L, d: L.zeros(2, dtype=d("float64"))),
    ("ones((2, 2), float16)", lambda L, d: L.ones((2, 2), dtype=d("float16"))),
    ("zeros_like(int64)", lambda L, d: L.zeros_like(L.ones(3, dtype=d("int64")))),
    ("ones_like(bool)", lambda L, d: L.ones_like(L.zeros(3, dtype=d("bool")))),
    ("zeros_like(x, float64)", lambda L, d: L.zeros_like(L.ones(2), dtype=d("float64"))),
    ("zeros(3) default", lambda L, d: L.zeros(3)),
]


def _np_dtype(name):
    return np.dtype(name)


def _torch_dtype(name):
    return getattr(torch, name)


@pytest.mark.parametrize(("code", "make"), FACTORIES, ids=[f[0] for f in FACTORIES])
def test_factories_honour_an_explicit_dtype_like_torch(code, make):
    _same(make(mp, _np_dtype), make(torch, _torch_dtype))


def test_factories_take_torch_dtype_names_too():
    assert mp.zeros(2, dtype="int64").dtype == np.int64
    assert mp.ones(2, dtype="long").dtype == np.int64
    with pytest.raises(TypeError, match="unknown dtype"):
        mp.zeros(2, dtype="complex")


# ---------------------------------------------------------------- 2. promotion
PROMOTIONS = [
    ("cat([int64, float32])", lambda L, i, f: L.cat([i, f])),
    ("cat([float32, int64])", lambda L, i, f: L.cat([f, i])),
    ("cat([bool, float32])", lambda L, i, f: L.cat([i > 1, f])),
    ("stack([int64, float32])", lambda L, i, f: L.stack([i, f])),
    ("where(c, float32, int64)", lambda L, i, f: L.where(f > 1, f, i)),
    ("where(c, int64, float32)", lambda L, i, f: L.where(f > 1, i, f)),
    ("float32 + int64", lambda L, i, f: f + i),
    ("float32 * int64", lambda L, i, f: f * i),
    ("float32 - int64", lambda L, i, f: f - i),
    ("float32 / int64", lambda L, i, f: f / i),
    ("float32 ** int64", lambda L, i, f: f**i),
    ("float32 + bool", lambda L, i, f: f + (i > 1)),
    ("float32 maximum int64", lambda L, i, f: f.maximum(i)),
    ("float64 + int64", lambda L, i, f: f.double() + i),
    ("float32 > int64", lambda L, i, f: f > i),
]


@pytest.mark.parametrize(("code", "expr"), PROMOTIONS, ids=[p[0] for p in PROMOTIONS])
def test_integer_with_float_tensors_promote_like_torch(code, expr):
    ours = expr(mp, Tensor([1, 2], dtype=np.int64), Tensor([0.5, 1.5]))
    theirs = expr(torch, torch.tensor([1, 2]), torch.tensor([0.5, 1.5]))
    _same(ours, theirs)


def test_cat_of_int_and_float_passes_the_gradient_to_the_float():
    f = Tensor([0.5, 1.5], requires_grad=True)
    out = mp.cat([Tensor([1, 2], dtype=np.int64), f])
    (out * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(f.grad, [3.0, 4.0])
    assert f.grad.dtype == np.float32


# ---------------------------------------------------------------- 3. std/var at a constant
CONSTANT_REDUCTIONS = [
    ("std()", lambda x: x.std()),
    ("std(dim=1), one row constant", lambda x: x.std(dim=1).sum()),
    ("std(correction=0)", lambda x: x.std(correction=0)),
    ("var()", lambda x: x.var()),
    ("var(dim=1)", lambda x: x.var(dim=1).sum()),
]


@pytest.mark.parametrize(
    ("code", "f"), CONSTANT_REDUCTIONS, ids=[c[0] for c in CONSTANT_REDUCTIONS]
)
def test_std_and_var_gradients_at_a_constant_are_torchs(code, f):
    data = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    if code in ("std()", "var()", "std(correction=0)"):
        data = np.full((2, 3), 3.0)
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = f(x), f(tx)
    _same(ours, theirs, atol=1e-12)
    ours.backward()
    theirs.backward()
    assert np.all(np.isfinite(x.grad))
    _same(x.grad, tx.grad, atol=1e-12)


def test_std_keeps_its_gradient_away_from_zero():
    data = np.array([1.0, 2.0, 4.0])
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    x.std().backward()
    tx.std().backward()
    _same(x.grad, tx.grad, atol=1e-12)


# ---------------------------------------------------------------- 4. requires_grad on a non-leaf
def test_switching_off_requires_grad_on_a_non_leaf_raises_like_torch():
    x = Tensor([2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        y.requires_grad = False
    tx = torch.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        (tx * 3).requires_grad = False
    # The path is still there: d(y * x + y)/dx = 2 * 3x + 3 = 15 at x = 2.
    (y * x + y).sum().backward()
    assert x.grad.tolist() == [15.0]


def test_requires_grad_stays_settable_on_leaves():
    w = Tensor([1.0])
    w.requires_grad = True
    assert w.requires_grad and w.is_leaf
    w.requires_grad = False
    assert not w.requires_grad
    y = Tensor([1.0], requires_grad=True) * 2
    y.requires_grad = True  # a no-op on a non-leaf, as in torch
    assert y.requires_grad
    with pytest.raises(TypeError, match="floating"):
        Tensor([1], dtype=np.int64).requires_grad = True


# ---------------------------------------------------------------- 5. re-assigned members
class _Net(mp.Module):
    def __init__(self, lib):
        super().__init__()
        self.a = lib.Linear(2, 2)
        self.b = lib.Linear(2, 1)


class _TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(2, 2)
        self.b = torch.nn.Linear(2, 1)


def test_reassigned_parameter_keeps_its_place_like_torch():
    ours, theirs = mp.Linear(2, 3), torch.nn.Linear(2, 3)
    ours.weight = Parameter(Tensor(np.ones((3, 2), np.float32)))
    theirs.weight = torch.nn.Parameter(torch.ones(3, 2))
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()] == ["weight", "bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_reassigned_submodule_and_buffer_keep_their_places_like_torch():
    ours, theirs = _Net(mp), _TorchNet()
    for m in (ours, theirs):
        m.register_buffer("scale", (mp if m is ours else torch).ones(1))
        m.register_buffer("shift", (mp if m is ours else torch).zeros(1))
    ours.a, theirs.a = mp.Linear(2, 2), torch.nn.Linear(2, 2)
    ours.scale, theirs.scale = mp.ones(1) * 2, torch.ones(1) * 2
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_optimizer_state_follows_the_position_after_reassignment():
    model = mp.Sequential(mp.Linear(2, 2), mp.Linear(2, 1))
    first = model[0]
    first.weight = Parameter(Tensor(np.ones((2, 2), np.float32)))
    opt = mp.Adam(model.parameters(), lr=0.1)
    model(Tensor([[1.0, 2.0]])).sum().backward()
    opt.step()
    state = opt.state_dict()["state"]
    # Position 0 is the new weight (2 x 2), as torch numbers it; it is not moved last.
    assert next(iter(model.parameters())) is first.weight
    assert np.shape(state[0]["exp_avg"]) == (2, 2)


# ---------------------------------------------------------------- 6. default_collate
COLLATES = [[0, 1.7], [True, 0.5], [1.7, 0], [1, True], [True, False], [3, 4], [0.5, 2.5]]


@pytest.mark.parametrize("batch", COLLATES, ids=[repr(b) for b in COLLATES])
def test_default_collate_of_python_numbers_is_torchs(batch):
    from torch.utils.data import default_collate

    _same(mp.default_collate(list(batch)), default_collate(list(batch)), atol=0)


def test_default_collate_of_mixed_fields_in_tuples_is_torchs():
    from torch.utils.data import default_collate

    batch = [(0, True, 1.5), (1.7, 0.5, 2)]
    for ours, theirs in zip(mp.default_collate(batch), default_collate(batch)):
        _same(ours, theirs, atol=0)


# ---------------------------------------------------------------- 7. lists of tensors
@pytest.mark.parametrize(
    "code",
    ["x * [w, w]", "x + (w,)", "[w, w] * x", "x * w.max(dim=0)", "x.max(dim=0) * x", "x @ [w]"],
)
def test_a_list_of_tensors_as_an_operand_raises_type_error_like_torch(code):
    for lib in (mp, torch):
        x = lib.ones(2, requires_grad=True) if lib is torch else Tensor([1.0, 1.0], True)
        w = x * 2
        with pytest.raises(TypeError):
            eval(code, {"x": x, "w": w})
    x = Tensor([1.0, 1.0])
    with pytest.raises(TypeError, match="stack"):
        eval(code, {"x": x, "w": x * 2})


def test_lists_of_numbers_stay_operands():
    x = Tensor([1.0, 2.0])
    assert (x * [2, 3]).tolist() == [2.0, 6.0]
    assert (x + ((1.0, 2.0),)).shape == (1, 2)


# ---------------------------------------------------------------- 8. float64 into float32 Linear
def test_float64_input_to_a_float32_linear_promotes_as_documented():
    """Decided: promote (the library's rule for two tensors, as NumPy), not raise as
    torch's matmul does; chapter 10 lists it among the deliberate differences. The
    output is float64 and each gradient keeps its tensor's dtype."""
    x = np.ones((1, 3))
    with pytest.raises(RuntimeError, match="dtype"):
        torch.nn.Linear(3, 2)(torch.tensor(x))
    layer = mp.Linear(3, 2)
    xin = Tensor(x, requires_grad=True)
    out = layer(xin)
    assert out.dtype == np.float64
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32 and xin.grad.dtype == np.float64
    # The torch lines that make the dtypes agree work here too.
    assert layer(xin.float()).dtype == np.float32
    assert layer.double()(xin).dtype == np.float64
    assert layer.weight.dtype == np.float64


@pytest.mark.parametrize("code", ["x.norm()", "x.norm(dim=1)", "(x * 0).norm()", "x.norm(p=1)"])
def test_norm_gradient_at_zero_is_torchs(code):
    data = np.array([[0.0, 0.0], [3.0, 4.0]])
    grads = []
    for lib in (mp, torch):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        eval(code, {"x": x}).sum().backward()
        grads.append(x.grad)
    assert np.all(np.isfinite(grads[0]))
    _same(grads[0], grads[1], atol=1e-12)


# ------------------------------------------------ squeeze of a dim not of size 1
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2)])
def test_squeeze_leaves_a_dim_not_of_size_one_as_torch_does(dim):
    x = np.arange(6.0, dtype=np.float32).reshape(1, 2, 3)
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    _same(ours.squeeze(dim), theirs.squeeze(dim))
    ours.squeeze(dim).sum().backward()
    theirs.squeeze(dim).sum().backward()
    _same(ours.grad, theirs.grad)
