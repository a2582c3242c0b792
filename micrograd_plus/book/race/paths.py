"""Optimizer paths on 2-D test functions, for the playground and the grid of pictures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...tensor import Tensor
from .problems import closure, rosenbrock_function

__all__ = ["Landscape", "LANDSCAPES", "optimizer_path"]


@dataclass(frozen=True)
class Landscape:
    """A 2-D test function for pictures of optimizer paths (:data:`LANDSCAPES`).

    ``f(x, y)`` works on NumPy arrays (for contours) and on Tensors (for the
    gradient), elementwise.
    """

    name: str
    f: Callable
    start: tuple
    xlim: tuple
    ylim: tuple
    levels: object = 20
    minimum: tuple | None = None


def _ill_quadratic(x, y):
    return 0.5 * (x * x + 10 * y * y)  # kappa = 10 along the axes


#: The playground's 2-D test functions by name: a quadratic with kappa 10, Rosenbrock
#: from (-1, 1), and the saddle x² - y² from just off its ridge.
LANDSCAPES = {
    "quadratic": Landscape(
        "quadratic", _ill_quadratic, (-1.8, 0.8), (-2.0, 2.0), (-1.2, 1.2), 20, (0.0, 0.0)
    ),
    "rosenbrock": Landscape(
        "rosenbrock",
        rosenbrock_function,
        (-1.0, 1.0),
        (-2.0, 2.0),
        (-1.0, 3.0),
        tuple(np.logspace(-1, 3, 20)),
        (1.0, 1.0),
    ),
    "saddle": Landscape(
        "saddle", lambda x, y: x * x - y * y, (1.0, 1e-3), (-1.5, 1.5), (-1.5, 1.5), 20
    ),
}


def optimizer_path(function, make, steps: int = 100) -> np.ndarray:
    """The points an optimizer visits on a 2-D test function, start included.

    ``function`` is a :class:`Landscape` or a key of :data:`LANDSCAPES`;
    ``make(params)`` builds the optimizer. A path that leaves the finite numbers
    ends there.

    Examples
    --------
    >>> from micrograd_plus import SGD
    >>> path = optimizer_path("quadratic", lambda p: SGD(p, lr=0.1), steps=50)
    >>> path.shape, bool(np.abs(path[-1]).max() < 0.05)
    ((51, 2), True)
    """
    fn = LANDSCAPES[function] if isinstance(function, str) else function
    p = Tensor(np.array(fn.start, dtype=np.float64), requires_grad=True)
    optimizer = make([p])
    evaluate = closure([p], lambda: fn.f(p[0], p[1]))
    points = [p.data.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            optimizer.step(evaluate)
            if not np.isfinite(p.data).all():
                break
            points.append(p.data.copy())
    return np.array(points)
