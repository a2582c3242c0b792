"""Gradient checking, seeding and notebook helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_plus import Tensor
from micrograd_plus.autograd.gradcheck import gradient_check, numerical_gradient
from micrograd_plus.utils import cleanup_notebook, count_parameters, set_seed


def test_numerical_gradient_of_known_function():
    grad = numerical_gradient(lambda v: (v**3).sum(), np.array([1.0, 2.0]))
    np.testing.assert_allclose(grad, [3.0, 12.0], rtol=1e-8)


def test_numerical_gradient_requires_a_scalar_function():
    with pytest.raises(ValueError, match="one number"):
        numerical_gradient(lambda v: v * 2, np.ones(2))


def test_gradient_check_catches_a_wrong_backward():
    from micrograd_plus import Function

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved
            return grad * x  # should be 2x

    bad = gradient_check(lambda t: WrongSquare.apply(t), np.array([1.0, -2.0, 3.0]))
    assert not bad.passed and bad.max_abs_error > 0.9 and "FAIL" in str(bad)
    good = gradient_check(lambda t: t**2, np.array([1.0, -2.0, 3.0]))
    assert good.passed and good.max_abs_error < 1e-6 and "PASS" in str(good)


def test_set_seed_makes_numpy_reproducible():
    set_seed(7)
    first = np.random.rand(3)
    set_seed(7)
    np.testing.assert_array_equal(first, np.random.rand(3))


def test_cleanup_notebook_drops_large_objects_only():
    namespace = {
        "X": np.zeros(10),
        "t": Tensor([1.0]),
        "np": np,
        "n": 3,
        "Tensor": Tensor,
        "_private": np.ones(1),
    }
    assert cleanup_notebook(namespace) == 2
    assert sorted(namespace) == ["Tensor", "_private", "n", "np"]
    assert cleanup_notebook() == 0


def test_count_parameters_on_an_iterable():
    params = [Tensor(np.zeros((3, 4)), requires_grad=True), Tensor(np.zeros(4))]
    assert count_parameters(params) == 12
    assert count_parameters(params, trainable_only=False) == 16


def test_utils_and_utils_data_need_no_import_of_their_own():
    # A fresh interpreter: nothing but `import micrograd_plus as mp` has run.
    code = (
        "import micrograd_plus as mp, numpy as np\n"
        "mp.utils.set_seed(0); a = np.random.rand()\n"
        "mp.utils.set_seed(0); assert a == np.random.rand()\n"
        "assert mp.utils.DataLoader is mp.utils.data.DataLoader is mp.DataLoader\n"
        "print(mp.utils.data.TensorDataset.__name__)\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "TensorDataset"
