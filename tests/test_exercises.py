"""The exercise checker: right answers pass, typical wrong ones fail with the matching hint.

The seed chapter's four classes are copied below as the seed wrote them (only
docstrings and comments dropped); they must pass their checkers, and variants
with a typical bug must fail with the hint that names it.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Function, Linear, ReLU, Sequential, Tensor, no_grad
from micrograd_plus.book.exercises import CheckResult, check, exercises, hints
from micrograd_plus.nn import losses as F

CHAPTERS = Path(__file__).resolve().parents[1] / "docs" / "chapters"


# --- the seed's classes, as in /work/shared/seed/000_8f9f07721cec4145.txt ----------------
class MSELoss:
    def __init__(self, reduction: str = "mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError("reduction must be 'mean', 'sum', or 'none'")
        self.reduction = reduction

    def __call__(self, pred: Tensor, target: Tensor) -> Tensor:
        if not isinstance(target, Tensor):
            target = Tensor(target)
        diff = pred - target
        squared = diff**2
        if self.reduction == "mean":
            return squared.mean()
        elif self.reduction == "sum":
            return squared.sum()
        else:
            return squared


class CrossEntropyLoss:
    def __init__(self, reduction: str = "mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError("reduction must be 'mean', 'sum', or 'none'")
        self.reduction = reduction

    def __call__(self, logits: Tensor, targets: Tensor) -> Tensor:
        if not isinstance(targets, Tensor):
            targets = Tensor(targets)
        batch_size = logits.shape[0]
        num_classes = logits.shape[1]
        log_probs = logits.log_softmax(axis=1)
        target_indices = targets.data.astype(np.int32)
        one_hot = np.zeros((batch_size, num_classes), dtype=np.float32)
        one_hot[np.arange(batch_size), target_indices] = 1.0
        nll = -(log_probs * Tensor(one_hot)).sum(axis=1)
        if self.reduction == "mean":
            return nll.mean()
        elif self.reduction == "sum":
            return nll.sum()
        else:
            return nll


class SGD:
    def __init__(
        self,
        params: list[Tensor],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocities: dict[int, np.ndarray] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.grad = np.zeros_like(p.data)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = p.grad.copy()
            if self.weight_decay != 0:
                grad = grad + self.weight_decay * p.data
            if self.momentum != 0:
                if i not in self.velocities:
                    self.velocities[i] = np.zeros_like(p.data)
                v = self.velocities[i]
                v = self.momentum * v + grad
                self.velocities[i] = v
                grad = v
            p.data = p.data - self.lr * grad


class Adam:
    def __init__(
        self,
        params: list[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        self.params = list(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m: dict[int, np.ndarray] = {}
        self.v: dict[int, np.ndarray] = {}
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.grad = np.zeros_like(p.data)

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = p.grad.copy()
            if self.weight_decay != 0:
                p.data = p.data - self.lr * self.weight_decay * p.data
            if i not in self.m:
                self.m[i] = np.zeros_like(p.data)
                self.v[i] = np.zeros_like(p.data)
            m = self.m[i]
            v = self.v[i]
            m = beta1 * m + (1 - beta1) * grad
            self.m[i] = m
            v = beta2 * v + (1 - beta2) * (grad**2)
            self.v[i] = v
            m_hat = m / (1 - beta1**self.t)
            v_hat = v / (1 - beta2**self.t)
            p.data = p.data - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def _best_lr(eigenvalues):
    mu, L = min(eigenvalues), max(eigenvalues)
    return 2 / (L + mu), (L - mu) / (L + mu)


def _hvp(loss_fn, params, vectors, create_graph=True, gradient_only=False):
    grads = mp.grad(loss_fn(), params, create_graph=create_graph)
    if gradient_only:
        return [g.data for g in grads]
    along_v = sum((g * Tensor(v)).sum() for g, v in zip(grads, vectors))
    return [h.data for h in mp.grad(along_v, params)]


def _power(hvp, n, iters, normalise=True, vector=False):
    v = np.ones(n) / np.sqrt(n)
    for _ in range(iters):
        w = hvp(v)
        v = w / np.linalg.norm(w) if normalise else w
    return v if vector else float(v @ hvp(v) / (v @ v))


# --- the list of exercises -------------------------------------------------------------------


def test_at_least_35_exercises_and_4_per_chapter():
    listed = exercises()
    assert len(listed) >= 35
    for chapter in range(1, 7):
        assert len(exercises(chapter)) >= 4, chapter
    assert len({e.id for e in listed}) == len(listed)
    assert all(e.statement and e.level in ("warm-up", "medium", "hard") for e in listed)


def test_the_list_prints_ids_chapters_and_statements():
    text, page = repr(exercises()), exercises()._repr_html_()
    for e in exercises():
        assert e.id in text and e.id in page and e.statement in text


def test_every_exercise_is_in_the_book_with_its_id_and_a_checked_hidden_solution():
    book = {p.name: p.read_text() for p in sorted(CHAPTERS.glob("0[1-7]_*.md"))}
    for e in exercises():
        (name,) = [n for n in book if n.startswith(f"0{e.chapter}_")]
        text = book[name]
        assert re.search(rf"### Exercise {e.chapter}\.\d+ · `{re.escape(e.id)}`", text), e.id
        solution = re.search(
            r"tags: \[hide-input\]\njupyter:\n  source_hidden: true\n---\n(?:(?!```).)*?"
            r"result = check\(\s*\"" + re.escape(e.id) + r"\".*?assert result\.passed",
            text,
            re.S,
        )
        assert solution, f"{e.id}: no hidden solution cell asserting check(...).passed in {name}"


def test_an_unknown_id_suggests_the_closest():
    with pytest.raises(KeyError, match="did you mean 'optim.sgd'"):
        check("optim.sdg", mp.SGD)


# --- the result ------------------------------------------------------------------------------


def test_result_reads_well_as_text_and_html():
    ok = check("losses.mse", mp.MSELoss)
    assert isinstance(ok, CheckResult) and ok.passed and bool(ok)
    assert repr(ok).startswith("✓ losses.mse:") and "\n" not in repr(ok)
    assert "passed" in ok._repr_html_()
    bad = check("losses.mse", SumMSE)
    assert not bad.passed and "shape (5,), float32" in bad.message
    assert "hint: off by a factor" in repr(bad) and "<b>hint:</b>" in bad._repr_html_()


def test_an_answer_that_raises_is_a_failed_result_naming_the_input():
    def broken(pred, target):
        raise RuntimeError("oops")

    result = check("losses.huber", lambda p, t, d: broken(p, t))
    assert not result.passed and "RuntimeError: oops" in result.message
    assert "shape (5,)" in result.message


def test_a_stub_says_not_implemented_yet():
    def stub(*args, **options):
        raise NotImplementedError

    result = check("optim.quadratic", stub)
    assert not result.passed and "not implemented yet" in result.message


def test_checking_leaves_the_global_seed_alone():
    np.random.seed(3)
    expected = np.random.random()
    np.random.seed(3)
    check("layers.dropout", _dropout)
    assert np.random.random() == expected


# --- the seed's classes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("losses.mse", MSELoss),
        ("losses.cross_entropy", CrossEntropyLoss),
        ("optim.sgd", SGD),
        ("optim.adam", Adam),
    ],
)
def test_the_seeds_classes_pass(exercise_id, answer):
    result = check(exercise_id, answer)
    assert result.passed, result


def test_the_seeds_adam_decays_weights_as_adamw_and_the_checker_says_so():
    result = check("optim.adam_weight_decay", Adam)
    assert not result.passed and result.hint == hints.ADAMW_STYLE
    # ... which is exactly AdamW's rule, so with AdamW's default it passes that checker
    assert check("optim.adamw", type("AdamW", (Adam,), {"__init__": _adamw_init})).passed
    # but `class AdamW(Adam): pass` keeps Adam's default weight_decay=0
    no_default = check("optim.adamw", type("AdamW", (Adam,), {}))
    assert not no_default.passed and no_default.hint == hints.ADAMW_DEFAULT


def _adamw_init(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
    Adam.__init__(self, params, lr, betas, eps, weight_decay)


class SumMSE(MSELoss):
    def __call__(self, pred, target):
        squared = (pred - target) ** 2
        return squared.sum() if self.reduction != "none" else squared


class SoftmaxFirstCE(CrossEntropyLoss):
    def __call__(self, logits, targets):
        return super().__call__(logits.softmax(axis=1), targets)


class SignSGD(SGD):
    def step(self):
        for p in self.params:
            p.grad = None if p.grad is None else -p.grad
        super().step()


class NoBiasCorrectionAdam(Adam):
    def step(self):
        self.t += 1
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            m = beta1 * self.m.get(i, np.zeros_like(p.data)) + (1 - beta1) * grad
            v = beta2 * self.v.get(i, np.zeros_like(p.data)) + (1 - beta2) * grad**2
            self.m[i], self.v[i] = m, v
            p.data = p.data - self.lr * m / (np.sqrt(v) + self.eps)


class DampenedSGD(SGD):
    """Accepts dampening, so the checker tests it; ``zero_start`` is the bug."""

    def __init__(
        self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, zero_start=False
    ):
        super().__init__(params, lr, momentum, weight_decay)
        self.dampening, self.zero_start = dampening, zero_start

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            if self.momentum:
                if i not in self.velocities:
                    start = (1 - self.dampening) * g if self.zero_start else g
                    self.velocities[i] = start
                else:
                    self.velocities[i] = (
                        self.momentum * self.velocities[i] + (1 - self.dampening) * g
                    )
                g = self.velocities[i]
            p.data = p.data - self.lr * g


class EMASGD(SGD):
    """Momentum as an exponential average that starts at zero: a common slip."""

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            if self.momentum:
                v = self.momentum * self.velocities.get(i, np.zeros_like(p.data))
                self.velocities[i] = v + (1 - self.momentum) * g
                g = self.velocities[i]
            p.data = p.data - self.lr * g


class DecoupledSGD(SGD):
    def step(self):
        for p in self.params:
            p.data = p.data * (1 - self.lr * self.weight_decay)
        decay, self.weight_decay = self.weight_decay, 0.0
        super().step()
        self.weight_decay = decay


class L2AdamW(Adam):
    """AdamW whose weight decay is added to the gradient, as Adam's L2."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, 0.0)
        self.decay = weight_decay

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.grad = p.grad + self.decay * p.data
        super().step()


