"""The race's pictures: median loss curves per problem, a grid of optimizer paths on a
2-D function, and the playground (the same paths with sliders, in Jupyter).

matplotlib (and ipywidgets for the playground) are imported inside the functions.
"""

from __future__ import annotations

import numpy as np

from ...plotting import plot_loss_landscape
from .optimizers import make_optimizer
from .paths import LANDSCAPES, optimizer_path

__all__ = ["plot_race", "plot_optimizer_grid", "playground", "Playground"]


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def plot_race(result, axes=None):
    """One panel per problem: each optimizer's median loss per gradient evaluation
    (its tuned configuration) with the band from the best to the worst seed, and
    the problem's target as a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    problems = result.problems
    if axes is None:
        cols = min(len(problems), 2)
        rows = -(-len(problems) // cols)
        # Sized for the book's column (about 690 px): shown at 85 %, 10 pt text stays legible.
        _, axes = _pyplot().subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    axes = np.atleast_1d(axes).ravel()
    for ax, problem in zip(axes, problems):
        _draw_race_panel(ax, result, problem)
    # One legend for all panels: an optimizer has the same colour in each (its tuned lr
    # per problem is in the race's table).
    fig = axes[0].figure
    handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
    _legend_below(fig, list(handles.values()), list(handles), ncol=4)
    return fig


def _legend_below(fig, handles, labels, ncol):
    """One legend for all panels, centred below them, with room made for it."""
    ncol = max(min(len(labels), ncol), 1)
    fig.legend(handles, labels, loc="lower center", ncol=ncol)
    legend_inches = 0.3 * -(-len(labels) // ncol) + 0.1
    fig.tight_layout(rect=(0, legend_inches / fig.get_figheight(), 1, 1))


def _draw_race_panel(ax, result, problem):
    for k, optimizer in enumerate(result.optimizers):
        curves = result.curves(problem, optimizer)
        steps = np.arange(1, curves.shape[1] + 1)
        with np.errstate(all="ignore"):
            median = np.nanmedian(curves, axis=0) if np.isfinite(curves).any() else None
        if median is None:
            continue
        ax.plot(steps, median, color=f"C{k}", label=optimizer)
        ax.fill_between(steps, np.nanmin(curves, axis=0), np.nanmax(curves, axis=0),
                        color=f"C{k}", alpha=0.15)  # fmt: skip
    spec = getattr(result, "_problems", {}).get(problem)
    if spec is not None and spec.target is not None:
        ax.axhline(spec.target, color="0.3", linestyle=":", linewidth=1)
    if spec is None or spec.log_scale:
        ax.set_yscale("log")
    ax.set(title=problem, xlabel="gradient evaluations", ylabel="loss")
    ax.grid(True, alpha=0.3)


def _path_makers(names, lr, momentum, betas):
    return {
        name: (lambda n: lambda params: make_optimizer(n, params, lr, momentum, betas))(name)
        for name in names
    }


def _draw_paths(ax, function, names, lr, momentum, betas, steps):
    fn = LANDSCAPES[function] if isinstance(function, str) else function
    makers = _path_makers(names, lr, momentum, betas)
    paths = {name: optimizer_path(fn, make, steps) for name, make in makers.items()}
    plot_loss_landscape(fn.f, paths, fn.xlim, fn.ylim, levels=fn.levels, ax=ax,
                        resolution=100, minimum=fn.minimum)  # fmt: skip
    return paths


def plot_optimizer_grid(
    function="rosenbrock",
    optimizers=("SGD", "Momentum", "Adam"),
    lrs=(1e-3, 3e-3, 1e-2),
    momenta=(0.5, 0.9, 0.99),
    steps=100,
    betas=(0.9, 0.999),
):
    """Small multiples of optimizer paths: one panel per momentum (rows) and lr (columns).

    The static counterpart of :func:`playground`. In each panel every optimizer in
    ``optimizers`` (names of :func:`~micrograd_plus.book.race.make_optimizer`)
    runs ``steps`` steps with that panel's learning rate; the row's momentum is
    SGD's momentum and Adam's ``beta1`` (``betas[1]`` stays fixed).

    Parameters
    ----------
    function : str or Landscape
        ``'quadratic'``, ``'rosenbrock'`` or ``'saddle'`` (see
        :data:`~micrograd_plus.book.race.LANDSCAPES`), or your own.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows, cols = len(momenta), len(lrs)
    # Sized for the book's column (about 690 px): 10 pt text stays legible at 80 %.
    fig, axes = _pyplot().subplots(rows, cols, figsize=(2.9 * cols, 2.6 * rows), squeeze=False)
    for i, momentum in enumerate(momenta):
        for j, lr in enumerate(lrs):
            ax = axes[i, j]
            _draw_paths(ax, function, optimizers, lr, momentum, (momentum, betas[1]), steps)
            ax.set_title(f"lr {lr:g}, momentum/β₁ {momentum:g}")
            ax.set(xlabel="", ylabel="")
            ax.get_legend().remove()
    # One legend for all panels (each optimizer has the same colour in each).
    _legend_below(fig, *axes[0, 0].get_legend_handles_labels(), ncol=4)
    return fig


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as err:
        raise ImportError(
            "the optimizer playground needs ipywidgets: pip install ipywidgets (or pip install "
            '"micrograd-plus[book]"); in a built book use plot_optimizer_grid instead'
        ) from err
    return ipywidgets


