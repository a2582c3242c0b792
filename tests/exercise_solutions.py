"""A reference solution for every exercise, written as a learner would write it.

They must pass their checkers (``tests/test_exercise_catalogue.py``), and they are
what ``tests/exercise_mutants.py`` mutates: each is a plain function or class in
this file, so its source can be read and changed one operator at a time.
"""

from __future__ import annotations

import math

import numpy as np

from micrograd_plus import (
    Function,
    KLDivLoss,
    Linear,
    Module,
    ReLU,
    Sequential,
    Tensor,
    grad,
    no_grad,
)
from micrograd_plus.ops.elementwise import where


def tanh_grad(x):
    return 1 - np.tanh(x) ** 2


def unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def numgrad(f, x, eps=1e-6):
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f(x)
        x[i] = saved - eps
        down = f(x)
        x[i] = saved
        out[i] = (up - down) / (2 * eps)
    return out


class Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * np.exp(-np.logaddexp(0, -x))


class Hypot(Function):
    @staticmethod
    def forward(ctx, x, y):
        r = np.hypot(x, y)
        ctx.save_for_backward(x, y, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved
        return grad * x / r, grad * y / r


PREDICT_DTYPE = ["float32", "float64", "float32", "float64"]


def linear(x, weight, bias):
    return x @ weight.T + bias


def count_parameters(model):
    return sum(p.data.size for p in model.parameters())


def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return where(x > 0, x, x * self.negative_slope)


def dropout(x, p, training):
    if not training:
        return x
    keep = np.random.random(x.shape) >= p
    return x * Tensor((keep / (1 - p)).astype(x.dtype))


class MSELoss:
    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def __call__(self, pred, target):
        loss = (pred - target) ** 2
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


class CrossEntropyLoss:
    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def __call__(self, logits, targets):
        log_probs = logits.log_softmax(axis=1)
        rows = np.arange(logits.shape[0])
        loss = -log_probs[rows, targets.data.astype(int)]
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


def nll(log_probs, targets):
    rows = np.arange(log_probs.shape[0])
    return -log_probs[rows, targets.data.astype(int)].mean()


def huber(pred, target, delta):
    d = (pred - target).abs()
    return where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).mean()


def bce_with_logits(z, target):
    return (z.relu() - z * target + (1 + (-z.abs()).exp()).log()).mean()


PREDICT_UNIFORM = math.log(10)


class SGD:
    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.buffers = {}

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            if self.momentum:
                buf = self.buffers.get(i)
                buf = g if buf is None else self.momentum * buf + g
                self.buffers[i] = g = buf
            p.data = p.data - self.lr * g


class Adam:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m, self.v, self.t = {}, {}, 0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            self.m[i] = b1 * self.m.get(i, 0) + (1 - b1) * g
            self.v[i] = b2 * self.v.get(i, 0) + (1 - b2) * g * g
            m_hat = self.m[i] / (1 - b1**self.t)
            v_hat = self.v[i] / (1 - b2**self.t)
            p.data = p.data - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, 0.0)
        self.decay = weight_decay

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.data = p.data * (1 - self.lr * self.decay)
        super().step()


def minimize_quadratic(optimizer_class, steps, **options):
    x = Tensor([0.0], requires_grad=True)
    optimizer = optimizer_class([x], **options)
    history = [x.item()]
    for _ in range(steps):
        optimizer.zero_grad()
        ((x - 3.0) ** 2).sum().backward()
        optimizer.step()
        history.append(x.item())
    return history


