"""The learning-rate range test (Smith 2017): :func:`lr_find` and its :class:`LRFinderResult`.

Train for a few steps while the learning rate grows exponentially from tiny to
huge, and watch the loss: it stays flat while the rate is too small, falls
fastest somewhere in between, and explodes once the rate is too large. A good
learning rate sits on the steep part of the fall. The sweep changes nothing:
the model, the optimizer, the loader's epoch and the random generators are put
back exactly as they were, so training afterwards is the same as if
:func:`lr_find` had never run.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass

import numpy as np

from .training import check_loss_fn, split_batch

__all__ = ["lr_find", "LRFinderResult"]


@dataclass
class LRFinderResult:
    """The curve of a learning-rate range test and the learning rate it suggests.

    Attributes
    ----------
    lrs, losses, smoothed : ndarray
        The learning rate of each step, the raw mini-batch loss at that step and
        its bias-corrected exponential moving average.
    suggested_lr : float
        Where the smoothed loss falls fastest: the minimum of its slope against
        ``log(lr)``, looked for between the first tenth of the sweep (where the
        average is still settling) and the smoothed minimum (pytorch-lr-finder's
        "steepest gradient"). If the loss never falls, the lr of the lowest loss.
    min_lr : float
        The learning rate at the smoothed minimum; fastai's other suggestion is
        ``min_lr / 10`` (the minimum itself is already too close to divergence).
    diverged : bool
        Whether the sweep stopped early because the loss diverged.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested_lr: float
    min_lr: float
    diverged: bool

    def plot(self, ax=None, skip_start: int = 0, skip_end: int = 0):
        """Smoothed loss against the learning rate (log axis), the suggestion marked.

        See :func:`micrograd_plus.plotting.plot_lr_find`.
        """
        from .plotting import plot_lr_find

        return plot_lr_find(self, ax=ax, skip_start=skip_start, skip_end=skip_end)

    def __repr__(self) -> str:
        return (
            f"LRFinderResult(steps={len(self.lrs)}, suggested_lr={self.suggested_lr:.3g}, "
            f"min_lr={self.min_lr:.3g}, diverged={self.diverged})"
        )


def lr_find(
    model,
    loader,
    loss_fn,
    optimizer,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    smooth: float = 0.05,
    diverge_threshold: float = 4.0,
) -> LRFinderResult:
    """Sweep the learning rate exponentially and record the loss (a range test).

    Step ``i`` (of ``num_iter``) sets every parameter group's ``lr`` to
    ``start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))``, computes the loss
    of the next batch (the loader starts over when it runs out) and takes an
    optimizer step (with a closure, so L-BFGS-like optimizers work too).
    Afterwards the model's parameters, gradients and buffers, its training mode,
    the optimizer's state and hyper-parameters, the epochs and generators of the
    loader and of every sampler in it (one inside a ``batch_sampler`` too), and the
    global NumPy and Python random generators are restored exactly; a ``.grad``
    from ``backward(create_graph=True)`` comes back as the same Tensor.

    Parameters
    ----------
    model : Module
        Called on each batch's inputs; in training mode during the sweep.
    loader : iterable
        Yields ``(inputs, targets)`` batches, e.g. a
        :class:`~micrograd_plus.utils.data.DataLoader`.
    loss_fn : callable
        ``loss_fn(output, target)`` gives a scalar Tensor.
    optimizer : Optimizer
        Built on the model's parameters; its learning rates are overwritten
        during the sweep and restored afterwards.
    start_lr, end_lr : float
        The first and last learning rate (``0 < start_lr < end_lr``).
    num_iter : int
        Steps of the sweep (at least 2).
    smooth : float
        The weight of the newest loss in the moving average, pytorch-lr-finder's
        ``smooth_f``; fastai's ``beta`` is ``1 - smooth``. The average is
        bias-corrected (divided by ``1 - (1 - smooth) ** (i + 1)``), so early steps
        are not pulled towards zero. ``0`` means no smoothing.
    diverge_threshold : float
        Stop once the smoothed loss exceeds ``diverge_threshold`` times the best
        smoothed loss so far (fastai's 4), or the loss is not finite.

    Returns
    -------
    LRFinderResult

    Examples
    --------
    >>> import numpy as np
    >>> from micrograd_plus import DataLoader, Linear, MSELoss, SGD, lr_find
    >>> from micrograd_plus.utils import set_seed
    >>> set_seed(0)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 3)).astype(np.float32)
    >>> y = X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    >>> model = Linear(3, 1)
    >>> before = model.weight.data.copy()
    >>> result = lr_find(model, DataLoader(X, y, batch_size=16), MSELoss(),
    ...                  SGD(model.parameters(), lr=0.1), start_lr=1e-4, end_lr=10)
    >>> result.diverged, 0.01 < result.suggested_lr < 1.0  # it stops where the loss explodes
    (True, True)
    >>> np.array_equal(model.weight.data, before)  # the model is untouched
    True
    """
    _check_arguments(start_lr, end_lr, num_iter, smooth, diverge_threshold)
    check_loss_fn(loss_fn)
    saved = _Snapshot(model, optimizer, loader)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is expected, and caught
            lrs, losses, smoothed, diverged = _sweep(
                model, loader, loss_fn, optimizer, start_lr, end_lr, num_iter, smooth,
                diverge_threshold,
            )  # fmt: skip
    finally:
        saved.restore()
    suggested, lowest = _suggestions(lrs, smoothed)
    return LRFinderResult(lrs, losses, smoothed, suggested, lowest, diverged)


