"""The torch.utils.data API: Dataset, TensorDataset, Subset, random_split, samplers,
default_collate and DataLoader, batch for batch against torch 2.13."""

import collections

import numpy as np
import pytest

import micrograd_plus as mp
from micrograd_plus import Tensor
from micrograd_plus.utils.data import (
    BatchSampler,
    CollateError,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    one_hot,
    random_split,
)

torch = pytest.importorskip("torch")
tud = torch.utils.data


def same(ours, theirs):
    """Structure, values and dtype of a micrograd_plus batch equal torch's."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), f"expected a Tensor, got {type(ours).__name__}"
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for key in theirs:
            same(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    else:
        assert ours == theirs


def xy(n=10, dtype=np.float32):
    return np.arange(3 * n, dtype=dtype).reshape(n, 3), (np.arange(n) % 4).astype(np.int64)


class ListSamples(Dataset):
    """Samples as ``[x, y]`` lists (torch's default_collate keeps the list)."""

    def __init__(self, n=7):
        self.X, self.y = xy(n)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return [self.X[i], int(self.y[i])]


class DictSamples(ListSamples):
    def __getitem__(self, i):
        return {"image": self.X[i], "label": int(self.y[i]), "meta": (float(i), f"id{i}")}


class TorchView(tud.Dataset):
    """The same samples for torch (arrays become tensors inside default_collate)."""

    def __init__(self, ours):
        self.ours = ours

    def __len__(self):
        return len(self.ours)

    def __getitem__(self, i):
        return self.ours[i]


# ----------------------------------------------------------------- batches
@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (10, False)])
def test_tensor_dataset_batches_equal_torch(batch_size, drop_last):
    X, y = xy(10)
    ours = DataLoader(TensorDataset(X, y), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(
        tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    assert len(ours) == len(theirs)
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        same(a, b)


@pytest.mark.parametrize("dataset", [ListSamples, DictSamples])
def test_list_and_dict_samples_collate_like_torch(dataset):
    ours = dataset()
    for a, b in zip(DataLoader(ours, batch_size=3), tud.DataLoader(TorchView(ours), batch_size=3)):
        same(a, b)


def test_positional_arguments_follow_torch():
    X, y = xy(10)
    ds = TensorDataset(X, y)
    ours = list(DataLoader(ds, 4, False))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), 4))
    assert [b[0].shape for b in ours] == [tuple(b[0].shape) for b in theirs]
    # An array as the data set, and an int second argument: that is batch_size too.
    assert [b.shape for b in DataLoader(X, 4)] == [(4, 3), (4, 3), (2, 3)]


@pytest.mark.parametrize(
    "samples",
    [
        [np.float32(1.5), np.float32(2.0)],
        [1, 2, 3],
        [0.5, 1.5],
        [True, False],
        ["a", "b"],
        [np.arange(3, dtype=np.int16), np.arange(3, dtype=np.int16)],
        [(np.zeros(2), 1, "x"), (np.ones(2), 2, "y")],
        [[np.zeros((2, 2)), {"k": 1.0}], [np.ones((2, 2)), {"k": 2.0}]],
        [{"a": [1, 2], "b": {"c": np.float64(3)}}, {"a": [3, 4], "b": {"c": np.float64(4)}}],
        [True, 0.5],  # starts with a bool, holds a float: float32
        [1, 2.5],
        [2, True],
    ],
)
def test_default_collate_equals_torch(samples):
    same(default_collate(samples), tud.default_collate(samples))


def test_default_collate_stacks_tensors_keeping_dtype():
    samples = [Tensor(np.ones(2), dtype=np.float64), Tensor(np.zeros(2), dtype=np.float64)]
    same(
        default_collate(samples),
        tud.default_collate([torch.ones(2, dtype=torch.float64), torch.zeros(2).double()]),
    )


def test_named_tuples_stay_named():
    Point = collections.namedtuple("Point", "x y")
    batch = [Point(np.zeros(2, np.float32), 1), Point(np.ones(2, np.float32), 0)]
    ours, theirs = default_collate(batch), tud.default_collate(batch)
    assert type(ours) is Point and type(theirs) is Point
    same(list(ours), list(theirs))


@pytest.mark.parametrize("sample", [np.arange(3), (np.arange(2.0), 3), {"a": np.ones(1)}])
def test_default_convert_equals_torch(sample):
    same(default_convert(sample), tud.default_convert(sample))


def test_batch_size_none_yields_single_samples_like_torch():
    X, y = xy(4)
    ours = list(DataLoader(TensorDataset(X, y), batch_size=None))
    theirs = list(
        tud.DataLoader(tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=None)
    )
    for a, b in zip(ours, theirs):
        same(a, b)


