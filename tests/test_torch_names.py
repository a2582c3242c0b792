"""The names a PyTorch user reaches for, typed once and run by both libraries.

Each idiom is one line of source with ``T`` standing for the library: it is
evaluated with ``T = micrograd_plus`` and with ``T = torch`` (2.13) on the
same float64 data, and the results (values, shapes, dtypes) must agree. The
differentiable ones also agree in their first and second derivatives, taken
with ``T.autograd.grad(..., create_graph=True)`` in both.
"""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
X = RNG.normal(size=(2, 3))
M = RNG.normal(size=(3, 3))
B = RNG.normal(size=(2, 3, 4))
INDEX = np.array([[0, 2, 2], [1, 0, 1]])
INTS = np.array([5, -3, 8, 0])

# Differentiable: value, gradient and second derivative are compared.
DIFFERENTIABLE = [
    "T.exp(x)",
    "T.log(x.abs() + 1)",
    "T.sqrt(x * x + 1)",
    "T.sigmoid(x)",
    "T.tanh(x)",
    "T.relu(x)",
    "T.abs(x)",
    "abs(x)",
    "T.sum(x)",
    "T.sum(x, dim=1)",
    "T.sum(x * x, dim=(0, 1))",
    "T.mean(x, dim=0, keepdim=True)",
    "T.max(x)",
    "T.min(x)",
    "T.max(x, dim=1).values",
    "T.min(x, dim=0)[0]",
    "T.amax(x, dim=1)",
    "T.maximum(x, x.flip(0))",
    "T.minimum(x, 0.1 * x.flip(1))",
    "T.clamp(x, min=-0.5, max=0.5)",
    "T.clamp(x, max=0.2)",
    "T.clip(x, -0.3, 0.3)",
    "T.where(x > 0, x, x * x)",
    "T.matmul(x, m)",
    "T.mm(x, m)",
    "T.bmm(b, b.transpose(1, 2))",
    "T.transpose(x, 0, 1)",
    "T.permute(b, (2, 0, 1))",
    "T.reshape(x, (3, 2))",
    "T.flatten(b, 1)",
    "T.squeeze(x[:1])",
    "T.unsqueeze(x, 1)",
    "T.var(x, dim=1)",
    "T.std(x)",
    "T.softmax(x, dim=1)",
    "T.log_softmax(x, dim=0)",
    "T.logsumexp(x, dim=1)",
    "T.norm(x)",
    "T.cat([x, x * 2], dim=1)",
    "T.stack([x, x.exp()], dim=0)",
    "x.add(x * x, alpha=2)",
    "x.add(1.5)",
    "x.sub(x.exp(), alpha=0.5)",
    "x.mul(x)",
    "x.div(x.exp())",
    "x.t()",
    "x[0].t()",
    "x[0].expand(4, 3)",
    "x[:1].expand(2, -1)",
    "x[:1].expand_as(x)",
    "x.contiguous()",
    "x.chunk(2, dim=1)[0]",
    "x.chunk(2, dim=1)[1]",
    "x.chunk(3, dim=0)[1]",
    "x.split(2, dim=1)[1]",
    "x.split([1, 2], dim=1)[1]",
    "x.logsumexp(dim=0)",
    "x.logsumexp(dim=1, keepdim=True)",
    "x.norm()",
    "x.norm(dim=1)",
    "x.norm(p=1)",
    "x.norm(p=float('inf'), dim=0)",
    "x.norm(p=3)",
    "x.norm(dim=0, keepdim=True)",
    "x.repeat(2, 1)",
    "x.repeat(1, 2, 2)",
    "x.flip(1)",
    "x.flip((0, 1))",
    "x.gather(1, idx)",
    "b.gather(2, T.zeros(2, 3, 1, dtype=T.int64))",
    "x.masked_fill(x > 0, 0.5)",
    "x % 0.7",
    "x.remainder(-0.7)",
    "x.std(dim=1)",
    "x.to(T.float64)",
    "x.double()",
    "x.sort().values",
    "x.sort(dim=0, descending=True)[0]",
    "T.sort(b, dim=1).values",
    "x.topk(2).values",
    "x.topk(1, dim=0, largest=False)[0]",
    "x.cumsum(dim=1)",
    "T.cumsum(b, dim=0)",
    "b.cumsum(-2)",
    "x.square()",
    "x.type_as(m)",
    "x.view_as(x.t())",
    "b.reshape_as(x.repeat(4, 1))",
    "x.unbind(1)[2]",
    "b.unbind()[1]",
    "x.narrow(1, 1, 2)",
    "b.narrow(-1, -3, 2)",
    "x.index_select(1, T.tensor([2, 0, 2]))",
    "m.tril()",
    "m.triu(1)",
    "b.tril(-1)",
    "T.outer(x[0], x[1])",
    "T.dot(x[0], m[1])",
    "m.diag()",
    "x.diag(1)",
    "x[0].diag()",
    "x[1].diag(-1)",
    "m.trace()",
    "x.roll(1, 1)",
    "b.roll((1, -1), (0, 2))",
    "x.roll(2)",
    "x.cpu()",
    "T.einsum('ij,jk->ik', x, m)",
    "T.einsum('ij,jk', x, m)",
    "T.einsum('bij,bkj->bik', b, b)",
    "T.einsum('bji,jk->bik', b, m)",
    "T.einsum('ij->ji', x)",
    "T.einsum('ij->', x)",
    "T.einsum('ij->j', x)",
    "T.einsum('i,i->', x[0], x[1])",
    "T.einsum('i,j->ij', x[0], m[2])",
    "T.einsum('ij,ij->i', x, x.exp())",
    "T.einsum('ij,jk,kl->il', x, m, m)",
    "T.einsum('bij->jb', b)",
]

