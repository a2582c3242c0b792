"""Chapter 4 exercises: optimizers written by hand, the seed's experiments, clipping."""

from __future__ import annotations

import numpy as np

from ... import nn, optim
from ...nn.utils import clip_grad_norm_
from ...tensor import Tensor
from ...utils.data import make_spiral
from ...utils.notebook import set_seed
from . import hints
from .checkopt import NONE_GRAD, accepts, adam_steps, check_optimizer, sgd_steps
from .compare import as_float_array, assert_close, call, plain_numbers
from .registry import exercise
from .result import Fail

# The seed's SGD has no dampening; a class that takes it is checked with it too. The last
# setting leaves lr to the answer's default: the exercise's statement says lr=0.01.
SGD_SETTINGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, weight_decay=0.1),
    ({}, dict(lr=0.01)),
]


@exercise(
    "optim.sgd", 4, "medium", "Write SGD(params, lr, momentum, weight_decay) as a plain class"
)
def _sgd(answer):
    settings = SGD_SETTINGS + (
        [dict(lr=0.05, momentum=0.9, dampening=0.5)] if accepts(answer, "dampening") else []
    )

    def mistakes(options, inits, grads):
        mu = options.get("momentum", 0.0)
        found = [(hints.ADAMW_STYLE, sgd_steps(inits, grads, **options, decoupled=True))]
        if mu:
            if not options.get("dampening"):  # (1-μ)·g, starting from zero or from g
                ema = {**options, "dampening": mu}
                found.append((hints.EMA_MOMENTUM, sgd_steps(inits, grads, **ema, zero_start=True)))
                found.append((hints.EMA_MOMENTUM, sgd_steps(inits, grads, **ema)))
            found.append(
                (hints.MOMENTUM_START, sgd_steps(inits, grads, **options, zero_start=True))
            )
            found.append((hints.DECAY_AFTER, sgd_steps(inits, grads, **options, decay_after=True)))
        return [(h, d) for h, d in found if not _same(d, sgd_steps(inits, grads, **options))]

    return check_optimizer(answer, optim.SGD, settings, mistakes, "SGD")


def _same(a, b) -> bool:
    """Whether two update paths are the same (to rounding): then no mistake is named."""
    return all(
        np.allclose(x, y, rtol=1e-12, atol=1e-15) for sa, sb in zip(a, b) for x, y in zip(sa, sb)
    )


def _adam_mistakes(**switches):
    """Typical wrong Adam rules (on top of ``switches``, e.g. ``decoupled=True`` for AdamW)."""

    def mistakes(options, inits, grads):
        right = adam_steps(inits, grads, **options, **switches)
        found = [
            (
                hints.BIAS_CORRECTION,
                adam_steps(inits, grads, **options, **switches, bias_correction=False),
            ),
            (hints.EPS_INSIDE, adam_steps(inits, grads, **options, **switches, eps_inside=True)),
            (hints.T_PER_PARAM, adam_steps(inits, grads, **options, **switches, t_per_param=True)),
        ]
        return [(h, d) for h, d in found if not _same(d, right)]

    return mistakes


# eps=1e-3 makes where eps goes visible; the last settings leave lr to the default (0.001)
ADAM_SETTINGS = [
    dict(lr=0.01),
    dict(lr=0.1, betas=(0.8, 0.99)),
    dict(lr=0.01, eps=1e-3),
    ({}, dict(lr=1e-3)),
]


@exercise("optim.adam", 4, "medium", "Write Adam(params, lr, betas, eps) with bias correction")
def _adam(answer):
    return check_optimizer(answer, optim.Adam, ADAM_SETTINGS, _adam_mistakes(), "Adam")


@exercise(
    "optim.adam_weight_decay",
    4,
    "hard",
    "Give your Adam a weight_decay that is torch's: an L2 term added to the gradient",
)
def _adam_weight_decay(answer):
    def mistakes(options, inits, grads):
        found = _adam_mistakes()(options, inits, grads)
        decoupled = adam_steps(inits, grads, **options, decoupled=True)
        return [(hints.ADAMW_STYLE, decoupled), *found] if options.get("weight_decay") else found

    settings = [
        dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.01, eps=1e-3, weight_decay=0.5),
        (dict(lr=0.01), dict(lr=0.01, weight_decay=0.0)),
        (dict(weight_decay=0.1), dict(lr=1e-3, weight_decay=0.1)),
    ]
    return check_optimizer(answer, optim.Adam, settings, mistakes, "Adam")


