"""The catalogue of realistic mistakes: for every exercise, wrong answers a learner writes,
each with (a part of) the hint the checker must give. ``tests/test_exercise_catalogue.py``
runs every entry; the closing note of issue 22 prints this table.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any
from unittest import mock

import exercise_solutions as S
import numpy as np

import micrograd_plus as mp
from micrograd_plus import Function, Linear, ReLU, Sequential, Tensor, no_grad
from micrograd_plus.book.exercises import hints
from micrograd_plus.book.exercises.accumulation import accumulate_reference
from micrograd_plus.nn import losses as F
from micrograd_plus.ops.elementwise import where


@dataclass(frozen=True)
class Mistake:
    exercise: str
    what: str  # the mistake, in a learner's words
    answer: Any
    hint: str  # a part of the hint the checker must give


def _fn(forward, backward):
    return type(
        "Op", (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)}
    )


def _softplus_naive(ctx, x):
    ctx.save_for_backward(x)
    return np.log(1 + np.exp(x))


def _softplus_back(flip=1, upstream=True):
    def backward(ctx, grad):
        (x,) = ctx.saved
        local = np.exp(-np.logaddexp(0, -flip * x))
        return grad * local if upstream else local

    return backward


def _hypot_back(swap=False, upstream=True, copy=False):
    def backward(ctx, grad):
        x, y, r = ctx.saved
        gx, gy = x / r, (x if copy else y) / r
        if upstream:
            gx, gy = grad * gx, grad * gy
        return (gy, gx) if swap else (gx, gy)

    return backward


def _unbroadcast_mean(grad, shape):
    out = S.unbroadcast(grad, shape)
    return out * (out.size / grad.size)


def _numgrad(forward=False, half=False, restore=True):
    def numgrad(f, x, eps):
        out = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            saved = x[i]
            x[i] = saved + eps
            up = f(x)
            x[i] = saved if forward else saved - eps
            down = f(x)
            if restore:
                x[i] = saved
            out[i] = (up - down) / (eps if forward or half else 2 * eps)
        return out

    return numgrad


def _mlp(relu_last=False, relu=True, drop_last=False):
    def make_mlp(sizes):
        layers = []
        pairs = list(zip(sizes, sizes[1:]))
        for a, b in pairs[:-1] if drop_last else pairs:
            layers += [Linear(a, b)] + ([ReLU()] if relu else [])
        return Sequential(*(layers if relu_last or not relu else layers[:-1]))

    return make_mlp


class _Leaky(mp.Module):
    def __init__(self, negative_slope=0.01, flipped=False, ge=False):
        super().__init__()
        self.slope, self.flipped, self.ge = negative_slope, flipped, ge

    def forward(self, x):
        if self.flipped:
            return where(x > 0, self.slope * x, x)
        return where(x >= 0 if self.ge else x > 0, x, self.slope * x)


class _LeakyDefault(_Leaky):
    def __init__(self, negative_slope=0.1):
        super().__init__(negative_slope)


def _dropout(scale=True, keep_p=False, fixed=False, in_eval=False):
    def dropout(x, p, training):
        if not training and not in_eval:
            return x
        draw = np.random.default_rng(0).random(x.shape) if fixed else np.random.random(x.shape)
        keep = draw < p if keep_p else draw >= p
        keep = keep.astype(x.dtype)
        return x * Tensor(keep / (1 - p) if scale else keep)

    return dropout


def _loss_class(base, rule):
    """A loss class like ``base`` whose ``__call__`` is ``rule(self, pred, target)``."""
    return type(base.__name__, (base,), {"__call__": rule})


def _reduce(self, loss):
    return (
        loss.mean() if self.reduction == "mean" else loss.sum() if self.reduction == "sum" else loss
    )


def _ce(logp):
    def call(self, z, t):
        return _reduce(self, -logp(z)[np.arange(z.shape[0]), t.data.astype(int)])

    return call


class _NoValidationMSE(S.MSELoss):
    def __init__(self, reduction="mean"):
        self.reduction = reduction


class _SumDefaultCE(S.CrossEntropyLoss):
    def __init__(self, reduction="sum"):
        super().__init__(reduction)


def _sgd(step):
    return type("SGD", (S.SGD,), {"step": step})


def _sgd_sign(self):
    for p in self.params:
        if p.grad is not None:
            p.grad = -p.grad
    S.SGD.step(self)


def _sgd_ema(self):
    for i, p in enumerate(self.params):
        if p.grad is None:
            continue
        g = p.grad + self.weight_decay * p.data
        if self.momentum:
            buf = self.momentum * self.buffers.get(i, 0) + (1 - self.momentum) * g
            self.buffers[i] = g = buf
        p.data = p.data - self.lr * g


def _sgd_decoupled(self):
    for p in self.params:
        if p.grad is not None:
            p.data = p.data * (1 - self.lr * self.weight_decay)
    decay, self.weight_decay = self.weight_decay, 0.0
    S.SGD.step(self)
    self.weight_decay = decay


def _sgd_no_skip(self):
    for p in self.params:
        p.data = p.data - self.lr * (p.grad + self.weight_decay * p.data)


class _SGDNoZeroGrad(S.SGD):
    def zero_grad(self):
        pass


class _SGDDefault(S.SGD):
    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr, momentum, weight_decay)


def _adam(bias_correction=True, eps_inside=False, t_per_param=False, decoupled=False):
    class Adam(S.Adam):
        def step(self):
            if not t_per_param:
                self.t += 1
            b1, b2 = self.betas
            for i, p in enumerate(self.params):
                if p.grad is None:
                    continue
                if t_per_param:
                    self.t += 1
                if decoupled:
                    p.data = p.data * (1 - self.lr * self.weight_decay)
                g = p.grad + (0.0 if decoupled else self.weight_decay) * p.data
                self.m[i] = b1 * self.m.get(i, 0) + (1 - b1) * g
                self.v[i] = b2 * self.v.get(i, 0) + (1 - b2) * g * g
                m_hat, v_hat = self.m[i], self.v[i]
                if bias_correction:
                    m_hat, v_hat = m_hat / (1 - b1**self.t), v_hat / (1 - b2**self.t)
                root = np.sqrt(v_hat + self.eps) if eps_inside else np.sqrt(v_hat) + self.eps
                p.data = p.data - self.lr * m_hat / root

    return Adam


def _adamw(base, default=0.01):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=default):
        base.__init__(self, params, lr, betas, eps, weight_decay)

    return type("AdamW", (base,), {"__init__": __init__})


class _AdamDefault(S.Adam):
    def __init__(self, params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, betas, eps, weight_decay)


class _L2AdamW(S.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, weight_decay)


def _loop(zero="first", start=True, points=lambda *ts: [t.item() for t in ts]):
    """The quadratic / Rosenbrock / spiral loops with a slip in where zero_grad goes."""

    def run(optimizer, loss, tensors, steps, history):
        for _ in range(steps):
            if zero == "first":
                optimizer.zero_grad()
            value = loss()
            value.backward()
            if zero == "late":
                optimizer.zero_grad()
            optimizer.step()
            history.append(points(*tensors))
        return history if start else history[1:]

    return run


def _quadratic(**slip):
    def minimize_quadratic(optimizer_class, steps, **options):
        x = Tensor([0.0], requires_grad=True)
        opt = optimizer_class([x], **options)
        return _loop(**slip)(opt, lambda: ((x - 3.0) ** 2).sum(), [x], steps, [x.item()])

    return lambda c, s, **o: [
        h[0] if isinstance(h, list) else h for h in minimize_quadratic(c, s, **o)
    ]


def _rosenbrock(**slip):
    def minimize_rosenbrock(optimizer_class, steps, **options):
        x, y = Tensor([-1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
        opt = optimizer_class([x, y], **options)
        loss = lambda: ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum()  # noqa: E731
        return _loop(**slip)(opt, loss, [x, y], steps, [(x.item(), y.item())])

    return minimize_rosenbrock


def _spiral(zero="first", skip_first=False):
    def train_spiral(model, loss_fn, optimizer, X, y, epochs):
        losses = []
        for _ in range(epochs):
            if zero == "first":
                optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            if zero == "late":
                optimizer.zero_grad()
            optimizer.step()
            losses.append(loss.item())
        return losses[1:] if skip_first else losses

    return train_spiral


def _clip(per_param=False, always=False, no_skip=False, after=False, below=1.0):
    def clip_grad_norm(params, max_norm):
        grads = [p.grad for p in params if no_skip or p.grad is not None]
        norm = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
        for g in grads:
            own = float(np.linalg.norm(g)) if per_param else norm
            scale = max_norm / (own + 1e-6)
            if scale < below or always:
                g *= scale
        return min(norm, max_norm) if after else norm

    return clip_grad_norm


def _train_step(zero="first"):
    def train_step(model, loss_fn, optimizer, x, y):
        if zero in ("first", "step_first"):
            optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        if zero == "step_first":
            optimizer.step()
        loss.backward()
        if zero == "step_first":
            return loss.item()
        if zero == "late":
            optimizer.zero_grad()
        optimizer.step()
        return loss.item()

    return train_step


def _evaluate(use_eval=True, use_no_grad=True, restore="own"):
    def evaluate(model, loss_fn, x, y):
        was = model.training
        if use_eval:
            model.eval()
        if use_no_grad:
            with no_grad():
                value = loss_fn(model(x), y).item()
        else:
            value = loss_fn(model(x), y).item()
        if restore == "own":
            model.train(was)
        elif restore == "train":
            model.train()
        return value

    return evaluate


def _early(tie_counts=False, extra=0, keep="copy", restore="always"):
    """Early stopping with a slip: ``keep`` is how the best weights are kept ("copy",
    "reference" to the arrays, or "before" the epoch's training); ``restore`` is when
    they are loaded back ("always", only on "stop", or "never")."""

    def early_stopping(model, train_epoch, validate, patience, max_epochs):
        best, best_epoch, waited = math.inf, 0, 0
        for epoch in range(1, max_epochs + 1):
            before = model.state_dict()
            train_epoch()
            loss = validate()
            if loss < best or (tie_counts and loss == best):
                best, best_epoch, waited = loss, epoch, 0
                if keep == "reference":
                    kept = [p.data for p in model.parameters()]
                else:
                    kept = before if keep == "before" else model.state_dict()
            else:
                waited += 1
                if waited >= patience + extra:
                    if restore == "stop":
                        _load(model, kept)
                    break
        if restore == "always":
            _load(model, kept)
        return epoch, best_epoch, best

    return early_stopping


def _load(model, kept):
    if isinstance(kept, list):
        for p, array in zip(model.parameters(), kept):
            p.data[...] = array
    else:
        model.load_state_dict(kept)


def _confusion_fancy(y_true, y_pred, n):
    cm = np.zeros((n, n), dtype=np.int64)
    cm[y_true, y_pred] += 1
    return cm


def _minibatches(drop_last=False, shuffle=True, apart=False):
    def minibatches(X, y, batch_size, rng):
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        other = rng.permutation(len(X)) if apart else order
        stop = len(X) - len(X) % batch_size if drop_last else len(X)
        for start in range(0, stop, batch_size):
            yield X[order[start : start + batch_size]], y[other[start : start + batch_size]]

    return minibatches


def _power(normalise=True, vector=False, no_hvp=False):
    def largest_eigenvalue(hvp, n, iters):
        if no_hvp:
            return 1.0
        v = np.ones(n) / np.sqrt(n)
        for _ in range(iters):
            w = hvp(v)
            v = w / np.linalg.norm(w) if normalise else w
        return v if vector else float(v @ hvp(v) / (v @ v))

    return largest_eigenvalue


def _hvp(create_graph=True, gradient_only=False, times_v=False):
    def hvp(loss_fn, params, vectors):
        grads = mp.grad(loss_fn(), params, create_graph=create_graph)
        if gradient_only:
            return [g.data for g in grads]
        if times_v:
            return [g.data * v for g, v in zip(grads, vectors)]
        along_v = sum((g * Tensor(v)).sum() for g, v in zip(grads, vectors))
        return [h.data for h in mp.grad(along_v, params)]

    return hvp


def _accuracy(kind):
    def accuracy(logits, labels):
        hits = logits.data.argmax(axis=1 if kind != "axis0" else 0) == labels
        share = float(hits.mean())
        return {"count": float(hits.sum()), "percent": 100 * share, "error": 1 - share}.get(
            kind, share
        )

    return accuracy


def _cosine(variant):
    def cosine_lr(epoch, base_lr, T_max, eta_min):
        c = math.cos(math.pi * (epoch + (variant == "shift")) / T_max)
        if variant == "no_half":
            return eta_min + (base_lr - eta_min) * c
        if variant == "no_floor":
            return base_lr * (1 + c) / 2
        return eta_min + (base_lr - eta_min) * (1 + c) / 2

    return cosine_lr


def _standardize(kind):
    def standardize(train, test):
        mean, std = train.mean(axis=0), train.std(axis=0)
        if kind == "own":
            return (train - mean) / std, (test - test.mean(axis=0)) / test.std(axis=0)
        if kind == "variance":
            return (train - mean) / std**2, (test - mean) / std**2
        return train - mean, test - mean

    return standardize


RIGHT_LR = S.PREDICT_LR


def _distill(square=True, soften_student=True, reduction="batchmean"):
    def loss(student, teacher, T):
        soft = (Tensor(teacher) / T).softmax(axis=1)
        log_p = (student / T if soften_student else student).log_softmax(axis=1)
        with warnings.catch_warnings():  # reduction="mean" warns, as in torch
            warnings.simplefilter("ignore")
            value = mp.KLDivLoss(reduction=reduction)(log_p, soft)
        return T**2 * value if square else value

    return loss


def _accumulate(**mistake):
    """The checker's own model of the mistake, as the learner's answer."""
    return functools.partial(accumulate_reference, **mistake)


def _warmup_cosine(first=1, over_total=False, no_half=False):
    def factor(step, warmup, total):
        if step < warmup:
            return (step + first) / warmup
        progress = step / total if over_total else (step - warmup) / (total - warmup)
        return (1 if no_half else 0.5) * (1 + math.cos(math.pi * progress))

    return factor


MISTAKES = [
    # --- chapter 1 ---------------------------------------------------------------------------
    Mistake("tensors.tanh_grad", "sign flipped", lambda x: np.tanh(x) ** 2 - 1, hints.SIGN),
    Mistake("tensors.tanh_grad", "square forgotten", lambda x: 1 - np.tanh(x), "square the tanh"),
    Mistake("tensors.tanh_grad", "1 - x² (in terms of the output)", lambda x: 1 - x**2, "output"),
    Mistake(
        "tensors.unbroadcast",
        "no keepdims",
        lambda g, s: (
            g.sum(axis=tuple(range(g.ndim - len(s)))).sum(
                axis=tuple(i for i, n in enumerate(s) if n == 1)
            )
            if s
            else g.sum()
        ),
        "keepdims",
    ),
    Mistake(
        "tensors.unbroadcast",
        "everything summed",
        lambda g, s: g.sum(),
        "broadcast axes only",
    ),
    Mistake("tensors.unbroadcast", "averaged", _unbroadcast_mean, "averaged?"),
    Mistake(
        "tensors.numerical_gradient",
        "forward difference",
        _numgrad(forward=True),
        "forward difference",
    ),
    Mistake("tensors.numerical_gradient", "divided by h", _numgrad(half=True), "instead of 2h"),
    Mistake(
        "tensors.numerical_gradient", "x not restored", _numgrad(restore=False), "restore x[i]"
    ),
    Mistake(
        "tensors.softplus",
        "sigmoid(-x) in backward",
        _fn(S.Softplus.forward, _softplus_back(flip=-1)),
        "not sigmoid(-x)",
    ),
    Mistake(
        "tensors.softplus",
        "naive log(1 + e^x)",
        _fn(_softplus_naive, _softplus_back()),
        hints.NONFINITE,
    ),
    Mistake(
        "tensors.softplus",
        "grad not multiplied in",
        _fn(S.Softplus.forward, _softplus_back(upstream=False)),
        "chain rule",
    ),
    Mistake(
        "tensors.softplus",
        "a function, not a Function",
        lambda x: x.exp().log1p() if hasattr(x, "log1p") else x,
        "static forward(ctx",
    ),
    Mistake(
        "tensors.hypot",
        "gradients swapped",
        _fn(S.Hypot.forward, _hypot_back(swap=True)),
        "wrong order",
    ),
    Mistake(
        "tensors.hypot",
        "grad not multiplied in",
        _fn(S.Hypot.forward, _hypot_back(upstream=False)),
        "chain rule",
    ),
    Mistake(
        "tensors.hypot", "x/r copied for y", _fn(S.Hypot.forward, _hypot_back(copy=True)), "y / r"
    ),
    Mistake(
        "tensors.predict_dtype", "all float32", ["float32"] * 4, "float64 array keeps its dtype"
    ),
    Mistake(
        "tensors.predict_dtype", "all float64", ["float64"] * 4, "list of ints becomes float32"
    ),
    Mistake(
        "tensors.predict_dtype",
        "NumPy's promotion",
        ["float32", "float64", "float32", "float32"],
        "never change it",
    ),
    # --- chapter 2 ---------------------------------------------------------------------------
    Mistake("layers.linear", "weight not transposed", lambda x, w, b: x @ w + b, "weight.T"),
    Mistake("layers.linear", "bias forgotten", lambda x, w, b: x @ w.T, "bias is missing"),
    Mistake(
        "layers.linear",
        "computed in NumPy",
        lambda x, w, b: Tensor(x.data @ w.data.T + b.data),
        "not from NumPy arrays",
    ),
    Mistake(
        "layers.count_parameters",
        "tensors counted",
        lambda m: len(list(m.parameters())),
        "counted tensors",
    ),
    Mistake(
        "layers.count_parameters",
        "rows counted",
        lambda m: sum(p.data.shape[0] for p in m.parameters()),
        "counted rows",
    ),
    Mistake(
        "layers.count_parameters",
        "biases left out",
        lambda m: sum(p.data.size for p in m.parameters() if p.data.ndim > 1),
        "biases count",
    ),
    Mistake("layers.count_parameters", "mock.ANY", lambda m: mock.ANY, "whole number"),
    Mistake(
        "layers.mlp", "ReLU after the last layer", _mlp(relu_last=True), "ReLU after the last layer"
    ),
    Mistake("layers.mlp", "no ReLU", _mlp(relu=False), "collapse"),
    Mistake("layers.mlp", "last layer missing", _mlp(drop_last=True), "len(sizes) - 1"),
    Mistake(
        "layers.leaky_relu",
        "slope on the positive side",
        lambda s=0.01: _Leaky(s, flipped=True),
        "negative side",
    ),
    Mistake("layers.leaky_relu", "x >= 0", lambda s=0.01: _Leaky(s, ge=True), "x = 0"),
    Mistake(
        "layers.leaky_relu", "default slope 0.1", _LeakyDefault, "default negative_slope is 0.01"
    ),
    Mistake("layers.dropout", "not rescaled", _dropout(scale=False), "not scaled by 1/(1-p)"),
    Mistake(
        "layers.dropout", "keeps with probability p", _dropout(keep_p=True), "probability to drop"
    ),
    Mistake("layers.dropout", "a fixed generator", _dropout(fixed=True), "new mask at every call"),
    Mistake("layers.dropout", "active in evaluation", _dropout(in_eval=True), "return x unchanged"),
    # --- chapter 3 ---------------------------------------------------------------------------
    Mistake(
        "losses.mse",
        "summed",
        _loss_class(
            S.MSELoss,
            lambda self, p, t: ((p - t) ** 2).sum() if self.reduction != "none" else (p - t) ** 2,
        ),
        "summed instead of averaged",
    ),
    Mistake(
        "losses.mse",
        "absolute difference",
        _loss_class(S.MSELoss, lambda self, p, t: _reduce(self, (p - t).abs())),
        "squares it",
    ),
    Mistake("losses.mse", "reduction not validated", _NoValidationMSE, "raise ValueError"),
    Mistake(
        "losses.cross_entropy",
        "softmax first",
        _loss_class(
            S.CrossEntropyLoss,
            lambda self, z, t: S.CrossEntropyLoss.__call__(self, z.softmax(axis=1), t),
        ),
        hints.SOFTMAX_FIRST,
    ),
    Mistake(
        "losses.cross_entropy",
        "log of softmax",
        _loss_class(S.CrossEntropyLoss, _ce(lambda z: z.softmax(axis=1).log())),
        "log_softmax",
    ),
    Mistake(
        "losses.cross_entropy",
        "softmax without the log",
        _loss_class(S.CrossEntropyLoss, _ce(lambda z: z.softmax(axis=1))),
        "without the log",
    ),
    Mistake(
        "losses.cross_entropy",
        "log_softmax over axis 0",
        _loss_class(S.CrossEntropyLoss, _ce(lambda z: z.log_softmax(axis=0))),
        "wrong axis",
    ),
    Mistake(
        "losses.cross_entropy",
        "default reduction 'sum'",
        _SumDefaultCE,
        "default reduction is 'mean'",
    ),
    Mistake("losses.nll", "sign flipped", lambda lp, t: -S.nll(lp, t), hints.SIGN),
    Mistake(
        "losses.nll",
        "summed",
        lambda lp, t: F.nll_loss(lp, t, reduction="sum"),
        "summed instead of averaged",
    ),
    Mistake(
        "losses.nll",
        "log_probs[:, t]",
        lambda lp, t: -lp[:, t.data.astype(int)].mean(),
        "np.arange(N)",
    ),
    Mistake(
        "losses.nll",
        "exp of the log-probabilities",
        lambda lp, t: -lp.exp()[np.arange(lp.shape[0]), t.data.astype(int)].mean(),
        "-log p",
    ),
    Mistake(
        "losses.huber",
        "no 1/2",
        lambda p, t, d: where((p - t).abs() < d, (p - t) ** 2, d * ((p - t).abs() - d)).mean(),
        "0.5·d²",
    ),
    Mistake("losses.huber", "SmoothL1", lambda p, t, d: F.smooth_l1_loss(p, t, beta=d), "SmoothL1"),
    Mistake(
        "losses.huber",
        "d instead of |d|",
        lambda p, t, d: where(p - t < d, 0.5 * (p - t) ** 2, d * ((p - t).abs() - 0.5 * d)).mean(),
        "|d|",
    ),
    Mistake(
        "losses.bce_with_logits",
        "log(sigmoid)",
        lambda z, t: -(t * z.sigmoid().log() + (1 - t) * (1 - z.sigmoid()).log()).mean(),
        hints.LOG_OF_ZERO,
    ),
    Mistake(
        "losses.bce_with_logits",
        "targets swapped",
        lambda z, t: S.bce_with_logits(z, 1 - t),
        "swapped",
    ),
    Mistake(
        "losses.bce_with_logits", "sign flipped", lambda z, t: -S.bce_with_logits(z, t), hints.SIGN
    ),
    Mistake("losses.predict_uniform", "the probability", 0.1, "probability 1/C"),
    Mistake("losses.predict_uniform", "log base 10", 1.0, "log base 10"),
    Mistake("losses.predict_uniform", "the number of classes", 10, "C itself"),
    Mistake("losses.predict_uniform", "log p, not -log p", -2.3, "positive number"),
    # --- chapter 4 ---------------------------------------------------------------------------
    Mistake("optim.sgd", "gradient added", _sgd(_sgd_sign), hints.SIGN),
    Mistake("optim.sgd", "momentum as an average", _sgd(_sgd_ema), hints.EMA_MOMENTUM),
    Mistake("optim.sgd", "weight decay AdamW-style", _sgd(_sgd_decoupled), hints.ADAMW_STYLE),
    Mistake("optim.sgd", "zero_grad does nothing", _SGDNoZeroGrad, "zero_grad() must clear"),
    Mistake("optim.sgd", "grad None not skipped", _sgd(_sgd_no_skip), "p.grad is None"),
    Mistake("optim.sgd", "default lr 0.001", _SGDDefault, "defaults"),
    Mistake(
        "optim.adam", "no bias correction", _adam(bias_correction=False), hints.BIAS_CORRECTION
    ),
    Mistake("optim.adam", "eps inside the root", _adam(eps_inside=True), hints.EPS_INSIDE),
    Mistake("optim.adam", "t counted per parameter", _adam(t_per_param=True), hints.T_PER_PARAM),
    Mistake("optim.adam", "default lr 0.01", _AdamDefault, "defaults"),
    Mistake(
        "optim.adam_weight_decay",
        "AdamW-style decay (the seed's)",
        _adam(decoupled=True),
        hints.ADAMW_STYLE,
    ),
    Mistake(
        "optim.adam_weight_decay",
        "no bias correction",
        _adam(bias_correction=False),
        hints.BIAS_CORRECTION,
    ),
    Mistake(
        "optim.adam_weight_decay", "eps inside the root", _adam(eps_inside=True), hints.EPS_INSIDE
    ),
    Mistake("optim.adamw", "L2 decay", _L2AdamW, hints.L2_STYLE),
    Mistake(
        "optim.adamw",
        "class AdamW(Adam): pass",
        _adamw(_adam(decoupled=True), 0.0),
        hints.ADAMW_DEFAULT,
    ),
    Mistake(
        "optim.adamw",
        "no bias correction",
        _adamw(_adam(decoupled=True, bias_correction=False)),
        hints.BIAS_CORRECTION,
    ),
    Mistake("optim.quadratic", "zero_grad forgotten", _quadratic(zero="never"), hints.ZERO_GRAD),
    Mistake(
        "optim.quadratic",
        "zero_grad after backward",
        _quadratic(zero="late"),
        "step() saw no gradient",
    ),
    Mistake("optim.quadratic", "start left out", _quadratic(start=False), "steps + 1"),
    Mistake("optim.rosenbrock", "zero_grad forgotten", _rosenbrock(zero="never"), hints.ZERO_GRAD),
    Mistake(
        "optim.rosenbrock",
        "zero_grad after backward",
        _rosenbrock(zero="late"),
        "step() saw no gradient",
    ),
    Mistake("optim.rosenbrock", "start left out", _rosenbrock(start=False), "steps + 1"),
    Mistake(
        "optim.clip_grad_norm",
        "each gradient by its own norm",
        _clip(per_param=True),
        "its own norm",
    ),
    Mistake("optim.clip_grad_norm", "always scaled", _clip(always=True), "only shrink"),
    Mistake("optim.clip_grad_norm", "if scale < 2", _clip(below=2.0), "only shrink"),
    Mistake("optim.clip_grad_norm", "grad None not skipped", _clip(no_skip=True), "p.grad is None"),
    Mistake(
        "optim.clip_grad_norm", "norm after clipping returned", _clip(after=True), "before clipping"
    ),
    Mistake(
        "optim.predict_lr",
        "0.9 converges without oscillating",
        {**RIGHT_LR, 0.9: "converges"},
        "-0.8",
    ),
    Mistake("optim.predict_lr", "1.0 diverges", {**RIGHT_LR, 1.0: "diverges"}, "-1.0"),
    Mistake(
        "optim.predict_lr", "0.5 oscillates", {**RIGHT_LR, 0.5: "converges, oscillating"}, "0.0"
    ),
    Mistake("optim.spiral", "zero_grad forgotten", _spiral(zero="never"), hints.ZERO_GRAD),
    Mistake(
        "optim.spiral", "zero_grad after backward", _spiral(zero="late"), "step() saw no gradient"
    ),
    Mistake("optim.spiral", "first loss dropped", _spiral(skip_first=True), "one loss per epoch"),
    # --- chapter 5 ---------------------------------------------------------------------------
    Mistake("curvature.best_lr", "1/L", lambda e: (1 / max(e), S.best_lr(e)[1]), "1/L is stable"),
    Mistake("curvature.best_lr", "2/L", lambda e: (2 / max(e), 1.0), "edge of divergence"),
    Mistake("curvature.best_lr", "2/μ", lambda e: (2 / min(e), 1.0), "flattest"),
    Mistake(
        "curvature.best_lr",
        "rate 1 - 1/κ",
        lambda e: (S.best_lr(e)[0], 1 - min(e) / max(e)),
        "(κ-1)/(κ+1)",
    ),
    Mistake("curvature.power_iteration", "not normalised", _power(normalise=False), "normalise"),
    Mistake(
        "curvature.power_iteration",
        "the vector returned",
        _power(vector=True),
        "return the eigenvalue",
    ),
    Mistake(
        "curvature.power_iteration",
        "hvp never called",
        _power(no_hvp=True),
        "only known through hvp",
    ),
    Mistake(
        "curvature.minibatch_variance",
        "with replacement",
        lambda s, n, b: s / b,
        "(N-B)/(N-1) is missing",
    ),
    Mistake(
        "curvature.minibatch_variance", "N, not N-1", lambda s, n, b: s / b * (n - b) / n, "not N"
    ),
    Mistake(
        "curvature.minibatch_variance",
        "1/B forgotten",
        lambda s, n, b: s * (n - b) / (n - 1),
        "divide by B",
    ),
    Mistake("curvature.hvp", "no create_graph", _hvp(create_graph=False), "create_graph=True"),
    Mistake("curvature.hvp", "the gradient", _hvp(gradient_only=True), "the gradient itself"),
    Mistake("curvature.hvp", "gradient times v", _hvp(times_v=True), "gradient × v"),
    # --- chapter 6 ---------------------------------------------------------------------------
    Mistake("training.accuracy", "a count", _accuracy("count"), "count of hits"),
    Mistake("training.accuracy", "a percentage", _accuracy("percent"), "percentage"),
    Mistake("training.accuracy", "the error rate", _accuracy("error"), "error rate"),
    Mistake("training.accuracy", "arg-max over the batch", _accuracy("axis0"), "axis=1"),
    Mistake(
        "training.train_step", "zero_grad forgotten", _train_step(zero="never"), hints.ZERO_GRAD
    ),
    Mistake(
        "training.train_step",
        "zero_grad after backward",
        _train_step(zero="late"),
        "step() saw no gradient",
    ),
    Mistake(
        "training.train_step",
        "step() before backward()",
        _train_step(zero="step_first"),
        "step() saw no gradient",
    ),
    Mistake("training.evaluate", "no eval()", _evaluate(use_eval=False), "model.eval()"),
    Mistake("training.evaluate", "no no_grad()", _evaluate(use_no_grad=False), "no_grad"),
    Mistake("training.evaluate", "left in eval mode", _evaluate(restore=None), "mode it had"),
    Mistake(
        "training.evaluate", "always train() at the end", _evaluate(restore="train"), "was_training"
    ),
    Mistake("training.early_stopping", "a tie counts", _early(tie_counts=True), "a tie is not"),
    Mistake("training.early_stopping", "one epoch late", _early(extra=1), "one epoch late"),
    Mistake("training.early_stopping", "one epoch early", _early(extra=-1), "one epoch early"),
    Mistake(
        "training.early_stopping",
        "the best weights never restored",
        _early(restore="never"),
        "last epoch's weights",
    ),
    Mistake(
        "training.early_stopping",
        "references to the arrays kept, not copies",
        _early(keep="reference"),
        "references",
    ),
    Mistake(
        "training.early_stopping",
        "restored only when patience runs out",
        _early(restore="stop"),
        "runs out of epochs",
    ),
    Mistake(
        "training.early_stopping",
        "the weights copied before the epoch's training",
        _early(keep="before"),
        "epoch before the best",
    ),
    Mistake("training.cosine_lr", "off by one epoch", _cosine("shift"), "off by one epoch"),
    Mistake("training.cosine_lr", "no (1 + cos)/2", _cosine("no_half"), "(1 + cos"),
    Mistake("training.cosine_lr", "eta_min ignored", _cosine("no_floor"), "floor"),
    Mistake("training.read_loss_curve", "the last epoch", 120, "training loss is lowest"),
    Mistake("training.read_loss_curve", "the first epoch", 1, "validation curve"),
    Mistake("training.read_loss_curve", "the middle", 60, "validation curve"),
    # --- chapter 7 ---------------------------------------------------------------------------
    Mistake(
        "fashion.standardize", "test with its own statistics", _standardize("own"), "own statistics"
    ),
    Mistake(
        "fashion.standardize",
        "divided by the variance",
        _standardize("variance"),
        "not the variance",
    ),
    Mistake("fashion.standardize", "centred only", _standardize("centre"), "divide by the std"),
    Mistake(
        "fashion.confusion_matrix", "transposed", lambda t, p, n: S.confusion(p, t, n), "transposed"
    ),
    Mistake("fashion.confusion_matrix", "cm[y_true, y_pred] += 1", _confusion_fancy, "np.add.at"),
    Mistake(
        "fashion.confusion_matrix",
        "shares",
        lambda t, p, n: S.confusion(t, p, n) / len(t),
        "shares, not counts",
    ),
    Mistake(
        "fashion.per_class_accuracy",
        "column sums (precision)",
        lambda cm: np.diag(cm) / cm.sum(axis=0),
        "precision",
    ),
    Mistake(
        "fashion.per_class_accuracy",
        "overall accuracy",
        lambda cm: np.trace(cm) / cm.sum(),
        "overall accuracy",
    ),
    Mistake(
        "fashion.per_class_accuracy",
        "divided by all samples",
        lambda cm: np.diag(cm) / cm.sum(),
        "own row sum",
    ),
    Mistake(
        "fashion.minibatches",
        "last batch dropped",
        _minibatches(drop_last=True),
        "dropped the last",
    ),
    Mistake("fashion.minibatches", "not shuffled", _minibatches(shuffle=False), "shuffle"),
    Mistake(
        "fashion.minibatches", "X and y shuffled apart", _minibatches(apart=True), "same indices"
    ),
    Mistake(
        "losses.gaussian_nll",
        "no ½",
        lambda m, t, v: (v.log() + (t - m) ** 2 / v).mean(),
        "factor of 2",
    ),
    Mistake(
        "losses.gaussian_nll",
        "log(var) left out",
        lambda m, t, v: (0.5 * (t - m) ** 2 / v).mean(),
        "log(var) missing",
    ),
    Mistake(
        "losses.gaussian_nll",
        "var taken for a standard deviation",
        lambda m, t, v: (0.5 * (v.log() + (t - m) ** 2 / (v * v))).mean(),
        "not by v²",
    ),
    Mistake("losses.distillation", "no T²", _distill(square=False), "factor T²"),
    Mistake("losses.distillation", "student not softened", _distill(soften_student=False), "too"),
    Mistake("losses.distillation", "reduction 'mean'", _distill(reduction="mean"), "batchmean"),
    Mistake("optim.warmup_cosine", "warm-up from 0", _warmup_cosine(first=0), "(step + 1)"),
    Mistake(
        "optim.warmup_cosine",
        "cosine over all steps",
        _warmup_cosine(over_total=True),
        "total - warmup",
    ),
    Mistake("optim.warmup_cosine", "no ½ in the cosine", _warmup_cosine(no_half=True), "(1 + cos"),
    Mistake("training.accumulate", "losses not divided by k", _accumulate(divide=False), "by k"),
    Mistake("training.accumulate", "a step per batch", _accumulate(step_each=True), "one optim"),
    Mistake("training.accumulate", "zeroed per batch", _accumulate(zero_each=True), "once, before"),
    Mistake("training.accumulate", "never zeroed", _accumulate(no_zero=True), "still there"),
]
