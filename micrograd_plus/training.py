"""The training loop, written once: epochs, evaluation, metrics and early stopping.

These helpers only use the PyTorch-style interface: a model is callable and
has ``train()``/``eval()`` and ``parameters()``; a loss function maps
``(output, target)`` to a scalar Tensor; an optimizer has ``zero_grad()``,
``step()`` and ``param_groups``; a scheduler has ``step()`` (or
``step(metric)`` for ``ReduceLROnPlateau``).
"""

from __future__ import annotations

import inspect
import math
import time
import warnings
from contextlib import contextmanager

import numpy as np

from .autograd.engine import no_grad
from .tensor import Tensor

__all__ = [
    "accuracy",
    "confusion_matrix",
    "train_epoch",
    "evaluate",
    "fit",
    "predict",
    "History",
]


# ------------------------------------------------------------------- metrics
def _array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _predicted_classes(output: np.ndarray, threshold: float) -> np.ndarray:
    if output.ndim >= 2 and output.shape[-1] > 1:
        return output.argmax(axis=-1)
    return (output.reshape(len(output)) > threshold).astype(np.int64)


def _correct(output, labels, threshold: float = 0.0) -> int:
    output, labels = _array(output), _array(labels)
    predicted = _predicted_classes(output, threshold)
    if labels.ndim == predicted.ndim + 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)  # one-hot or probability targets
    labels = labels.reshape(predicted.shape)
    return int((predicted == labels).sum())


def accuracy(output, labels, threshold: float = 0.0) -> float:
    """Fraction of samples whose predicted class equals the label.

    Parameters
    ----------
    output : Tensor or ndarray
        Class scores of shape (N, C): the prediction is the arg-max (logits,
        log-probabilities or probabilities all work). A single score per
        sample, shape (N,) or (N, 1), predicts class 1 where it exceeds
        ``threshold``: 0 for logits, pass 0.5 for probabilities.
    labels : Tensor or ndarray
        Class indices of shape (N,), or one-hot rows of shape (N, C).

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0]]), np.array([0, 1, 1]))
    0.6666666666666666
    >>> accuracy(np.array([-1.0, 2.0]), np.array([0, 1]))
    1.0
    """
    n = len(_array(labels))
    if n == 0:
        raise ValueError("accuracy of an empty batch is undefined (0 labels)")
    if len(_array(output)) != n:
        raise ValueError(
            f"output has {len(_array(output))} rows but there are {n} labels; pass one label "
            "per row of the output"
        )
    return _correct(output, labels, threshold) / n


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: rows are true, columns predicted.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    y_true = _array(y_true).astype(np.int64).ravel()
    y_pred = _array(y_pred).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    top = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    k = top if num_classes is None else int(num_classes)
    if top > k or min(y_true.min(initial=0), y_pred.min(initial=0)) < 0:
        raise ValueError(f"labels must lie in [0, {k}); got values up to {top - 1}")
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


# --------------------------------------------------------------- mode helpers
@contextmanager
def evaluation_mode(model):
    """Put ``model`` in eval mode with gradients off, then restore every module's mode.

    Restores each sub-module's own flag (a frozen BatchNorm stays frozen),
    even if the block raises.
    """
    if hasattr(model, "modules"):
        saved = [(m, m.training) for m in model.modules()]
    else:
        saved = [(model, model.training)] if hasattr(model, "training") else []
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            yield model
    finally:
        for module, flag in saved:
            module.training = flag


def _is_classification(output, target) -> bool:
    target = _array(target)
    return target.dtype.kind in "iub" or (
        _array(output).ndim == 2 and _array(output).shape[1] > 1 and target.ndim == 1
    )


def predict(model, loader) -> np.ndarray:
    """Run ``model`` over every batch of ``loader`` in eval mode; the outputs stacked."""
    outputs = []
    with evaluation_mode(model):
        for batch in loader:
            xb = batch[0] if isinstance(batch, tuple) else batch
            outputs.append(_array(model(xb)))
    return np.concatenate(outputs)


