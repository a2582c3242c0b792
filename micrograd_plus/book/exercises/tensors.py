"""Chapter 1 exercises: gradients by hand, broadcasting, central differences, custom ops."""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function
from ...autograd.gradcheck import numerical_gradient
from ...ops._broadcast import unbroadcast
from ...tensor import Tensor
from .checkfn import check_function
from .compare import assert_close, call, cases
from .registry import exercise
from .result import Fail


@exercise(
    "tensors.tanh_grad", 1, "warm-up", "Write the derivative of tanh by hand, as a NumPy function"
)
def _tanh_grad(answer):
    n = 0
    for rng, shape, dtype, where in cases():
        x = (1.5 * rng.standard_normal(shape)).astype(dtype)
        t = Tensor(x, requires_grad=True)
        t.tanh().sum().backward()
        got = call(answer, x.copy(), where=where)
        mistakes = [
            ("the derivative is 1 - tanh(x)²: square the tanh", 1 - np.tanh(x)),
            ("1 - x² is the derivative in terms of tanh's output; x is the input here", 1 - x * x),
        ]
        assert_close(got, t.grad, "derivative", where, mistakes, dtype=dtype, factors=False)
        n += 1
    return f"matches backward() on {n} inputs (3 shapes, float32 and float64)"


BROADCASTS = (
    ((3, 4), (4,)),
    ((3, 4), (3, 1)),
    ((2, 3, 4), (1, 4)),
    ((2, 3), ()),
    ((5,), (5,)),
    ((2, 3), (1, 3)),  # a size-1 axis stretched to 2
    ((2, 1, 4), (2, 1, 1)),  # a size-1 axis that stayed 1 next to one stretched
)


@exercise(
    "tensors.unbroadcast",
    1,
    "medium",
    "Write unbroadcast(grad, shape): sum a broadcast gradient back to the input's shape",
)
def _unbroadcast(answer):
    for i, (grad_shape, shape) in enumerate(BROADCASTS):
        grad = np.random.default_rng(i).standard_normal(grad_shape)
        where = f"grad {grad_shape} -> shape {shape}"
        got = np.asarray(call(answer, grad.copy(), shape, where=where))
        if got.shape != shape:
            hint = (
                "size-1 axes stay, with keepdims=True; leading extra axes go"
                if got.size == int(np.prod(shape))
                else "sum over the broadcast axes only"
            )
            raise Fail(f"result has shape {got.shape}, expected {shape} on {where}", hint)
        copies = grad.size / max(1, int(np.prod(shape)))
        mean = (
            [
                (
                    "averaged? the gradient of a broadcast input is the sum over its copies",
                    unbroadcast(grad, shape) / copies,
                )
            ]
            if copies > 1
            else []
        )
        assert_close(got, unbroadcast(grad, shape), "result", where, mean, factors=False)
    return f"right on {len(BROADCASTS)} broadcasts, including a scalar and kept size-1 axes"


FUNCTIONS = (
    ("sum(x**2)", lambda x: (np.asarray(x) ** 2).sum()),
    ("sum(sin(x) * x)", lambda x: (np.sin(x) * x).sum()),
)


@exercise(
    "tensors.numerical_gradient",
    1,
    "medium",
    "Write numgrad(f, x, eps): the gradient of f at x by central differences",
)
def _numgrad(answer):
    eps = 1e-4  # large enough that a forward difference is visibly worse
    for (name, f), shape in zip(FUNCTIONS * 2, ((4,), (2, 3), (3,), (2, 2))):
        x = np.random.default_rng(len(shape)).standard_normal(shape)
        keep = x.copy()
        where = f"f = {name}, x of shape {shape}"
        got = call(answer, f, x, eps, where=where)
        if not np.array_equal(x, keep):
            raise Fail(f"x was changed by numgrad on {where}", "restore x[i] after each probe")
        forward = _forward_difference(f, keep, eps)
        mistakes = [
            ("a forward difference? (f(x+h) - f(x-h)) / 2h is exact to O(h²)", forward),
            ("divided by h instead of 2h?", 2 * numerical_gradient(f, keep, eps)),
        ]
        assert_close(
            got, numerical_gradient(f, keep, eps), "gradient", where, mistakes, factors=False
        )
    return "matches central differences on 4 functions and shapes, and leaves x as it was"


def _forward_difference(f, x, eps):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up = x.copy()
        up[i] += eps
        grad[i] = (f(up) - f(x)) / eps
    return grad


def _stable_softplus(x: Tensor) -> Tensor:
    return x.relu() + (1 + (-x.abs()).exp()).log()


