"""The seed chapter ("Loss Functions and Optimizers") as tests.

First its cells one claim at a time, then the whole chapter executed with its
four inline classes (MSELoss, CrossEntropyLoss, SGD, Adam) replaced by imports
from the package, checking the results its text promises.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from oracles import seed_notebook_spiral

from micrograd_plus import (
    SGD,
    Adam,
    CrossEntropyLoss,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Tensor,
)
from micrograd_plus.utils import set_seed

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "000_8f9f07721cec4145.txt"
INLINE_CLASSES = {"MSELoss", "CrossEntropyLoss", "SGD", "Adam"}


def quadratic_history(momentum: float, lr: float = 0.1, steps: int = 50) -> list:
    x = Tensor([0.0], requires_grad=True)
    optimizer = SGD([x], lr=lr, momentum=momentum)
    history = [x.item()]
    for _ in range(steps):
        loss = (x - 3.0) ** 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(x.item())
    return history


def rosenbrock_final_loss(optimizer_class, **kwargs) -> float:
    x = Tensor([-1.0], requires_grad=True)
    y = Tensor([1.0], requires_grad=True)
    optimizer = optimizer_class([x, y], **kwargs)
    for _ in range(1000):
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


# --------------------------------------------------------------- cell by cell
def test_mse_value_and_gradient():
    pred = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    target = Tensor([1.5, 2.0, 2.5])
    loss = MSELoss()(pred, target)
    loss.backward()
    assert loss.item() == pytest.approx(np.mean((pred.data - target.data) ** 2))
    np.testing.assert_allclose(pred.grad, 2 * (pred.data - target.data) / 3, rtol=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    logits = Tensor([[2.0, 1.0, 0.1], [2.0, 1.0, 0.1]], requires_grad=True)
    targets = Tensor([0, 2])  # float32 by the dtype policy, whole numbers
    loss = CrossEntropyLoss()(logits, targets)
    loss.backward()
    e = np.exp(logits.data - logits.data.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    assert loss.item() == pytest.approx(-np.log(softmax[[0, 1], [0, 2]]).mean(), rel=1e-6)
    np.testing.assert_allclose(logits.grad, (softmax - np.eye(3)[[0, 2]]) / 2, rtol=1e-5)


def test_sgd_on_a_parabola_converges_to_three():
    history = quadratic_history(momentum=0.0, steps=20)
    # Each step multiplies the distance to 3 by (1 - 2 * lr) = 0.8.
    assert history[-1] == pytest.approx(3 * (1 - 0.8**20), rel=1e-5)
    assert abs(history[-1] - 3) < 0.05


def test_momentum_moves_faster_but_overshoots():
    plain, heavy = quadratic_history(0.0), quadratic_history(0.9)
    first_near = [next(i for i, v in enumerate(h) if v > 2.5) for h in (plain, heavy)]
    assert first_near[1] < first_near[0]  # momentum builds up speed: 3 steps instead of 9
    assert max(plain) <= 3.0 < 5.0 < max(heavy)  # ...and overshoots the target on the way
    assert abs(plain[-1] - 3) < 1e-3 and abs(heavy[-1] - 3) < 0.2


def test_adam_beats_sgd_on_rosenbrock():
    sgd_final_loss = rosenbrock_final_loss(SGD, lr=0.0001)
    adam_final_loss = rosenbrock_final_loss(Adam, lr=0.01)
    assert adam_final_loss < sgd_final_loss
    assert adam_final_loss < 1e-3 < 1.0 < sgd_final_loss


def test_spiral_mlp_reaches_95_percent_training_accuracy():
    set_seed(42)
    X, y = seed_notebook_spiral()
    set_seed(42)
    model = Sequential(Linear(2, 64), ReLU(), Linear(64, 64), ReLU(), Linear(64, 3))
    loss_fn = CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=0.01)
    X_tensor, y_tensor = Tensor(X, requires_grad=True), Tensor(y)
    for _ in range(200):
        logits = model(X_tensor)
        loss = loss_fn(logits, y_tensor)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = np.mean(np.argmax(logits.data, axis=1) == y)
    assert accuracy >= 0.95
    assert loss.item() < 0.2


# ----------------------------------------------------------- the whole chapter
def code_cells(text: str) -> list[str]:
    """The Python cells of the seed: what follows each ``In [None]:`` line, up to the
    next one or a ``---`` rule, minus any trailing markdown paragraphs."""
    cells = []
    for chunk in re.split(r"^In \[None\]:\s*$", text, flags=re.M)[1:]:
        block = re.split(r"^---\s*$", chunk, maxsplit=1, flags=re.M)[0].strip("\n")
        paragraphs = block.split("\n\n")
        while paragraphs:
            candidate = "\n\n".join(paragraphs)
            try:
                ast.parse(candidate)
                break
            except SyntaxError:
                paragraphs.pop()
        assert paragraphs, f"no Python found after an 'In [None]:' line: {block[:80]!r}"
        cells.append(candidate)
    return cells


def with_package_classes(cell: str) -> str:
    """Replace the chapter's inline definitions of the four classes by imports."""
    tree = ast.parse(cell)
    defined = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    if not set(defined) & INLINE_CLASSES:
        return cell
    lines = cell.split("\n")
    kept = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in INLINE_CLASSES:
            kept.append(f"from micrograd_plus import {node.name}")
        else:
            kept.extend(lines[node.lineno - 1 : node.end_lineno])
    return "\n".join(kept)


def test_code_cells_are_extracted_and_classes_replaced():
    if not SEED.exists():
        pytest.skip(f"seed chapter not found at {SEED}")
    cells = [with_package_classes(c) for c in code_cells(SEED.read_text(encoding="utf-8"))]
    assert len(cells) == 16
    source = "\n".join(cells)
    assert not re.search(r"^class ", source, flags=re.M)
    for name in INLINE_CLASSES:
        assert f"from micrograd_plus import {name}" in source


def test_seed_chapter_runs_end_to_end_with_package_classes(monkeypatch, capsys):
    if not SEED.exists():
        pytest.skip(f"seed chapter not found at {SEED}")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(sys, "path", list(sys.path))  # the setup cell edits sys.path
    cells = [with_package_classes(c) for c in code_cells(SEED.read_text(encoding="utf-8"))]
    namespace = {"__name__": "__seed__"}
    try:
        for cell in cells:
            exec(compile(cell, str(SEED), "exec"), namespace)
    finally:
        plt.close("all")
    # The promised results (the last cell's cleanup_notebook(globals()) keeps plain numbers).
    assert namespace["MSELoss"] is MSELoss and namespace["Adam"] is Adam
    printed = capsys.readouterr().out
    final_x = float(re.search(r"Final x = ([-\d.]+)", printed).group(1))
    assert abs(final_x - 3.0) < 0.05
    assert abs(namespace["history_no_momentum"][-1] - 3.0) < 1e-3
    assert abs(namespace["history_momentum"][-1] - 3.0) < 0.2
    assert namespace["adam_final_loss"] < namespace["sgd_final_loss"]
    assert namespace["accuracies"][-1] >= 0.95
    assert namespace["losses"][-1] < namespace["losses"][0]
    assert "model" not in namespace and "X_tensor" not in namespace  # cleaned up