def _check_arguments(start_lr, end_lr, num_iter, smooth, diverge_threshold) -> None:
    if isinstance(num_iter, bool) or not isinstance(num_iter, (int, np.integer)) or num_iter < 2:
        raise ValueError(
            f"num_iter must be an int of at least 2 (a sweep needs a first and a last "
            f"learning rate), got {num_iter!r}; the default is num_iter=100"
        )
    for name, value in (("start_lr", start_lr), ("end_lr", end_lr)):
        if not (isinstance(value, (int, float, np.floating)) and 0 < value < math.inf):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if start_lr >= end_lr:
        raise ValueError(
            f"start_lr={start_lr!r} must be smaller than end_lr={end_lr!r}: the sweep goes "
            "up, from a tiny learning rate to a huge one, e.g. start_lr=1e-7, end_lr=10"
        )
    if not 0 <= smooth < 1:
        raise ValueError(f"smooth is the moving average's weight in [0, 1), got {smooth!r}")
    if not diverge_threshold > 1:
        raise ValueError(f"diverge_threshold must be larger than 1, got {diverge_threshold!r}")


def _sweep(model, loader, loss_fn, optimizer, start_lr, end_lr, num_iter, smooth, threshold):
    if hasattr(model, "train"):
        model.train()
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))
    losses, smoothed = [], []
    average, best, diverged = 0.0, math.inf, False
    batches = _cycle(loader)
    for i, lr in enumerate(lrs):
        xb, yb = split_batch(next(batches))
        for group in optimizer.param_groups:
            group["lr"] = float(lr)
        loss = float(optimizer.step(_closure(model, loss_fn, optimizer, xb, yb)))
        average = (1 - smooth) * average + smooth * loss if smooth else loss
        value = average / (1 - (1 - smooth) ** (i + 1)) if smooth else loss
        losses.append(loss)
        smoothed.append(value)
        best = min(best, value)
        if not math.isfinite(value) or value > threshold * best:
            diverged = True
            break
    return lrs[: len(losses)], np.array(losses), np.array(smoothed), diverged


def _closure(model, loss_fn, optimizer, xb, yb):
    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        return loss

    return closure