# Not differentiable (steps, comparisons, integer and bool results): values only.
VALUES = [
    "x // 0.7",
    "2.5 % (x.abs() + 1)",
    "3 // (x.abs() + 1)",
    "x.div(0.7, rounding_mode='floor')",
    "x.div(0.7, rounding_mode='trunc')",
    "(x > 0) & (x < 1)",
    "(x > 0) | (x < -1)",
    "(x > 0) ^ (x < 1)",
    "~(x > 0)",
    "x.eq(x)",
    "x.ne(0)",
    "x.gt(0)",
    "x.lt(0)",
    "x.ge(x.flip(0))",
    "x.le(0.5)",
    "i // 2",
    "i % 3",
    "i & 6",
    "i | 1",
    "~i",
    "-i",
    "abs(i)",
    "i.eq(0)",
    "x.sign()",
    "T.isnan(T.tensor([1.0, float('nan'), float('inf')]))",
    "T.isfinite(T.tensor([1.0, float('nan'), -float('inf')]))",
    "T.tensor([1.0, float('nan'), -float('inf')]).isinf()",
    "x.new_zeros(2, 3)",
    "x.new_ones((2,), dtype=T.int64)",
    "i.new_tensor([1, 2])",
    "x.is_floating_point()",
    "i.is_floating_point()",
    "x.element_size()",
    "i.nbytes",
    "(x * 2).grad_fn.name().lower().startswith('mul')",
    "x.grad_fn is None",
    "x.argsort()",
    "x.argsort(dim=0, descending=True)",
    "T.argsort(i)",
    "x.sort().indices",
    "x.topk(2).indices",
    "i.sort(descending=True).values",
    "i.cumsum(0)",
    "(x > 0).cumsum(dim=1)",
    "T.tensor([1, 2])",
    "T.tensor([1.5, 2])",
    "T.tensor([True, False])",
    "T.tensor(3)",
    "T.tensor(2.5)",
    "T.tensor([[1, 2], [3, 4]], dtype=T.float64)",
    "T.tensor(np.arange(3))",
    "T.tensor(np.ones(2, dtype=np.float32))",
    "T.zeros(2, dtype=T.int64)",
    "T.ones(2, 2, dtype=T.long)",
    "T.ones(3, dtype=T.bool)",
    "T.zeros(2, dtype=T.float16)",
    "T.full((2,), 7, dtype=T.int32)",
    "T.arange(3, dtype=T.int32)",
    "T.arange(0, 1, 0.25)",
    "T.eye(2, 3, dtype=T.int64)",
    "T.linspace(0, 1, 5)",
    "T.linspace(-1, 1, steps=3, dtype=T.float64)",
    "T.from_numpy(np.arange(3))",
    "T.from_numpy(np.ones(2))",
    "T.zeros_like(i)",
    "T.ones_like(x, dtype=T.int64)",
    "x.to(T.float32)",
    "x.to(T.int64)",
    "x.to(dtype=T.float16)",
    "x.long()",
    "i.to(T.bool)",
    "i.float()",
    "T.randperm(6).sum()",
    "T.randperm(4).dtype == T.int64",
    "T.randint(0, 10, (5,)).shape == (5,)",
    "T.randint(3, (2, 2)).lt(3).all()",
    "T.randint(5, (3,)).dtype == T.long",
    "x.dtype == T.float64",
    "T.tensor([1.0]).dtype == T.float32",
    "T.tensor([1]).dtype == T.long",
    "T.int == T.int32 and T.long == T.int64",
    "T.float == T.float32 and T.double == T.float64 and T.half == T.float16",
]


