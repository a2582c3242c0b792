"""A fair optimizer race: every optimizer tuned on the same grid, the same budget, several seeds.

Comparisons of optimizers go wrong in three familiar ways: only one of them is
tuned, one lucky seed decides, or they get different amounts of work. The
protocol of :func:`race` rules these out:

- every optimizer gets its learning rate (and its momentum, if it has one)
  tuned on the same grid, :data:`LR_GRID` and :data:`MOMENTUM_GRID`;
- every run gets the same budget of gradient evaluations (calls of the
  closure), so an optimizer whose ``step`` calls the closure several times,
  L-BFGS for one, is charged for each call; a call beyond the budget is refused
  and ends the run there;
- every configuration runs on several seeds (the seed moves the start point,
  the initialisation or the data), and the configuration with the best median
  score wins; the table reports that median and the spread over seeds.

A run's **score** is the loss at its final parameters, where lower is better. A
problem may have a ``target``: a run stops as soon as its loss reaches the
target, its score is then the target itself (solved is solved), and ties are
broken by the median number of evaluations it took. A run whose loss stops
being finite, or grows a million-fold, has diverged: its score is infinite.

The problems are small objects (:class:`Problem`): a name, a budget, a target,
and ``build(seed)``, which returns the parameters and a closure. Write your own
the same way and pass it to :func:`race` with the optimizers you care about
(:class:`OptimizerSpec`, a name and a factory).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..tensor import Tensor

__all__ = [
    "LR_GRID",
    "MOMENTUM_GRID",
    "Problem",
    "OptimizerSpec",
    "Run",
    "RaceResult",
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

#: Learning rates tried for every optimizer: half-decades from 1e-4 to 10**0.5.
LR_GRID = tuple(float(10.0**e) for e in np.arange(-4.0, 0.51, 0.5))
#: Momenta tried where an optimizer has one: 1 - momentum on a log grid.
MOMENTUM_GRID = (0.9, 0.99)

_DIVERGED = 1e6  # a loss above this many times its start's magnitude (plus 1) ends a run


# ----------------------------------------------------------------- problems
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


def _closure(params: list, loss: Callable) -> Callable:
    def closure():
        for p in params:
            p.grad = None
        value = loss()
        value.backward()
        return value

    return closure


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
        return [x], _closure([x], lambda: 0.5 * (x * (a @ x)).sum())

    return Problem(
        f"quadratic (kappa={kappa:g})", build, budget, target=1e-8, description=quadratic.__doc__
    )


def _rosenbrock(x, y):
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
        return [p], _closure([p], lambda: _rosenbrock(p[0], p[1]))

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
        return [p], _closure([p], lambda: p[0] ** 2 - p[1] ** 2)

    return Problem(
        "saddle", build, budget, target=-1.0, log_scale=False, description=saddle.__doc__
    )


def spiral_mlp(n_points: int = 100, hidden: int = 64, budget: int = 50) -> Problem:
    """Chapter 6's 2-64-64-3 MLP on the three-arm spiral, full batch, cross-entropy.

    The seed draws the data's noise (``make_spiral(..., seed=seed)``) and the
    initialisation. No target: the score is the training loss after the budget.
    """
    from ..nn import CrossEntropyLoss, Linear, ReLU, Sequential
    from .data import make_spiral

    def build(seed):
        X, y = make_spiral(n_points, 3, noise=0.2, seed=seed)
        with _global_seed(seed):
            model = Sequential(
                Linear(2, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, 3)
            )
        inputs, targets, loss_fn = Tensor(X), Tensor(y), CrossEntropyLoss()
        params = list(model.parameters())
        return params, _closure(params, lambda: loss_fn(model(inputs), targets))

    return Problem("spiral MLP", build, budget, description=spiral_mlp.__doc__)


def default_problems() -> list[Problem]:
    """The four problems of the book's race, with their default budgets."""
    return [quadratic(), rosenbrock(), saddle(), spiral_mlp()]


# --------------------------------------------------------------- optimizers
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
    from ..optim import SGD, Adam, AdamW, RMSprop

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


# --------------------------------------------------------------------- runs
@dataclass
class Run:
    """One optimizer configuration on one problem and seed.

    ``losses`` holds the loss returned by every closure call; ``score`` the
    loss at the final parameters (the target if reached, ``inf`` if diverged);
    ``solved_at`` the number of evaluations at which the target was reached.
    """

    problem: str
    optimizer: str
    lr: float
    momentum: float | None
    seed: int
    score: float
    evaluations: int
    solved_at: int | None
    diverged: bool
    losses: np.ndarray = field(repr=False)


class _BudgetSpent(Exception):
    """Raised by the counting closure when a run asks for more than its budget."""


class _Stop(Exception):
    """Raised by the counting closure when a run is solved or has diverged."""