def _cycle(loader):
    """The loader's batches, starting over when it runs out; refuses a loader with none."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError(
                "lr_find got a loader that yields no batches; pass a loader with at least "
                "one (inputs, targets) batch, e.g. DataLoader(X, y, batch_size=64)"
            )


def _suggestions(lrs: np.ndarray, smoothed: np.ndarray) -> tuple[float, float]:
    finite = np.isfinite(smoothed)
    lowest = int(np.argmin(np.where(finite, smoothed, np.inf)))
    skip = len(smoothed) // 10  # the average is still settling there (pytorch-lr-finder: 10)
    if lowest - skip < 2:  # the loss never fell after the start: no descent to be steepest on
        return float(lrs[lowest]), float(lrs[lowest])
    part = slice(skip, lowest + 1)
    slope = np.gradient(smoothed[part], np.log(lrs[part]))
    return float(lrs[skip + int(np.argmin(slope))]), float(lrs[lowest])


class _Snapshot:
    """Exact copies of what a sweep changes, and :meth:`restore` to put them back."""

    def __init__(self, model, optimizer, loader):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.model_state = model.state_dict() if hasattr(model, "state_dict") else None
        self.modes = [(m, m.training) for m in model.modules()] if hasattr(model, "modules") else []
        self.tensors = _tensors(model, optimizer)
        self.values = [(t.data.copy(), _grad_copy(t.grad)) for t in self.tensors]
        self.opt_state = {p: copy.deepcopy(s) for p, s in optimizer.state.items()}
        self.groups = [
            copy.deepcopy({k: v for k, v in g.items() if k != "params"})
            for g in optimizer.param_groups
        ]
        self.step_count = getattr(optimizer, "_step_count", None)
        self.loader_state = _loader_state(loader)
        self.numpy_state, self.python_state = np.random.get_state(), random.getstate()

    def restore(self) -> None:
        if self.model_state is not None:
            self.model.load_state_dict(self.model_state)
        for module, flag in self.modes:
            module.training = flag
        for t, (data, grad) in zip(self.tensors, self.values):
            t.data[...] = data
            t.grad = _grad_restored(grad)
        self.optimizer.state.clear()
        self.optimizer.state.update(self.opt_state)
        for group, saved in zip(self.optimizer.param_groups, self.groups):
            for key in [k for k in group if k != "params"]:
                del group[key]
            group.update(saved)
        if self.step_count is not None:
            self.optimizer._step_count = self.step_count
        _restore_loader(self.loader, self.loader_state)
        np.random.set_state(self.numpy_state)
        random.setstate(self.python_state)


def _tensors(model, optimizer) -> list:
    """The model's parameters and buffers and the optimizer's parameters, each once."""
    found: dict = {}
    if hasattr(model, "parameters"):
        found.update((id(p), p) for p in model.parameters())
    if hasattr(model, "buffers"):
        found.update((id(b), b) for b in model.buffers())
    for group in optimizer.param_groups:
        found.update((id(p), p) for p in group["params"])
    return list(found.values())


def _grad_copy(grad):
    """``grad`` (an array, or a Tensor after ``backward(create_graph=True)``) and a copy
    of its values, so :func:`_grad_restored` gives back the same object, unchanged."""
    if grad is None:
        return None
    array = grad if isinstance(grad, np.ndarray) else grad.data
    return grad, array, array.copy()


def _grad_restored(saved):
    if saved is None:
        return None
    grad, array, values = saved
    if array.flags.writeable:
        array[...] = values
    return grad


def _samplers(loader) -> list:
    """The loader and every sampler inside it, each once: its ``sampler``, its
    ``batch_sampler`` and theirs (a ``BatchSampler`` wraps a sampler of its own)."""
    found, todo = {}, [loader]
    while todo:
        owner = todo.pop()
        if owner is None or id(owner) in found:
            continue
        found[id(owner)] = owner
        todo += [getattr(owner, name, None) for name in ("sampler", "batch_sampler")]
    return list(found.values())


def _loader_state(loader) -> list:
    """Epoch counters and generator states of the loader and its samplers (seeded shuffles)."""
    state = []
    for owner in _samplers(loader):
        if hasattr(owner, "epoch"):
            state.append((owner, "epoch", owner.epoch))
        generator = getattr(owner, "generator", None)
        if generator is not None and hasattr(generator, "bit_generator"):
            state.append((generator.bit_generator, "state", generator.bit_generator.state))
    return state


def _restore_loader(loader, state) -> None:
    for owner, name, value in state:
        setattr(owner, name, value)
