"""Chapter 7 exercises: preparing real data and reading a classifier's mistakes."""

from __future__ import annotations

import numpy as np

from ...training import confusion_matrix
from .compare import assert_close, call
from .registry import exercise
from .result import Fail


@exercise(
    "fashion.standardize",
    7,
    "warm-up",
    "Write standardize(train, test): both scaled with the training set's mean and std",
)
def _standardize(answer):
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        train = (3 + 2 * rng.standard_normal((50, 4))).astype(dtype)
        test = (5 + 1 * rng.standard_normal((20, 4))).astype(dtype)
        mean, std = train.mean(axis=0), train.std(axis=0)
        where = f"train (50, 4), test (20, 4), {np.dtype(dtype).name}"
        got = call(answer, train.copy(), test.copy(), where=where)
        try:
            got_train, got_test = got
        except (TypeError, ValueError):
            raise Fail(f"expected (train_scaled, test_scaled), got {type(got).__name__}") from None
        slips = [
            ("divide by the standard deviation, not the variance", (train - mean) / std**2),
            ("centred but not scaled: divide by the std too", train - mean),
        ]
        assert_close(got_train, (train - mean) / std, "scaled train", where, slips, dtype=dtype)
        own = (test - test.mean(axis=0)) / test.std(axis=0)
        leak = [("test scaled with its own statistics? reuse the training mean and std", own)]
        assert_close(got_test, (test - mean) / std, "scaled test", where, leak, dtype=dtype)
    return "train and test scaled with the training statistics, float32 and float64"


def _predictions(seed: int, n: int = 60, classes: int = 4):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, classes, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, classes, n))
    return y_true, y_pred


@exercise(
    "fashion.confusion_matrix",
    7,
    "warm-up",
    "Write confusion(y_true, y_pred, num_classes): rows true classes, columns predictions",
)
def _confusion(answer):
    for seed in range(3):
        y_true, y_pred = _predictions(seed)
        where = f"60 predictions over 4 classes (seed {seed})"
        truth = confusion_matrix(y_true, y_pred, 4)
        got = np.asarray(call(answer, y_true, y_pred, 4, where=where))
        once = np.zeros_like(truth)
        once[y_true, y_pred] = 1
        slips = [
            ("transposed? rows are the true classes, columns the predictions", truth.T),
            (
                "cm[y_true, y_pred] += 1 adds once per distinct pair, however often it repeats: "
                "loop, or use np.add.at(cm, (y_true, y_pred), 1)",
                once,
            ),
            ("shares, not counts: count how often each pair occurs", truth / truth.sum()),
            (
                "rows normalised: count how often each pair occurs",
                truth / truth.sum(1, keepdims=True),
            ),
        ]
        assert_close(got, truth, "confusion matrix", where, slips)
    return "right on 3 sets of predictions"


@exercise(
    "fashion.per_class_accuracy",
    7,
    "medium",
    "Write per_class_accuracy(cm): for each true class, the share predicted right",
)
def _per_class(answer):
    for seed in range(3):
        cm = confusion_matrix(*_predictions(seed), 4)
        where = f"confusion matrix {seed}"
        got = np.asarray(call(answer, cm.copy(), where=where), dtype=np.float64)
        if np.ndim(got) == 0:
            raise Fail(
                f"one number on {where}, expected one per class",
                "that is the overall accuracy: divide each diagonal entry by its row's sum",
            )
        slips = [
            (
                "divided by column sums? that is precision; recall divides by row sums",
                np.diag(cm) / cm.sum(axis=0),
            ),
            (
                "divided by all samples: divide each class by its own row sum",
                np.diag(cm) / cm.sum(),
            ),
        ]
        assert_close(got, np.diag(cm) / cm.sum(axis=1), "per-class accuracy", where, slips)
    return "right on 3 confusion matrices"


@exercise(
    "fashion.minibatches",
    7,
    "medium",
    "Write minibatches(X, y, batch_size, rng): shuffled batches covering every sample once",
)
def _minibatches(answer):
    X = np.arange(23, dtype=np.float32).reshape(23, 1) * np.ones((1, 2), np.float32)
    y = np.arange(23)
    for batch_size in (5, 23, 4):
        where = f"23 samples, batch_size={batch_size}"
        batches = list(call(answer, X, y, batch_size, np.random.default_rng(0), where=where))
        seen = np.concatenate([np.asarray(yb) for _, yb in batches]) if batches else np.array([])
        if len(seen) < len(y) and len(y) - len(seen) == len(y) % batch_size:
            raise Fail(
                f"{len(seen)} of 23 samples in the batches on {where}",
                "dropped the last, smaller batch?",
            )
        if sorted(seen.tolist()) != y.tolist():
            raise Fail(f"the batches hold {len(seen)} samples, not each of the 23 once, on {where}")
        for xb, yb in batches:
            if not np.array_equal(np.asarray(xb)[:, 0], np.asarray(yb)):
                raise Fail(
                    f"inputs and labels out of step in a batch on {where}",
                    "index X and y with the same indices",
                )
        sizes = [len(yb) for _, yb in batches]
        if any(s != batch_size for s in sizes[:-1]):
            raise Fail(f"batch sizes {sizes} on {where}")
        if batch_size < 23 and seen.tolist() == y.tolist():
            raise Fail(
                f"the samples come in their original order on {where}",
                "shuffle with rng.permutation(len(X))",
            )
    return "every sample once per epoch, shuffled, inputs and labels together, last batch kept"