def _run(problem, spec, lr, momentum, seed, budget) -> Run:
    params, closure = problem.build(seed)
    args = (lr,) if momentum is None else (lr, momentum)
    optimizer = spec.make(params, *args)
    losses: list[float] = []
    state = {"solved_at": None, "diverged": False}

    def counted():
        if len(losses) >= budget:
            raise _BudgetSpent
        loss = closure()
        value = float(loss.item())
        losses.append(value)
        limit = _DIVERGED * (abs(losses[0]) + 1)
        if not math.isfinite(value) or value > limit:  # falling far is no divergence
            state["diverged"] = True
            raise _Stop
        if problem.target is not None and value <= problem.target:
            state["solved_at"] = len(losses)
            raise _Stop
        return loss

    with np.errstate(all="ignore"):
        try:
            while len(losses) < budget:
                calls = len(losses)
                optimizer.step(counted)
                if len(losses) == calls:  # it would loop for ever, charged nothing
                    raise RuntimeError(
                        f"{spec.name}: optimizer.step(closure) did not call the closure; the "
                        "race charges gradient evaluations, so step must evaluate through it"
                    )
        except (_BudgetSpent, _Stop):
            pass
        score = _final_score(problem, closure, state)
    return Run(
        problem.name,
        spec.name,
        lr,
        momentum,
        seed,
        score,
        len(losses),
        state["solved_at"],
        state["diverged"],
        np.array(losses),
    )


def _final_score(problem, closure, state) -> float:
    """The loss at the final parameters (one more closure call, not charged to the budget)."""
    if state["diverged"]:
        return math.inf
    value = float(closure().item())
    if not math.isfinite(value):
        return math.inf
    return value if problem.target is None else max(value, problem.target)


# -------------------------------------------------------------------- race
def race(
    problems=None,
    optimizers=None,
    *,
    lrs=LR_GRID,
    momenta=MOMENTUM_GRID,
    seeds=(0, 1, 2),
    budget: int | None = None,
) -> RaceResult:
    """Tune every optimizer on every problem by the same protocol and collect the results.

    Parameters
    ----------
    problems : list of Problem, optional
        Default :func:`default_problems`: an ill-conditioned quadratic,
        Rosenbrock, a saddle and the spiral MLP.
    optimizers : list of OptimizerSpec, optional
        Default :func:`default_optimizers`.
    lrs, momenta : sequence of float
        The grids; every optimizer tries every learning rate, and those with
        ``tune_momentum`` every momentum too.
    seeds : sequence of int
        Each configuration runs once per seed; the same seeds for everyone.
    budget : int, optional
        Gradient evaluations per run for every problem (default: each
        problem's own ``budget``).

    Returns
    -------
    RaceResult
        Every run, and per problem and optimizer the tuned configuration.

    Examples
    --------
    >>> result = race([saddle(budget=40)], default_optimizers()[:2],
    ...               lrs=(0.01, 0.1), momenta=(0.9,), seeds=(0, 1))
    >>> [(row["optimizer"], row["lr"], row["momentum"]) for row in result.rows()]
    [('SGD', 0.1, None), ('Momentum', 0.1, 0.9)]
    >>> print(result.to_markdown().splitlines()[0])
    | problem | optimizer | lr | momentum | median score | min | max | evaluations to target |
    """
    problems = default_problems() if problems is None else list(problems)
    optimizers = default_optimizers() if optimizers is None else list(optimizers)
    _check_race(problems, optimizers, lrs, momenta, seeds, budget)
    runs = []
    for problem in problems:
        n = problem.budget if budget is None else budget
        for spec in optimizers:
            for momentum in momenta if spec.tune_momentum else (None,):
                for lr in lrs:
                    runs.extend(_run(problem, spec, lr, momentum, s, n) for s in seeds)
    return RaceResult(runs, [p.name for p in problems], [o.name for o in optimizers], problems)


def _check_race(problems, optimizers, lrs, momenta, seeds, budget) -> None:
    if not problems or not all(isinstance(p, Problem) for p in problems):
        raise TypeError("problems must be a non-empty list of Problem objects, e.g. [saddle()]")
    if not optimizers or not all(isinstance(o, OptimizerSpec) for o in optimizers):
        raise TypeError(
            "optimizers must be a non-empty list of OptimizerSpec, e.g. "
            "[OptimizerSpec('SGD', lambda params, lr: SGD(params, lr=lr))]"
        )
    if not len(lrs) or not len(seeds) or not len(momenta):
        raise ValueError("lrs, momenta and seeds each need at least one value")
    if budget is not None and (not isinstance(budget, int) or budget < 1):
        raise ValueError(f"budget is a number of gradient evaluations >= 1, got {budget!r}")


def _tuning_key(runs: list) -> tuple:
    """Lower is better: the median score, then the median evaluations to the target."""
    score = statistics.median(r.score for r in runs)
    solved = statistics.median(math.inf if r.solved_at is None else r.solved_at for r in runs)
    return (score, solved)


