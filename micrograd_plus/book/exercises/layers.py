"""Chapter 2 exercises: a linear layer by hand, counting parameters, an MLP, LeakyReLU, dropout."""

from __future__ import annotations

import numbers

import numpy as np

from ... import nn
from ...ops.elementwise import where
from ...tensor import Tensor
from .checkfn import check_function
from .compare import assert_close, call
from .registry import exercise
from .result import Fail

# (batch, in, out); square first, so a missing transpose gives wrong numbers before an error
LINEAR_SIZES = ((5, 4, 4), (4, 3, 2), (1, 6, 3))


@exercise(
    "layers.linear",
    2,
    "warm-up",
    "Write linear(x, weight, bias) = x @ weight.T + bias with Tensor ops",
)
def _linear(answer):
    def make(rng, shape, dtype):
        n, fan_in, fan_out = shape
        arrays = [
            rng.standard_normal(s).astype(dtype)
            for s in ((n, fan_in), (fan_out, fan_in), (fan_out,))
        ]
        return arrays, []

    def reference(x, w, b):
        return x @ w.T + b

    def untransposed(x, w, b):
        return x @ w + b

    mistakes = [
        ("weight is stored (out_features, in_features): multiply by weight.T", untransposed),
        ("the bias is missing: add it after the product", lambda x, w, b: x @ w.T),
    ]
    check_function(answer, reference, make, mistakes=mistakes, shapes=LINEAR_SIZES, name="output")
    return "output and the gradients of x, weight and bias match on 6 inputs"


def _models():
    return [
        nn.Sequential(nn.Linear(2, 3)),
        nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)),
        nn.Sequential(nn.Linear(5, 5, bias=False), nn.Tanh(), nn.Linear(5, 1)),
    ]


@exercise(
    "layers.count_parameters",
    2,
    "warm-up",
    "Write count_parameters(model): how many numbers it trains",
)
def _count(answer):
    slips = {
        "counted tensors, not numbers: add up p.data.size": lambda ps: len(ps),
        "counted rows, not numbers: use p.data.size": lambda ps: sum(p.data.shape[0] for p in ps),
        "the biases count too": lambda ps: sum(p.data.size for p in ps if p.data.ndim > 1),
    }
    wrong = []
    for i, model in enumerate(_models()):
        params = list(model.parameters())
        truth = sum(p.data.size for p in params)
        got = call(answer, model, where=f"model {i}: {model}")
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            raise Fail(
                f"model {i}: returned {type(got).__name__} {got!r:.60}, expected an int",
                "return a whole number: sum(p.data.size for p in model.parameters())",
            )
        wrong.append((model, params, truth, int(got)))
    bad = [(m, truth, got) for m, _, truth, got in wrong if got != truth]
    if bad:
        # a slip is named only if it gives every count the answer gave
        hint = next(
            (h for h, f in slips.items() if all(f(ps) == got for _, ps, _, got in wrong)), None
        )
        model, truth, got = bad[0]
        raise Fail(f"{model} has {truth} parameters, you counted {got}", hint)
    return "right on 3 models (with and without biases)"


@exercise(
    "layers.mlp",
    2,
    "medium",
    "Write make_mlp(sizes): Linear layers with ReLU between them, none after the last",
)
def _mlp(answer):
    for sizes in ([2, 16, 3], [4, 8, 8, 2], [3, 1]):
        model = call(answer, list(sizes), where=f"sizes {sizes}")
        if not isinstance(model, nn.Module):
            raise Fail(f"make_mlp({sizes}) returned {type(model).__name__}, expected a Module")
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        shapes = [tuple(m.weight.shape) for m in linears]
        expected = [(b, a) for a, b in zip(sizes, sizes[1:])]
        if shapes != expected:
            hint = (
                "one Linear per pair of consecutive sizes: len(sizes) - 1 layers"
                if len(shapes) != len(expected)
                else None
            )
            raise Fail(f"make_mlp({sizes}) has Linear weights {shapes}, expected {expected}", hint)
        relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
        if len(relus) != len(sizes) - 2:
            hint = (
                "a ReLU after the last layer? logits must be free to be negative"
                if len(relus) == len(sizes) - 1
                else "a ReLU between every two Linear layers: without it they collapse into one"
                if len(relus) < len(sizes) - 2
                else None
            )
            raise Fail(f"make_mlp({sizes}) has {len(relus)} ReLUs, expected {len(sizes) - 2}", hint)
        out = model(Tensor(np.random.default_rng(0).standard_normal((64, sizes[0]))))
        if out.shape != (64, sizes[-1]):
            raise Fail(f"output shape {out.shape}, expected {(64, sizes[-1])}")
        if (out.data >= 0).all():
            raise Fail(
                f"make_mlp({sizes}) never outputs a negative number",
                "a ReLU after the last layer? logits must be free to be negative",
            )
    return "right layer sizes, ReLUs between layers only, on 3 architectures"


