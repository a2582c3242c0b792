"""Schedules made of schedules: one after another (``SequentialLR``) or all at once
(``ChainedScheduler``)."""

from __future__ import annotations

from bisect import bisect_right

from ..optimizer import Optimizer
from .base import LRScheduler, check_same_kind
from .plateau import ReduceLROnPlateau


def _check_parts(owner: str, schedulers, optimizer) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{owner} needs at least one scheduler, got none")
    for i, scheduler in enumerate(schedulers):
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} cannot hold ReduceLROnPlateau (schedulers[{i}]): its step() needs the "
                "metric; step it yourself, next to the combined scheduler"
            )
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(
                f"schedulers[{i}] of {owner} is a {type(scheduler).__name__}, not a scheduler; "
                "pass scheduler objects such as LinearLR(optimizer, ...)"
            )
        if scheduler.optimizer is not optimizer:
            raise ValueError(
                f"{owner}: schedulers[{i}] ({type(scheduler).__name__}) belongs to another "
                "optimizer; build every scheduler on the same optimizer"
            )


class _Combined(LRScheduler):
    """State of a combination: its own attributes plus each part's ``state_dict()``."""

    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        check_same_kind(self, state_dict)
        state = dict(state_dict)
        parts = state.pop("_schedulers")
        if len(parts) != len(self._schedulers):
            raise ValueError(
                f"the state holds {len(parts)} schedulers, this {type(self).__name__} has "
                f"{len(self._schedulers)}"
            )
        self.__dict__.update(state)
        for scheduler, part in zip(self._schedulers, parts):
            scheduler.load_state_dict(part)


class SequentialLR(_Combined):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]``, and so on.

    Each scheduler starts from its own epoch 0 at its milestone (for example a
    ``LinearLR`` warm-up followed by ``CosineAnnealingLR``), as in PyTorch.

    Examples
    --------
    >>> from micrograd_plus import SGD, ExponentialLR, LinearLR, SequentialLR, Tensor
    >>> opt = SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = ExponentialLR(opt, gamma=0.5)
    >>> sched = SequentialLR(opt, [warmup, decay], milestones=[2])
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers, milestones, last_epoch: int = -1) -> None:
        _check_parts("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs one milestone fewer than schedulers: got {len(schedulers)} "
                f"schedulers and {len(milestones)} milestones"
            )
        if any(later < earlier for earlier, later in zip(milestones, milestones[1:])):
            raise ValueError(  # torch would pick the phase by bisecting an unsorted list
                f"SequentialLR's milestones must not decrease (each is the epoch its scheduler "
                f"starts), got {list(milestones)}; sort them with their schedulers"
            )
        self._schedulers, self._milestones = list(schedulers), list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo(self, scheduler) -> None:
        """Take back the first step every part took when it was built (as PyTorch)."""
        for part in getattr(scheduler, "_schedulers", ()):
            if hasattr(part, "_schedulers"):
                self._undo(part)
            else:
                part.last_epoch -= 1

    def step(self) -> None:
        """Advance one epoch: this phase's scheduler steps (or starts afresh at its milestone)."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Combined):
    """Step every scheduler in ``schedulers`` at each ``step()``: their factors multiply.

    Examples
    --------
    >>> from micrograd_plus import SGD, ChainedScheduler, ConstantLR, ExponentialLR, Tensor
    >>> opt = SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2),
    ...                           ExponentialLR(opt, gamma=0.5)])
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.5, 0.25, 0.25, 0.125]
    """

    def __init__(self, schedulers, optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler needs at least one scheduler, got none")
        optimizer = optimizer or schedulers[0].optimizer
        _check_parts("ChainedScheduler", schedulers, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._current()

    def step(self) -> None:
        """Step each scheduler in turn."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current()
