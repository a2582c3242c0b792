"""Pictures: training curves, decision boundaries, loss landscapes, confusion
matrices, image grids, computation graphs and learning-rate range tests.

The optimizer race's pictures and the playground live with the race, in
:mod:`micrograd_plus.book.race.plots`.

matplotlib is imported inside each function, so ``import micrograd_plus``
needs only NumPy. Every function draws into the axes you give it (or a new
figure), returns what it drew on, and never calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from .autograd import engine as autograd
from .tensor import Tensor
from .training import confusion_matrix, evaluation_mode, to_array

__all__ = [
    "plot_training_history",
    "plot_decision_boundary",
    "plot_loss_landscape",
    "plot_confusion_matrix",
    "show_images",
    "draw_graph",
    "plot_lr_find",
]


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _axes(ax, figsize=(6, 5)):
    if ax is not None:
        return ax.figure, ax
    fig, ax = _pyplot().subplots(figsize=figsize)
    return fig, ax


# ------------------------------------------------------------------ history
def plot_training_history(history, axes=None):
    """Loss (and accuracy, when recorded) per epoch, training against validation.

    Parameters
    ----------
    history : dict
        A :class:`~micrograd_plus.training.History` or any dict with lists
        under ``'train_loss'``, ``'val_loss'``, ``'train_acc'``, ``'val_acc'``.
    axes : sequence of Axes, optional
        Where to draw (one for the loss, one for the accuracy).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not history.get("train_loss") and not history.get("val_loss"):
        raise ValueError("history has no 'train_loss' or 'val_loss' values to plot")
    panels = [("loss", "Loss")]
    if history.get("train_acc") or history.get("val_acc"):
        panels.append(("acc", "Accuracy"))
    if axes is None:
        fig, axes = _pyplot().subplots(1, len(panels), figsize=(5 * len(panels), 3.5))
    axes = np.atleast_1d(axes)
    for ax, (key, title) in zip(axes, panels):
        for split, style in (("train", "-o"), ("val", "--s")):
            values = history.get(f"{split}_{key}") or []
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, markersize=3, label=split)
        ax.set(xlabel="epoch", ylabel=title.lower(), title=title)
        ax.grid(True, alpha=0.3)
        ax.legend()
    return axes[0].figure


# --------------------------------------------------------- decision boundary
def _predict_grid(model, grid: np.ndarray, threshold: float) -> np.ndarray:
    with evaluation_mode(model):
        out = model(Tensor(grid))
    out = to_array(out)
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    return (out.reshape(len(grid)) > threshold).astype(np.int64)


def plot_decision_boundary(model, X, y, ax=None, resolution=200, padding=0.5, threshold=0.0):
    """Colour the plane by the class ``model`` predicts, with the data on top.

    ``model`` maps a Tensor of 2-D points (N, 2) to class scores (N, C), or
    to one score per point, thresholded at ``threshold``. It runs in eval
    mode without a graph; its mode is restored afterwards.

    Returns
    -------
    matplotlib.axes.Axes
    """
    X, y = to_array(X), to_array(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to draw a boundary in the plane, got {X.shape}")
    fig, ax = _axes(ax)
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()].astype(X.dtype if X.dtype.kind == "f" else np.float32)
    zz = _predict_grid(model, grid, threshold).reshape(xx.shape)
    levels = np.arange(max(zz.max(), y.max()) + 2) - 0.5
    ax.contourf(xx, yy, zz, levels=levels, alpha=0.3, cmap="viridis")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", s=15, edgecolors="k", linewidths=0.3)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x_1$", ylabel="$x_2$")
    return ax


# ---------------------------------------------------------- loss landscapes
def plot_loss_landscape(
    f,
    paths=None,
    xlim=(-2.0, 2.0),
    ylim=(-1.0, 3.0),
    levels=20,
    ax=None,
    resolution=200,
    minimum=None,
    every=1,
):
    """Contours of a 2-D function with optimizer trajectories drawn on them.

    Parameters
    ----------
    f : callable
        ``f(X, Y)`` on NumPy arrays (elementwise), e.g. Rosenbrock
        ``lambda x, y: (1 - x)**2 + 100 * (y - x**2)**2``. A Tensor result is accepted.
    paths : dict, optional
        Name to a sequence of ``(x, y)`` points, one line per optimizer, with
        its start marked by a circle and its end by a star.
    levels : int or array
        Contour levels (``np.logspace(-1, 3, 20)`` suits Rosenbrock).
    minimum : (x, y), optional
        Mark a known minimum with a cross.
    every : int
        Plot every ``every``-th point of each path (long runs stay readable).

    Returns
    -------
    matplotlib.axes.Axes
    """
    fig, ax = _axes(ax)
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = to_array(f(X, Y))
    if Z.shape != X.shape:
        raise ValueError(f"f(X, Y) must work elementwise: got shape {Z.shape}, expected {X.shape}")
    ax.contour(X, Y, Z, levels=levels, alpha=0.7, cmap="viridis")
    for name, path in (paths or {}).items():
        points = np.asarray(path, dtype=float).reshape(-1, 2)
        (line,) = ax.plot(*points[::every].T, ".-", markersize=2, linewidth=1, label=name)
        ax.plot(*points[0], "o", color=line.get_color(), markersize=8)
        ax.plot(*points[-1], "*", color=line.get_color(), markersize=14)
    if minimum is not None:
        ax.plot(*minimum, "kx", markersize=12, mew=2, label="minimum")
    ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y")
    if paths or minimum is not None:
        ax.legend()
    return ax


