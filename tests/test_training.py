"""train_epoch, evaluate, fit (schedulers, early stopping), metrics."""

import numpy as np
import pytest

from micrograd_plus import (
    SGD,
    Adam,
    CrossEntropyLoss,
    DataLoader,
    Linear,
    Module,
    MSELoss,
    ReduceLROnPlateau,
    ReLU,
    Sequential,
    StepLR,
    Tensor,
    accuracy,
    confusion_matrix,
    evaluate,
    fit,
    is_grad_enabled,
    make_regression,
    make_spiral,
    train_epoch,
)
from micrograd_plus import training as training_module
from micrograd_plus.training import predict
from micrograd_plus.utils import set_seed


def spiral_setup(seed=0, lr=0.05):
    set_seed(seed)
    X, y = make_spiral(30, 3, seed=seed)
    model = Sequential(Linear(2, 16), ReLU(), Linear(16, 3))
    return model, X, y, CrossEntropyLoss(), Adam(model.parameters(), lr=lr)


# ------------------------------------------------------------------ metrics
def test_accuracy_from_logits_and_one_hot():
    logits = np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    labels = np.array([0, 1, 1, 0])
    assert accuracy(logits, labels) == 0.75
    assert accuracy(Tensor(logits), Tensor(labels, dtype=np.int64)) == 0.75
    assert accuracy(logits, np.eye(3)[labels]) == 0.75


def test_accuracy_single_score_uses_threshold():
    logits = np.array([[-2.0], [0.5], [3.0]])
    assert accuracy(logits, np.array([0, 1, 0])) == pytest.approx(2 / 3)
    probs = np.array([0.2, 0.6, 0.4])
    assert accuracy(probs, np.array([0, 1, 0]), threshold=0.5) == 1.0


def test_accuracy_errors():
    with pytest.raises(ValueError, match="empty"):
        accuracy(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(ValueError, match="3 rows but there are 2 labels"):
        accuracy(np.zeros((3, 2)), np.zeros(2))


def test_confusion_matrix_counts_pairs():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], num_classes=4)
    expected = np.zeros((4, 4), dtype=np.int64)
    for t, p in [(0, 0), (0, 1), (1, 1), (2, 2), (2, 0), (2, 2)]:
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="2 labels but y_pred has 3"):
        confusion_matrix([0, 1], [0, 1, 1])


# ------------------------------------------------------------------ epochs
def test_train_epoch_lowers_the_loss_and_reports_accuracy():
    model, X, y, loss_fn, opt = spiral_setup()
    loader = DataLoader(X, y, batch_size=16, shuffle=True, seed=0)
    first, _ = train_epoch(model, loader, loss_fn, opt)
    for _ in range(30):
        last, acc = train_epoch(model, loader, loss_fn, opt)
    assert last < first * 0.7
    assert 0.0 <= acc <= 1.0 and model.training


def test_epoch_loss_is_a_sample_weighted_mean():
    # lr=0 leaves the weights alone, so every batch sees the same model:
    # the epoch mean must equal the full-batch loss despite a short last batch.
    model, X, y, loss_fn, _ = spiral_setup()
    loader = DataLoader(X, y, batch_size=32)  # 90 samples: 32 + 32 + 26
    loss, acc = train_epoch(model, loader, loss_fn, SGD(model.parameters(), lr=0.0))
    full = loss_fn(model(Tensor(X)), Tensor(y, dtype=np.int64)).item()
    assert loss == pytest.approx(full, rel=1e-5)
    assert acc == pytest.approx(accuracy(model(Tensor(X)), y))
    assert evaluate(model, loader, loss_fn) == (pytest.approx(full, rel=1e-5), acc)


def test_regression_reports_no_accuracy():
    X, y = make_regression(64, seed=0)
    model = Linear(1, 1)
    loader = DataLoader(X, y, batch_size=16)
    loss, acc = train_epoch(model, loader, MSELoss(), SGD(model.parameters(), lr=0.05))
    assert acc is None and loss > 0
    assert evaluate(model, loader)[0] is None  # no loss_fn, no loss


class Probe(Module):
    """Records the mode and grad mode it was called in; can fail on demand."""

    def __init__(self, fail=False):
        super().__init__()
        self.inner = Linear(2, 3)
        self.fail = fail
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, self.inner.training, is_grad_enabled()))
        if self.fail:
            raise RuntimeError("boom")
        return self.inner(x)