@exercise("optim.adamw", 4, "hard", "Write AdamW: Adam with decoupled weight decay")
def _adamw(answer):
    def mistakes(options, inits, grads):
        found = _adam_mistakes(decoupled=True)(options, inits, grads)
        l2 = (hints.L2_STYLE, adam_steps(inits, grads, **options))
        no_default = {**options, "weight_decay": 0.0}
        zero = (hints.ADAMW_DEFAULT, adam_steps(inits, grads, **no_default, decoupled=True))
        return [l2, zero, *found]

    settings = [
        dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.1, weight_decay=0.5),
        dict(lr=0.01, eps=1e-3, weight_decay=0.1),
        (dict(lr=0.1), dict(lr=0.1, weight_decay=0.01)),
        (dict(weight_decay=0.1), dict(lr=1e-3, weight_decay=0.1)),
    ]
    return check_optimizer(answer, optim.AdamW, settings, mistakes, "AdamW")


def _step(optimizer, loss, zero_grad=True):
    """One training step: ``zero_grad`` True (the right place), False (forgotten) or
    ``"late"`` (between backward and step, the mistake that wipes the gradients)."""
    if zero_grad is True:
        optimizer.zero_grad()
    loss.backward()
    if zero_grad == "late":
        optimizer.zero_grad()
    optimizer.step()


def _quadratic(optimizer_class, steps, zero_grad=True, **options):
    x = Tensor([0.0], requires_grad=True)
    opt = optimizer_class([x], **options)
    history = [x.item()]
    for _ in range(steps):
        loss = ((x - 3.0) ** 2).sum()
        _step(opt, loss, zero_grad)
        history.append(x.item())
    return history


def _rosenbrock(optimizer_class, steps, zero_grad=True, **options):
    x, y = Tensor([-1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optimizer_class([x, y], **options)
    history = [(x.item(), y.item())]
    for _ in range(steps):
        loss = ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum()
        _step(opt, loss, zero_grad)
        history.append((x.item(), y.item()))
    return history


def _check_experiment(answer, reference, runs, what):
    for optimizer_class, steps, options in runs:
        settings = ", ".join(f"{k}={v}" for k, v in options.items())
        where = f"{optimizer_class.__name__}({settings}), {steps} steps"
        got = call(answer, optimizer_class, steps, where=where, **options)
        expected = np.asarray(reference(optimizer_class, steps, **options))
        plain_numbers(got, what, where)
        got = as_float_array(got, what, where)
        if len(got) == len(expected) - 1:
            raise Fail(
                f"{len(got)} entries for {steps} steps on {where}",
                "the history starts with the point before the first step: steps + 1 entries",
            )
        forgot = reference(optimizer_class, steps, zero_grad=False, **options)
        late = reference(optimizer_class, steps, zero_grad="late", **options)
        wiped = (
            "step() saw no gradient: zero_grad() first, then loss.backward(), then optimizer.step()"
        )
        known = [(hints.ZERO_GRAD, forgot), (wiped, late)]
        assert_close(got, expected, what, where, known, np.float32, factors=False)
    return f"the same {what} as the reference loop with {len(runs)} optimizers"


@exercise(
    "optim.quadratic",
    4,
    "warm-up",
    "Write minimize_quadratic(optimizer_class, steps, **options): x after each step on (x-3)²",
)
def _quadratic_ex(answer):
    runs = [
        (optim.SGD, 20, dict(lr=0.1)),
        (optim.SGD, 50, dict(lr=0.1, momentum=0.9)),
        (optim.Adam, 50, dict(lr=0.1)),
    ]
    return _check_experiment(answer, _quadratic, runs, "history of x")


@exercise(
    "optim.rosenbrock",
    4,
    "medium",
    "Write minimize_rosenbrock(optimizer_class, steps, **options) from (-1, 1): the (x, y) path",
)
def _rosenbrock_ex(answer):
    runs = [(optim.SGD, 100, dict(lr=1e-4)), (optim.Adam, 100, dict(lr=0.01))]
    return _check_experiment(answer, _rosenbrock, runs, "path (x, y)")


@exercise(
    "optim.clip_grad_norm",
    4,
    "medium",
    "Write clip_grad_norm(params, max_norm): scale all gradients together, return the norm before",
)
def _clip(answer):
    per_param = "clipped each gradient by its own norm? the norm is over all gradients together"
    always = "scaled although the norm was below max_norm? only shrink, never stretch"
    for seed, share in enumerate((0.1, 0.5, 1.25, 1.9, 25.0)):
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(seed)
            grads = [rng.standard_normal(s).astype(dtype) for s in ((3,), (2, 4), (5,))]
            norm = np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads))
            max_norm = round(float(share * norm), 4)  # below, just above, and far above the norm
            where = f"max_norm={max_norm} for gradients of norm {norm:.4f}, {np.dtype(dtype).name}"
            mine, ref = _params(grads), _params(grads)
            try:
                total = call(answer, mine, max_norm, where=where)
            except Fail as fail:
                raise Fail(
                    fail.message, NONE_GRAD if "NoneType" in fail.message else None
                ) from None
            ref_total = float(clip_grad_norm_(ref[:-1], max_norm).item())
            after = [("return the norm before clipping, not after", min(norm, max_norm))]
            assert_close(
                as_float_array(total, "returned norm", where).reshape(()),
                np.float64(ref_total),
                "returned norm",
                where,
                after if norm > max_norm else [],
                dtype=dtype,
            )
            if mine[-1].grad is not None:
                raise Fail(f"a parameter without a gradient got one on {where}", NONE_GRAD)
            wrong = [
                (per_param, [g * min(1, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]),
                (always, [g * max_norm / (norm + 1e-6) for g in grads]),
            ]
            for i, (p, r) in enumerate(zip(mine[:-1], ref[:-1])):
                known = [(h, w[i]) for h, w in wrong if not np.allclose(w[i], r.grad)]
                assert_close(p.grad, r.grad, f"gradient {i} after clipping", where, known, dtype)
    return "matches clip_grad_norm_ below, just above and far above the norm, both dtypes"


def _params(grads):
    """Parameters holding copies of ``grads``, and one more whose grad is None."""
    params = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    return [*params, Tensor(np.zeros(2, dtype=grads[0].dtype), requires_grad=True)]


LR_BEHAVIOURS = ("converges", "converges, oscillating", "oscillates forever", "diverges")
PREDICT_LRS = (0.1, 0.5, 0.9, 1.0, 1.1)


def lr_behaviour(lr: float, steps: int = 40) -> str:
    """What SGD with ``lr`` does on (x-3)² from x = 0, read off the run itself."""
    errors = np.asarray(_quadratic(optim.SGD, steps, lr=lr)) - 3.0
    size = np.abs(errors)
    if size[-1] > 2 * size[0]:
        return "diverges"
    if size[-1] > 0.5 * size[0]:
        return "oscillates forever"
    signs = np.sign(errors[np.abs(errors) > 1e-6])
    return "converges, oscillating" if (np.diff(signs) != 0).any() else "converges"


@exercise(
    "optim.predict_lr",
    4,
    "warm-up",
    "Predict what SGD does on (x-3)² for lr 0.1, 0.5, 0.9, 1.0, 1.1, before running it",
)
def _predict_lr(answer):
    if not isinstance(answer, dict):
        raise Fail(f"expected a dict {{lr: behaviour}}, got {type(answer).__name__}")
    wrong, why = [], []
    for lr in PREDICT_LRS:
        if lr not in answer:
            raise Fail(f"no prediction for lr={lr}")
        if answer[lr] not in LR_BEHAVIOURS:
            raise Fail(f"lr={lr}: {answer[lr]!r} is not one of {LR_BEHAVIOURS}")
        truth = lr_behaviour(lr)
        if answer[lr] != truth:
            wrong.append(f"lr={lr} is not {answer[lr]!r}")
            why.append(f"at lr={lr} each step multiplies the distance to 3 by {1 - 2 * lr:.1f}")
    if wrong:
        raise Fail("; ".join(wrong), "; ".join(why) + " (1 - 2·lr)")
    return "all five right: the step multiplies the distance to 3 by (1 - 2·lr)"


def _spiral_loop(model, loss_fn, optimizer, X, y, epochs, zero_grad=True):
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        _step(optimizer, loss, zero_grad)
        losses.append(loss.item())
    return losses


def spiral_setup(seed: int = 0, n_points: int = 20, hidden: int = 16):
    """A small spiral problem: ``(model, X, y)`` as Tensors, the same for the same seed."""
    set_seed(seed)
    X, y = make_spiral(n_points=n_points, n_classes=3, seed=seed)
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 3))
    return model, Tensor(X), Tensor(y)