def test_each_seed_variant_fails_with_its_hint():
    assert check("losses.mse", SumMSE).hint == hints.factor(5)
    assert "summed instead of averaged" in check("losses.mse", SumMSE).hint
    assert check("losses.cross_entropy", SoftmaxFirstCE).hint == hints.SOFTMAX_FIRST
    assert check("optim.sgd", SignSGD).hint == hints.SIGN
    result = check("optim.adam", NoBiasCorrectionAdam)
    assert result.hint == hints.BIAS_CORRECTION and "3.16" in result.hint
    assert "step 1 of parameter 0" in result.message
    assert check("optim.sgd", DampenedSGD).passed
    no_skip = check("optim.sgd", type("NoSkip", (DampenedSGD,), {"step": _step_without_skip}))
    assert not no_skip.passed and "p.grad is None: continue" in no_skip.hint
    zero = check("optim.sgd", lambda *a, **k: DampenedSGD(*a, zero_start=True, **k))
    assert "expected a class" in zero.message  # a lambda is not a class ...
    ZeroStart = type("ZeroStart", (DampenedSGD,), {"__init__": _zero_start_init})
    assert check("optim.sgd", ZeroStart).hint == hints.MOMENTUM_START
    assert check("optim.sgd", EMASGD).hint == hints.EMA_MOMENTUM
    assert check("optim.sgd", DecoupledSGD).hint == hints.ADAMW_STYLE
    assert check("optim.adamw", L2AdamW).hint == hints.L2_STYLE