def test_evaluate_uses_eval_mode_and_no_grad_then_restores():
    X, y = make_spiral(4, 3, seed=0)
    loader = DataLoader(X, y, batch_size=6)
    probe = Probe()
    evaluate(probe, loader, CrossEntropyLoss())
    assert set(probe.seen) == {(False, False, False)}
    assert probe.training and probe.inner.training and is_grad_enabled()
    probe.eval()
    evaluate(probe, loader)
    assert not probe.training


def test_evaluate_restores_mixed_modes_even_on_error():
    X, y = make_spiral(4, 3, seed=0)
    probe = Probe(fail=True)
    probe.inner.eval()  # a frozen sub-module must stay frozen
    with pytest.raises(RuntimeError, match="boom"):
        evaluate(probe, DataLoader(X, y, batch_size=6))
    assert probe.training and not probe.inner.training and is_grad_enabled()


def test_predict_stacks_outputs():
    model, X, y, *_ = spiral_setup()
    out = predict(model, DataLoader(X, y, batch_size=7))
    np.testing.assert_allclose(out, model(Tensor(X)).data, rtol=1e-5, atol=1e-6)


def test_train_epoch_needs_targets():
    model, X, _, loss_fn, opt = spiral_setup()
    with pytest.raises(TypeError, match="pairs"):
        train_epoch(model, DataLoader(X, batch_size=8), loss_fn, opt)


def test_train_epoch_matches_torch():
    torch = pytest.importorskip("torch")
    model, X, y, *_ = spiral_setup(lr=0.1)
    ref = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    with torch.no_grad():
        for p_ref, p in zip(ref.parameters(), model.parameters()):
            p_ref.copy_(torch.from_numpy(p.data.copy()))
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(X, y, batch_size=16, shuffle=True, seed=3)
    for epoch in range(3):
        loss, _ = train_epoch(model, loader, CrossEntropyLoss(), opt)
        loader_ref = DataLoader(X, y, batch_size=16, shuffle=True, seed=3)
        loader_ref.set_epoch(epoch)
        total = 0.0
        for xb, yb in loader_ref:
            opt_ref.zero_grad()
            out = ref(torch.from_numpy(xb.data))
            batch_loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(yb.data))
            batch_loss.backward()
            opt_ref.step()
            total += batch_loss.item() * len(xb)
        assert loss == pytest.approx(total / len(X), rel=1e-4)
    for p_ref, p in zip(ref.parameters(), model.parameters()):
        np.testing.assert_allclose(p.data, p_ref.detach().numpy(), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------- fit
def test_fit_records_history():
    model, X, y, loss_fn, opt = spiral_setup()
    train = DataLoader(X[:60], y[:60], batch_size=16, shuffle=True, seed=0)
    val = DataLoader(X[60:], y[60:], batch_size=32)
    history = fit(model, train, loss_fn, opt, epochs=4, val_loader=val, progress=False)
    assert history.epochs == 4 and history.stop_reason == "completed"
    for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "time"):
        assert len(history[key]) == 4, key
    assert history["lr"] == [0.05] * 4
    assert history["val_loss"][-1] == pytest.approx(evaluate(model, val, loss_fn)[0])
    assert history.best_epoch == int(np.argmin(history["val_loss"]))


def test_fit_without_validation_keeps_val_lists_empty():
    model, X, y, loss_fn, opt = spiral_setup()
    history = fit(model, DataLoader(X, y, batch_size=32), loss_fn, opt, epochs=2, progress=False)
    assert history["val_loss"] == [] and history["val_acc"] == []
    assert len(history["train_loss"]) == 2


def test_fit_steps_scheduler_after_each_epoch():
    model, X, y, loss_fn, _ = spiral_setup()
    opt = SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    history = fit(
        model, DataLoader(X, y, 32), loss_fn, opt, epochs=5, scheduler=sched, progress=False
    )
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_reduce_on_plateau_gets_the_validation_loss():
    model, X, y, loss_fn, opt = spiral_setup()
    seen = []

    class Recorder(ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    sched = Recorder(opt, patience=1)
    val = DataLoader(X[::3], y[::3], batch_size=64)
    history = fit(
        model,
        DataLoader(X, y, 16),
        loss_fn,
        opt,
        epochs=3,
        val_loader=val,
        scheduler=sched,
        progress=False,
    )
    assert seen == history["val_loss"]


def scripted_evaluate(monkeypatch, losses):
    """Make fit see these validation losses, and remember the weights at each epoch."""
    snapshots = []
    script = iter(losses)

    def fake(model, loader, loss_fn=None, track_accuracy=None):
        snapshots.append({k: v.copy() for k, v in model.state_dict().items()})
        return next(script), None

    monkeypatch.setattr(training_module, "evaluate", fake)
    return snapshots


def test_early_stopping_and_restoring_the_best_weights(monkeypatch):
    model, X, y, loss_fn, opt = spiral_setup()
    snapshots = scripted_evaluate(monkeypatch, [1.0, 0.5, 0.6, 0.7, 0.4, 0.3])
    history = fit(
        model,
        DataLoader(X, y, 32),
        loss_fn,
        opt,
        epochs=6,
        val_loader=[()],
        patience=2,
        restore_best_weights=True,
        progress=False,
    )
    assert history.epochs == 4 and history.stop_reason == "early stopping"
    assert history.best_epoch == 1
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[1][key])


