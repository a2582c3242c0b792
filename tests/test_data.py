"""DataLoader, splits, scaling and the toy data generators."""

import numpy as np
import pytest
from oracles import seed_notebook_spiral

from micrograd_plus import Tensor
from micrograd_plus.utils import set_seed
from micrograd_plus.utils.data import (
    CollateError,
    DataLoader,
    make_blobs,
    make_moons,
    make_regression,
    make_spiral,
    normalize,
    one_hot,
    standardize,
    train_test_split,
)


def _xy(n=10):
    return np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n) % 3


# ------------------------------------------------------------------ DataLoader
@pytest.mark.parametrize(
    "n, batch, drop_last, expected", [(10, 3, False, 4), (10, 3, True, 3), (9, 3, True, 3)]
)
def test_len_is_number_of_batches(n, batch, drop_last, expected):
    X, y = _xy(n)
    loader = DataLoader(X, y, batch_size=batch, drop_last=drop_last)
    assert len(loader) == expected
    assert len(list(loader)) == expected


def test_batches_cover_every_sample_once_in_order_without_shuffle():
    X, y = _xy(10)
    batches = list(DataLoader(X, y, batch_size=4))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([xb.data for xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb.data for _, yb in batches]), y)


def test_drop_last_skips_the_short_batch():
    X, y = _xy(10)
    sizes = [len(xb) for xb, _ in DataLoader(X, y, batch_size=4, drop_last=True)]
    assert sizes == [4, 4]


def test_batch_types_and_dtypes():
    X = np.zeros((4, 3), dtype=np.uint8)
    y = np.array([0, 1, 2, 1], dtype=np.uint8)
    xb, yb = next(iter(DataLoader(X, y, batch_size=4)))
    assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
    assert xb.dtype == np.float32  # pixels become float features
    assert yb.dtype == np.int64  # labels stay integer class indices
    reg_y = np.ones(4, dtype=np.float32)
    _, tb = next(iter(DataLoader(X, reg_y, batch_size=4)))
    assert tb.dtype == np.float32


def test_features_only_loader_yields_tensors():
    X, _ = _xy(5)
    batches = list(DataLoader(X, batch_size=2))
    assert all(isinstance(b, Tensor) for b in batches)
    assert [b.shape for b in batches] == [(2, 2), (2, 2), (1, 2)]


def test_seeded_shuffle_is_reproducible_and_changes_each_epoch():
    X = np.zeros((50, 2), dtype=np.float32)
    ids = np.arange(50)

    def orders(seed, epochs=3):
        loader = DataLoader(X, ids, batch_size=7, shuffle=True, seed=seed)
        return [np.concatenate([yb.data for _, yb in loader]) for _ in range(epochs)]

    first, second = orders(3), orders(3)
    for e1, e2 in zip(first, second):
        np.testing.assert_array_equal(e1, e2)
    assert sorted(first[0].tolist()) == ids.tolist()  # each epoch visits every sample once
    assert not np.array_equal(first[0], first[1])  # a new permutation every epoch
    assert not np.array_equal(first[0], orders(4, 1)[0])


def test_set_epoch_replays_an_epochs_order():
    ids = np.arange(30)
    loader = DataLoader(ids, batch_size=30, shuffle=True, seed=0)
    epochs = [next(iter(loader)).data.copy() for _ in range(3)]
    resumed = DataLoader(ids, batch_size=30, shuffle=True, seed=0)
    resumed.set_epoch(2)
    np.testing.assert_array_equal(next(iter(resumed)).data, epochs[2])


def test_unseeded_shuffle_follows_set_seed():
    ids = np.arange(40)
    set_seed(11)
    a = next(iter(DataLoader(ids, batch_size=40, shuffle=True))).data
    set_seed(11)
    b = next(iter(DataLoader(ids, batch_size=40, shuffle=True))).data
    np.testing.assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(40))