# --------------------------------------------------------- confusion matrix
def plot_confusion_matrix(y_true, y_pred, class_names=None, ax=None, normalize=False):
    """Heat map of true against predicted classes, with the counts written in.

    ``normalize=True`` shows each row as fractions (per-class recall).

    Returns
    -------
    matplotlib.axes.Axes
    """
    k = None if class_names is None else len(class_names)
    cm = confusion_matrix(y_true, y_pred, k)
    values = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    k = len(cm)
    fig, ax = _axes(ax, figsize=(1 + 0.6 * k, 0.6 * k))
    image = ax.imshow(values, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted", ylabel="true")
    cut = values.max() / 2
    for i in range(k):
        for j in range(k):
            text = f"{values[i, j]:.2f}" if normalize else str(cm[i, j])
            colour = "white" if values[i, j] > cut else "black"
            ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=8)
    return ax


# ---------------------------------------------------------------- images
def show_images(X, labels=None, predictions=None, class_names=None, n_cols=8, image_shape=(28, 28)):
    """A grid of grey images with their labels; wrong predictions titled in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = to_array(X)
    n = len(X)
    if n == 0:
        raise ValueError("no images to show")
    images = X.reshape(n, *image_shape)
    n_cols = min(n_cols, n)
    n_rows = -(-n // n_cols)
    fig, axes = _pyplot().subplots(
        n_rows, n_cols, figsize=(1.05 * n_cols, 1.35 * n_rows), squeeze=False
    )

    def name(c):
        return class_names[int(c)] if class_names is not None else str(int(c))

    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r")
        title, colour = "", "black"
        if labels is not None:
            title = name(to_array(labels)[i])
        if predictions is not None:
            predicted = to_array(predictions)[i]
            wrong = labels is not None and int(predicted) != int(to_array(labels)[i])
            title = f"{name(predicted)}\n({title})" if wrong else (title or name(predicted))
            colour = "red" if wrong else "black"
        ax.set_title(title, fontsize=9, color=colour)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- graphs
def _collect_graph(root: Tensor, max_nodes: int):
    """Nodes reachable from ``root`` and their depth (longest distance from it)."""
    nodes, order, stack = {}, [], [root]
    while stack:
        t = stack.pop()
        if id(t) in nodes:
            continue
        nodes[id(t)] = t
        order.append(t)
        if len(nodes) > max_nodes:
            raise ValueError(
                f"the graph has more than max_nodes={max_nodes} tensors; draw a smaller "
                "expression or raise max_nodes"
            )
        stack.extend(t._parents)
    depth = {id(root): 0}
    # Longest-path depths: relax edges until nothing changes (graphs here are small).
    changed = True
    while changed:
        changed = False
        for t in order:
            for p in t._parents:
                d = depth[id(t)] + 1 if id(t) in depth else None
                if d is not None and depth.get(id(p), -1) < d:
                    depth[id(p)] = d
                    changed = True
    return order, depth


def _label(t: Tensor, names: dict) -> str:
    name = names.get(id(t))
    shape = "scalar" if t.data.size == 1 else "x".join(map(str, t.shape))
    value = f"{t.data.item():.4g}" if t.data.size == 1 else shape
    head = name if name else ("param" if t.is_leaf and t.requires_grad else "")
    return f"{head}\n{value}" if head else value


def draw_graph(tensor, names=None, backend="auto", ax=None, max_nodes=200):
    """Draw the computation graph that produced ``tensor``.

    Call it before ``backward()`` (which releases the graph) or after
    ``backward(retain_graph=True)``.

    Parameters
    ----------
    tensor : Tensor
        The output (usually a loss).
    names : dict, optional
        Labels for some tensors, as ``{tensor: "name"}`` (or ``{"name": tensor}``).
    backend : {"auto", "graphviz", "matplotlib"}
        ``auto`` uses the ``graphviz`` package when it is installed.

    Returns
    -------
    graphviz.Digraph or matplotlib.figure.Figure
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph expects a Tensor, got {type(tensor).__name__}")
    if tensor._backward is autograd.freed_backward:
        raise RuntimeError(
            "this tensor's graph was released by backward(); call draw_graph before "
            "backward(), or use backward(retain_graph=True)"
        )
    labels = {}
    for key, value in (names or {}).items():
        t, label = (value, key) if isinstance(key, str) else (key, value)
        labels[id(t)] = str(label)
    order, depth = _collect_graph(tensor, max_nodes)
    if backend not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"backend must be 'auto', 'graphviz' or 'matplotlib', got {backend!r}")
    if backend != "matplotlib":
        try:
            import graphviz
        except ImportError:
            if backend == "graphviz":
                raise
        else:
            return _draw_graphviz(graphviz, order, labels)
    return _draw_matplotlib(order, depth, labels, ax)


