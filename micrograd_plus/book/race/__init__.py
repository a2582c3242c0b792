"""A fair optimizer race and its pictures (chapter 5).

- :mod:`.problems`: the problems (a quadratic, Rosenbrock, a saddle, the spiral MLP);
- :mod:`~micrograd_plus.book.race.optimizers`: the optimizers, each a name and a factory;
- :mod:`.protocol`: :func:`race` itself, every optimizer tuned on the same grid, with
  the same budget and seeds;
- :mod:`.paths`: optimizer paths on 2-D test functions;
- :mod:`.plots`: the race's curves, the grid of paths and the playground.

Examples
--------
>>> from micrograd_plus.book.race import default_optimizers, race, saddle
>>> result = race([saddle(budget=20)], default_optimizers()[:1], lrs=(0.1,), seeds=(0,))
>>> result.winner("saddle")
'SGD'
"""

from .optimizers import OptimizerSpec, default_optimizers, make_optimizer
from .paths import LANDSCAPES, Landscape, optimizer_path
from .problems import (
    Problem,
    closure,
    default_problems,
    quadratic,
    rosenbrock,
    rosenbrock_function,
    saddle,
    spiral_mlp,
)
from .protocol import LR_GRID, MOMENTUM_GRID, RaceResult, Run, race, tune

__all__ = [
    "LR_GRID",
    "MOMENTUM_GRID",
    "Problem",
    "OptimizerSpec",
    "Run",
    "RaceResult",
    "closure",
    "rosenbrock_function",
    "quadratic",
    "rosenbrock",
    "saddle",
    "spiral_mlp",
    "default_problems",
    "default_optimizers",
    "make_optimizer",
    "race",
    "tune",
    "LANDSCAPES",
    "Landscape",
    "optimizer_path",
]