def test_dataset_object_is_collated():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i % 2

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5)))
    np.testing.assert_array_equal(xb.data[:, 1], [0, 1, 4, 9, 16])
    np.testing.assert_array_equal(yb.data, [0, 1, 0, 1, 0])
    assert yb.dtype == np.int64


def test_accepts_tensors():
    X, y = _xy(4)
    xb, yb = next(iter(DataLoader(Tensor(X), Tensor(y, dtype=np.int64), batch_size=4)))
    np.testing.assert_array_equal(xb.data, X)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size(batch_size):
    X, y = _xy(4)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(X, y, batch_size=batch_size)


def test_length_mismatch_names_both_lengths():
    X, _ = _xy(5)
    with pytest.raises(ValueError, match=r"len\(X\)=5 and len\(y\)=4"):
        DataLoader(X, np.zeros(4), batch_size=2)


def test_empty_and_wrong_inputs():
    with pytest.raises(ValueError, match="empty"):
        DataLoader(np.zeros((0, 2)), batch_size=2)
    with pytest.raises(TypeError, match="dataset"):
        DataLoader(42)
    with pytest.raises(ValueError, match="scalar"):
        DataLoader(np.float32(1.0))


# ------------------------------------------------------------------- splits
def test_split_sizes_and_disjointness():
    X = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    assert len(X_te) == 10 and len(X_tr) == 40
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)  # rows stay paired with labels
    assert set(y_tr).isdisjoint(y_te) and set(y_tr) | set(y_te) == set(range(50))


def test_split_is_reproducible_and_accepts_counts():
    X = np.arange(30)
    a = train_test_split(X, test_size=7, seed=5)
    b = train_test_split(X, test_size=7, seed=5)
    assert len(a[1]) == 7
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100)
    _, _, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=1, stratify=y)
    assert np.bincount(y_te).tolist() == [12, 6, 2]
    assert np.bincount(y_tr).tolist() == [48, 24, 8]
    _, _, _, y_te2 = train_test_split(X, y, test_size=0.2, seed=1, stratify=True)
    assert np.bincount(y_te2).tolist() == [12, 6, 2]


def test_stratified_split_hits_the_exact_test_size():
    y = np.repeat([0, 1, 2], [7, 7, 7])
    _, X_te = train_test_split(np.arange(21), test_size=5, seed=0, stratify=y)
    assert len(X_te) == 5


@pytest.mark.parametrize("test_size", [0.0, 1.0, 0, 10, -0.5, "half"])
def test_bad_test_size(test_size):
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.arange(10), test_size=test_size)


def test_stratify_errors():
    y = np.array([0, 0, 0, 1])
    with pytest.raises(ValueError, match="at least 2 samples"):
        train_test_split(np.arange(4), y, test_size=2, stratify=y)
    y = np.repeat([0, 1, 2], 4)
    with pytest.raises(ValueError, match="one sample per class"):
        train_test_split(np.arange(12), y, test_size=2, stratify=y)
    with pytest.raises(ValueError, match="same length"):
        train_test_split(np.arange(12), y[:5])


# ------------------------------------------------------------- transforms
def test_one_hot():
    out = one_hot(np.array([2, 0]), 4)
    np.testing.assert_array_equal(out, [[0, 0, 1, 0], [1, 0, 0, 0]])
    assert out.dtype == np.float32
    assert one_hot([1, 3]).shape == (2, 4)  # classes inferred from the largest label
    t = one_hot(Tensor([1, 0], dtype=np.int64), 2)
    assert isinstance(t, Tensor)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="num_classes=3"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match=">= 0"):
        one_hot([-1, 0], 3)
    with pytest.raises(TypeError, match="integers"):
        one_hot([0.5, 1.0], 3)


def test_standardize_train_statistics_apply_to_test():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 3.0, size=(500, 3)).astype(np.float32)
    X_test = rng.normal(5.0, 3.0, size=(100, 3)).astype(np.float32)
    Z, mean, std = standardize(X_train)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-5)
    Z_test, *_ = standardize(X_test, mean, std)
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(0)) / X_train.std(0), rtol=1e-5)