def minimize_rosenbrock(optimizer_class, steps, **options):
    x, y = Tensor([-1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    optimizer = optimizer_class([x, y], **options)
    path = [(x.item(), y.item())]
    for _ in range(steps):
        optimizer.zero_grad()
        ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum().backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return path


def clip_grad_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    norm = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    scale = max_norm / (norm + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return norm


PREDICT_LR = {
    0.1: "converges",
    0.5: "converges",
    0.9: "converges, oscillating",
    1.0: "oscillates forever",
    1.1: "diverges",
}


def train_spiral(model, loss_fn, optimizer, X, y, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def best_lr(eigenvalues):
    mu, L = min(eigenvalues), max(eigenvalues)
    return 2 / (L + mu), (L - mu) / (L + mu)


def largest_eigenvalue(hvp, n, iters):
    v = np.ones(n) / np.sqrt(n)
    for _ in range(iters):
        w = hvp(v)
        v = w / np.linalg.norm(w)
    return float(v @ hvp(v))


def minibatch_variance(sigma2, N, B):
    return sigma2 / B * (N - B) / (N - 1)


def hvp(loss_fn, params, vectors):
    grads = grad(loss_fn(), params, create_graph=True)
    along_v = sum((g * Tensor(v)).sum() for g, v in zip(grads, vectors))
    return [h.data for h in grad(along_v, params)]


def accuracy(logits, labels):
    return float((logits.data.argmax(axis=1) == np.asarray(labels)).mean())


def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model, loss_fn, x, y):
    was_training = model.training
    model.eval()
    with no_grad():
        loss = loss_fn(model(x), y).item()
    model.train(was_training)
    return loss


def early_stopping(model, train_epoch, validate, patience, max_epochs):
    best, best_epoch, waited = math.inf, 0, 0
    for epoch in range(1, max_epochs + 1):
        train_epoch()
        loss = validate()
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
            best_state = model.state_dict()
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return epoch, best_epoch, best


def cosine_lr(epoch, base_lr, T_max, eta_min):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


READ_LOSS_CURVE = 14


def standardize(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def confusion(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


def per_class_accuracy(cm):
    return np.diag(cm) / cm.sum(axis=1)


def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        index = order[start : start + batch_size]
        yield X[index], y[index]


def gaussian_nll(mean, target, var):
    return (0.5 * (var.log() + (target - mean) ** 2 / var)).mean()


def distillation_loss(student, teacher, T):
    soft_targets = (Tensor(teacher) / T).softmax(axis=1)
    log_p = (student / T).log_softmax(axis=1)
    return T**2 * KLDivLoss(reduction="batchmean")(log_p, soft_targets)


def warmup_cosine(step, warmup, total):
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    return 0.5 * (1 + math.cos(math.pi * progress))


def accumulate_step(model, loss_fn, optimizer, batches):
    k = len(batches)
    optimizer.zero_grad()
    losses = []
    for x, y in batches:
        loss = loss_fn(model(x), y)
        (loss / k).backward()
        losses.append(loss.item())
    optimizer.step()
    return float(np.mean(losses))


SOLUTIONS = {
    "tensors.tanh_grad": tanh_grad,
    "tensors.unbroadcast": unbroadcast,
    "tensors.numerical_gradient": numgrad,
    "tensors.softplus": Softplus,
    "tensors.hypot": Hypot,
    "tensors.predict_dtype": PREDICT_DTYPE,
    "layers.linear": linear,
    "layers.count_parameters": count_parameters,
    "layers.mlp": make_mlp,
    "layers.leaky_relu": LeakyReLU,
    "layers.dropout": dropout,
    "losses.mse": MSELoss,
    "losses.cross_entropy": CrossEntropyLoss,
    "losses.nll": nll,
    "losses.huber": huber,
    "losses.bce_with_logits": bce_with_logits,
    "losses.predict_uniform": PREDICT_UNIFORM,
    "optim.sgd": SGD,
    "optim.adam": Adam,
    "optim.adam_weight_decay": Adam,
    "optim.adamw": AdamW,
    "optim.quadratic": minimize_quadratic,
    "optim.rosenbrock": minimize_rosenbrock,
    "optim.clip_grad_norm": clip_grad_norm,
    "optim.predict_lr": PREDICT_LR,
    "optim.spiral": train_spiral,
    "curvature.best_lr": best_lr,
    "curvature.power_iteration": largest_eigenvalue,
    "curvature.minibatch_variance": minibatch_variance,
    "curvature.hvp": hvp,
    "training.accuracy": accuracy,
    "training.train_step": train_step,
    "training.evaluate": evaluate,
    "training.early_stopping": early_stopping,
    "training.cosine_lr": cosine_lr,
    "training.read_loss_curve": READ_LOSS_CURVE,
    "fashion.standardize": standardize,
    "fashion.confusion_matrix": confusion,
    "fashion.per_class_accuracy": per_class_accuracy,
    "fashion.minibatches": minibatches,
    "losses.gaussian_nll": gaussian_nll,
    "losses.distillation": distillation_loss,
    "optim.warmup_cosine": warmup_cosine,
    "training.accumulate": accumulate_step,
}
