"""Chapter 6 exercises: the training step, evaluation, early stopping, schedules, loss curves."""

from __future__ import annotations

import math

import numpy as np

from ... import nn, optim
from ...autograd import is_grad_enabled
from ...optim.lr_scheduler import CosineAnnealingLR
from ...tensor import Tensor
from ...training import accuracy
from ...utils.notebook import set_seed
from . import hints
from .compare import as_float_array, assert_close, call, plain_numbers
from .registry import exercise
from .result import Fail


@exercise(
    "training.accuracy", 6, "warm-up", "Write accuracy(logits, labels): the share of arg-max hits"
)
def _accuracy(answer):
    # the square batch first: there the wrong axis runs (elsewhere NumPy versions differ
    # in how it fails), and its value names the mistake
    for i, (n, c) in enumerate(((6, 6), (10, 3), (7, 5), (50, 2))):
        rng = np.random.default_rng(i)
        logits, labels = rng.standard_normal((n, c)), rng.integers(0, c, n)
        where = f"{n} samples, {c} classes"
        try:
            got = call(answer, Tensor(logits), labels, where=where)
        except Fail as fail:
            axis = "broadcast" in fail.message and f"({c},)" in fail.message
            raise Fail(fail.message, AXIS if axis else None) from None
        value = as_float_array(got, "accuracy", where)
        if value.size != 1:
            raise Fail(f"returned {value.size} numbers on {where}, expected one share")
        truth, value = accuracy(Tensor(logits), labels), float(value.reshape(()))
        if math.isclose(value, truth, abs_tol=1e-9):
            continue
        hits = truth * n
        slips = {
            hits: "that is the count of hits: divide by the number of samples",
            100 * truth: "that is a percentage: return the share, between 0 and 1",
            1 - truth: "that is the error rate: the share of hits is 1 minus it",
        }
        if n == c:  # only a square batch lets the wrong axis run at all
            slips[float((logits.argmax(axis=0) == labels).mean())] = AXIS
        hint = next((h for v, h in slips.items() if math.isclose(value, v, abs_tol=1e-9)), None)
        raise Fail(f"accuracy {value:.6g}, expected {truth:.6g} on {where}", hint)
    return "right on 4 batches"


AXIS = "arg-max over the batch axis? take it over the classes, axis=1: one per sample"


def _model(seed: int):
    set_seed(seed)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))


def _batch(seed: int):
    rng = np.random.default_rng(seed)
    return Tensor(rng.standard_normal((16, 3)).astype(np.float32)), Tensor(rng.integers(0, 2, 16))


def _reference_step(model, loss_fn, optimizer, x, y, zero_grad=True):
    if zero_grad is True:
        optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    if zero_grad == "late":
        optimizer.zero_grad()
    optimizer.step()
    return loss.item()


WIPED = "step() saw no gradient: zero_grad() first, then loss.backward(), then optimizer.step()"


def _one_step(answer, zero_grad, name, *args):
    if zero_grad is None:
        return call(answer, *args, where=f"step with {name}")
    return _reference_step(*args, zero_grad=zero_grad)


@exercise(
    "training.train_step",
    6,
    "medium",
    "Write train_step(model, loss_fn, optimizer, x, y): one step, returning the loss as a float",
)
def _train_step(answer):
    for name, make_opt in (
        ("SGD", lambda p: optim.SGD(p, lr=0.1, momentum=0.9)),
        ("Adam", lambda p: optim.Adam(p, lr=0.01)),
    ):
        runs = {}
        for who, zero in (("answer", None), ("right", True), ("forgot", False), ("late", "late")):
            model, (x, y) = _model(0), _batch(1)
            opt, loss_fn = make_opt(model.parameters()), nn.CrossEntropyLoss()
            steps = [_one_step(answer, zero, name, model, loss_fn, opt, x, y) for _ in range(5)]
            plain_numbers(steps[0], "the returned loss", name)
            losses = [float(v) for v in steps]
            runs[who] = np.array(losses + [float(p.data.sum()) for p in model.parameters()])
        assert_close(
            runs["answer"],
            runs["right"],
            "losses and weights after 5 steps",
            f"{name}",
            [(hints.ZERO_GRAD, runs["forgot"]), (WIPED, runs["late"])],
            np.float32,
            factors=False,
        )
    return "the same losses and weights as the reference step, with SGD+momentum and Adam"