def test_standardize_with_global_statistics():
    X = np.array([[0, 10], [20, 30]], dtype=np.uint8)
    Z, mean, std = standardize(X, axis=None)
    assert mean.shape == () and float(mean) == 15.0
    np.testing.assert_allclose(Z, (X - 15.0) / X.std(), rtol=1e-6)
    assert Z.dtype == np.float32


def test_standardize_constant_feature_and_errors():
    X = np.array([[1.0, 4.0], [3.0, 4.0]], dtype=np.float32)
    Z, _, std = standardize(X)
    assert np.isfinite(Z).all() and std[1] == 1.0
    with pytest.raises(ValueError, match="both mean and std"):
        standardize(X, mean=np.zeros(2))


def test_normalize_to_unit_range():
    X = np.array([[0, 10], [5, 20], [10, 30]], dtype=np.uint8)
    Z, low, high = normalize(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z, [[0, 0], [0.5, 0.5], [1, 1]])
    Z2, *_ = normalize(np.array([[20, 40]], dtype=np.float32), low, high)
    np.testing.assert_allclose(Z2, [[2.0, 1.5]])


# ---------------------------------------------------------------- toy data
def test_make_spiral_matches_the_seed_notebook():
    set_seed(42)
    X_ref, y_ref = seed_notebook_spiral()
    set_seed(42)
    X, y = make_spiral()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    X_seeded, _ = make_spiral(seed=42)
    np.testing.assert_array_equal(X_seeded, X_ref)
    assert X.dtype == np.float32 and y.dtype == np.int64


def test_make_moons_shape_and_noise_free_geometry():
    X, y = make_moons(200, noise=0.0, seed=0)
    assert X.shape == (200, 2) and X.dtype == np.float32
    outer = X[y == 0]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, atol=1e-6)
    inner = X[y == 1]
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, atol=1e-6)


def test_make_blobs_clusters_sit_at_their_centres():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X, y = make_blobs(300, centers=centers, cluster_std=0.5, seed=0)
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.2)
    X_random, y_random = make_blobs(30, centers=4, n_features=3, seed=1)
    assert X_random.shape == (30, 3) and set(y_random) == {0, 1, 2, 3}


def test_make_regression_line_and_outliers():
    X, y = make_regression(1000, weight=2.0, bias=1.0, noise=0.1, seed=0)
    slope, intercept = np.polyfit(X[:, 0], y[:, 0], 1)
    assert abs(slope - 2.0) < 0.02 and abs(intercept - 1.0) < 0.02
    Xo, yo = make_regression(100, noise=0.0, outliers=0.1, outlier_scale=10.0, seed=0)
    residual = np.abs(yo - (2.0 * Xo + 1.0))
    assert int((residual > 5).sum()) == 10
    with pytest.raises(ValueError, match="outliers"):
        make_regression(outliers=1.5)


def test_generators_reproducible_with_seed():
    for make in (make_spiral, make_moons, make_blobs, make_regression):
        a, b = make(seed=7), make(seed=7)
        np.testing.assert_array_equal(a[0], b[0])


def test_array_loader_dataset_indexes_like_a_tensor_dataset():
    # The arrays form's dataset: features alone without y, (features, label) with it.
    X, y = _xy(6)
    alone, paired = DataLoader(X, batch_size=2).dataset, DataLoader(X, y, batch_size=2).dataset
    np.testing.assert_array_equal(alone[4], X[4])
    (x4, y4) = paired[4]
    np.testing.assert_array_equal(x4, X[4])
    assert y4 == y[4] and len(alone) == len(paired) == 6


def test_collate_error_raised_with_a_message_alone():
    # What a custom collate_fn may raise: no positions, details or field to report.
    err = CollateError("samples differ")
    assert isinstance(err, RuntimeError) and str(err) == "samples differ"
    assert err.positions == (0, 0) and err.details == ("", "") and err.where == ""