@exercise(
    "layers.leaky_relu",
    2,
    "medium",
    "Write a LeakyReLU(negative_slope) module: x where x > 0, slope * x elsewhere",
)
def _leaky(answer):
    def inputs(rng, shape, dtype):
        return [rng.standard_normal(shape).astype(dtype)], []

    for slope in (0.01, 0.2, None):
        made = f"LeakyReLU({'' if slope is None else slope})"
        module = call(answer, *(() if slope is None else (slope,)), where=made)
        mine = lambda x, m=module: m(x)  # noqa: E731
        s = 0.01 if slope is None else slope
        mistakes = [("the slope goes on the negative side: x if x > 0 else slope·x", _flipped(s))]
        try:
            check_function(mine, nn.LeakyReLU(s), inputs, mistakes=mistakes)
        except Fail as fail:
            default = "the default negative_slope is 0.01, as torch's" if slope is None else None
            raise Fail(f"{made}: {fail.message}", fail.hint or default) from None
        _at_zero(mine, s, made)
    return "matches nn.LeakyReLU for slopes 0.01 (the default) and 0.2, values and gradients"


def _at_zero(module, slope, made):
    """At the kink x = 0 torch's gradient is the slope (central differences cannot tell)."""
    x = Tensor(np.zeros(3), requires_grad=True)
    call(lambda: module(x).sum().backward(), where=f"{made} at x = 0")
    if x.grad is None or not np.allclose(x.grad, slope):
        raise Fail(
            f"{made}: the gradient at x = 0 is {x.grad}, expected {slope} (torch's)",
            "at x = 0 the exercise (and torch) takes the slope branch: where(x > 0, x, slope·x); "
            "x >= 0 takes the other, and maximum(x, slope·x) splits the gradient at the tie",
        )


def _flipped(slope):
    return lambda x: where(x > 0, slope * x, x)


@exercise(
    "layers.dropout",
    2,
    "hard",
    "Write dropout(x, p, training): zero each entry with probability p, scale the rest by 1/(1-p)",
)
def _dropout(answer):
    x_data = np.random.default_rng(1).uniform(0.5, 1.5, (200, 50))
    for dtype in (np.float32, np.float64):
        x = Tensor(x_data.astype(dtype), requires_grad=True)
        out = call(answer, x, 0.3, False, where="training=False")
        try:
            assert_close(out, x.data, "output in evaluation", "training=False", dtype=dtype)
        except Fail as fail:
            raise Fail(fail.message, "in evaluation (training=False) return x unchanged") from None
        for p in (0.3, 0.6):
            where = f"p={p}, {np.dtype(dtype).name}"
            x = Tensor(x_data.astype(dtype), requires_grad=True)
            out = call(answer, x, p, True, where=where)
            kept = out.data != 0
            share = 1 - kept.mean()
            if abs(share - p) > 0.03:
                kept_p = abs(share - (1 - p)) <= 0.03
                raise Fail(
                    f"{share:.1%} of the entries were zeroed on {where}, expected about {p:.0%}",
                    "p is the probability to drop: zero where the draw is < p, keep where >= p"
                    if kept_p
                    else "zero an entry where np.random draws < p",
                )
            unscaled = [("kept entries not scaled by 1/(1-p)?", x.data[kept])]
            assert_close(
                out.data[kept], x.data[kept] / (1 - p), "kept entries", where, unscaled, dtype
            )
            out.sum().backward()
            assert_close(x.grad, kept / (1 - p), "gradient", where, dtype=dtype)
            again = call(answer, Tensor(x_data.astype(dtype)), p, True, where=where)
            if np.array_equal(again.data != 0, kept):
                raise Fail(
                    f"two calls zeroed exactly the same entries on {where}",
                    "a new mask at every call: draw from np.random (or one generator made "
                    "once), not from a generator seeded inside the function",
                )
    return (
        "identity in evaluation; in training the right share zeroed, the rest scaled; gradients too"
    )