def test_min_delta_ignores_tiny_improvements(monkeypatch):
    model, X, y, loss_fn, opt = spiral_setup()
    scripted_evaluate(monkeypatch, [1.0, 0.99, 0.98, 0.97, 0.5])
    history = fit(
        model,
        DataLoader(X, y, 32),
        loss_fn,
        opt,
        epochs=5,
        val_loader=[()],
        patience=3,
        min_delta=0.05,
        progress=False,
    )
    assert history.epochs == 4 and history.best_epoch == 0


def test_without_patience_training_runs_all_epochs(monkeypatch):
    model, X, y, loss_fn, opt = spiral_setup()
    scripted_evaluate(monkeypatch, [1.0, 2.0, 3.0])
    history = fit(
        model, DataLoader(X, y, 32), loss_fn, opt, epochs=3, val_loader=[()], progress=False
    )
    assert history.epochs == 3 and history.stop_reason == "completed"


def test_non_finite_loss_stops_with_a_warning():
    model, X, y, _, opt = spiral_setup()

    def exploding(out, target):
        # NaN in the value only: the gradient stays finite and numpy stays quiet.
        return CrossEntropyLoss()(out, target) + Tensor(np.float32(np.nan))

    with pytest.warns(UserWarning, match="smaller learning rate"):
        history = fit(model, DataLoader(X, y, 32), exploding, opt, epochs=5, progress=False)
    assert history.epochs == 1 and "nan" in history.stop_reason


def test_progress_output(capsys):
    model, X, y, loss_fn, opt = spiral_setup()
    fit(model, DataLoader(X, y, 32), loss_fn, opt, epochs=1, progress=False)
    quiet = capsys.readouterr()
    assert quiet.out == "" and quiet.err == ""
    fit(model, DataLoader(X, y, 32), loss_fn, opt, epochs=1, progress=True)
    shown = capsys.readouterr()
    assert "epoch 1/1" in shown.out + shown.err


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": -1}, "epochs"),
        ({"epochs": 2, "patience": 0}, "patience"),
        ({"epochs": 2, "min_delta": -1.0}, "min_delta"),
    ],
)
def test_fit_argument_errors(kwargs, match):
    model, X, y, loss_fn, opt = spiral_setup()
    with pytest.raises(ValueError, match=match):
        fit(model, DataLoader(X, y, 32), loss_fn, opt, progress=False, **kwargs)


# ------------------------------------------------- accuracy only when it means something
def test_regression_loss_on_whole_number_targets_records_no_accuracy():
    set_seed(0)
    X = np.random.randn(40, 2).astype(np.float32)
    y = np.random.randint(0, 3, size=(40, 1))  # integer-valued regression targets
    model = Linear(2, 1)
    loader = DataLoader(X, y, batch_size=8)
    history = fit(
        model,
        loader,
        MSELoss(),
        SGD(model.parameters(), lr=0.01),
        epochs=2,
        val_loader=loader,
        progress=False,
    )
    assert history["train_acc"] == [] and history["val_acc"] == []
    assert len(history["train_loss"]) == 2
    assert evaluate(model, loader, MSELoss())[1] is None
    assert train_epoch(model, loader, MSELoss(), SGD(model.parameters(), lr=0.0))[1] is None


def test_accuracy_when_asked_for_with_any_loss():
    model, X, y, _, opt = spiral_setup()

    def my_cross_entropy(output, target):
        return CrossEntropyLoss()(output, target)

    loader = DataLoader(X, y, batch_size=30)
    history = fit(model, loader, my_cross_entropy, opt, epochs=1, progress=False)
    assert history["train_acc"] == []
    history = fit(
        model, loader, my_cross_entropy, opt, epochs=1, progress=False, track_accuracy=True
    )
    _, expected = evaluate(model, loader, CrossEntropyLoss())
    assert len(history["train_acc"]) == 1 and 0 <= history["train_acc"][0] <= 1
    assert evaluate(model, loader, my_cross_entropy, track_accuracy=True)[1] == expected
    assert evaluate(model, loader, CrossEntropyLoss(), track_accuracy=False)[1] is None