# ------------------------------------------------------------------ epochs
class _Totals:
    """Running sums for one pass over a loader."""

    def __init__(self):
        self.loss = 0.0
        self.correct = 0
        self.samples = 0
        self.classified = True

    def add(self, output, target, loss) -> None:
        n = len(_array(target))
        if loss is not None:
            self.loss += float(loss.item()) * n
        self.classified &= _is_classification(output, target)
        if self.classified:
            self.correct += _correct(output, target)
        self.samples += n

    def result(self, with_loss: bool = True):
        if self.samples == 0:
            raise ValueError("the loader yielded no batches")
        loss = self.loss / self.samples if with_loss else None
        acc = self.correct / self.samples if self.classified else None
        return loss, acc


def _split(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError(
            "the loader must yield (inputs, targets) pairs for training; wrap arrays in "
            "a DataLoader: DataLoader(X, y, batch_size=32)"
        )
    return batch[0], batch[1]


def train_epoch(model, loader, loss_fn, optimizer, progress=None):
    """One pass over ``loader``: forward, loss, backward and an optimizer step per batch.

    Puts the model in training mode. ``progress`` is an optional tqdm-like
    bar, advanced once per batch.

    Returns
    -------
    (mean_loss, accuracy)
        The loss averaged over samples; the accuracy when the targets are
        class labels, else ``None``.
    """
    if hasattr(model, "train"):
        model.train()
    totals = _Totals()
    for batch in loader:
        xb, yb = _split(batch)
        output = model(xb)
        loss = loss_fn(output, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals.add(output, yb, loss)
        if progress is not None:
            progress.update(1)
    return totals.result()


def evaluate(model, loader, loss_fn=None):
    """Mean loss and accuracy over ``loader``, in eval mode and without a graph.

    The model's previous mode (of every sub-module) is restored afterwards,
    even if evaluation fails.

    Returns
    -------
    (mean_loss, accuracy)
        ``mean_loss`` is ``None`` without ``loss_fn``; ``accuracy`` is
        ``None`` for non-class targets.
    """
    totals = _Totals()
    with evaluation_mode(model):
        for batch in loader:
            xb, yb = _split(batch)
            output = model(xb)
            totals.add(output, yb, None if loss_fn is None else loss_fn(output, yb))
    return totals.result(with_loss=loss_fn is not None)


# -------------------------------------------------------------------- fit
class History(dict):
    """Per-epoch records from :func:`fit`; a dict of lists with a few extras.

    Keys: ``'train_loss'``, ``'train_acc'``, ``'val_loss'``, ``'val_acc'``,
    ``'lr'``, ``'time'`` (seconds per epoch). A metric that was not measured
    (no validation data, or no class labels) stays an empty list.

    Attributes
    ----------
    best_epoch : int or None
        Index of the epoch with the best monitored loss.
    stop_reason : str
        Why training ended (``'completed'``, ``'early stopping'`` or a non-finite loss).
    """

    KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "time")

    def __init__(self):
        super().__init__((key, []) for key in self.KEYS)
        self.best_epoch = None
        self.stop_reason = "completed"

    @property
    def epochs(self) -> int:
        return len(self["train_loss"])

    def record(self, **values) -> None:
        for key, value in values.items():
            if value is not None:
                self[key].append(value)

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.items() if v}
        return f"History(epochs={self.epochs}, last={last}, stop_reason={self.stop_reason!r})"


def _current_lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else None


