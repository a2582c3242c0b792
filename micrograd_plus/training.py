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

from .autograd.grad_mode import no_grad
from .nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    NLLLoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
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
def to_array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _predicted_classes(output: np.ndarray, threshold: float) -> np.ndarray:
    if output.ndim >= 2 and output.shape[-1] > 1:
        return output.argmax(axis=-1)
    return (output.reshape(len(output)) > threshold).astype(np.int64)


def _correct(output, labels, threshold: float = 0.0) -> int:
    output, labels = to_array(output), to_array(labels)
    predicted = _predicted_classes(output, threshold)
    if labels.ndim == predicted.ndim + 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)  # one-hot or probability targets
    labels = labels.reshape(predicted.shape)
    return int((predicted == labels).sum())


def _check_batched(output, labels) -> None:
    shapes = {"output": np.shape(to_array(output)), "labels": np.shape(to_array(labels))}
    scalars = [name for name, shape in shapes.items() if shape == ()]
    if scalars:
        raise ValueError(
            f"accuracy needs a batch: {' and '.join(scalars)} "
            f"{'is a scalar' if len(scalars) == 1 else 'are scalars'} (output shape "
            f"{shapes['output']}, labels shape {shapes['labels']}); give both a first (sample) "
            "axis, e.g. accuracy(np.array([[0.3, 0.7]]), np.array([1])) for one sample"
        )


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
    _check_batched(output, labels)
    n = len(to_array(labels))
    if n == 0:
        raise ValueError("accuracy of an empty batch is undefined (0 labels)")
    if len(to_array(output)) != n:
        raise ValueError(
            f"output has {len(to_array(output))} rows but there are {n} labels; pass one label "
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
    y_true = to_array(y_true).astype(np.int64).ravel()
    y_pred = to_array(y_pred).astype(np.int64).ravel()
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


# Losses whose targets are classes: only these make fit and evaluate report accuracy
# (a regression target that happens to hold whole numbers is still not a class label).
_CLASSIFICATION = (CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss, BCELoss)
_CLASSIFICATION_FUNCTIONS = (
    cross_entropy,
    nll_loss,
    binary_cross_entropy_with_logits,
    binary_cross_entropy,
)


def _accuracy_threshold(loss_fn, track_accuracy):
    """The score threshold for single-output accuracy, or ``None`` for no accuracy.

    BCELoss takes probabilities (threshold 0.5); the other losses take logits (0).
    """
    if track_accuracy is False:
        return None
    probabilities = isinstance(loss_fn, BCELoss) or loss_fn is binary_cross_entropy
    if track_accuracy or loss_fn is None:
        return 0.5 if probabilities else 0.0
    if isinstance(loss_fn, _CLASSIFICATION) or loss_fn in _CLASSIFICATION_FUNCTIONS:
        return 0.5 if probabilities else 0.0
    return None


def _is_class_labels(target) -> bool:
    return to_array(target).dtype.kind in "iub"


def check_loss_fn(loss_fn) -> None:
    if inspect.isclass(loss_fn):
        raise TypeError(
            f"loss_fn is the class {loss_fn.__name__}, not a loss; create one: {loss_fn.__name__}()"
        )
    if not callable(loss_fn):
        raise TypeError(
            f"loss_fn must be callable (a loss such as CrossEntropyLoss()), got "
            f"{type(loss_fn).__name__}"
        )


def _batch_inputs(batch):
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def predict(model, loader) -> np.ndarray:
    """Run ``model`` over every batch of ``loader`` in eval mode; the outputs stacked."""
    outputs = []
    with evaluation_mode(model):
        for batch in loader:
            outputs.append(to_array(model(_batch_inputs(batch))))
    return np.concatenate(outputs)


# ------------------------------------------------------------------ epochs
class _Totals:
    """Running sums for one pass over a loader.

    ``threshold`` is ``None`` when no accuracy is measured; without a loss
    (``evaluate(model, loader)``), accuracy needs integer class labels.
    """

    def __init__(self, threshold=None, labels_only: bool = False):
        self.loss = 0.0
        self.correct = 0
        self.samples = 0
        self.threshold = threshold
        self.classified = threshold is not None
        self.labels_only = labels_only

    def add(self, output, target, loss) -> None:
        n = len(to_array(target))
        if loss is not None:
            self.loss += float(loss.item()) * n
        if self.labels_only:
            self.classified &= _is_class_labels(target)
        if self.classified:
            self.correct += _correct(output, target, self.threshold)
        self.samples += n

    def result(self, loader, with_loss: bool = True):
        if self.samples == 0:
            raise ValueError(_no_batches(loader))
        loss = self.loss / self.samples if with_loss else None
        acc = self.correct / self.samples if self.classified else None
        return loss, acc


def _no_batches(loader) -> str:
    size, batch = getattr(loader, "num_samples", None), getattr(loader, "batch_size", None)
    if getattr(loader, "drop_last", False) and size is not None and batch is not None:
        return (
            f"the loader yielded no batches: drop_last=True drops the only, incomplete batch "
            f"({size} samples < batch_size={batch}); use a batch_size of at most {size} or "
            "drop_last=False"
        )
    return "the loader yielded no batches; check that it is not empty"


def split_batch(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError(
            "the loader must yield (inputs, targets) pairs for training; wrap arrays in "
            "a DataLoader: DataLoader(X, y, batch_size=32)"
        )
    return batch[0], batch[1]


def train_epoch(model, loader, loss_fn, optimizer, progress=None, track_accuracy=None):
    """One pass over ``loader``: forward, loss, backward and an optimizer step per batch.

    Puts the model in training mode. ``progress`` is an optional tqdm-like
    bar, advanced once per batch.

    Parameters
    ----------
    track_accuracy : bool, optional
        Measure accuracy: by default only for classification losses
        (``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``, ``BCELoss`` and
        their functions); ``True`` for any loss (say, your own cross-entropy),
        ``False`` never. Accuracy is never guessed from the targets' values.

    Returns
    -------
    (mean_loss, accuracy)
        The loss averaged over samples; the accuracy when measured (see
        ``track_accuracy``), else ``None``.
    """
    check_loss_fn(loss_fn)
    if hasattr(model, "train"):
        model.train()
    totals = _Totals(_accuracy_threshold(loss_fn, track_accuracy))
    for batch in loader:
        xb, yb = split_batch(batch)
        output = model(xb)
        loss = loss_fn(output, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals.add(output, yb, loss)
        if progress is not None:
            progress.update(1)
    return totals.result(loader)


def evaluate(model, loader, loss_fn=None, track_accuracy=None):
    """Mean loss and accuracy over ``loader``, in eval mode and without a graph.

    The model's previous mode (of every sub-module) is restored afterwards,
    even if evaluation fails.

    Parameters
    ----------
    track_accuracy : bool, optional
        Measure accuracy: by default only for classification losses
        (``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``, ``BCELoss`` and
        their functions); ``True`` for any loss (say, your own cross-entropy),
        ``False`` never. Accuracy is never guessed from the targets' values.
        Without ``loss_fn``, accuracy is measured when the targets are
        integer class labels.

    Returns
    -------
    (mean_loss, accuracy)
        ``mean_loss`` is ``None`` without ``loss_fn``; ``accuracy`` is
        ``None`` when not measured.
    """
    if loss_fn is not None:
        check_loss_fn(loss_fn)
    threshold = _accuracy_threshold(loss_fn, track_accuracy)
    totals = _Totals(threshold, labels_only=loss_fn is None and track_accuracy is None)
    with evaluation_mode(model):
        for batch in loader:
            xb, yb = split_batch(batch)
            output = model(xb)
            totals.add(output, yb, None if loss_fn is None else loss_fn(output, yb))
    return totals.result(loader, with_loss=loss_fn is not None)


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


def _run_epoch(model, train_loader, loss_fn, optimizer, val_loader, bar, track_accuracy):
    """Train one epoch and evaluate; returns ``(train_loss, train_acc, val_loss, val_acc)``."""
    try:
        train_loss, train_acc = train_epoch(
            model, train_loader, loss_fn, optimizer, bar, track_accuracy
        )
        val_loss, val_acc = (None, None)
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, track_accuracy)
        return train_loss, train_acc, val_loss, val_acc
    finally:
        if bar is not None:
            bar.close()


def _stop_on_nonfinite(history, monitored, epoch) -> bool:
    if math.isfinite(monitored):
        return False
    history.stop_reason = f"loss became {monitored} in epoch {epoch + 1}"
    warnings.warn(
        f"stopping: the loss became {monitored} in epoch {epoch + 1}; try a smaller learning rate",
        UserWarning,
        stacklevel=3,
    )
    return True


def _interrupted(history, epoch) -> None:
    history.stop_reason = f"interrupted (KeyboardInterrupt) in epoch {epoch + 1}"
    warnings.warn(
        f"training interrupted in epoch {epoch + 1}: returning the history of the "
        f"{history.epochs} finished epochs",
        UserWarning,
        stacklevel=3,
    )


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
    track_accuracy: bool | None = None,
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
    track_accuracy : bool, optional
        Measure accuracy: by default only for classification losses
        (``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``, ``BCELoss`` and
        their functions); ``True`` for any loss (say, your own cross-entropy),
        ``False`` never. Accuracy is never guessed from the targets' values.

    Returns
    -------
    History
        Per-epoch ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``,
        ``lr`` and ``time``; ``best_epoch`` and ``stop_reason``.

    Notes
    -----
    **Ctrl-C** (``KeyboardInterrupt``) stops training cleanly: the
    unfinished epoch is dropped, the best weights are restored if
    ``restore_best_weights`` asks for it (otherwise the model keeps the
    weights of the last step taken), a warning is issued, and ``fit``
    *returns* the history of the finished epochs, with ``stop_reason``
    ``'interrupted (KeyboardInterrupt) in epoch k'``. It does not re-raise.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    check_loss_fn(loss_fn)
    stopper = _EarlyStopping(patience, min_delta)
    history = History()
    for epoch in range(epochs):
        start = time.perf_counter()
        lr = _current_lr(optimizer)
        bar = _make_bar(progress, len(train_loader), f"epoch {epoch + 1}/{epochs}")
        try:
            train_loss, train_acc, val_loss, val_acc = _run_epoch(
                model, train_loader, loss_fn, optimizer, val_loader, bar, track_accuracy
            )
        except KeyboardInterrupt:
            _interrupted(history, epoch)
            break
        history.record(train_loss=train_loss, train_acc=train_acc, val_loss=val_loss)
        history.record(val_acc=val_acc, lr=lr, time=time.perf_counter() - start)
        if progress:
            _report(bar, history, epoch, epochs)
        monitored = val_loss if val_loss is not None else train_loss
        if _stop_on_nonfinite(history, monitored, epoch):
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


def _report(bar, history, epoch, epochs) -> None:
    if bar is not None:
        bar.set_postfix_str(_summary(history), refresh=True)
    else:
        print(f"epoch {epoch + 1}/{epochs}: {_summary(history)}")