def _namespace(lib):
    T = lib
    x = T.tensor(X, dtype=T.float64, requires_grad=True)
    return {
        "T": T,
        "np": np,
        "x": x,
        "m": T.tensor(M, dtype=T.float64, requires_grad=True),
        "b": T.tensor(B, dtype=T.float64, requires_grad=True),
        "idx": T.tensor(INDEX),
        "i": T.tensor(INTS),
    }


def _array(value):
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, torch.Tensor):
        return value.detach().numpy(force=True)  # force: torch's lazy zero tensors
    return np.asarray(value)


def _agree(ours, theirs, atol=1e-10):
    ours, theirs = _array(ours), _array(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, atol=atol, rtol=1e-7)


def _run(code, lib):
    return eval(code, _namespace(lib))


@pytest.mark.parametrize("code", VALUES)
def test_idiom_gives_torchs_value_and_dtype(code):
    _agree(_run(code, mp), _run(code, torch))


@pytest.mark.parametrize("code", DIFFERENTIABLE)
def test_idiom_gives_torchs_value_and_derivatives(code):
    results = {}
    for lib in (mp, torch):
        space = _namespace(lib)
        out = eval(code, space)
        leaves = [space[k] for k in ("x", "m", "b")]
        weights = lib.tensor(_WEIGHTS(out.shape), dtype=lib.float64)
        loss = (out * weights).sum()
        grads = lib.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
        grads = [g if g is not None else lib.zeros_like(v) for g, v in zip(grads, leaves)]
        probe = sum(((g * g).sum() for g in grads), lib.tensor(0.0, dtype=lib.float64))
        if probe.requires_grad:
            second = lib.autograd.grad(probe, leaves, allow_unused=True, materialize_grads=True)
        else:  # the gradient is piecewise constant: its own gradient is zero
            second = [lib.zeros_like(v) for v in leaves]
        results[lib] = (out, grads, second)
    (o1, g1, s1), (o2, g2, s2) = results[mp], results[torch]
    _agree(o1, o2)
    for ours, theirs in zip(g1 + list(s1), g2 + list(s2)):
        _agree(ours, theirs, atol=1e-9)


def _WEIGHTS(shape):
    # Fixed, varied weights, so that a wrong element order cannot pass.
    return np.arange(1, int(np.prod(shape)) + 1, dtype=np.float64).reshape(shape) / 7


# ---------------------------------------------------------------- the module mp.tensor
def test_mp_tensor_is_the_function_and_the_module_still_imports():
    import importlib

    module = importlib.import_module("micrograd_plus.tensor")
    from micrograd_plus.tensor import Tensor as Imported

    assert Imported is Tensor and module.Tensor is Tensor and mp.tensor is module
    assert mp.tensor([1.0]).tolist() == [1.0] and callable(mp.tensor)
    exec("import micrograd_plus.tensor as T\nassert T.Tensor is Tensor", {"Tensor": Tensor})
    source = np.ones(2)
    copied, shared = mp.tensor(source), mp.from_numpy(source)
    source[0] = 5
    assert copied.tolist() == [1.0, 1.0] and shared.tolist() == [5.0, 1.0]
    with pytest.raises(RuntimeError, match="cpu"):
        mp.tensor([1.0], device="cuda")