def _step_without_skip(self):
    for p in self.params:
        p.data = p.data - self.lr * (p.grad + self.weight_decay * p.data)


def _zero_start_init(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0):
    DampenedSGD.__init__(self, params, lr, momentum, dampening, weight_decay, zero_start=True)


def test_the_bias_correction_hint_rests_on_the_first_step_being_316_times_lr():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = NoBiasCorrectionAdam([x], lr=0.01)
    x.grad = np.array([0.5, -3.0])
    opt.step()
    assert np.allclose(np.abs(x.data - [1.0, -2.0]), 0.01 * 0.1 / math.sqrt(0.001), rtol=1e-4)


# --- a right and a wrong answer for every exercise ------------------------------------------


def _minimize_quadratic(optimizer_class, steps, zero_grad=True, **options):
    x = Tensor([0.0], requires_grad=True)
    optimizer = optimizer_class([x], **options)
    history = [x.item()]
    for _ in range(steps):
        loss = ((x - 3.0) ** 2).sum()
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(x.item())
    return history


def _minimize_rosenbrock(optimizer_class, steps, zero_grad=True, **options):
    x, y = Tensor([-1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    optimizer = optimizer_class([x, y], **options)
    path = [(x.item(), y.item())]
    for _ in range(steps):
        loss = ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum()
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return path


def _train_spiral(model, loss_fn, optimizer, X, y, epochs, zero_grad=True):
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _train_step(model, loss_fn, optimizer, x, y, zero_grad=True):
    if zero_grad:
        optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _clip(params, max_norm, per_param=False, always=False):
    grads = [p.grad for p in params if p.grad is not None]
    norm = float(np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads)))
    for g in grads:
        own = float(np.linalg.norm(g)) if per_param else norm
        scale = max_norm / (own + 1e-6)
        if scale < 1 or always:
            g *= scale
    return norm