# ---------------------------------------------------------------- samplers
def test_samplers_equal_torch():
    ds = list(range(7))
    assert list(SequentialSampler(ds)) == list(tud.SequentialSampler(ds))
    for drop_last in (False, True):
        ours = BatchSampler(SequentialSampler(ds), 3, drop_last)
        theirs = tud.BatchSampler(tud.SequentialSampler(ds), 3, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_explicit_sampler_and_batch_sampler_give_torch_batches():
    X, y = xy(9)
    ours_ds = TensorDataset(X, y)
    theirs_ds = tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    order = [4, 0, 8, 2, 6, 1]
    pairs = [
        (DataLoader(ours_ds, 2, sampler=order), tud.DataLoader(theirs_ds, 2, sampler=order)),
        (
            DataLoader(ours_ds, batch_sampler=[[3, 1], [0], [8, 7, 5]]),
            tud.DataLoader(theirs_ds, batch_sampler=[[3, 1], [0], [8, 7, 5]]),
        ),
    ]
    for ours, theirs in pairs:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            same(a, b)


def test_random_sampler_permutes_reproducibly():
    s = RandomSampler(range(20), seed=3)
    epochs = [list(s) for _ in range(3)]
    assert all(sorted(e) == list(range(20)) for e in epochs)
    assert epochs[0] != epochs[1]
    replay = RandomSampler(range(20), seed=3)
    replay.set_epoch(2)
    assert list(replay) == epochs[2]
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert list(RandomSampler(range(20), generator=g1)) == list(
        RandomSampler(range(20), generator=g2)
    )
    assert sorted(SubsetRandomSampler([5, 9, 2])) == [2, 5, 9]


# ----------------------------------------------------------- shuffling
def test_shuffle_with_generator_is_reproducible_and_new_each_epoch():
    X, y = xy(30)

    def epochs(**kw):
        loader = DataLoader(TensorDataset(X, y), batch_size=30, shuffle=True, **kw)
        return [next(iter(loader))[0].data[:, 0].copy() for _ in range(3)]

    a = epochs(generator=np.random.default_rng(0))
    b = epochs(generator=np.random.default_rng(0))
    for e1, e2 in zip(a, b):
        np.testing.assert_array_equal(e1, e2)
    assert not np.array_equal(a[0], a[1])
    assert sorted(a[0].tolist()) == X[:, 0].tolist()
    c, d = epochs(seed=4), epochs(seed=4)
    assert all(np.array_equal(e1, e2) for e1, e2 in zip(c, d))


def test_torch_generator_is_refused_with_the_numpy_spelling():
    with pytest.raises(TypeError, match=r"np\.random\.default_rng\(0\)"):
        DataLoader(TensorDataset(*xy()), shuffle=True, generator=torch.Generator())
    with pytest.raises(ValueError, match="not both"):
        DataLoader(TensorDataset(*xy()), shuffle=True, seed=0, generator=np.random.default_rng())


# ---------------------------------------------------------- subsets, splits
def test_subset_indexes_like_torch():
    data = list(range(10, 20))
    idx = [7, 2, 2, 9]
    ours, theirs = Subset(data, idx), tud.Subset(data, idx)
    assert len(ours) == len(theirs) and [ours[i] for i in range(4)] == [theirs[i] for i in range(4)]


@pytest.mark.parametrize(
    "n, lengths",
    [
        (10, [0.5, 0.5]),
        (10, [0.33, 0.33, 0.34]),
        (11, [0.7, 0.2, 0.1]),
        (7, [3, 4]),
        (5, [1.0]),
        (10, [0.25] * 4),  # two left over: one each to the first two splits
        (5, [0, 5]),  # an empty split is allowed
    ],
)
def test_random_split_lengths_equal_torch(n, lengths):
    ours = random_split(list(range(n)), lengths, seed=0)
    theirs = tud.random_split(list(range(n)), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    everything = sorted(i for s in ours for i in s)
    assert everything == list(range(n))  # disjoint and covering


def test_random_split_is_reproducible():
    def split(**kw):
        return [list(s) for s in random_split(range(50), [30, 20], **kw)]

    assert split(seed=1) == split(seed=1) != split(seed=2)
    assert split(generator=np.random.default_rng(7)) == split(generator=np.random.default_rng(7))
    mp.utils.set_seed(3)
    first = split()
    mp.utils.set_seed(3)
    assert split() == first


def test_random_split_errors_like_torch():
    # Fractions a hair above 1 are lengths to torch (isclose(sum, 1) and sum <= 1), which
    # then do not add up to the dataset's length.
    for lengths in ([3, 3], [0.5, 0.6], [0.5, 0.5 + 1e-12]):
        with pytest.raises(ValueError):
            tud.random_split(range(10), lengths)
        with pytest.raises(ValueError, match="add up to 10|sum to 1"):
            random_split(range(10), lengths)
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(range(2), [1.0, 0.0])


def test_concat_dataset_indexes_like_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    X, y = xy(4)
    summed = TensorDataset(X, y) + TensorDataset(X, y)
    assert isinstance(summed, ConcatDataset) and len(summed) == 8
    xb, yb = next(iter(DataLoader(summed, batch_size=8)))
    np.testing.assert_array_equal(yb.data, np.concatenate([y, y]))


def test_tensor_dataset_checks_sizes():
    with pytest.raises(ValueError, match=r"Size mismatch.*\(4, 3\), \(3,\)"):
        TensorDataset(np.zeros((4, 3)), np.zeros(3))
    ds = TensorDataset(np.zeros((4, 3), np.float32), np.arange(4))
    assert ds.tensors[1].dtype == np.int64 and len(ds) == 4


def test_dataset_base_class_says_what_to_define():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


# ----------------------------------------------------------------- errors
def test_samples_of_different_shapes_name_the_index_and_both_shapes():
    class Ragged(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.zeros(2 if i == 4 else 3), i

    with pytest.raises(RuntimeError, match=r"stack"):
        list(tud.DataLoader(TorchView(Ragged()), batch_size=6))
    names = r"dataset\[4\] has shape \(2,\) but dataset\[0\] has shape \(3,\) in field \[0\]"
    with pytest.raises(CollateError, match=names):
        list(DataLoader(Ragged(), batch_size=6))
    with pytest.raises(RuntimeError, match=r"sample 1 of the batch has shape \(1,\)"):
        default_collate([np.zeros(2), np.zeros(1)])


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(num_workers=2), NotImplementedError),
        (dict(num_workers=1), NotImplementedError),
        (dict(num_workers=-1), ValueError),
        (dict(multiprocessing_context="spawn"), ValueError),
        (dict(sampler=[0, 1], shuffle=True), ValueError),
        (dict(batch_sampler=[[0]], batch_size=2), ValueError),
        (dict(batch_size=None, drop_last=True), ValueError),
        (dict(prefetch_factor=2), ValueError),
        (dict(persistent_workers=True), ValueError),
        (dict(timeout=-1), ValueError),
        (dict(no_such_option=1), TypeError),
    ],
)
def test_bad_options_raise_what_torch_raises(kwargs, error):
    ds = TensorDataset(*xy())
    torch_ds = tud.TensorDataset(torch.zeros(10))
    if error is not NotImplementedError:  # torch does support workers
        with pytest.raises(error):
            tud.DataLoader(torch_ds, **kwargs)
    with pytest.raises(error, match="num_workers=0|exclusive|needs|leave|non-negative|unexpected"):
        DataLoader(ds, **kwargs)


