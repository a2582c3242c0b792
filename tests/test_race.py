"""The optimizer race keeps its protocol: same grid, same budget of closure calls, several
seeds, the best median wins, and the same seeds give the same result."""

import math

import numpy as np
import pytest

from micrograd_plus import SGD, Tensor
from micrograd_plus.book import race as R
from micrograd_plus.book.race import (
    LANDSCAPES,
    OptimizerSpec,
    Problem,
    Run,
    optimizer_path,
    protocol,
    quadratic,
    race,
    rosenbrock,
    saddle,
    spiral_mlp,
    tune,
)

SMALL = dict(lrs=(0.01, 0.1, 1.0), momenta=(0.9,), seeds=(0, 1))


def _sgd(name="SGD"):
    return OptimizerSpec(name, lambda params, lr: SGD(params, lr=lr))


def test_two_races_with_the_same_seeds_are_identical():
    problems = [quadratic(dim=4, budget=30), saddle(budget=20), spiral_mlp(20, 8, budget=5)]
    first = race(problems, R.default_optimizers(), **SMALL)
    second = race(problems, R.default_optimizers(), **SMALL)
    assert first.rows() == second.rows()
    assert first.to_markdown() == second.to_markdown()
    assert len(first.runs) == len(second.runs) == 3 * (4 * 3 + 2 * 3) * 2
    for a, b in zip(first.runs, second.runs):
        assert (a.problem, a.optimizer, a.lr, a.momentum, a.seed) == (
            b.problem,
            b.optimizer,
            b.lr,
            b.momentum,
            b.seed,
        )
        assert np.array_equal(a.losses, b.losses) and a.score == b.score


def test_the_race_leaves_the_global_generator_alone():
    state = np.random.get_state()[1].copy()
    race([spiral_mlp(10, 4, budget=2)], [_sgd()], lrs=(0.1,), seeds=(0,))
    assert np.array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("problem", [quadratic(), rosenbrock(), saddle(), spiral_mlp(20, 8)])
def test_seeds_change_the_start_and_the_same_seed_repeats_it(problem):
    def start(seed):
        params, _ = problem.build(seed)
        return np.concatenate([p.data.ravel() for p in params])

    assert np.array_equal(start(3), start(3))
    assert not np.array_equal(start(3), start(4))


def test_problem_closures_give_the_right_gradients():
    [x], closure = quadratic(kappa=10, dim=5).build(0)
    loss = closure()
    a = 2 * float(loss.item()) / float(x.data @ x.grad)
    assert a == pytest.approx(1.0)  # f = ½ xᵀAx and grad = Ax, so xᵀ grad = 2 f
    [p], closure = rosenbrock().build(0)
    closure()
    x, y = p.data
    expected = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
    np.testing.assert_allclose(p.grad, expected, rtol=1e-12)
    [p], closure = saddle().build(1)
    value = closure()
    np.testing.assert_allclose(p.grad, [2 * p.data[0], -2 * p.data[1]])
    assert float(value.item()) == pytest.approx(p.data[0] ** 2 - p.data[1] ** 2)


class _Thrice(SGD):
    """An optimizer whose step calls the closure three times (as a line search would)."""

    steps = 0

    def step(self, closure=None):
        type(self).steps += 1
        loss = closure()
        closure()
        closure()
        return super().step() or loss


def test_budget_counts_closure_calls_not_steps():
    problem = quadratic(dim=4, budget=31)
    plain = protocol._run(problem, _sgd(), 1e-3, None, 0, 31)
    assert plain.evaluations == 31 and len(plain.losses) == 31
    _Thrice.steps = 0
    thrice = protocol._run(
        problem, OptimizerSpec("x3", lambda p, lr: _Thrice(p, lr=lr)), 1e-3, None, 0, 31
    )
    assert thrice.evaluations == 31  # the 32nd call is refused: the budget is strict
    assert _Thrice.steps == 11  # 10 full steps, and an 11th cut short by the budget
    assert thrice.score > plain.score  # a third of the updates, less progress


def test_an_optimizer_that_ignores_the_closure_is_refused():
    class Deaf(SGD):
        def step(self, closure=None):
            return super().step()

    spec = OptimizerSpec("deaf", lambda p, lr: Deaf(p, lr=lr))
    with pytest.raises(RuntimeError, match="did not call the closure"):
        race([saddle(budget=5)], [spec], lrs=(0.1,), seeds=(0,))


