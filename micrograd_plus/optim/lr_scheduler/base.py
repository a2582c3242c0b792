"""The :class:`LRScheduler` base class and the helpers the schedules share."""

from __future__ import annotations

import types
import warnings

from ..optimizer import Optimizer

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch): call "
    "`scheduler.step()` without it. While it lasts, an epoch uses the closed form of the "
    "schedule instead of the chainable form, where there is one."
)


def check_optimizer(optimizer, scheduler) -> None:
    """Raise TypeError unless ``optimizer`` is an :class:`Optimizer`."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{type(optimizer).__name__} is not an Optimizer; pass the optimizer: "
            f"{type(scheduler).__name__}(optimizer, ...)"
        )


def per_group(name: str, optimizer: Optimizer, value) -> list:
    """``value`` once per parameter group, or a list/tuple of them checked for length."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(
                f"{name} must have one value per parameter group: got {len(value)} values "
                f"for {groups} groups; pass a single value (used for every group) or a list "
                f"of {groups}"
            )
        return list(value)
    return [value] * groups


def check_same_kind(scheduler, state_dict: dict) -> None:
    """Refuse a state saved by a different scheduler class (PyTorch accepts it silently).

    A state dict carries no class name, so the test is that every attribute this
    scheduler keeps is in the saved state: a StepLR state has no ``T_max`` for a
    CosineAnnealingLR, for example.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(
            f"load_state_dict expects the dict from scheduler.state_dict(), got "
            f"{type(state_dict).__name__}"
        )
    missing = [key for key in scheduler.state_dict() if key not in state_dict]
    if missing:
        raise ValueError(
            f"this state was not saved by a {type(scheduler).__name__}: it lacks "
            f"{', '.join(map(repr, missing))}. Load a scheduler's state into a scheduler "
            "of the same class, built with the same optimizer"
        )


def callable_state(functions) -> list:
    """What PyTorch saves of ``lr_lambda`` functions: None for a plain function or lambda,
    the ``__dict__`` of a callable object (its attributes)."""
    return [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in functions]


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the rates for ``self.last_epoch``.

    Each rate is computed from the current one (PyTorch's "chainable" form), so
    schedules can be combined; those with a closed form also define
    ``_get_closed_form_lr()``, used by ``step(epoch)`` and :class:`SequentialLR`.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``param_groups`` get new ``'lr'`` values.
    last_epoch : int, default -1
        The index of the last epoch when resuming; -1 starts afresh (and
        records each group's ``'initial_lr'``).

    Notes
    -----
    :meth:`load_state_dict` refuses a state saved by a different scheduler class
    (a ``StepLR`` state into a ``CosineAnnealingLR``) with a ValueError naming the
    missing settings; PyTorch would accept it silently and mix the two.
    """

    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(optimizer, self)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "a scheduler with last_epoch >= 0; load the optimizer's state first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Set the rates of the first epoch (the constructor's step)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        raise NotImplementedError

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` (or the constructor) set, one per group."""
        return self._last_lr

    def _current(self) -> list:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, epoch=None) -> None:
        """Advance one epoch and write the new learning rates into the optimizer.

        ``epoch`` (deprecated, as in PyTorch) jumps to that epoch instead.
        """
        if self._step_count == 1 and self.optimizer._step_count == 0:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`: call "
                "optimizer.step() first, or the first value of the schedule is skipped",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current()

    def state_dict(self) -> dict:
        """Everything but the optimizer (which has its own ``state_dict``)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by :meth:`state_dict` of a scheduler of the same class."""
        check_same_kind(self, state_dict)
        self.__dict__.update(state_dict)