def test_harmless_torch_options_are_accepted():
    X, y = xy(6)
    loader = DataLoader(
        TensorDataset(X, y), 2, pin_memory=True, timeout=0, worker_init_fn=print, in_order=True
    )
    assert [b[0].shape for b in loader] == [(2, 3)] * 3


# --------------------------------------------------------------- names
def test_names_are_importable_from_every_front_door():
    from micrograd_plus.utils import DataLoader as from_utils
    from micrograd_plus.utils.data.dataloader import DataLoader as from_module

    assert from_utils is from_module is DataLoader is mp.DataLoader
    for name in ("Dataset", "TensorDataset", "Subset", "random_split", "default_collate"):
        assert getattr(mp, name) is getattr(mp.utils.data, name)
    for name in ("make_spiral", "make_moons", "one_hot", "standardize", "train_test_split"):
        assert getattr(mp, name) is getattr(mp.utils.data, name)


def test_dataloader_signature_is_torchs():
    import inspect

    ours = inspect.signature(DataLoader).parameters
    theirs = inspect.signature(tud.DataLoader.__init__).parameters
    for name, param in theirs.items():
        if name == "self":
            continue
        assert name in ours, name
        assert ours[name].kind == param.kind, name
        if name != "dataset":
            assert ours[name].default == param.default, name
    assert list(ours)[: len(theirs) - 1] == [n for n in theirs if n != "self"]


def test_data_loader_defaults_match_torch():
    X, y = xy(5)
    ours = DataLoader(TensorDataset(X, y))
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)))
    for name in ("batch_size", "drop_last", "num_workers", "pin_memory", "timeout"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert len(ours) == len(theirs) == 5
    assert [len(xb) for xb, _ in ours] == [len(xb) for xb, _ in theirs] == [1] * 5


# ------------------------------------------ pinned after the census (issue 27, pin27n)
def test_a_list_of_numbers_is_a_dataset_collated_like_torch():
    # Without y a list is a data set of samples, not the arrays form: int64, as torch.
    ours, theirs = DataLoader([1, 2, 3, 4, 5], batch_size=2), tud.DataLoader([1, 2, 3, 4, 5], 2)
    for a, b in zip(ours, theirs, strict=True):
        same(a, b)


def test_a_one_sample_dataset_and_a_one_tensor_dataset_load_like_torch():
    X, _ = xy(5)
    for rows in (X[:1], X):
        ours = DataLoader(TensorDataset(rows), batch_size=2)
        theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(rows)), batch_size=2)
        assert len(ours.dataset) == len(theirs.dataset) == len(rows)
        for a, b in zip(ours, theirs, strict=True):
            same(a, b)


