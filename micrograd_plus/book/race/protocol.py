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
from dataclasses import dataclass, field

import numpy as np

from .optimizers import OptimizerSpec, default_optimizers
from .problems import Problem, default_problems, saddle  # noqa: F401 (saddle: the doctest)

__all__ = ["LR_GRID", "MOMENTUM_GRID", "Run", "RaceResult", "race", "tune"]

#: Learning rates tried for every optimizer: half-decades from 1e-4 to 10**0.5.
LR_GRID = tuple(float(10.0**e) for e in np.arange(-4.0, 0.51, 0.5))
#: Momenta tried where an optimizer has one: 1 - momentum on a log grid.
MOMENTUM_GRID = (0.9, 0.99)

_DIVERGED = 1e6  # a loss above this many times its start's magnitude (plus 1) ends a run


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
        :func:`micrograd_plus.book.race.plots.plot_race`."""
        from .plots import plot_race

        return plot_race(self, axes=axes)

    def __repr__(self) -> str:
        return (
            f"RaceResult({len(self.problems)} problems, {len(self.optimizers)} optimizers, "
            f"{len(self.runs)} runs)"
        )