@exercise(
    "training.evaluate",
    6,
    "medium",
    "Write evaluate(model, loss_fn, x, y): the loss in eval mode, without a graph, mode restored",
)
def _evaluate(answer):
    set_seed(0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
    x, y = _batch(2)
    seen = {}

    def loss_fn(out, target):
        seen.update(grad=is_grad_enabled(), training=model.training)
        return nn.CrossEntropyLoss()(out, target)

    model.train()
    got = call(answer, model, loss_fn, x, y, where="a model with Dropout(0.5)")
    plain_numbers(got, "the returned loss", "a model with Dropout(0.5)")
    got = float(got)
    if seen.get("training", True):
        raise Fail("the model was in training mode: dropout was active", "call model.eval() first")
    if seen["grad"]:
        raise Fail(
            "a graph was recorded during evaluation", "wrap the forward pass in `with no_grad():`"
        )
    if not model.training:
        raise Fail(
            "a model that was in training mode was left in eval mode",
            "put the model back in the mode it had: model.train(was_training) before returning",
        )
    model.eval()
    truth = nn.CrossEntropyLoss()(model(x), y).item()
    call(answer, model, loss_fn, x, y, where="a model already in eval mode")
    if model.training:
        raise Fail(
            "a model that was in eval mode came back in training mode",
            "restore the mode the model had: was_training = model.training, then "
            "model.train(was_training)",
        )
    model.train()
    assert_close(got, truth, "loss", "a model with Dropout(0.5)", dtype=np.float32)
    return "eval mode and no_grad while evaluating, the model's own mode restored, the right loss"


def _early_stopping(val_losses, patience, tie_counts=False, extra=0):
    """``(epochs_run, best_epoch, best)``; ``tie_counts`` and ``extra`` are two typical slips."""
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, v in enumerate(val_losses, start=1):
        if v < best or (tie_counts and v == best):
            best, best_epoch, wait = v, epoch, 0
        else:
            wait += 1
        if wait >= patience + extra:
            return epoch, best_epoch, best
    return len(val_losses), best_epoch, best


class _Replay:
    """A model, and ``train_epoch``/``validate`` callables that replay a validation curve.

    Every epoch moves the weights to values of its own and records them, so the checker
    can tell which epoch's weights the model ends with. The move is in place, as an
    optimizer's step is (so kept references follow it), or, with ``in_place=False``, a
    rebinding of ``.data`` (so they do not).
    """

    def __init__(self, curve, seed: int, in_place: bool = True):
        set_seed(seed)
        self.model, self.curve, self.in_place = nn.Linear(3, 2), curve, in_place
        self.rng = np.random.default_rng(seed)
        self.weights = [self._now()]  # epoch 0: the initial weights
        self.calls = {"train": 0, "val": 0}

    def _now(self):
        return [p.data.copy() for p in self.model.parameters()]

    def train_epoch(self):
        self.calls["train"] += 1
        for p in self.model.parameters():
            step = 0.1 * self.rng.standard_normal(p.shape).astype(p.data.dtype)
            if self.in_place:
                p.data -= step
            else:
                p.data = p.data - step
        self.weights.append(self._now())

    def validate(self):
        self.calls["val"] += 1
        return self.curve[min(self.calls["val"], len(self.curve)) - 1]

    def held_epoch(self):
        """The epoch whose weights the model holds now, or None if no epoch's."""
        now = self._now()
        for epoch in reversed(range(len(self.weights))):
            if all(np.array_equal(a, b) for a, b in zip(now, self.weights[epoch])):
                return epoch
        return None


def _early_hint(got, curve, patience):
    slips = {
        "a tie is not an improvement: use < best, not <=": dict(tie_counts=True),
        "stopped one epoch late? stop once `patience` epochs in a row bring no new best": dict(
            extra=1
        ),
        "stopped one epoch early? stop once `patience` epochs in a row bring no new best": dict(
            extra=-1
        ),
    }
    for hint, slip in slips.items():
        if _early_stopping(curve, patience, **slip)[:2] == got:
            return hint
    return None


NOT_RESTORED = (
    "the model ends with the last epoch's weights: keep a copy of the best epoch's "
    "(best_state = model.state_dict()) and model.load_state_dict(best_state) before returning"
)
REFERENCE = (
    "the kept weights followed training: they are references to the parameters' arrays, "
    "which each step changes in place; keep copies (model.state_dict() or array.copy())"
)
AT_MAX = (
    "restore the best weights also when the loop runs out of epochs (max_epochs), "
    "not only when patience runs out"
)
BEFORE = (
    "those are the weights of the epoch before the best: copy them after train_epoch(), "
    "when validate() reports the new best"
)


def _weights_hint(held, run, answer, args, restored_before, where):
    """The hint for a model that ends with epoch ``held``'s weights, not the best's.

    When they are the last epoch's, the answer runs again on weights that move by
    rebinding: if it restores those, its kept weights were references.
    """
    epochs, best_epoch = run.calls["train"], _early_stopping(run.curve, args[0])[1]
    if held == best_epoch - 1:
        return BEFORE
    if held != epochs:
        return None
    if restored_before and epochs == args[1]:
        return AT_MAX
    rebound = _Replay(run.curve, args[2], in_place=False)
    call(answer, rebound.model, rebound.train_epoch, rebound.validate, *args[:2], where=where)
    return REFERENCE if rebound.held_epoch() == best_epoch else NOT_RESTORED


def _val_curve(seed: int, n: int = 40):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    curve = 1 / (1 + 0.3 * t) + 0.004 * t + 0.01 * rng.standard_normal(n)
    curve[5] = curve[4]  # a tie: not an improvement
    return curve.round(4).tolist()


def _unpack(got):
    try:
        epochs, best_epoch, best = got
    except (TypeError, ValueError):
        raise Fail(f"expected (epochs_run, best_epoch, best_loss), got {got!r}") from None
    return epochs, best_epoch, best


@exercise(
    "training.early_stopping",
    6,
    "medium",
    "Write a loop with early stopping: stop after `patience` epochs without a new best, "
    "and restore the best epoch's weights",
)
def _early(answer):
    restored = False
    for seed, patience in ((0, 1), (1, 3), (2, 5), (3, 100)):
        curve = _val_curve(seed)
        run = _Replay(curve, seed)
        where = f"patience={patience}, validation curve {seed}"
        got = call(
            answer, run.model, run.train_epoch, run.validate, patience, len(curve), where=where
        )
        epochs, best_epoch, best = _unpack(got)
        truth = _early_stopping(curve, patience)
        if run.calls["train"] != epochs:
            raise Fail(
                f"train_epoch ran {run.calls['train']} times, you report {epochs} on {where}"
            )
        if (epochs, best_epoch) != truth[:2]:
            raise Fail(
                f"(epochs_run, best_epoch) = {(epochs, best_epoch)}, not {truth[:2]} on {where}",
                _early_hint((epochs, best_epoch), curve, patience),
            )
        assert_close(best, truth[2], "best_loss", where)
        held = run.held_epoch()
        if held != best_epoch:
            which = "no epoch's" if held is None else f"epoch {held}'s"
            raise Fail(
                f"the model ends with {which} weights, not the best epoch {best_epoch}'s, "
                f"after {epochs} epochs on {where}",
                _weights_hint(held, run, answer, (patience, len(curve), seed), restored, where),
            )
        restored = True
    return (
        "stops at the right epoch and ends with the best epoch's weights, "
        "for patience 1, 3, 5 and 100"
    )


@exercise(
    "training.cosine_lr",
    6,
    "medium",
    "Write cosine_lr(epoch, base_lr, T_max, eta_min): the rate CosineAnnealingLR gives an epoch",
)
def _cosine(answer):
    for base, T, low in ((0.1, 10, 0.0), (1.0, 7, 0.05)):
        opt = optim.SGD([Tensor([0.0], requires_grad=True)], lr=base)
        sched = CosineAnnealingLR(opt, T_max=T, eta_min=low)
        truth = []
        for _ in range(T + 1):
            truth.append(sched.get_last_lr()[0])
            opt.step()
            sched.step()
        where = f"base_lr={base}, T_max={T}, eta_min={low}, epochs 0..{T}"
        got = [call(answer, e, base, T, low, where=where) for e in range(T + 1)]
        shifted = [
            low + (base - low) * (1 + math.cos(math.pi * (e + 1) / T)) / 2 for e in range(T + 1)
        ]
        off = "off by one epoch? epoch 0 runs at base_lr (scheduler.step() after optimizer.step())"
        no_half = [low + (base - low) * math.cos(math.pi * e / T) for e in range(T + 1)]
        no_floor = [base * (1 + math.cos(math.pi * e / T)) / 2 for e in range(T + 1)]
        known = [
            (off, shifted),
            ("the factor is (1 + cos(π·epoch/T_max)) / 2, which goes from 1 to 0", no_half),
            ("eta_min is the floor: eta_min + (base_lr - eta_min)·(1 + cos)/2", no_floor),
        ]
        known = [(h, v) for h, v in known if not np.allclose(v, truth)]
        assert_close(np.array(got), np.array(truth), "learning rates", where, known)
    return "the same rates as CosineAnnealingLR, epoch by epoch"


def loss_curves(epochs: int = 120):
    """Train and validation loss of a real run that overfits: 30 noisy samples, 25 features.

    Returns ``(train_losses, val_losses)``, one value per epoch, the same at every call.
    """
    rng = np.random.default_rng(0)
    w = rng.standard_normal((25, 1)) * (rng.random((25, 1)) < 0.2)
    x_train, x_val = rng.standard_normal((30, 25)), rng.standard_normal((300, 25))
    y_train = x_train @ w + rng.standard_normal((30, 1))
    y_val = x_val @ w + rng.standard_normal((300, 1))
    set_seed(0)
    model = nn.Linear(25, 1, dtype=np.float64)
    opt, loss_fn = optim.SGD(model.parameters(), lr=0.02), nn.MSELoss()
    train, val = [], []
    for _ in range(epochs):
        train.append(_reference_step(model, loss_fn, opt, Tensor(x_train), Tensor(y_train)))
        val.append(loss_fn(model(Tensor(x_val)), Tensor(y_val)).item())
    return train, val


@exercise(
    "training.read_loss_curve",
    6,
    "warm-up",
    "Read the loss curves of loss_curves(): after which epoch would you keep the weights?",
)
def _read_curve(answer):
    train, val = loss_curves()
    try:
        epoch = int(answer)
    except (TypeError, ValueError):
        raise Fail(f"expected an epoch number, got {answer!r}") from None
    best = int(np.argmin(val)) + 1
    good = [e + 1 for e, v in enumerate(val) if v <= min(val) * 1.01]
    if epoch in good:
        return f"yes: the validation loss is lowest around epoch {best}; later the model overfits"
    hint = (
        "that is where the training loss is lowest; keep the epoch with the lowest validation loss"
        if epoch >= len(train) - 5
        else "read the validation curve: where is its minimum?"
    )
    if not 0 < epoch <= len(val):
        raise Fail(f"there is no epoch {epoch}: the run has epochs 1 to {len(val)}")
    above = (val[epoch - 1] / min(val) - 1) * 100
    raise Fail(f"at epoch {epoch} the validation loss is {above:.0f}% above its best", hint)