class Playground:
    """Sliders and the figure they redraw; display it in Jupyter (see :func:`playground`).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The controls and the output area.
    controls : dict
        ``'function'``, ``'lr'``, ``'momentum'``, ``'beta1'``, ``'beta2'``.
    figure : matplotlib.figure.Figure
    paths : dict
        The paths drawn last, by optimizer name.
    """

    def __init__(self, widgets, function, optimizers, steps):
        self.optimizers, self.steps = tuple(optimizers), steps
        self.controls = {
            "function": widgets.Dropdown(
                options=["quadratic", "rosenbrock", "saddle"], value=function,
                description="function",
            ),
            "lr": widgets.FloatLogSlider(value=1e-3, base=10, min=-4, max=0, step=0.25,
                                         description="lr", readout_format=".1e"),
            "momentum": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                            description="momentum"),
            "beta1": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                         description="β₁"),
            "beta2": widgets.FloatSlider(value=0.999, min=0.9, max=0.9999, step=0.0001,
                                         description="β₂", readout_format=".4f"),
        }  # fmt: skip
        self.output = widgets.Output()
        self.figure, self.ax = _pyplot().subplots(figsize=(6, 5))
        _pyplot().close(self.figure)  # shown through the output area, not by pyplot
        self.paths = {}
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        c = self.controls
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["function"], c["lr"]]),
                widgets.HBox([c["momentum"], c["beta1"], c["beta2"]]),
                self.output,
            ]
        )
        self.redraw()

    def redraw(self, change=None) -> None:
        """Recompute the paths with the sliders' values and draw them again."""
        c = {name: control.value for name, control in self.controls.items()}
        self.ax.clear()
        self.paths = _draw_paths(self.ax, c["function"], self.optimizers, c["lr"],
                                 c["momentum"], (c["beta1"], c["beta2"]), self.steps)  # fmt: skip
        self.ax.set_title(f"{c['function']}: {self.steps} steps")
        self.output.clear_output(wait=True)
        with self.output:
            from IPython.display import display

            display(self.figure)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def playground(
    function="rosenbrock", optimizers=("SGD", "Momentum", "Nesterov", "Adam"), steps=100
):
    """Sliders for lr, momentum and Adam's betas that redraw the optimizers' paths (Jupyter).

    Needs ipywidgets (``pip install ipywidgets``), imported only here. The
    dropdown picks the test function (``'quadratic'``, ``'rosenbrock'``,
    ``'saddle'``); each change reruns ``steps`` steps of every optimizer in
    ``optimizers`` and redraws. For a static page use :func:`plot_optimizer_grid`.

    Returns
    -------
    Playground
        Displays itself as the widgets; ``.redraw()`` draws again, ``.paths`` holds
        the last paths.
    """
    return Playground(_ipywidgets(), function, optimizers, steps)