def tune(runs: list) -> dict:
    """The winning configuration per (problem, optimizer): ``{(p, o): (lr, momentum)}``.

    Configurations are compared by their median score over the seeds, then by the
    median number of evaluations to the target (a run that never reached it counts as
    infinitely many); a tie goes to the configuration tried first.
    """
    groups: dict = {}
    for r in runs:
        groups.setdefault((r.problem, r.optimizer), {}).setdefault((r.lr, r.momentum), []).append(r)
    return {
        key: min(configs, key=lambda c: _tuning_key(configs[c])) for key, configs in groups.items()
    }


class RaceResult:
    """What :func:`race` found: every run, the tuned configurations and their summary.

    Attributes
    ----------
    runs : list of Run
    tuned : dict
        ``(problem, optimizer) -> (lr, momentum)``, the configuration with the best
        median score (``momentum`` is None for optimizers without one).
    """

    def __init__(self, runs, problem_names, optimizer_names, problems=()):
        self.runs = runs
        self.problems = list(problem_names)
        self.optimizers = list(optimizer_names)
        self._problems = {p.name: p for p in problems}
        self.tuned = tune(runs)

    def best_runs(self, problem: str, optimizer: str) -> list:
        """The runs (one per seed) of the tuned configuration."""
        lr, momentum = self.tuned[(problem, optimizer)]
        return [
            r
            for r in self.runs
            if (r.problem, r.optimizer, r.lr, r.momentum) == (problem, optimizer, lr, momentum)
        ]

    def curves(self, problem: str, optimizer: str) -> np.ndarray:
        """Loss per evaluation of the tuned runs, one row per seed.

        Shorter runs are padded: a solved run with its last loss, a diverged one with NaN.
        """
        runs = self.best_runs(problem, optimizer)
        width = max(max(len(r.losses) for r in runs), 1)
        out = np.full((len(runs), width), np.nan)
        for row, r in zip(out, runs):
            row[: len(r.losses)] = r.losses
            if not r.diverged and len(r.losses):
                row[len(r.losses) :] = r.losses[-1]
        return out

    def rows(self) -> list:
        """One dict per problem and optimizer: tuned config, median and spread of the score."""
        rows = []
        for problem in self.problems:
            for optimizer in self.optimizers:
                runs = self.best_runs(problem, optimizer)
                scores = [r.score for r in runs]
                solved = [math.inf if r.solved_at is None else r.solved_at for r in runs]
                lr, momentum = self.tuned[(problem, optimizer)]
                rows.append(
                    {
                        "problem": problem,
                        "optimizer": optimizer,
                        "lr": lr,
                        "momentum": momentum,
                        "median": statistics.median(scores),
                        "min": min(scores),
                        "max": max(scores),
                        "solved_at": statistics.median(solved),
                        "seeds": len(runs),
                    }
                )
        return rows

    def winner(self, problem: str) -> str:
        """The optimizer whose tuned configuration scores best on ``problem``."""
        rows = [r for r in self.rows() if r["problem"] == problem]
        return min(rows, key=lambda r: (r["median"], r["solved_at"]))["optimizer"]

    _HEADER = (
        "problem",
        "optimizer",
        "lr",
        "momentum",
        "median score",
        "min",
        "max",
        "evaluations to target",
    )

    def _cells(self) -> list:
        def number(x):
            return "-" if x is None else ("never" if x == math.inf else f"{x:.3g}")

        return [
            [
                r["problem"],
                r["optimizer"],
                f"{r['lr']:.3g}",
                number(r["momentum"]),
                *(number(r[k]) for k in ("median", "min", "max", "solved_at")),
            ]
            for r in self.rows()
        ]

    def to_markdown(self) -> str:
        """The table of :meth:`rows` as Markdown (``inf``: diverged, ``never``: not solved)."""
        lines = ["| " + " | ".join(self._HEADER) + " |", "|" + "---|" * len(self._HEADER)]
        lines += ["| " + " | ".join(cells) + " |" for cells in self._cells()]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The table of :meth:`rows` as an HTML table."""
        head = "".join(f"<th>{h}</th>" for h in self._HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>" for cells in self._cells()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    _repr_html_ = to_html

    def plot(self, axes=None):
        """Median loss per evaluation with the spread over seeds; see
        :func:`micrograd_plus.plotting.plot_race`."""
        from ..plotting import plot_race

        return plot_race(self, axes=axes)

    def __repr__(self) -> str:
        return (
            f"RaceResult({len(self.problems)} problems, {len(self.optimizers)} optimizers, "
            f"{len(self.runs)} runs)"
        )


# ------------------------------------------------- 2-D paths (playground)
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
        _rosenbrock,
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
    closure = _closure([p], lambda: fn.f(p[0], p[1]))
    points = [p.data.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            optimizer.step(closure)
            if not np.isfinite(p.data).all():
                break
            points.append(p.data.copy())
    return np.array(points)