def _numgrad(f, x, eps=1e-6, forward=False, half=False):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f(x)
        x[i] = saved if forward else saved - eps
        down = f(x)
        x[i] = saved
        grad[i] = (up - down) / (eps if forward or half else 2 * eps)
    return grad


def _unbroadcast(grad, shape):
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=kept, keepdims=True) if kept else grad


def _function(forward, backward):
    return type(
        "Op", (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)}
    )


def _softplus_forward(ctx, x):
    ctx.save_for_backward(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _softplus_backward(ctx, grad, flip=1):
    (x,) = ctx.saved
    return grad * np.exp(-np.logaddexp(0, -flip * x))


def _hypot_forward(ctx, x, y):
    ctx.save_for_backward(x, y)
    return np.hypot(x, y)


def _hypot_backward(ctx, grad, swap=False):
    x, y = ctx.saved
    r = np.hypot(x, y)
    gx, gy = grad * x / r, grad * y / r
    return (gy, gx) if swap else (gx, gy)


class _Leaky(mp.Module):
    def __init__(self, negative_slope=0.01, flipped=False):
        super().__init__()
        self.slope, self.flipped = negative_slope, flipped

    def forward(self, x):
        if self.flipped:
            return mp.where(x > 0, self.slope * x, x)
        return mp.where(x > 0, x, x * self.slope)


def _dropout(x, p, training, scale=True):
    if not training:
        return x
    keep = (np.random.random(x.shape) >= p).astype(x.dtype)
    return x * Tensor(keep / (1 - p) if scale else keep)


def _mlp(sizes, relu_last=False):
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [Linear(a, b), ReLU()]
    return Sequential(*(layers if relu_last else layers[:-1]))


def _evaluate(model, loss_fn, x, y, use_eval=True, always_train=False):
    was_training = model.training
    if use_eval:
        model.eval()
    with no_grad():
        value = loss_fn(model(x), y).item()
    model.train(True if always_train else was_training)
    return value


def _early(model, train_epoch, validate, patience, max_epochs, tie_counts=False, late=False):
    best, best_epoch, waited = math.inf, 0, 0
    for epoch in range(1, max_epochs + 1):
        train_epoch()
        loss = validate()
        if loss < best or (tie_counts and loss == best):
            best, best_epoch, waited = loss, epoch, 0
            best_state = model.state_dict()
        else:
            waited += 1
            if waited >= patience + late:
                break
    model.load_state_dict(best_state)
    return epoch, best_epoch, best


def _early_no_restore(model, *args):
    state = model.state_dict()
    result = _early(model, *args)
    model.load_state_dict(state)  # the initial weights: a restore from the wrong epoch
    return result


def _cosine(epoch, base_lr, T_max, eta_min, shift=0):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * (epoch + shift) / T_max)) / 2