def test_train_test_split_holds_out_a_fifth_by_default():
    # The documented default test_size=0.2, rounded up: 2 of 10, 3 of 11.
    for n, held_out in ((10, 2), (11, 3)):
        X_tr, X_te = train_test_split(np.arange(n), seed=0)
        assert (len(X_tr), len(X_te)) == (n - held_out, held_out)
        assert sorted(np.r_[X_tr, X_te]) == list(range(n))


def test_make_moons_defaults_are_100_noise_free_shuffled_points():
    X, y = make_moons(seed=0)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [50, 50]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0, atol=1e-6)  # no noise
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0, atol=1e-6)
    assert not (np.diff(y) >= 0).all()  # shuffled: the labels are not in blocks


def test_make_blobs_defaults_are_three_unit_clusters_in_2d():
    X, y = make_blobs(seed=0)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [34, 33, 33]
    for k in range(3):
        spread = X[y == k] - X[y == k].mean(axis=0)
        assert 0.75 < spread.std(axis=0, ddof=1).mean() < 1.25  # cluster_std 1
        assert (np.abs(X[y == k].mean(axis=0)) < 10.5).all()  # centres drawn in [-10, 10]


def test_make_regression_defaults_are_the_documented_line():
    # 100 points, x uniform in [-3, 3], y = 2 x + 1 + N(0, 0.5^2), no outliers.
    X, y = make_regression(seed=0)
    assert X.shape == y.shape == (100, 1)
    x = X[:, 0].astype(np.float64)
    assert -3 <= x.min() < -2.5 and 2.5 < x.max() <= 3
    slope, intercept = np.polyfit(x, y[:, 0], 1)
    assert abs(slope - 2.0) < 0.15 and abs(intercept - 1.0) < 0.2
    residual = y[:, 0] - (2.0 * x + 1.0)
    assert 0.4 < residual.std() < 0.6 and np.abs(residual).max() < 2.5  # 5 sigma: no outliers
    # outliers= alone moves its points by the default outlier_scale, 10, up or down
    Xo, yo = make_regression(noise=0.0, outliers=0.1, seed=0)
    moved = np.abs(yo - (2.0 * Xo + 1.0))
    np.testing.assert_allclose(np.sort(moved[:, 0])[-10:], 10.0, rtol=1e-5)
    assert (np.sort(moved[:, 0])[:-10] < 1e-5).all()


def test_standardize_scales_a_small_spread_and_only_shifts_a_zero_one():
    # Only a spread below eps=1e-8 counts as constant; 0.5 and 1e-3 are scaled to unit std.
    X = np.array([[0.0, 0.0, 4.0], [1.0, 2e-3, 4.0]], dtype=np.float32)
    Z, mean, std = standardize(X)
    np.testing.assert_allclose(std, [0.5, 1e-3, 1.0], rtol=1e-6)
    np.testing.assert_allclose(Z, [[-1.0, -1.0, 0.0], [1.0, 1.0, 0.0]], rtol=1e-4)


# ------------------------------------------ pinned after the census (issue 27, pin27n)
def test_a_test_size_of_one_sample_is_allowed():
    # scikit-learn's rule: an int test_size is a count, and one sample is a valid test set.
    for X_tr, X_te in (
        train_test_split(np.arange(10), test_size=1, seed=0),
        train_test_split(np.arange(5), test_size=0.2, seed=0),  # ceil(0.2 * 5) = 1
    ):
        assert len(X_te) == 1 and sorted(np.r_[X_tr, X_te]) == list(range(len(X_tr) + 1))


@pytest.mark.parametrize("test_size", [0.0, 1.0, 1.5, True])
def test_a_float_test_size_outside_the_open_unit_interval_is_named_as_such(test_size):
    # 0.0 and 1.0 are not "no samples" and "all of them": the fraction must be in (0, 1).
    with pytest.raises(ValueError, match=r"test_size must be a float in \(0, 1\)"):
        train_test_split(np.arange(10), test_size=test_size)


