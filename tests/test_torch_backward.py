"""``micrograd_plus.autograd.backward`` is ``torch.autograd.backward``: several outputs in one
pass, their gradients summed, with torch's arguments and errors."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_plus as mp

torch = pytest.importorskip("torch")


def _graph(lib, x):
    shared = lib.tanh(x * 3.0)  # a node both outputs reach
    return (shared * shared).sum(), (shared * x).sum(dim=0), shared


@pytest.mark.parametrize("create_graph", [False, True])
def test_two_outputs_and_their_gradients_give_torchs_grad(create_graph):
    values = np.random.default_rng(0).standard_normal((3, 2))
    seed = np.array([0.5, -2.0])
    x = mp.tensor(values, dtype=mp.float64, requires_grad=True)
    tx = torch.tensor(values, requires_grad=True)
    a, b, _ = _graph(mp, x)
    ta, tb, _ = _graph(torch, tx)
    mp.autograd.backward([a, b], [None, seed], create_graph=create_graph)
    torch.autograd.backward([ta, tb], [None, torch.tensor(seed)], create_graph=create_graph)
    grad = x.grad.data if create_graph else x.grad
    np.testing.assert_allclose(grad, tx.grad.detach().numpy(), rtol=1e-12)
    assert isinstance(x.grad, mp.Tensor) == create_graph


def test_inputs_limit_which_leaves_accumulate_and_the_graph_is_released():
    x = mp.tensor([1.0, 2.0], requires_grad=True)
    w = mp.tensor([3.0, -1.0], requires_grad=True)
    out = (x * w).sum()
    mp.autograd.backward(out, inputs=[w])
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        out.backward()


def test_the_engine_style_call_still_works():
    x = mp.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    mp.autograd.backward(y, np.array([1.0, 1.0], dtype=np.float32), True)
    y.backward(np.ones(2, dtype=np.float32))  # retained
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_mistakes_name_torchs_arguments():
    x = mp.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="element 1 of tensors does not require grad"):
        mp.autograd.backward([x.sum(), mp.tensor(1.0)])
    with pytest.raises(ValueError, match="grad_tensors has 1 entries for 2 outputs"):
        mp.autograd.backward([x.sum(), x.sum()], [None])
    with pytest.raises(RuntimeError, match="pass grad_tensors="):
        mp.autograd.backward(x * 2)
    with pytest.raises(TypeError, match=r"tensors\[0\] is a list"):
        mp.autograd.backward([[x.sum()]])
