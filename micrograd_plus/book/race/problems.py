"""The race's problems: an ill-conditioned quadratic, Rosenbrock, a saddle and the spiral MLP.

Each is a :class:`Problem`: a name, a budget of gradient evaluations, an optional
target, and ``build(seed)``, which returns the parameters and a closure.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ...tensor import Tensor

__all__ = [
    "Problem",
    "closure",
    "rosenbrock_function",
    "quadratic",
    "rosenbrock",
    "saddle",
    "spiral_mlp",
    "default_problems",
]


@dataclass(frozen=True)
class Problem:
    """A problem for the race: ``build(seed)`` returns ``(params, closure)``.

    ``closure()`` must do what :meth:`Optimizer.step` expects of one: zero the
    gradients, compute the loss, call ``backward()`` and return the loss.

    Attributes
    ----------
    name : str
    build : callable
        ``build(seed) -> (list of Tensors, closure)``; the seed picks the start
        point, the initialisation or the data.
    budget : int
        Gradient evaluations (closure calls) each run may use.
    target : float or None
        The loss at which a run counts as solved and stops.
    log_scale : bool
        Whether the loss is positive and best plotted on a log axis.
    description : str
    """

    name: str
    build: Callable
    budget: int
    target: float | None = None
    log_scale: bool = True
    description: str = ""


def closure(params: list, loss: Callable) -> Callable:
    """The closure ``step(closure)`` expects: zero the gradients, compute ``loss()``,
    call ``backward()`` and return the loss."""

    def evaluate():
        for p in params:
            p.grad = None
        value = loss()
        value.backward()
        return value

    return evaluate


@contextmanager
def _global_seed(seed: int):
    """Seed NumPy's global generator (layer initialisation uses it), then restore it."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def quadratic(kappa: float = 100.0, dim: int = 10, budget: int = 150) -> Problem:
    r"""``f(x) = ½ xᵀAx`` with eigenvalues from ``1/kappa`` to 1, in a random rotation.

    The rotation and the start (a unit vector) come from the seed; rotated axes
    keep a per-coordinate method such as Adam from seeing the eigenvectors.
    Target ``1e-8``; the minimum is 0 at the origin.

    Examples
    --------
    >>> params, closure = quadratic(kappa=10, dim=3).build(0)
    >>> round(float(closure()), 6) == round(float(0.5 * params[0].data @ params[0].grad), 6)
    True
    """

    def build(seed):
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        a = Tensor((q * np.geomspace(1.0 / kappa, 1.0, dim)) @ q.T)
        start = rng.standard_normal(dim)
        x = Tensor(start / np.linalg.norm(start), requires_grad=True)
        return [x], closure([x], lambda: 0.5 * (x * (a @ x)).sum())

    return Problem(
        f"quadratic (kappa={kappa:g})", build, budget, target=1e-8, description=quadratic.__doc__
    )


def rosenbrock_function(x, y):
    """``(1 - x)² + 100 (y - x²)²``, elementwise on arrays or Tensors."""
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosenbrock(start=(-1.0, 1.0), jitter: float = 0.1, budget: int = 200) -> Problem:
    """Rosenbrock's banana ``(1 - x)² + 100 (y - x²)²`` from near ``start``.

    The seed adds ``jitter`` times a standard normal to each coordinate of the
    start. Target ``1e-6``; the minimum is 0 at (1, 1).
    """

    def build(seed):
        rng = np.random.default_rng(seed)
        p = Tensor(np.asarray(start, dtype=np.float64) + jitter * rng.standard_normal(2))
        p.requires_grad = True
        return [p], closure([p], lambda: rosenbrock_function(p[0], p[1]))

    return Problem("Rosenbrock", build, budget, target=1e-6, description=rosenbrock.__doc__)


def saddle(start_x: float = 1.0, start_y: float = 1e-3, budget: int = 100) -> Problem:
    """The saddle ``x² - y²``, from ``(start_x, ±start_y · u)`` with ``u`` uniform in [0.5, 1].

    It is not bounded below, so the task is to escape: a run is solved once
    ``f <= -1`` (the target), and the faster the better. Gradient descent first
    slides along ``x`` towards the saddle point and needs many steps to leave
    along ``y``, where the gradient is tiny.
    """

    def build(seed):
        rng = np.random.default_rng(seed)
        y0 = start_y * rng.uniform(0.5, 1.0) * rng.choice([-1.0, 1.0])
        p = Tensor(np.array([start_x, y0]), requires_grad=True)
        return [p], closure([p], lambda: p[0] ** 2 - p[1] ** 2)

    return Problem(
        "saddle", build, budget, target=-1.0, log_scale=False, description=saddle.__doc__
    )


def spiral_mlp(n_points: int = 100, hidden: int = 64, budget: int = 50) -> Problem:
    """Chapter 6's 2-64-64-3 MLP on the three-arm spiral, full batch, cross-entropy.

    The seed draws the data's noise (``make_spiral(..., seed=seed)``) and the
    initialisation. No target: the score is the training loss after the budget.
    """
    from ...nn import CrossEntropyLoss, Linear, ReLU, Sequential
    from ...utils.data import make_spiral

    def build(seed):
        X, y = make_spiral(n_points, 3, noise=0.2, seed=seed)
        with _global_seed(seed):
            model = Sequential(
                Linear(2, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, 3)
            )
        inputs, targets, loss_fn = Tensor(X), Tensor(y), CrossEntropyLoss()
        params = list(model.parameters())
        return params, closure(params, lambda: loss_fn(model(inputs), targets))

    return Problem("spiral MLP", build, budget, description=spiral_mlp.__doc__)


def default_problems() -> list[Problem]:
    """The four problems of the book's race, with their default budgets."""
    return [quadratic(), rosenbrock(), saddle(), spiral_mlp()]
