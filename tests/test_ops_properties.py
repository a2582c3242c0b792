"""Property tests: binary ops and reductions over random broadcastable shapes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracles import assert_grads_match_numeric

from micrograd_plus import Tensor
from micrograd_plus.ops._broadcast import unbroadcast

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": lambda a, b: a.maximum(b),
}

values = st.floats(-3, 3, allow_nan=False, width=64)


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    op=st.sampled_from(sorted(OPS)),
    data=st.data(),
)
def test_property_binary_op_gradients_under_broadcasting(shapes, op, data):
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=values)) for s in shapes.input_shapes)
    if op == "maximum":  # ties have a subgradient; keep the check to the smooth region
        b = b + 0.25 * (np.abs(a - b) < 1e-3)
    assert_grads_match_numeric(OPS[op], [a, b])


@given(
    array=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=values
    ),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_property_reductions_keep_shape_and_gradient(array, keepdims, data):
    axis = data.draw(st.none() | st.integers(-array.ndim, array.ndim - 1))
    for name in ["sum", "mean"]:
        out = getattr(Tensor(array), name)(axis=axis, keepdims=keepdims)
        expected = getattr(np, name)(array, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
        assert_grads_match_numeric(
            lambda t, n=name: getattr(t, n)(axis=axis, keepdims=keepdims), [array]
        )


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_property_unbroadcast_inverts_broadcast(shapes):
    target = shapes.input_shapes[0]
    grad = np.ones(shapes.result_shape)
    reduced = unbroadcast(grad, target)
    assert reduced.shape == target
    # Every input element was used size(result)/size(input) times.
    assert reduced.sum() == grad.size