@exercise(
    "optim.spiral",
    4,
    "hard",
    "Write train_spiral(model, loss_fn, optimizer, X, y, epochs): the seed's loop, epoch losses",
)
def _spiral(answer):
    for name, make in (
        ("Adam", lambda p: optim.Adam(p, lr=0.01)),
        ("SGD", lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
    ):
        runs = []
        for who in ("answer", True, False, "late"):
            model, X, y = spiral_setup()
            opt, loss_fn = make(model.parameters()), nn.CrossEntropyLoss()
            if who == "answer":
                got = call(answer, model, loss_fn, opt, X, y, 15, where=f"{name}, 15 epochs")
                plain_numbers(got, "losses", f"{name}, 15 epochs")
                got = as_float_array(got, "losses", f"{name}, 15 epochs").reshape(-1)
            else:
                got = _spiral_loop(model, loss_fn, opt, X, y, 15, zero_grad=who)
            runs.append(np.asarray(got, dtype=np.float64))
        if len(runs[0]) != 15:
            raise Fail(f"{len(runs[0])} losses for 15 epochs", "one loss per epoch, as a float")
        wiped = (
            "step() saw no gradient: zero_grad() first, then loss.backward(), then optimizer.step()"
        )
        assert_close(
            runs[0],
            runs[1],
            "losses",
            f"{name}, 15 epochs",
            [(hints.ZERO_GRAD, runs[2]), (wiped, runs[3])],
            np.float32,
            factors=False,
        )
    return "the same 15 losses as the reference loop, with Adam and with SGD+momentum"
