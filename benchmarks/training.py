"""Workloads that train an MLP: the book's spiral model and Fashion-MNIST."""

from __future__ import annotations

import numpy as np

from micrograd_plus.utils.data import make_spiral

from .floor import flat_trainer
from .harness import FLOOR, HAND, MG, TORCH, Impl, Workload
from .mlp import batches_for, init_weights, mg_trainer, numpy_trainer, torch_trainer


def _impls(torch, weights, X, y, lr, epochs, warmup_epochs) -> list[Impl]:
    """One Impl per library; each round trains from the same weights on the same batches."""

    def impl(name, make, traced=True):
        def prepare():
            train, _ = make()
            return lambda: {"final_loss": train(epochs)}

        def warmup():
            make()[0](warmup_epochs)

        return Impl(name, prepare, traced=traced, warmup=warmup)

    impls = [impl(MG, lambda: mg_trainer(weights, X, y, lr))]
    if torch is not None:
        impls.append(impl(TORCH, lambda: torch_trainer(torch, weights, X, y, lr), traced=False))
    impls.append(impl(FLOOR, lambda: numpy_trainer(weights, X, y, lr)))
    impls.append(impl(HAND, lambda: flat_trainer(weights, X, y, lr)))
    return impls


# ------------------------------------------------------------------------- spiral
def spiral(torch, quick: bool = False) -> Workload:
    X, y = make_spiral(seed=42)  # the seed chapter's data set
    weights = init_weights([2, 64, 64, 3], seed=42)
    n_epochs = 50 if quick else 200
    epochs = batches_for(len(X), len(X), n_epochs, seed=0)  # full batch, as the book
    return Workload(
        name="spiral",
        description=f"2-64-64-3 MLP, ReLU, cross-entropy, Adam lr 0.01, full batch of 300, "
        f"{n_epochs} epochs",
        unit=f"s per {n_epochs} epochs",
        scale=1.0,
        impls=_impls(torch, weights, X, y, 0.01, epochs, epochs[:5]),
        targets={"vs_torch": 0.5, "vs_floor": 1.10},
    )


# ---------------------------------------------------------------------- fashion
def load_fashion():
    """Fashion-MNIST from a local copy, or None (the workload is then skipped)."""
    try:
        from micrograd_plus.utils.data.mnist import load_fashion_mnist
    except ImportError:
        return None
    try:
        return load_fashion_mnist(download=False)
    except Exception as err:  # noqa: BLE001 - any missing/corrupt copy means "skip"
        print(f"fashion: skipped, no local Fashion-MNIST ({type(err).__name__}: {err})")
        return None


def fashion(torch, data, quick: bool = False, accuracy_epochs: int = 5) -> Workload:
    X, y, X_test, y_test = data
    weights = init_weights([784, 256, 128, 10], seed=0)
    all_epochs = batches_for(len(X), 128, max(accuracy_epochs, 1), seed=0)
    epoch = all_epochs[0][:60] if quick else all_epochs[0]
    unit = "s per 60 batches" if quick else "s per epoch"

    def accuracy() -> dict:
        if not accuracy_epochs:
            return {}
        result = {"epochs": accuracy_epochs}
        trainers = {MG: mg_trainer(weights, X, y, 1e-3)}
        if torch is not None:
            trainers[TORCH] = torch_trainer(torch, weights, X, y, 1e-3)
        for name, (train, predict) in trainers.items():
            train(all_epochs[:accuracy_epochs])
            result[f"test_accuracy_{name}"] = float(np.mean(predict(X_test) == y_test))
        if torch is not None:
            gap = 100 * abs(result[f"test_accuracy_{MG}"] - result[f"test_accuracy_{TORCH}"])
            result["accuracy_gap_pp"] = gap
            result["met"] = {"accuracy_gap_pp": gap <= 0.5}
        return result

    return Workload(
        name="fashion",
        description="784-256-128-10 MLP, ReLU, cross-entropy, Adam lr 1e-3, batch 128, "
        + ("first 60 batches of an epoch (quick run)" if quick else "one epoch of 60,000 images"),
        unit=unit,
        scale=1.0,
        impls=_impls(torch, weights, X, y, 1e-3, [epoch], [epoch[:5]]),
        targets={"vs_torch": 0.85, "vs_numpy": 1.6, "vs_floor": 1.05},
        extra=accuracy,
    )