def _standardize(train, test, leak=False):
    mean, std = train.mean(axis=0), train.std(axis=0)
    if leak:
        return (train - mean) / std, (test - test.mean(axis=0)) / test.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def _confusion(y_true, y_pred, n, transpose=False):
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y_pred, y_true) if transpose else (y_true, y_pred), 1)
    return cm


def _minibatches(X, y, batch_size, rng, drop_last=False):
    order = rng.permutation(len(X))
    stop = len(X) - len(X) % batch_size if drop_last else len(X)
    for start in range(0, stop, batch_size):
        index = order[start : start + batch_size]
        yield X[index], y[index]


def _huber_no_half(p, t, d):
    diff = p - t
    return mp.where(diff.abs() < d, diff * diff, d * (diff.abs() - d)).mean()


def _naive_bce(z, t):
    return -(t * z.sigmoid().log() + (1 - t) * (1 - z.sigmoid()).log()).mean()


def _stable_bce(z, t):
    return ((1 - t) * z + (-z).relu() + (1 + (-z.abs()).exp()).log()).mean()


RIGHT_LR = {0.1: "converges", 0.5: "converges", 0.9: "converges, oscillating"}
RIGHT_LR.update({1.0: "oscillates forever", 1.1: "diverges"})

# exercise id, a right answer, a wrong answer, the hint the wrong one must get
CASES = [
    ("tensors.tanh_grad", lambda x: 1 - np.tanh(x) ** 2, lambda x: np.tanh(x) ** 2 - 1, hints.SIGN),
    ("tensors.unbroadcast", _unbroadcast, lambda g, s: g.sum(axis=0) if s else g.sum(), None),
    (
        "tensors.numerical_gradient",
        _numgrad,
        lambda f, x, e: _numgrad(f, x, e, half=True),
        "instead of 2h",
    ),
    (
        "tensors.numerical_gradient",
        _numgrad,
        lambda f, x, e: _numgrad(f, x, e, forward=True),
        "forward difference",
    ),
    (
        "tensors.softplus",
        _function(_softplus_forward, _softplus_backward),
        _function(_softplus_forward, lambda c, g: _softplus_backward(c, g, flip=-1)),
        "sigmoid(x), not sigmoid(-x)",
    ),
    (
        "tensors.softplus",
        _function(_softplus_forward, _softplus_backward),
        _function(
            lambda c, x: (c.save_for_backward(x), np.log(1 + np.exp(x)))[1], _softplus_backward
        ),
        hints.NONFINITE,
    ),
    (
        "tensors.hypot",
        _function(_hypot_forward, _hypot_backward),
        _function(_hypot_forward, lambda c, g: _hypot_backward(c, g, swap=True)),
        "wrong order",
    ),
    (
        "tensors.predict_dtype",
        ["float32", "float64", "float32", "float64"],
        ["float32"] * 4,
        "ops never change it",
    ),
    ("layers.linear", lambda x, w, b: x @ w.T + b, lambda x, w, b: x @ w + b, "weight.T"),
    (
        "layers.count_parameters",
        lambda m: sum(p.data.size for p in m.parameters()),
        lambda m: len(list(m.parameters())),
        "counted tensors",
    ),
    ("layers.mlp", _mlp, lambda s: _mlp(s, relu_last=True), "ReLU after the last layer"),
    ("layers.leaky_relu", _Leaky, lambda s: _Leaky(s, flipped=True), "negative side"),
    (
        "layers.dropout",
        _dropout,
        lambda x, p, t: _dropout(x, p, t, scale=False),
        "not scaled by 1/(1-p)",
    ),
    ("losses.mse", mp.MSELoss, SumMSE, "summed instead of averaged"),
    ("losses.cross_entropy", mp.CrossEntropyLoss, SoftmaxFirstCE, hints.SOFTMAX_FIRST),
    ("losses.nll", F.nll_loss, lambda lp, t: -F.nll_loss(lp, t), hints.SIGN),
    ("losses.nll", F.nll_loss, lambda lp, t: F.nll_loss(lp, t, reduction="sum"), "summed instead"),
    ("losses.huber", lambda p, t, d=1.0: F.huber_loss(p, t, delta=d), _huber_no_half, "0.5·d²"),
    (
        "losses.huber",
        lambda p, t, d=1.0: F.huber_loss(p, t, delta=d),
        lambda p, t, d: F.smooth_l1_loss(p, t, beta=d),
        "SmoothL1",
    ),
    ("losses.bce_with_logits", _stable_bce, _naive_bce, hints.LOG_OF_ZERO),
    ("losses.predict_uniform", math.log(10), 0.1, "probability 1/C"),
    ("optim.sgd", SGD, SignSGD, hints.SIGN),
    ("optim.adam", mp.Adam, NoBiasCorrectionAdam, hints.BIAS_CORRECTION),
    ("optim.adam_weight_decay", mp.Adam, Adam, hints.ADAMW_STYLE),
    ("optim.adamw", mp.AdamW, L2AdamW, hints.L2_STYLE),
    ("optim.predict_lr", RIGHT_LR, {**RIGHT_LR, 0.9: "converges"}, "(1 - 2·lr)"),
    (
        "optim.quadratic",
        _minimize_quadratic,
        lambda c, s, **o: _minimize_quadratic(c, s, zero_grad=False, **o),
        hints.ZERO_GRAD,
    ),
    (
        "optim.rosenbrock",
        _minimize_rosenbrock,
        lambda c, s, **o: _minimize_rosenbrock(c, s, zero_grad=False, **o),
        hints.ZERO_GRAD,
    ),
    ("optim.clip_grad_norm", _clip, lambda p, m: _clip(p, m, per_param=True), "its own norm"),
    ("optim.clip_grad_norm", _clip, lambda p, m: _clip(p, m, always=True), "only shrink"),
    (
        "optim.spiral",
        _train_spiral,
        lambda *a: _train_spiral(*a, zero_grad=False),
        hints.ZERO_GRAD,
    ),
    (
        "curvature.best_lr",
        _best_lr,
        lambda e: (1 / max(e), _best_lr(e)[1]),
        "1/L is stable",
    ),
    ("curvature.best_lr", _best_lr, lambda e: (2 / max(e), 1.0), "edge of divergence"),
    (
        "curvature.best_lr",
        _best_lr,
        lambda e: (_best_lr(e)[0], 1 - min(e) / max(e)),
        "(κ-1)/(κ+1)",
    ),
    ("curvature.hvp", _hvp, lambda *a: _hvp(*a, create_graph=False), "create_graph=True"),
    ("curvature.hvp", _hvp, lambda *a: _hvp(*a, gradient_only=True), "the gradient itself"),
    ("curvature.power_iteration", _power, lambda *a: _power(*a, normalise=False), "normalise"),
    (
        "curvature.power_iteration",
        _power,
        lambda *a: _power(*a, vector=True),
        "return the eigenvalue",
    ),
    (
        "curvature.minibatch_variance",
        lambda s, n, b: s / b * (n - b) / (n - 1),
        lambda s, n, b: s / b,
        "(N-B)/(N-1) is missing",
    ),
    (
        "curvature.minibatch_variance",
        lambda s, n, b: s / b * (n - b) / (n - 1),
        lambda s, n, b: s / b * (n - b) / n,
        "not N",
    ),
    (
        "training.accuracy",
        lambda z, y: float((z.data.argmax(axis=1) == y).mean()),
        lambda z, y: float((z.data.argmax(axis=1) != y).mean()),
        None,
    ),
    (
        "training.train_step",
        _train_step,
        lambda *a: _train_step(*a, zero_grad=False),
        hints.ZERO_GRAD,
    ),
    ("training.evaluate", _evaluate, lambda *a: _evaluate(*a, use_eval=False), "model.eval()"),
    ("training.early_stopping", _early, lambda *a: _early(*a, tie_counts=True), "a tie is not"),
    ("training.early_stopping", _early, lambda *a: _early(*a, late=True), "one epoch late"),
    ("training.early_stopping", _early, _early_no_restore, None),
    ("training.cosine_lr", _cosine, lambda *a: _cosine(*a, shift=1), "off by one epoch"),
    ("training.read_loss_curve", 14, 120, "training loss is lowest"),
    (
        "fashion.standardize",
        _standardize,
        lambda a, b: _standardize(a, b, leak=True),
        "own statistics",
    ),
    (
        "fashion.confusion_matrix",
        _confusion,
        lambda *a: _confusion(*a, transpose=True),
        "transposed",
    ),
    (
        "fashion.per_class_accuracy",
        lambda cm: np.diag(cm) / cm.sum(axis=1),
        lambda cm: np.diag(cm) / cm.sum(axis=0),
        "precision",
    ),
    (
        "fashion.minibatches",
        _minibatches,
        lambda *a: _minibatches(*a, drop_last=True),
        "dropped the last",
    ),
]