def test_star_import_does_not_hide_the_builtins():
    space: dict = {}
    exec("from micrograd_plus import *", space)
    for name in ("sum", "max", "min", "abs", "float", "int", "bool"):
        assert name not in space, name
    assert {"float32", "int64", "long", "exp", "tensor", "no_grad"} <= set(space)


# ---------------------------------------------------------------- grad mode
@pytest.mark.parametrize("lib", ["mp", "torch"])
def test_grad_mode_spellings_behave_like_torch(lib):
    T = mp if lib == "mp" else torch
    w = T.tensor([1.0, 2.0], requires_grad=True)

    @T.no_grad
    def bare(a):
        return a * 2

    @T.no_grad()
    def called(a):
        return a * 2

    @T.inference_mode()
    def inferred(a):
        return a * 2

    @T.enable_grad()
    def enabled(a):
        return a * 2

    assert not bare(w).requires_grad and not called(w).requires_grad
    assert not inferred(w).requires_grad
    with T.no_grad():
        assert enabled(w).requires_grad
    with T.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad
    T.set_grad_enabled(False)
    try:
        assert not (w * 2).requires_grad and not T.is_grad_enabled()
    finally:
        T.set_grad_enabled(True)
    assert (w * 2).requires_grad

    @T.set_grad_enabled(False)
    def off(a):
        return a * 2

    assert T.is_grad_enabled() and not off(w).requires_grad
    with T.inference_mode(False):
        assert (w * 2).requires_grad


# ---------------------------------------------------------------- errors instead of guesses
@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("x & x", (TypeError, RuntimeError, NotImplementedError)),
        ("T.mm(b, b)", RuntimeError),
        ("x.masked_fill(x, 0.0)", RuntimeError),
        ("b.t()", RuntimeError),
        ("x.chunk(0)", RuntimeError),
        ("x.split([1, 1], dim=1)", RuntimeError),
    ],
)
def test_misuse_raises_in_both(code, error):
    for lib in (mp, torch):
        with pytest.raises(error):
            _run(code, lib)


def test_einsum_refuses_what_it_cannot_do_and_says_what_to_write():
    x = mp.tensor(np.eye(3))
    with pytest.raises(NotImplementedError, match="diag"):
        mp.einsum("ii->i", x)
    assert mp.einsum("...ij->...ji", x * mp.arange(3)).tolist() == (x * mp.arange(3)).T.tolist()
    with pytest.raises(ValueError, match="operands"):
        mp.einsum("ij,jk->ik", x)


def test_floor_division_has_no_gradient_as_torch_has_none():
    x = mp.tensor([1.5, -2.5], requires_grad=True)
    assert not (x // 1).requires_grad
    tx = torch.tensor([1.5, -2.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="floor_divide"):
        (tx // 1).sum().backward()


def test_models_move_between_dtypes_like_torch():
    ours, theirs = mp.Sequential(mp.Linear(2, 3), mp.BatchNorm1d(3)), None
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    for model in (ours, theirs):
        assert model.double() is model
    for (n1, a), (n2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert n1 == n2 and _array(a).dtype == _array(b).dtype, (n1, _array(a).dtype)
    weight = ours[0].weight
    opt = mp.SGD(ours.parameters(), lr=0.1)
    ours.to(mp.float32)
    assert ours[0].weight is weight and weight.dtype == np.float32
    ours(mp.tensor([[1.0, 2.0]] * 2)).sum().backward()
    opt.step()
    assert weight.dtype == np.float32
    for model in (ours, theirs):
        with pytest.raises((TypeError, RuntimeError)):
            model.to(torch.int64 if model is theirs else mp.int64)
    assert ours.to("cpu") is ours


@pytest.mark.parametrize(
    "make",
    [
        lambda g: mp.randn(3, 2, generator=g),
        lambda g: mp.rand(4, generator=g),
        lambda g: mp.randint(0, 9, (5,), generator=g),
        lambda g: mp.randperm(6, generator=g),
    ],
)
def test_generator_keyword_takes_a_numpy_generator(make):
    first, again = make(np.random.default_rng(11)), make(np.random.default_rng(11))
    assert first.tolist() == again.tolist()
    with pytest.raises(TypeError, match="default_rng"):
        make(torch.Generator())
