"""The Tensor's contract: dtype policy, attributes, backward() semantics, grad mode."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Function, Tensor, no_grad
from micrograd_plus.autograd.gradcheck import gradient_check


def test_issue_verification_snippet():
    a = Tensor([2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    c = a * b + a
    c.sum().backward()
    assert a.grad.tolist() == [4.0]
    assert b.grad.tolist() == [2.0]


# ------------------------------------------------------------------ dtype policy
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (1.5, np.float32),
        (3, np.float32),
        ([1, 2, 3], np.float32),
        ([[0.5, 1.0]], np.float32),
        (np.float64(2.0), np.float32),
        (np.arange(3), np.float32),
        (np.array([True, False]), np.float32),
        (np.zeros(3, dtype=np.float64), np.float64),
        (np.zeros(3, dtype=np.float16), np.float16),
    ],
)
def test_dtype_policy(data, expected):
    assert Tensor(data).dtype == expected


def test_explicit_dtype_wins():
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert Tensor(np.zeros(2), dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "operand", [2.5, 3, np.float64(2.5), np.array(2.5), np.ones(3), [1.0, 2.0, 3.0]]
)
def test_operands_never_upcast_float32(operand):
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    results = [x + operand, operand + x, x * operand, x - operand, operand / (x + 1), x**2]
    results += [operand - x, x / 2.0, 2.0**x, x @ np.ones(3)]
    for result in results:
        assert result.dtype == np.float32
    sum(r.sum() for r in results).backward()
    assert x.grad.dtype == np.float32


def test_gradient_has_tensor_dtype_and_shape_under_broadcasting():
    w = Tensor(np.ones((1, 3), dtype=np.float32), requires_grad=True)
    x = Tensor(np.ones((4, 1), dtype=np.float64))
    (w * x).sum().backward()  # float64 result: the gradient still comes back float32
    assert w.grad.dtype == np.float32
    assert w.grad.shape == (1, 3)
    np.testing.assert_array_equal(w.grad, [[4.0, 4.0, 4.0]])


def test_float64_stays_float64():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * 2.0).exp().sum()
    y.backward()
    assert y.dtype == np.float64
    assert x.grad.dtype == np.float64


def test_requires_grad_on_integers_is_refused():
    with pytest.raises(TypeError, match="floating"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)


def test_object_data_is_refused():
    with pytest.raises(TypeError, match="np.asarray"):
        Tensor([1.0, "two"])


def test_parameters_own_their_memory_plain_tensors_share_it():
    array = np.zeros(3, dtype=np.float32)
    shared, owned = Tensor(array), Tensor(array, requires_grad=True)
    array[0] = 7.0
    assert shared.data[0] == 7.0
    assert owned.data[0] == 0.0


# --------------------------------------------------------------------- attributes
def test_attributes_and_conversions():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.T.shape == (3, 2)
    assert np.asarray(t) is t.data and t.numpy() is t.data
    assert np.array(t, dtype=np.float64).dtype == np.float64
    assert Tensor([[4.0]]).item() == 4.0
    assert float(Tensor(2.0)) == 2.0
    assert [row.shape for row in t] == [(3,), (3,)]


def test_item_on_many_elements_raises():
    with pytest.raises(RuntimeError, match=r"3 .*sum\(\)"):
        Tensor([1.0, 2.0, 3.0]).item()


def test_repr_reads_like_pytorch():
    assert repr(Tensor([1.0, 2.0], requires_grad=True)) == "Tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<MulBackward0>" in repr(Tensor([1.0], requires_grad=True) * 2)
    assert "dtype=float64" in repr(Tensor(np.zeros(1)))


def test_tensors_are_hashable_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    table = {a: "a", b: "b"}
    assert table[a] == "a" and len({a, b, a}) == 2


def test_comparisons_are_elementwise_and_not_differentiable():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.data.tolist() == [False, True, True]
    assert not mask.requires_grad
    assert (x == 2.0).data.tolist() == [False, True, False]


def test_numpy_scalar_on_the_left_gives_a_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.float64(3.0) * x
    assert isinstance(y, Tensor) and y.dtype == np.float32


def test_detach_shares_data_without_graph():
    x = Tensor([1.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf


# ----------------------------------------------------------------------- backward
def test_grad_is_none_until_backward_reaches_the_tensor():
    x = Tensor([1.0], requires_grad=True)
    unused = Tensor([1.0], requires_grad=True)
    assert x.grad is None
    (x * 3).backward()
    assert x.grad.tolist() == [3.0] and unused.grad is None


def test_one_element_tensors_of_any_shape_backward_without_argument():
    for shape in [(), (1,), (1, 1)]:
        x = Tensor(np.full(shape, 2.0, dtype=np.float32), requires_grad=True)
        ((x - 3) ** 2).backward()
        assert x.grad.shape == shape
        np.testing.assert_allclose(x.grad, -2.0)


def test_backward_on_non_scalar_needs_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient="):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]
    with pytest.raises(ValueError, match="shape"):
        (x * 2).backward(np.ones(3))


def test_backward_accepts_a_tensor_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(Tensor([1.0, 1.0]))
    assert x.grad.tolist() == [2.0, 4.0]


def test_backward_without_requires_grad_raises():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor([1.0]) * 2).backward()


def test_gradients_accumulate_until_zeroed():
    x = Tensor([1.0], requires_grad=True)
    for _ in range(3):
        (x * 2).backward()
    assert x.grad.tolist() == [6.0]
    x.zero_grad()
    assert x.grad is None
    (x * 2).backward()
    assert x.grad.tolist() == [2.0]


def test_shared_subexpression_sums_both_paths():
    x = Tensor([3.0], requires_grad=True)
    y = x * x
    (y + y * x).backward()  # d/dx (x^2 + x^3) = 2x + 3x^2
    assert x.grad.tolist() == [6.0 + 27.0]


def test_second_backward_through_freed_graph_raises():
    x = Tensor([1.0], requires_grad=True)
    y = (x * 2).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = Tensor([1.0], requires_grad=True)
    h = z * 3
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 2).sum().backward()


def test_retain_graph_allows_a_second_pass():
    x = Tensor([2.0], requires_grad=True)
    y = x**3
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [24.0]


def test_retain_grad_keeps_intermediate_gradients():
    x = Tensor([2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).backward()
    assert h.grad.tolist() == [12.0] and x.grad.tolist() == [36.0]


def test_graph_is_released_after_backward():
    x = Tensor(np.ones(1000, dtype=np.float32), requires_grad=True)
    h = x.exp()
    ref = weakref.ref(h)
    loss = h.sum()
    del h
    loss.backward()
    gc.collect()
    assert ref() is None  # nothing keeps the intermediate alive any more


def test_chain_of_100k_ops_backpropagates_without_recursion():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.tolist() == [1.0]


def test_leaf_backward_sets_its_own_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.backward(np.array([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


# ---------------------------------------------------------------------- grad mode
def test_no_grad_records_nothing_and_restores():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
        assert not mp.is_grad_enabled()
        with mp.enable_grad():
            assert (x * 2).requires_grad
    assert mp.is_grad_enabled()
    assert not y.requires_grad and y._parents == ()


def test_no_grad_as_decorator_restores_on_error():
    @no_grad()
    def boom():
        raise KeyError("inside")

    with pytest.raises(KeyError):
        boom()
    assert mp.is_grad_enabled()


def test_detect_anomaly_names_the_op():
    x = Tensor([-1.0], requires_grad=True)
    with mp.detect_anomaly(), pytest.raises(FloatingPointError, match="'sqrt'"):
        x.sqrt()
    y = Tensor([0.0], requires_grad=True)
    with mp.detect_anomaly():
        z = y.abs().sqrt()  # forward is finite, backward divides by zero
        with pytest.raises(FloatingPointError, match="backward of 'sqrt'"):
            z.backward()


# ------------------------------------------------------------------ custom ops
class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 3 * x**2


def test_custom_function_is_a_first_class_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x * 1.0)
    assert "grad_fn=<CubeBackward>" in repr(y)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert gradient_check(lambda t: Cube.apply(t).sum(), np.array([0.5, -1.5]))


def test_custom_function_with_wrong_gradient_shape_is_caught():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward returned a gradient of shape"):
        Bad.apply(x).sum().backward()


# ---------------------------------------------------------------- constructors
def test_constructors_are_float32_and_seeded():
    from micrograd_plus.utils import set_seed

    assert mp.zeros(2, 3).shape == (2, 3) and mp.ones((2,)).dtype == np.float32
    assert mp.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert mp.arange(3).data.tolist() == [0.0, 1.0, 2.0]
    assert mp.eye(2).data.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    set_seed(3)
    a = mp.randn(4)
    set_seed(3)
    assert np.array_equal(a.data, mp.randn(4).data) and a.dtype == np.float32
    assert mp.rand(2, requires_grad=True).requires_grad


def test_log_softmax_is_stable_for_huge_logits():
    x = Tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    out = x.log_softmax(axis=1)
    assert np.isfinite(out.data).all()
    out[0, 0].backward()
    assert np.isfinite(x.grad).all()
    s = Tensor([[1e4, 1e4]]).softmax(axis=1)
    np.testing.assert_allclose(s.data, [[0.5, 0.5]])


# ---------------------------------------------------------------- issue 27 (pin27e)
# Engine branches no mapped test ran (tools/mutants.py --scope library), each against
# PyTorch 2.13 or a closed form.


def test_a_fresh_gradient_broadcast_to_its_leaf_is_an_array_the_leaf_owns():
    from micrograd_plus.autograd import Fresh

    x = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    y = Tensor._make(x.data.sum(), (x,), lambda g: Fresh((np.asarray(g),)), "sum")
    y.backward()
    x.grad += 1  # optimizers update .grad in place; a broadcast view is read-only
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_a_gradient_of_another_dtype_accumulates_in_the_leafs_dtype():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)

    def twice():
        return Tensor._make(x.data * 2, (x,), lambda g: (np.full(2, 2.0),), "twice")

    twice().sum().backward()
    twice().sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [4.0, 4.0]


def test_grad_of_a_repeated_output_and_of_a_leaf_output_sums_as_torch():
    torch = pytest.importorskip("torch")
    x = Tensor([1.0, 2.0], requires_grad=True)
    s = (x * 3).sum()
    seeds = [Tensor(1.0), Tensor(2.0), Tensor([3.0, 5.0])]
    (g,) = mp.autograd.grad([s, s, x], [x], seeds)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ts = (tx * 3).sum()
    tseeds = [torch.tensor(1.0), torch.tensor(2.0), torch.tensor([3.0, 5.0])]
    (tg,) = torch.autograd.grad([ts, ts, tx], [tx], tseeds)
    np.testing.assert_array_equal(g.data, tg.numpy())  # 3 * (1 + 2) + [3, 5]
    (g,) = mp.autograd.grad([x, x], [x], [Tensor([1.0, 2.0]), Tensor([3.0, 5.0])])
    assert g.tolist() == [4.0, 7.0]


def test_backward_with_create_graph_twice_accumulates_as_torch():
    torch = pytest.importorskip("torch")
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for _ in range(2):
        (x**2).sum().backward(create_graph=True)
        (tx**2).sum().backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, tx.grad.detach().numpy())


def test_backward_inputs_skips_an_input_the_output_does_not_use_as_torch():
    torch = pytest.importorskip("torch")
    x, z = Tensor([1.0, 2.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    (x * 2).sum().backward(inputs=[x, z])
    tx, tz = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    (tx * 2).sum().backward(inputs=[tx, tz])
    assert x.grad.tolist() == tx.grad.tolist() and z.grad is None and tz.grad is None


def test_grad_mode_decorators_and_a_with_block_that_raises():
    @mp.no_grad
    def bare(w):
        return w * 2

    @mp.inference_mode
    def inferred(w):
        return w * 2

    w = Tensor([1.0], requires_grad=True)
    assert not bare(w).requires_grad and not inferred(w).requires_grad
    with pytest.raises(TypeError, match="expected a function"):
        mp.no_grad(5)
    with pytest.raises(ValueError, match="inside"):  # the block's error is not swallowed
        with mp.set_grad_enabled(False):
            raise ValueError("inside")
    assert mp.is_grad_enabled()


def test_three_inplace_changes_of_one_tensor_still_invalidate_its_graph():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    for _ in range(3):
        x.mul_(2)
    assert x.tolist() == [24.0, 32.0]
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


# ------------------------------------------- census survivors (issue 27, pin27g)
def test_grads_are_the_tensors_own_arrays_as_torch():
    """``.grad`` never aliases the gradient given to backward() nor one that flows on
    through the graph: changing it in place changes nothing else, and vice versa."""
    torch = pytest.importorskip("torch")
    seed = np.array([1.0, 2.0], dtype=np.float32)
    for make, gradient in ((Tensor, seed), (torch.tensor, torch.from_numpy(seed))):
        x = make(np.array([3.0, 4.0], dtype=np.float32), requires_grad=True)
        x.backward(gradient)  # a leaf as the root: its gradient is the seed itself
        seed[0] = 5.0
        assert np.asarray(x.grad).tolist() == [1.0, 2.0]
        seed[0] = 1.0
    x = Tensor([2.0, 3.0], requires_grad=True)
    h = (x * 3).retain_grad()
    y = h * 1.0
    y.register_hook(lambda g: g)  # a hooked node's gradient also stays the node's own
    y.sum().backward()
    h.grad *= 10  # writable, and only h's
    assert h.grad.tolist() == [10.0, 10.0] and x.grad.tolist() == [3.0, 3.0]


def test_the_engines_backward_releases_the_graph_by_default():
    from micrograd_plus.autograd import engine

    x = Tensor([2.0], requires_grad=True)
    y = x**3
    engine.backward(y, np.ones(1, dtype=np.float32))
    assert x.grad.tolist() == [12.0]
    with pytest.raises(RuntimeError, match="a second time"):
        engine.backward(y, np.ones(1, dtype=np.float32))


def test_topological_order_lists_each_node_once_after_every_node_that_uses_it():
    from micrograd_plus.autograd import topological_order

    x = Tensor([0.5, 1.5], requires_grad=True)
    a = x * 2
    b, c = a.exp(), a + x  # a is used twice (a diamond), x three times
    d = b * c
    s = d + b
    loss = s.sum()
    order = topological_order(loss)
    nodes = [loss, s, d, b, c, a]
    assert len(order) == len(nodes) and {id(n) for n in order} == {id(n) for n in nodes}
    assert order[0] is loss
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._parents:
            if parent._parents:  # leaves are not listed
                assert position[id(node)] < position[id(parent)]


def test_leaf_grads_are_separate_writable_arrays_of_the_leafs_dtype_and_shape():
    """``a + b`` hands both operands one gradient array, and ``sum`` a read-only view:
    each leaf still gets its own writable ``.grad``, as torch; a 0-d leaf's gradient
    stays a 0-d array after accumulating; a Fresh gradient of another dtype is cast."""
    from micrograd_plus.autograd import Fresh

    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 2
    assert a.grad.tolist() == [2.0, 2.0] and b.grad.tolist() == [1.0, 1.0]
    s = Tensor(2.0, requires_grad=True)
    for _ in range(2):
        (s * s).backward()
    assert type(s.grad) is np.ndarray and s.grad.shape == () and float(s.grad) == 8.0
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    for _ in range(2):
        y = Tensor._make(x.data * 2, (x,), lambda g: Fresh((np.full(2, 2.0),)), "twice")
        y.sum().backward()
        assert x.grad.dtype == np.float32
    assert x.grad.tolist() == [4.0, 4.0]


class _Product(Function):
    """a * b, with a backward that gives ``b`` a gradient only when asked to."""

    differentiable_backward = True
    second = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return grad * b, (grad * a if _Product.second else None)


@pytest.mark.parametrize("mode", ["backward", "create_graph", "grad"])
def test_no_grad_reaches_a_constant_or_an_input_whose_gradient_is_none(mode):
    """A custom backward computes a gradient for every input; the engine gives none to
    one that does not require grad, and ``None`` means no gradient (torch: ``.grad``
    stays None)."""

    def run(a, b):
        out = _Product.apply(a, b).sum()
        if mode == "grad":
            return mp.autograd.grad(out, a)[0].data
        out.backward(create_graph=mode == "create_graph")
        return getattr(a.grad, "data", a.grad)

    x, c = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    assert run(x, c).tolist() == [3.0, 4.0] and c.grad is None
    y = Tensor([3.0, 4.0], requires_grad=True)
    _Product.second = False
    try:
        assert run(Tensor([1.0, 2.0], requires_grad=True), y).tolist() == [3.0, 4.0]
    finally:
        _Product.second = True
    assert y.grad is None


def test_an_inplace_stamp_is_forgotten_with_its_memory():
    from micrograd_plus.autograd import versions

    t = Tensor(np.zeros(3))
    t.add_(1)
    t.add_(1)  # a second change updates the entry of the same memory
    owner = versions.memory_owner(t.data)
    key = id(owner)
    assert versions.version(t.data[1:]) > 0 and key in versions._stamps
    assert versions.version(np.zeros(3)) == 0  # memory never changed in place
    del t, owner
    gc.collect()
    assert key not in versions._stamps


def test_grad_fits_a_gradient_a_handmade_rule_leaves_broadcast():
    """A rule may return a gradient that broadcasts to its input (as the first-order
    path accepts): grad() and backward(inputs=) give it the input's shape, and so
    does a hook on the input."""
    x = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    shapes = []
    x.register_hook(lambda g: shapes.append(g.shape))

    def total():
        h = x * 1.0
        return h, Tensor._make(h.data.sum(), (h,), lambda g: (np.asarray(g),), "sum")

    h, y = total()
    gx, gh = mp.autograd.grad(y, [x, h])
    assert gx.tolist() == [1.0, 1.0, 1.0] and gh.tolist() == [1.0, 1.0, 1.0]
    total()[1].backward(inputs=[x])
    assert x.grad.shape == (3,) and x.grad.tolist() == [1.0, 1.0, 1.0]
    assert shapes == [(3,), (3,)]


@pytest.mark.parametrize(
    "g, axes, keepdims, shape",
    [
        (np.array(2.0), (0, 1), False, (2, 3)),  # a full reduction
        (np.array([1.0, 2.0]), (1,), False, (2, 3)),  # the reduced axis put back
        (np.array([[1.0], [2.0]]), (1,), True, (2, 3)),
        (np.array([[1.0, 2.0, 3.0]]), (0,), True, (2, 3)),
        (np.arange(4.0)[::2], (1,), False, (2, 3)),  # a strided (non-contiguous) gradient
    ],
)
def test_expand_puts_the_reduced_axes_back_as_a_read_only_view(g, axes, keepdims, shape):
    """A reduction's backward repeats its gradient along the reduced axes: the values
    of np.broadcast_to, read-only (a hook writing into it is refused, as torch refuses
    to write into an expanded gradient)."""
    from micrograd_plus.autograd.shared import expand

    out = expand(g, axes, keepdims, shape)
    want = np.broadcast_to(g if keepdims else np.expand_dims(g, axes), shape)
    np.testing.assert_array_equal(out, want)
    assert out.shape == shape and not out.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        out[...] = 0
    graph = expand(Tensor(g), axes, keepdims, shape)  # under create_graph: a Tensor
    assert isinstance(graph, Tensor) and graph.shape == shape
    np.testing.assert_array_equal(graph.data, want)