# Issue 28's new sections: the Gaussian negative log-likelihood (chapter 3) and a
# warm-up + cosine factor for LambdaLR (chapter 4).
def _gaussian_nll(mean, target, var, half=0.5):
    return (half * (var.log() + (target - mean) ** 2 / var)).mean()


def _distill(student, teacher, T, square=True, soften_student=True, reduction="batchmean"):
    soft = (Tensor(teacher) / T).softmax(axis=1)
    log_p = (student / T if soften_student else student).log_softmax(axis=1)
    with warnings.catch_warnings():  # reduction="mean" warns, as in torch
        warnings.simplefilter("ignore")
        loss = mp.KLDivLoss(reduction=reduction)(log_p, soft)
    return T**2 * loss if square else loss


def _accumulate(model, loss_fn, optimizer, batches, k=None, step_each=False):
    optimizer.zero_grad()
    losses = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        (loss / (k or len(batches))).backward()
        losses.append(loss.item())
        if step_each:
            optimizer.step()
            optimizer.zero_grad()
    if not step_each:
        optimizer.step()
    return float(np.mean(losses))


def _warmup_cosine(step, warmup, total, first=1):
    if step < warmup:
        return (step + first) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


CASES += [
    ("losses.gaussian_nll", _gaussian_nll, lambda *a: _gaussian_nll(*a, half=1.0), "factor"),
    (
        "losses.gaussian_nll",
        _gaussian_nll,
        lambda m, t, v: (0.5 * (t - m) ** 2 / v).mean(),
        "log(var) missing",
    ),
    (
        "losses.gaussian_nll",
        _gaussian_nll,
        lambda m, t, v: (0.5 * (v.log() + (t - m) ** 2 / (v * v))).mean(),
        "not by v²",
    ),
    ("losses.distillation", _distill, lambda *a: _distill(*a, square=False), "factor T²"),
    ("losses.distillation", _distill, lambda *a: _distill(*a, soften_student=False), "too"),
    ("losses.distillation", _distill, lambda *a: _distill(*a, reduction="mean"), "batchmean"),
    ("training.accumulate", _accumulate, lambda *a: _accumulate(*a, k=1), "divided by k"),
    ("training.accumulate", _accumulate, lambda *a: _accumulate(*a, step_each=True), "one"),
    ("optim.warmup_cosine", _warmup_cosine, lambda *a: _warmup_cosine(*a, first=0), "(step + 1)"),
    (
        "optim.warmup_cosine",
        _warmup_cosine,
        lambda s, w, n: (s + 1) / w if s < w else 0.5 * (1 + math.cos(math.pi * s / n)),
        "total - warmup",
    ),
]


def test_every_exercise_has_a_case():
    assert {c[0] for c in CASES} == {e.id for e in exercises()}


@pytest.mark.parametrize(
    "exercise_id, right, wrong, hint", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_right_passes_wrong_fails_with_its_hint(exercise_id, right, wrong, hint):
    good = check(exercise_id, right)
    assert good.passed, good
    bad = check(exercise_id, wrong)
    assert not bad.passed, bad
    if hint is None:
        assert bad.message
    else:
        assert bad.hint is not None and hint in bad.hint, bad


def test_each_chapter_lists_its_own_exercises():
    for path in sorted(CHAPTERS.glob("0[1-7]_*.md")):
        calls = re.findall(r"^exercises\((\d+)\)$", path.read_text(), re.M)
        assert calls == [path.name[1]], (path.name, calls)