def test_bce_accuracy_thresholds_probabilities_at_one_half():
    from micrograd_plus import BCELoss, BCEWithLogitsLoss, Sigmoid

    X = np.array([[-2.0], [-1.0], [1.0], [2.0]], dtype=np.float32)
    y = np.array([[0.0], [0.0], [1.0], [1.0]], dtype=np.float32)
    loader = DataLoader(X, y, batch_size=4)
    logits = Linear(1, 1)
    logits.weight.data[...] = 1.0
    logits.bias.data[...] = 0.0
    assert evaluate(logits, loader, BCEWithLogitsLoss())[1] == 1.0
    probs = Sequential(logits, Sigmoid())  # outputs in (0.12, 0.88): all above 0
    assert evaluate(probs, loader, BCELoss())[1] == 1.0


# ------------------------------------------------------------------ Ctrl-C
class InterruptIn:
    """A loss that raises KeyboardInterrupt at its ``at``-th call."""

    def __init__(self, at):
        self.calls, self.at, self.loss = 0, at, CrossEntropyLoss()

    def __call__(self, output, target):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.loss(output, target)


@pytest.mark.parametrize("restore", [True, False])
def test_ctrl_c_returns_the_history_so_far_and_restores_the_best_weights(monkeypatch, restore):
    model, X, y, _, opt = spiral_setup()
    snapshots = scripted_evaluate(monkeypatch, [1.0, 0.5, 0.8])  # best: epoch 1
    loader = DataLoader(X, y, batch_size=30)  # 3 batches per epoch
    loss = InterruptIn(at=3 * 3 + 2)  # in the middle of the fourth epoch
    with pytest.warns(UserWarning, match="interrupted in epoch 4.*3 finished epochs"):
        history = fit(
            model,
            loader,
            loss,
            opt,
            epochs=10,
            val_loader=[()],
            restore_best_weights=restore,
            progress=False,
        )
    assert history.epochs == 3 and history["val_loss"] == [1.0, 0.5, 0.8]
    assert history.stop_reason == "interrupted (KeyboardInterrupt) in epoch 4"
    assert history.best_epoch == 1
    weights = {k: np.asarray(getattr(v, "data", v)) for k, v in model.state_dict().items()}
    best = all(np.array_equal(weights[k], v) for k, v in snapshots[1].items())
    assert best is restore


def test_ctrl_c_in_the_first_epoch_returns_an_empty_history():
    model, X, y, _, opt = spiral_setup()
    with pytest.warns(UserWarning, match="0 finished epochs"):
        history = fit(
            model,
            DataLoader(X, y, 30),
            InterruptIn(at=1),
            opt,
            epochs=3,
            restore_best_weights=True,
            progress=False,
        )
    assert history.epochs == 0 and history.best_epoch is None


# ------------------------------------------------------------- clear errors
def test_loss_class_instead_of_instance_says_what_to_write():
    model, X, y, _, opt = spiral_setup()
    for call in (
        lambda: fit(model, DataLoader(X, y, 30), MSELoss, opt, progress=False),
        lambda: train_epoch(model, DataLoader(X, y, 30), CrossEntropyLoss, opt),
        lambda: evaluate(model, DataLoader(X, y, 30), CrossEntropyLoss),
    ):
        with pytest.raises(TypeError, match=r"class (MSELoss|CrossEntropyLoss).*\(\)"):
            call()


def test_drop_last_that_drops_everything_names_drop_last_and_the_sizes():
    model = Linear(2, 1)
    loader = DataLoader(np.ones((10, 2)), np.ones((10, 1)), batch_size=100, drop_last=True)
    with pytest.raises(ValueError, match=r"drop_last=True.*10 samples < batch_size=100"):
        fit(model, loader, MSELoss(), SGD(model.parameters(), lr=0.1), progress=False)


def test_accuracy_of_scalars_asks_for_a_batch():
    with pytest.raises(ValueError, match="accuracy needs a batch: output and labels are scalars"):
        accuracy(np.float32(0.3), np.int64(1))
    with pytest.raises(ValueError, match="labels is a scalar"):
        accuracy(np.zeros((1, 2)), 1)


def test_predict_accepts_torch_style_list_batches():
    from micrograd_plus import TensorDataset

    model, X, y, _, _ = spiral_setup()
    out = predict(model, DataLoader(TensorDataset(X, y), batch_size=16))
    np.testing.assert_allclose(out, model(Tensor(X)).data, rtol=1e-6, atol=1e-6)
