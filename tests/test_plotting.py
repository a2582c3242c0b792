"""Each picture function returns what it drew, with the expected artists, and never shows."""

import subprocess
import sys
import types

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from micrograd_plus import (  # noqa: E402
    Linear,
    ReLU,
    Sequential,
    Tensor,
    make_spiral,
    plotting,  # noqa: E402
)
from micrograd_plus.plotting import (  # noqa: E402
    draw_graph,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_loss_landscape,
    plot_training_history,
    show_images,
)


@pytest.fixture(autouse=True)
def close_figures(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(1))
    yield
    assert shown == [], "plotting functions must not call plt.show()"
    plt.close("all")


def test_core_import_does_not_load_matplotlib():
    code = "import micrograd_plus, sys; print('matplotlib' in sys.modules, 'tqdm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_training_history_lines():
    history = {
        "train_loss": [1.0, 0.6, 0.4],
        "val_loss": [1.1, 0.7, 0.5],
        "train_acc": [0.5, 0.7, 0.8],
        "val_acc": [0.4, 0.6, 0.75],
    }
    fig = plot_training_history(history)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train", "val"]
    np.testing.assert_array_equal(loss_ax.get_lines()[1].get_ydata(), history["val_loss"])
    np.testing.assert_array_equal(acc_ax.get_lines()[0].get_xdata(), [1, 2, 3])


def test_training_history_loss_only_and_empty():
    fig = plot_training_history({"train_loss": [3.0, 2.0], "val_loss": []})
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="train_loss"):
        plot_training_history({"lr": [0.1]})


def test_decision_boundary_regions_and_points():
    X, y = make_spiral(20, 3, seed=0)
    model = Sequential(Linear(2, 8), ReLU(), Linear(8, 3))
    ax = plot_decision_boundary(model, X, y, resolution=50)
    assert len(ax.collections) >= 2  # filled contour + scatter
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(offsets, X)
    assert model.training  # mode restored


def test_decision_boundary_binary_score_and_bad_shape():
    X = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    fig, ax = plt.subplots()
    out = plot_decision_boundary(lambda t: t.sum(axis=1) - 1.0, X, np.array([0, 1]), ax=ax)
    assert out is ax
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_decision_boundary(lambda t: t, np.zeros((3, 3)), np.zeros(3))


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def test_loss_landscape_contours_and_paths():
    paths = {"SGD": [(-1.0, 1.0), (-0.5, 0.5), (0.0, 0.2)], "Adam": [(-1.0, 1.0), (0.9, 0.8)]}
    ax = plot_loss_landscape(
        rosenbrock, paths, levels=np.logspace(-1, 3, 20), minimum=(1, 1), resolution=60
    )
    labels = [line.get_label() for line in ax.get_lines()]
    assert "SGD" in labels and "Adam" in labels and "minimum" in labels
    sgd = next(line for line in ax.get_lines() if line.get_label() == "SGD")
    np.testing.assert_allclose(sgd.get_xdata(), [-1.0, -0.5, 0.0])
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 3.0)
    assert len(ax.collections) >= 1  # the contour set


def test_loss_landscape_accepts_tensor_functions_and_checks_shape():
    ax = plot_loss_landscape(lambda x, y: Tensor(x) ** 2 + Tensor(y) ** 2, resolution=20)
    assert ax.get_legend() is None
    with pytest.raises(ValueError, match="elementwise"):
        plot_loss_landscape(lambda x, y: 1.0, resolution=20)


def test_confusion_matrix_picture():
    names = ["cat", "dog", "bird"]
    ax = plot_confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], class_names=names)
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), [[1, 0, 0], [0, 0, 1], [0, 0, 2]])
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert len(ax.texts) == 9
    ax = plot_confusion_matrix([0, 1, 1], [0, 1, 0], normalize=True)
    assert ax.get_images()[0].get_array()[1].tolist() == [0.5, 0.5]


def test_show_images_grid_and_titles():
    X = np.random.default_rng(0).random((10, 784)).astype(np.float32)
    labels = np.arange(10) % 3
    preds = labels.copy()
    preds[4] = 0
    fig = show_images(X, labels, preds, class_names=["a", "b", "c"], n_cols=4)
    assert len(fig.axes) == 12  # 3 rows x 4 columns, two left empty
    assert sum(len(ax.get_images()) for ax in fig.axes) == 10
    wrong = fig.axes[4].title
    assert wrong.get_color() == "red" and "b" in wrong.get_text()
    with pytest.raises(ValueError, match="no images"):
        show_images(np.zeros((0, 784)))


def small_graph():
    a = Tensor([2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    c = a * b
    d = c + a
    return a, b, c, d.sum()


def test_draw_graph_with_matplotlib():
    a, b, c, out = small_graph()
    fig = draw_graph(out, names={"a": a, "b": b}, backend="matplotlib")
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]
    arrows = [t for t in fig.axes[0].texts if not t.get_text()]
    assert any(t.startswith("a\n") for t in texts) and any(t.startswith("b\n") for t in texts)
    for op in ("mul", "add", "sum"):
        assert any(op in t for t in texts), (op, texts)
    assert len(texts) == 5 + 3  # five tensors, three op nodes
    assert len(arrows) == 3 + 5  # op -> result, and each input -> op
    out.backward()
    np.testing.assert_allclose(a.grad, [4.0])  # drawing left the graph usable


def test_draw_graph_after_backward_explains():
    *_, out = small_graph()
    out.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        draw_graph(out, backend="matplotlib")


def test_draw_graph_uses_graphviz_when_installed(monkeypatch):
    class Digraph:
        def __init__(self, **kwargs):
            self.nodes, self.edges = [], []

        def node(self, name, label, **kwargs):
            self.nodes.append(label)

        def edge(self, a, b):
            self.edges.append((a, b))

    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=Digraph))
    a, b, c, out = small_graph()
    dot = draw_graph(out)
    assert isinstance(dot, Digraph)
    assert len(dot.nodes) == 5 + 3 and len(dot.edges) == 3 + 5  # op->out, inputs->op


def test_draw_graph_errors(monkeypatch):
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(np.ones(2))
    *_, out = small_graph()
    with pytest.raises(ValueError, match="backend"):
        draw_graph(out, backend="svg")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(out, max_nodes=2, backend="matplotlib")
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import fails
    with pytest.raises(ImportError):
        draw_graph(out, backend="graphviz")
    assert isinstance(draw_graph(out), plt.Figure)  # auto falls back to matplotlib
    assert plotting.__name__ == "micrograd_plus.plotting"