def test_stratify_accepts_a_class_of_two_and_one_test_sample_per_class():
    # The smallest stratified split: 2 samples of a class, and n_test == number of classes.
    y = np.repeat([0, 1], [2, 4])
    _, _, y_tr, y_te = train_test_split(np.arange(6), y, test_size=2, seed=0, stratify=y)
    assert np.bincount(y_te).tolist() == [1, 1] and np.bincount(y_tr).tolist() == [1, 3]


def test_stratified_leftover_samples_go_to_the_largest_remainders():
    # Largest-remainder (Hamilton) allocation of 3 test samples over classes of 5, 3, 2:
    # shares 1.5, 0.9, 0.6 are floored to 1, 0, 0; the two left over go to 0.9 and 0.6.
    y = np.repeat([0, 1, 2], [5, 3, 2])
    _, _, _, y_te = train_test_split(np.arange(10), y, test_size=3, seed=0, stratify=y)
    assert np.bincount(y_te, minlength=3).tolist() == [1, 1, 1]


def test_stratify_needs_one_label_per_sample():
    X, y = np.arange(6), np.repeat([0, 1], 3)
    with pytest.raises(ValueError, match="one label per sample"):
        train_test_split(X, test_size=2, stratify=True)  # True without y
    with pytest.raises(ValueError, match="one label per sample"):
        train_test_split(X, y, test_size=2, stratify=y[:4])


def test_make_moons_unshuffled_is_the_two_half_circles_in_order():
    # scikit-learn's layout: the outer arc (cos t, sin t) for t from 0 to pi, then the
    # inner arc (1 - cos t, 1/2 - sin t); n_samples // 2 outer points.
    X, y = make_moons(7, shuffle=False)
    h = 0.5 - np.sqrt(3) / 2  # t = pi/3 and 2 pi/3 on the inner arc
    expected = [[1, 0], [0, 1], [-1, 0], [0, 0.5], [0.5, h], [1.5, h], [2, 0.5]]
    np.testing.assert_allclose(X, expected, atol=1e-6)
    assert y.tolist() == [0, 0, 0, 1, 1, 1, 1]


def test_make_regression_accepts_every_point_an_outlier():
    X, y = make_regression(50, noise=0.0, outliers=1.0, outlier_scale=3.0, seed=0)
    shift = (y - (2.0 * X + 1.0))[:, 0]
    np.testing.assert_allclose(np.abs(shift), 3.0, rtol=1e-5)
    assert (shift > 0).any() and (shift < 0).any()  # up or down at random


@pytest.mark.parametrize("make", [make_spiral, make_moons, make_blobs, make_regression])
def test_toy_generators_refuse_zero_samples(make):
    with pytest.raises(ValueError, match="must be a positive integer, got 0"):
        make(0)


def test_one_hot_accepts_whole_number_float_labels():
    np.testing.assert_array_equal(one_hot(np.array([2.0, 0.0]), 3), one_hot([2, 0], 3))
    with pytest.raises(TypeError, match="integers"):
        one_hot(np.array([True, False]))


def test_standardize_scales_a_spread_of_exactly_eps():
    # "Only a spread below eps counts as constant": [0, 2 eps] has std eps exactly
    # (float64: halving and squaring then sqrt are exact here), so it is scaled to +-1.
    eps = 1e-8
    X = np.array([[0.0], [2 * eps]])
    assert X.std(axis=0)[0] == eps
    Z, _, std = standardize(X, eps=eps)
    assert std[0] == eps
    np.testing.assert_allclose(Z[:, 0], [-1.0, 1.0], rtol=1e-12)


def test_a_features_only_array_or_tensor_is_sliced_with_the_dtype_policy():
    # The arrays form without y: integer pixels become float32, as with labels.
    X = np.arange(12, dtype=np.uint8).reshape(6, 2)
    for data in (X, Tensor(X.astype(np.int64), dtype=np.int64)):
        loader = DataLoader(data, batch_size=4)
        assert loader.X is not None and loader.y is None
        batches = list(loader)
        assert [b.dtype for b in batches] == [np.float32, np.float32]
        np.testing.assert_array_equal(np.concatenate([b.data for b in batches]), X)