def test_lbfgs_is_charged_for_every_closure_call():
    from micrograd_plus import optim

    if not hasattr(optim, "LBFGS"):
        pytest.skip("this checkout has no optim.LBFGS yet")
    made = []

    def make(params, lr):
        made.append(optim.LBFGS(params, lr=lr, line_search_fn="strong_wolfe"))
        return made[-1]

    spec = OptimizerSpec("LBFGS", make)
    [run] = race([rosenbrock(budget=60)], [spec], lrs=(1.0,), seeds=(0,)).runs
    state = made[0].state[made[0].param_groups[0]["params"][0]]
    assert run.solved_at == run.evaluations == len(run.losses) < 60  # it reaches the target
    assert run.score == 1e-6
    # L-BFGS counts a line search's evaluations when the search ends: the one that
    # reached the target interrupted it, so its own counter may lag behind the race's
    assert state["n_iter"] < state["func_evals"] <= run.evaluations
    [short] = race([rosenbrock(budget=10)], [spec], lrs=(1.0,), seeds=(0,)).runs
    assert short.evaluations == len(short.losses) == 10 and short.solved_at is None


def test_divergence_and_targets():
    problem = quadratic(dim=4, budget=50)
    diverged = protocol._run(problem, _sgd(), 10.0, None, 0, 50)
    assert diverged.diverged and diverged.score == math.inf and diverged.evaluations < 50
    solved = protocol._run(saddle(), _sgd(), 0.3, None, 0, 100)
    assert solved.solved_at == solved.evaluations < 100
    assert solved.losses[-1] <= -1 and solved.score == -1.0  # solved is solved
    assert (solved.losses[:-1] > -1).all()


def _fake(lr, momentum, seed, score, solved_at=None):
    return Run("p", "o", lr, momentum, seed, score, 10, solved_at, False, np.zeros(0))


def test_tuning_picks_the_best_median_then_the_fastest():
    runs = [
        # lr 0.1: one lucky seed, but the worst median
        *(_fake(0.1, None, s, v) for s, v in enumerate([0.0, 5.0, 5.0])),
        *(_fake(0.3, None, s, v) for s, v in enumerate([2.0, 1.0, 9.0])),  # median 2
        *(_fake(1.0, None, s, v) for s, v in enumerate([3.0, 3.0, 0.5])),  # median 3
    ]
    assert tune(runs) == {("p", "o"): (0.3, None)}
    ties = [
        *(_fake(0.1, 0.9, s, -1.0, 50) for s in range(3)),
        *(_fake(0.3, 0.9, s, -1.0, n) for s, n in enumerate([20, 90, 30])),
        *(_fake(1.0, 0.9, s, -1.0, None) for s in range(3)),
    ]
    assert tune(ties) == {("p", "o"): (0.3, 0.9)}


def test_momentum_is_tuned_only_where_it_exists_and_on_the_same_grid():
    result = race([saddle(budget=10)], R.default_optimizers(), **SMALL)
    configs = {}
    for r in result.runs:
        configs.setdefault(r.optimizer, set()).add((r.lr, r.momentum))
    assert configs["SGD"] == configs["Adam"] == {(lr, None) for lr in SMALL["lrs"]}
    assert configs["Momentum"] == configs["Nesterov"] == {(lr, 0.9) for lr in SMALL["lrs"]}
    seeds = {(r.optimizer, r.lr, r.momentum): set() for r in result.runs}
    for r in result.runs:
        seeds[(r.optimizer, r.lr, r.momentum)].add(r.seed)
    assert all(s == {0, 1} for s in seeds.values())


def test_momentum_beats_plain_gradient_descent_on_an_ill_conditioned_quadratic():
    names = {"SGD", "Momentum"}
    specs = [s for s in R.default_optimizers() if s.name in names]
    result = race([quadratic(kappa=100, budget=100)], specs, momenta=(0.9,), seeds=(0, 1, 2))
    rows = {r["optimizer"]: r for r in result.rows()}
    assert rows["Momentum"]["median"] < rows["SGD"]["median"] / 10
    assert result.winner("quadratic (kappa=100)") == "Momentum"


def test_table_rendering():
    result = race([saddle(budget=10), quadratic(dim=3, budget=5)], [_sgd()], **SMALL)
    rows = result.rows()
    assert [r["problem"] for r in rows] == ["saddle", "quadratic (kappa=100)"]
    markdown = result.to_markdown().splitlines()
    assert markdown[0].startswith("| problem | optimizer | lr |") and len(markdown) == 4
    assert markdown[2].split(" | ")[1] == "SGD"
    html = result.to_html()
    assert html.startswith("<table>") and html.count("<tr>") == 3
    assert result._repr_html_() == html
    assert "never" in result.to_markdown()  # the quadratic is not solved in 5 evaluations
    assert repr(result) == f"RaceResult(2 problems, 1 optimizers, {len(result.runs)} runs)"


def test_curves_are_padded():
    result = race([saddle(budget=60)], [_sgd()], lrs=(0.3,), seeds=(0, 1))
    curves = result.curves("saddle", "SGD")
    runs = result.best_runs("saddle", "SGD")
    assert curves.shape == (2, max(len(r.losses) for r in runs))
    for row, r in zip(curves, runs):
        assert np.array_equal(row[: len(r.losses)], r.losses)
        assert (row[len(r.losses) :] == r.losses[-1]).all()


