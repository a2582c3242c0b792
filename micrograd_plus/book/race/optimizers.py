"""The race's optimizers: a name and a factory each (:class:`OptimizerSpec`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OptimizerSpec", "make_optimizer", "default_optimizers"]


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer in the race: ``make(params, lr)``, or ``make(params, lr, momentum)``.

    With ``tune_momentum`` the race tries every momentum of the grid as well.
    Any optimizer with ``step(closure)`` works, for instance
    ``OptimizerSpec("LBFGS", lambda params, lr: LBFGS(params, lr=lr))``.
    """

    name: str
    make: Callable
    tune_momentum: bool = False


def make_optimizer(name: str, params, lr: float, momentum: float = 0.9, betas=(0.9, 0.999)):
    """One of the race's optimizers by name, with the hyper-parameters the grids vary.

    ``name`` is one of ``'SGD'``, ``'Momentum'`` (heavy ball), ``'Nesterov'``,
    ``'RMSprop'``, ``'Adam'``, ``'AdamW'``; ``momentum`` is used by the two
    momentum methods and ``betas`` by the two Adams.
    """
    from ...optim import SGD, Adam, AdamW, RMSprop

    makers = {
        "SGD": lambda: SGD(params, lr=lr),
        "Momentum": lambda: SGD(params, lr=lr, momentum=momentum),
        "Nesterov": lambda: SGD(params, lr=lr, momentum=momentum, nesterov=True),
        "RMSprop": lambda: RMSprop(params, lr=lr),
        "Adam": lambda: Adam(params, lr=lr, betas=betas),
        "AdamW": lambda: AdamW(params, lr=lr, betas=betas),
    }
    if name not in makers:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(makers)}")
    return makers[name]()


def default_optimizers() -> list[OptimizerSpec]:
    """SGD, heavy-ball momentum, Nesterov, RMSprop, Adam and AdamW (PyTorch's defaults)."""

    def spec(name, tune_momentum=False):
        if tune_momentum:
            return OptimizerSpec(name, lambda p, lr, m: make_optimizer(name, p, lr, m), True)
        return OptimizerSpec(name, lambda p, lr: make_optimizer(name, p, lr))

    return [
        spec("SGD"),
        spec("Momentum", True),
        spec("Nesterov", True),
        spec("RMSprop"),
        spec("Adam"),
        spec("AdamW"),
    ]
