"""Learning-rate schedules with PyTorch's ``step()`` semantics (``torch.optim.lr_scheduler``).

A scheduler writes ``group['lr']`` of its optimizer. Creating it sets the
learning rate for epoch 0; call ``scheduler.step()`` once per epoch *after*
``optimizer.step()`` (``CyclicLR`` and ``OneCycleLR``: once per batch). Each
schedule computes the next rate from the current one (PyTorch's "chainable"
form), so the sequences match PyTorch's exactly and schedules can be combined
(:class:`SequentialLR`, :class:`ChainedScheduler`).

``state_dict()`` holds every attribute but the optimizer (functions such as a
``lr_lambda`` are not saved, as in PyTorch); ``load_state_dict()`` refuses the
state of a different scheduler class, where PyTorch would accept it silently.

Examples
--------
>>> from micrograd_plus import SGD, StepLR, Tensor
>>> opt = SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     opt.step()
...     sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from .base import LRScheduler
from .combined import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .decay import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .plateau import ReduceLROnPlateau

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
]