def test_a_custom_collate_fn_gets_the_samples_of_every_kind_of_data_set():
    X, y = xy(5)
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.from_numpy(X)), 2, collate_fn=len))
    assert theirs == [2, 2, 1]
    for loader in (
        DataLoader(TensorDataset(X, y), 2, collate_fn=len),
        DataLoader(X, y, batch_size=2, collate_fn=len),
        DataLoader(ListSamples(5), 2, collate_fn=len),
    ):
        assert list(loader) == theirs


def test_option_errors_come_before_the_data_is_looked_at():
    # torch's BatchSampler refuses batch_size=0 whatever the data set; so do we.
    with pytest.raises(ValueError, match="batch_size"):
        tud.DataLoader(tud.TensorDataset(torch.zeros(0, 2)), batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=0)
    with pytest.raises(ValueError):
        tud.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        BatchSampler(SequentialSampler(range(3)), 0, False)


def test_concat_dataset_refuses_an_index_below_minus_its_length_like_torch():
    parts = [[1, 2], [3]]
    for concat in (tud.ConcatDataset(parts), ConcatDataset(parts)):
        assert concat[-3] == 1
        with pytest.raises(ValueError, match="should not exceed dataset length"):
            concat[-4]


def test_random_split_names_the_first_fraction_out_of_range_like_torch():
    for split in (tud.random_split, random_split):
        with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
            split(range(10), [1.5, -0.5])


def test_random_split_refuses_negative_or_fractional_lengths():
    # torch slices with them ([-1, 11] gives splits of 9 and 1); we refuse.
    for lengths in ([-1, 11], [2.5, 7.5]):
        with pytest.raises(ValueError, match="non-negative integers"):
            random_split(range(10), lengths)


def test_what_torch_would_accept_but_we_cannot_do_is_refused_clearly():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader({1, 2, 3})  # a set has a length but no indexing
    with pytest.raises(TypeError, match="list of samples"):
        default_collate("ab")
    with pytest.raises(NotImplementedError, match="replacement"):
        RandomSampler(range(3), replacement=True)
    with pytest.raises(NotImplementedError, match="num_samples"):
        RandomSampler(range(3), num_samples=2)


def test_a_misspelt_option_is_named_with_the_right_spelling():
    X, y = xy(4)
    with pytest.raises(TypeError, match="did you mean 'batch_size'"):
        DataLoader(TensorDataset(X, y), batchsize=2)
    with pytest.raises(TypeError, match="did you mean 'shuffle'") as info:
        DataLoader(X, y, 2, shufle=True)
    assert "DataLoader()" in str(info.value)


def test_the_arrays_form_takes_batch_size_after_y_positionally():
    X, y = xy(10)
    sizes = [len(xb) for xb, _ in DataLoader(X, y, 4)]
    assert sizes == [len(b) for b in tud.DataLoader(range(10), 4)] == [4, 4, 2]
    batches = list(DataLoader(X, y, 4, True, seed=0))  # then shuffle
    order = np.concatenate([xb.data[:, 0] for xb, _ in batches])
    assert sorted(order.tolist()) == X[:, 0].tolist() and order.tolist() != X[:, 0].tolist()


@pytest.mark.parametrize("labels", [[[0, 2], [1, 1]], [3, 0, 1], [[[1]], [[0]]]])
@pytest.mark.parametrize("num_classes", [-1, 4])
def test_one_hot_equals_torch_for_any_label_shape(labels, num_classes):
    # The classes go on a new last axis; -1 (torch's default) infers them, as None does.
    theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes).numpy()
    ours = one_hot(np.array(labels), num_classes, dtype=np.int64)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_one_hot_of_no_labels_needs_num_classes_as_in_torch():
    empty = np.array([], dtype=np.int64)
    with pytest.raises(RuntimeError, match="infer"):
        torch.nn.functional.one_hot(torch.from_numpy(empty), -1)
    for num_classes in (None, -1):
        with pytest.raises(ValueError, match="num_classes"):
            one_hot(empty, num_classes)
    theirs = torch.nn.functional.one_hot(torch.from_numpy(empty), 3)
    assert one_hot(empty, 3).shape == tuple(theirs.shape) == (0, 3)