class _SoftplusWrongBackward(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (1 + np.exp(np.minimum(x, 50)))  # sigmoid(-x): a common slip


CHAIN_RULE = "backward returns grad times the local derivative (the chain rule): multiply by grad"


class _SoftplusNoUpstream(_SoftplusWrongBackward):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return 1 / (1 + np.exp(-np.clip(x, -50, 50))) + 0 * grad


class _HypotNoUpstream(Function):
    @staticmethod
    def forward(ctx, x, y):
        r = np.hypot(x, y)
        ctx.save_for_backward(x, y, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved
        return x / r + 0 * grad, y / r + 0 * grad


class _HypotCopied(_HypotNoUpstream):
    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved
        return grad * x / r, grad * x / r


def _function_class(answer, name):
    if not (isinstance(answer, type) and issubclass(answer, Function)):
        raise Fail(
            f"expected a subclass of Function (class {name}(Function): ...), got {answer!r}",
            "write a class with a static forward(ctx, ...) and backward(ctx, grad); "
            "check the class itself, not an instance or a function",
        )


@exercise(
    "tensors.softplus",
    1,
    "hard",
    "Write Softplus as a Function: a stable forward log(1 + e^x) and its backward",
)
def _softplus(answer):
    _function_class(answer, "Softplus")

    def make(rng, shape, dtype):
        x = (3 * rng.standard_normal(shape)).astype(dtype)
        x.reshape(-1)[:2] = (100.0, -100.0)  # naive exp(100) overflows float32
        return [x], []

    mistakes = [
        ("backward: d/dx log(1 + e^x) = sigmoid(x), not sigmoid(-x)", _SoftplusWrongBackward.apply),
        (CHAIN_RULE, _SoftplusNoUpstream.apply),
    ]
    check_function(answer.apply, _stable_softplus, make, mistakes=mistakes)
    return "forward and backward match on 6 inputs (with x = ±100), and central differences agree"


class _HypotSwapped(_HypotNoUpstream):
    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved
        return grad * y / r, grad * x / r


@exercise(
    "tensors.hypot",
    1,
    "hard",
    "Write Hypot(x, y) = sqrt(x² + y²) as a Function with two inputs",
)
def _hypot(answer):
    _function_class(answer, "Hypot")

    def make(rng, shape, dtype):
        return [
            rng.standard_normal(shape).astype(dtype) + 0.5,
            rng.standard_normal(shape).astype(dtype),
        ], []

    def reference(x, y):
        return (x * x + y * y).sqrt()

    mistakes = [
        (
            "gradients returned in the wrong order? one per input, in forward's order",
            _HypotSwapped.apply,
        ),
        (CHAIN_RULE, _HypotNoUpstream.apply),
        ("the gradient for y is y / r (x / r is x's)", _HypotCopied.apply),
    ]
    check_function(answer.apply, reference, make, mistakes=mistakes)
    return "forward and both gradients match on 6 inputs, and central differences agree"


DTYPE_EXPRESSIONS = {
    "Tensor([1, 2])": (lambda: Tensor([1, 2]), "a list of ints becomes float32"),
    "Tensor(np.arange(3.0))": (
        lambda: Tensor(np.arange(3.0)),
        "a float64 array keeps its dtype",
    ),
    "Tensor(np.ones(2, dtype=np.float32)) * 2.5": (
        lambda: Tensor(np.ones(2, dtype=np.float32)) * 2.5,
        "a Python float takes the tensor's dtype",
    ),
    "Tensor(np.ones(2)) + np.float32(1)": (
        lambda: Tensor(np.ones(2)) + np.float32(1),
        "a NumPy scalar takes the tensor's dtype too: ops never change it",
    ),
}


@exercise(
    "tensors.predict_dtype",
    1,
    "warm-up",
    "Predict the dtype of four expressions (a list of 'float32'/'float64')",
)
def _predict_dtype(answer):
    try:
        answer = list(answer)
    except TypeError:
        raise Fail(f"expected a list of four dtype names, got {answer!r:.60}") from None
    if len(answer) != len(DTYPE_EXPRESSIONS):
        raise Fail(
            f"expected {len(DTYPE_EXPRESSIONS)} dtypes, one per expression, got {len(answer)}"
        )
    wrong, why = [], []
    for (text, (make, reason)), guess in zip(DTYPE_EXPRESSIONS.items(), answer):
        if str(guess) not in ("float32", "float64"):
            raise Fail(f"{guess!r} for {text}: answer 'float32' or 'float64'")
        if str(guess) != make().dtype.name:
            wrong.append(text)
            why.append(reason)
    if wrong:
        raise Fail(f"not right yet for: {'; '.join(wrong)}", "; ".join(why))
    return "all four right"