def _draw_graphviz(graphviz, order, labels):
    dot = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for t in order:
        dot.node(str(id(t)), _label(t, labels), shape="box")
        if t._parents:
            op = f"op{id(t)}"
            dot.node(op, t._op or "op", shape="ellipse")
            dot.edge(op, str(id(t)))
            for p in t._parents:
                dot.edge(str(id(p)), op)
    return dot


def _draw_matplotlib(order, depth, labels, ax):
    layers: dict[int, list] = {}
    for t in reversed(order):
        layers.setdefault(depth[id(t)], []).append(t)
    top = max(layers)
    pos = {}
    for d, members in layers.items():
        for i, t in enumerate(members):
            pos[id(t)] = (2.0 * (top - d), i - (len(members) - 1) / 2)
    height = max(len(m) for m in layers.values())
    fig, ax = _axes(ax, figsize=(2.2 * (top + 1), 1.2 * height + 1))
    arrow = dict(arrowstyle="->", color="0.4", shrinkA=18, shrinkB=18)
    for t in order:
        x, y = pos[id(t)]
        if t._parents:
            ox = x - 1.0
            ax.annotate("", (x, y), (ox, y), arrowprops=arrow)
            ax.text(ox, y, t._op or "op", ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="circle", fc="#fde7c2", ec="0.4"))  # fmt: skip
            for p in t._parents:
                ax.annotate("", (ox, y), pos[id(p)], arrowprops=arrow)
        colour = "#cfe2f3" if t.is_leaf else "#e6f2d9"
        ax.text(x, y, _label(t, labels), ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc=colour, ec="0.3"))  # fmt: skip
    ax.set_xlim(-1.5, 2.0 * top + 1.0)
    ax.set_ylim(-height / 2 - 0.5, height / 2 + 0.5)
    ax.axis("off")
    return fig


# ------------------------------------------------------------ lr_find
def plot_lr_find(result, ax=None, skip_start: int = 0, skip_end: int = 0):
    """The smoothed loss of :func:`~micrograd_plus.lr_finder.lr_find` against the lr.

    The raw losses are drawn faintly behind; the suggested learning rate (steepest
    descent) is marked with a dot and the smoothed minimum with a dashed line.
    The y axis ends at twice the first smoothed loss, so an explosion leaves
    through the top. ``skip_start`` and ``skip_end`` leave out points at either
    end (the noisy start and the explosion).

    Returns
    -------
    matplotlib.axes.Axes
    """
    n = len(result.lrs)
    keep = slice(skip_start, n - skip_end)
    if len(result.lrs[keep]) == 0:
        raise ValueError(f"skip_start={skip_start} and skip_end={skip_end} leave no points")
    fig, ax = _axes(ax, figsize=(6, 4))
    lrs = result.lrs[keep]
    ax.plot(lrs, result.losses[keep], color="0.75", linewidth=1, label="loss")
    ax.plot(lrs, result.smoothed[keep], linewidth=2, label="smoothed loss")
    at = int(np.argmin(np.abs(result.lrs - result.suggested_lr)))
    ax.plot(result.suggested_lr, result.smoothed[at], "o", markersize=8,
            label=f"steepest: {result.suggested_lr:.2g}")  # fmt: skip
    ax.axvline(result.min_lr, color="0.4", linestyle="--", linewidth=1,
               label=f"minimum: {result.min_lr:.2g}")  # fmt: skip
    ax.set_xscale("log")
    smoothed = result.smoothed[keep][np.isfinite(result.smoothed[keep])]
    losses = result.losses[keep][np.isfinite(result.losses[keep])]
    if len(smoothed):  # the explosion leaves through the top, so the fall stays readable
        top = min(smoothed.max(), smoothed[0] + abs(smoothed[0]))
        bottom = min(losses.min(initial=smoothed.min()), smoothed.min())
        span = max(top - bottom, 1e-12)
        ax.set_ylim(bottom - 0.05 * span, top + 0.1 * span)
    ax.set(xlabel="learning rate", ylabel="loss", title="Learning-rate range test")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


_MOVED = {"plot_race", "plot_optimizer_grid", "playground", "Playground"}


def __getattr__(name):
    # Old home of the race's pictures: saved notebooks import them from here.
    if name in _MOVED:
        from .book.race import plots

        return getattr(plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