def test_bad_arguments():
    with pytest.raises(TypeError, match="OptimizerSpec"):
        race([saddle()], [SGD])
    with pytest.raises(TypeError, match="Problem objects"):
        race([lambda seed: None], [_sgd()])
    with pytest.raises(ValueError, match="budget"):
        race([saddle()], [_sgd()], budget=0)
    with pytest.raises(ValueError, match="unknown optimizer 'Adagrad'"):
        R.make_optimizer("Adagrad", [Tensor([1.0], requires_grad=True)], 0.1)


def test_your_own_problem_runs_by_the_same_protocol():
    def build(seed):
        w = Tensor(np.array([float(seed + 1)]), requires_grad=True)
        return [w], R.closure([w], lambda: ((w - 3.0) ** 2).sum())

    problem = Problem("shifted parabola", build, budget=40, target=1e-10)
    result = race([problem], [_sgd()], lrs=(0.01, 0.4), seeds=(0, 1))
    assert result.tuned[("shifted parabola", "SGD")] == (0.4, None)
    assert all(r.solved_at is not None for r in result.best_runs("shifted parabola", "SGD"))


def test_optimizer_paths():
    path = optimizer_path("quadratic", lambda p: SGD(p, lr=0.1), steps=30)
    assert path.shape == (31, 2) and np.allclose(path[0], LANDSCAPES["quadratic"].start)
    values = LANDSCAPES["quadratic"].f(path[:, 0], path[:, 1])
    assert (np.diff(values) < 0).all()
    exploding = optimizer_path("rosenbrock", lambda p: SGD(p, lr=1.0), steps=50)
    assert len(exploding) < 51 and np.isfinite(exploding).all()


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_plot_race_draws_median_and_spread(plt):
    from micrograd_plus.book.race.plots import plot_race

    specs = [_sgd(), _sgd("SGD again")]
    result = race([quadratic(dim=3, budget=20), saddle(budget=20)], specs, **SMALL)
    fig = plot_race(result)
    axes = [ax for ax in fig.axes if ax.lines]
    assert [ax.get_title() for ax in axes] == ["quadratic (kappa=100)", "saddle"]
    # two optimizers' medians and the target, dotted; a band of the seeds per optimizer
    assert [len(ax.lines) for ax in axes] == [3, 3] and len(axes[0].collections) == 2
    assert list(axes[1].lines[-1].get_ydata()) == [-1.0, -1.0]
    assert axes[0].get_yscale() == "log" and axes[1].get_yscale() == "linear"
    median = np.nanmedian(result.curves("saddle", "SGD"), axis=0)
    np.testing.assert_allclose(axes[1].lines[0].get_ydata(), median)
    assert result.plot() is not fig


def test_plot_optimizer_grid_is_a_grid_of_paths(plt):
    from micrograd_plus.book.race.plots import plot_optimizer_grid

    fig = plot_optimizer_grid("saddle", ("SGD", "Adam"), lrs=(0.01, 0.1), momenta=(0.0, 0.9),
                              steps=15)  # fmt: skip
    assert len(fig.axes) == 4
    for ax in fig.axes:
        # each optimizer: its path, a start dot and an end star
        assert len(ax.lines) == 2 * 3
    assert fig.axes[3].get_title() == "lr 0.1, momentum/β₁ 0.9"
    sgd_path = fig.axes[1].lines[0].get_xydata()
    expected = optimizer_path("saddle", lambda p: SGD(p, lr=0.1), steps=15)
    np.testing.assert_allclose(sgd_path, expected)


def test_playground_builds_its_widgets_and_redraws(plt):
    pytest.importorskip("ipywidgets")
    from micrograd_plus.book.race.plots import Playground, playground

    toy = playground("quadratic", optimizers=("SGD", "Adam"), steps=10)
    assert isinstance(toy, Playground)
    assert set(toy.controls) == {"function", "lr", "momentum", "beta1", "beta2"}
    before = toy.paths["SGD"].copy()
    np.testing.assert_allclose(before, optimizer_path("quadratic", lambda p: SGD(p, lr=1e-3), 10))
    toy.controls["lr"].value = 0.1  # moving a slider redraws
    after = toy.paths["SGD"]
    np.testing.assert_allclose(after, optimizer_path("quadratic", lambda p: SGD(p, lr=0.1), 10))
    toy.controls["function"].value = "saddle"
    assert toy.ax.get_xlim() == LANDSCAPES["saddle"].xlim
    assert len(toy.ax.lines) == 2 * 3


def test_playground_without_ipywidgets_says_what_to_install(monkeypatch):
    import sys

    from micrograd_plus.book.race import plots

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        plots.playground()