def _step_scheduler(scheduler, metric) -> None:
    required = [
        p
        for p in inspect.signature(scheduler.step).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if required:  # ReduceLROnPlateau.step(metrics)
        scheduler.step(metric)
    else:
        scheduler.step()


def _snapshot(model) -> dict:
    return {k: np.array(getattr(v, "data", v), copy=True) for k, v in model.state_dict().items()}


def _make_bar(progress, total, desc):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: fall back to one printed line per epoch
        return None
    return tqdm(total=total, desc=desc, leave=True)


def _summary(history: History) -> str:
    parts = [f"{key} {history[key][-1]:.4f}" for key in History.KEYS[:4] if history[key]]
    return ", ".join(parts)


class _EarlyStopping:
    def __init__(self, patience, min_delta):
        if patience is not None and (not isinstance(patience, int) or patience < 1):
            raise ValueError(f"patience must be a positive int or None, got {patience!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.best_state, self.wait = math.inf, None, None, 0

    def update(self, value, epoch, model, keep_state) -> bool:
        """Record ``value``; True when training should stop."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if keep_state:
                self.best_state = _snapshot(model)
            return False
        self.wait += 1
        return self.patience is not None and self.wait >= self.patience


def fit(
    model,
    train_loader,
    loss_fn,
    optimizer,
    epochs: int = 10,
    val_loader=None,
    scheduler=None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best_weights: bool = False,
    progress: bool = True,
) -> History:
    """Train ``model`` for up to ``epochs`` epochs and return its :class:`History`.

    Parameters
    ----------
    model, train_loader, loss_fn, optimizer
        What :func:`train_epoch` takes.
    epochs : int, default 10
        Maximum number of passes over ``train_loader``.
    val_loader : DataLoader, optional
        Evaluated after every epoch (eval mode, no graph).
    scheduler : optional
        Stepped once after every epoch, after the optimizer steps (never
        before, which would skip the first learning rate). A
        ``ReduceLROnPlateau``-style ``step(metric)`` receives the validation
        loss (the training loss without ``val_loader``).
    patience : int, optional
        Early stopping: stop after ``patience`` epochs without the monitored
        loss (validation if available, else training) improving by more than
        ``min_delta``.
    restore_best_weights : bool, default False
        At the end, load the weights of the best epoch back into the model.
    progress : bool, default True
        Show a tqdm progress bar per epoch (a printed line without tqdm);
        ``False`` is quiet.

    Returns
    -------
    History
        Per-epoch ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``,
        ``lr`` and ``time``; ``best_epoch`` and ``stop_reason``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    stopper = _EarlyStopping(patience, min_delta)
    history = History()
    for epoch in range(epochs):
        start = time.perf_counter()
        lr = _current_lr(optimizer)
        bar = _make_bar(progress, len(train_loader), f"epoch {epoch + 1}/{epochs}")
        try:
            train_loss, train_acc = train_epoch(model, train_loader, loss_fn, optimizer, bar)
            val_loss, val_acc = (None, None)
            if val_loader is not None:
                val_loss, val_acc = evaluate(model, val_loader, loss_fn)
            history.record(train_loss=train_loss, train_acc=train_acc, val_loss=val_loss)
            history.record(val_acc=val_acc, lr=lr, time=time.perf_counter() - start)
            if bar is not None:
                bar.set_postfix_str(_summary(history), refresh=True)
        finally:
            if bar is not None:
                bar.close()
        if progress and bar is None:
            print(f"epoch {epoch + 1}/{epochs}: {_summary(history)}")
        monitored = val_loss if val_loss is not None else train_loss
        if not math.isfinite(monitored):
            history.stop_reason = f"loss became {monitored} in epoch {epoch + 1}"
            warnings.warn(
                f"stopping: the loss became {monitored} in epoch {epoch + 1}; "
                "try a smaller learning rate",
                UserWarning,
                stacklevel=2,
            )
            break
        should_stop = stopper.update(monitored, epoch, model, restore_best_weights)
        if scheduler is not None:
            _step_scheduler(scheduler, monitored)
        if should_stop:
            history.stop_reason = "early stopping"
            break
    history.best_epoch = stopper.best_epoch
    if restore_best_weights and stopper.best_state is not None:
        model.load_state_dict(stopper.best_state)
    return history
