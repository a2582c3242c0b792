"""Saving and loading: round trips, exact resumption, refusing pickles, atomic writes."""

import pickle

import numpy as np
import pytest

from micrograd_plus import (
    Adam,
    CrossEntropyLoss,
    DataLoader,
    Dropout,
    Linear,
    ReduceLROnPlateau,
    ReLU,
    Sequential,
    StepLR,
    load_checkpoint,
    load_model,
    make_spiral,
    save_checkpoint,
    save_model,
    train_epoch,
)
from micrograd_plus import checkpoint as checkpoint_module
from micrograd_plus.utils import set_seed


def make_model(seed=0):
    set_seed(seed)
    return Sequential(Linear(2, 16), ReLU(), Dropout(0.2), Linear(16, 3))


def assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key])


# --------------------------------------------------------------- models
def test_save_and_load_model(tmp_path):
    model, other = make_model(0), make_model(1)
    path = save_model(model, tmp_path / "model.npz")
    assert load_model(other, path) is other
    assert_same_weights(model, other)
    with np.load(path, allow_pickle=False) as archive:  # plain state_dict names inside
        assert archive.files == list(model.state_dict())


def test_load_model_checks_the_architecture(tmp_path):
    path = save_model(make_model(), tmp_path / "model.npz")
    with pytest.raises(RuntimeError, match="size mismatch"):
        load_model(Sequential(Linear(2, 8), ReLU(), Dropout(0.2), Linear(8, 3)), path)
    with pytest.raises(RuntimeError, match="Missing key"):
        load_model(
            Sequential(Linear(2, 16), ReLU(), Dropout(0.2), Linear(16, 3), Linear(3, 3)), path
        )


def test_load_model_reads_a_checkpoint(tmp_path):
    model = make_model(0)
    save_checkpoint(tmp_path / "ck.npz", model, epoch=1)
    other = load_model(make_model(1), tmp_path / "ck.npz")
    assert_same_weights(model, other)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_model(make_model(), tmp_path / "nope.npz")


# ---------------------------------------------------------- checkpoints
def train_some(model, opt, loader, epochs, sched=None):
    for _ in range(epochs):
        train_epoch(model, loader, CrossEntropyLoss(), opt)
        if sched is not None:
            sched.step()


def test_optimizer_and_scheduler_state_round_trip(tmp_path):
    X, y = make_spiral(20, 3, seed=0)
    model = make_model()
    opt = Adam(model.parameters(), lr=3e-3, betas=(0.8, 0.95), weight_decay=1e-4)
    sched = StepLR(opt, step_size=1, gamma=0.7)
    train_some(model, opt, DataLoader(X, y, 16), 2, sched)
    path = tmp_path / "ck.npz"
    save_checkpoint(path, model, opt, sched, epoch=2, note="spiral", best=np.float32(0.25),
                    losses=[1.5, 0.75], info={"nested": (1, 2.5, None)})  # fmt: skip
    model2 = make_model(5)
    opt2 = Adam(model2.parameters(), lr=1.0)
    sched2 = StepLR(opt2, step_size=10)
    extra = load_checkpoint(path, model2, opt2, sched2)
    assert extra == {"epoch": 2, "note": "spiral", "best": 0.25, "losses": [1.5, 0.75],
                     "info": {"nested": (1, 2.5, None)}}  # fmt: skip
    assert extra["best"].dtype == np.float32
    assert_same_weights(model, model2)
    saved, loaded = opt.state_dict(), opt2.state_dict()
    assert loaded["param_groups"] == saved["param_groups"]  # lr, betas tuple, weight_decay...
    for index, entry in saved["state"].items():
        assert loaded["state"][index]["step"] == entry["step"]
        for name in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(loaded["state"][index][name], entry[name])
    assert sched2.last_epoch == sched.last_epoch and sched2.get_last_lr() == sched.get_last_lr()


def test_resumed_training_matches_uninterrupted_bit_for_bit(tmp_path):
    X, y = make_spiral(40, 3, seed=1)

    def setup(seed=0):
        model = make_model(seed)
        opt = Adam(model.parameters(), lr=1e-2)
        return model, opt, StepLR(opt, step_size=2, gamma=0.5)

    loader = DataLoader(X, y, batch_size=16, shuffle=True, seed=7)
    model, opt, sched = setup()
    train_some(model, opt, loader, 5, sched)  # dropout draws from the global RNG

    model_a, opt_a, sched_a = setup()
    loader_a = DataLoader(X, y, batch_size=16, shuffle=True, seed=7)
    train_some(model_a, opt_a, loader_a, 3, sched_a)
    save_checkpoint(tmp_path / "ck.npz", model_a, opt_a, sched_a, epoch=3)

    np.random.rand(1000)  # the interruption disturbs the global generator
    model_b, opt_b, sched_b = setup(seed=123)
    extra = load_checkpoint(tmp_path / "ck.npz", model_b, opt_b, sched_b)
    loader_b = DataLoader(X, y, batch_size=16, shuffle=True, seed=7)
    loader_b.set_epoch(extra["epoch"])
    train_some(model_b, opt_b, loader_b, 2, sched_b)
    assert_same_weights(model, model_b)
    assert opt_b.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_not_a_checkpoint_and_missing_parts(tmp_path):
    model = make_model()
    save_model(model, tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="not a checkpoint written by save_checkpoint"):
        load_checkpoint(tmp_path / "weights.npz", model)
    save_checkpoint(tmp_path / "ck.npz", model)
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(tmp_path / "ck.npz", model, Adam(model.parameters()))


def test_unsupported_extra_is_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match=r"extra\['callback'\].*function"):
        save_checkpoint(tmp_path / "ck.npz", make_model(), callback=lambda: None)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ safety
class Payload:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickled_object_array_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.npz"
    weights = {k: v for k, v in make_model().state_dict().items()}
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    np.savez(path, **weights, **{"__meta__": evil})
    for load in (
        lambda: load_model(make_model(), path),
        lambda: load_checkpoint(path, make_model()),
    ):
        with pytest.raises(ValueError, match="pickled object array"):
            load()
    assert not marker.exists()


def test_plain_pickle_file_is_refused(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ValueError, match="refusing to load pickled data"):
        load_model(make_model(), path)
    assert not marker.exists()


def test_npy_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        load_model(make_model(), path)


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_checkpoint_raises_a_clear_error(tmp_path, keep):
    path = tmp_path / "ck.npz"
    save_checkpoint(path, make_model(), epoch=1)
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(ValueError, match=r"ck\.npz.*(corrupt|truncated|not a readable)"):
        load_checkpoint(path, make_model())


def test_garbage_file(tmp_path):
    path = tmp_path / "ck.npz"
    path.write_bytes(b"definitely not a zip archive" * 10)
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_checkpoint(path, make_model())


def test_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    good = make_model(0)
    save_model(good, path)
    before = path.read_bytes()

    def crash_midway(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.np, "savez", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save_model(make_model(1), path)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, make_model(1), epoch=3)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary leftovers
    monkeypatch.undo()
    assert_same_weights(good, load_model(make_model(2), path))


def test_interrupted_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(make_model(0), path)
    before = path.read_bytes()

    def no_rename(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_module.os, "replace", no_rename)
    with pytest.raises(KeyboardInterrupt):
        save_model(make_model(1), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_reduce_on_plateau_state_round_trip(tmp_path):
    model = make_model()
    opt = Adam(model.parameters(), lr=0.1)
    sched = ReduceLROnPlateau(opt, patience=0, factor=0.5)
    for metric in (1.0, 2.0, 3.0):  # no improvement: the rate is cut twice
        sched.step(metric)
    save_checkpoint(tmp_path / "ck.npz", model, opt, sched)
    model2 = make_model(1)
    opt2 = Adam(model2.parameters(), lr=0.1)
    sched2 = ReduceLROnPlateau(opt2, patience=0, factor=0.5)
    load_checkpoint(tmp_path / "ck.npz", model2, opt2, sched2)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.025
    assert sched2.state_dict() == sched.state_dict()


def test_load_checkpoint_into_another_architecture_offers_a_strict_flag_that_exists(tmp_path):
    path = tmp_path / "run.npz"
    save_checkpoint(path, make_model(0), epoch=3)
    bigger = Sequential(Linear(2, 16), ReLU(), Dropout(0.2), Linear(16, 3), ReLU(), Linear(3, 3))
    with pytest.raises(RuntimeError, match="strict=False") as info:
        load_checkpoint(path, bigger)
    assert "5.weight" in str(info.value)  # the key it could not fill
    untouched = bigger[5].weight.data.copy()
    assert load_checkpoint(path, bigger, strict=False) == {"epoch": 3}
    np.testing.assert_array_equal(bigger[0].weight.data, make_model(0)[0].weight.data)
    np.testing.assert_array_equal(bigger[5].weight.data, untouched)


def test_load_checkpoint_strict_false_matches_torch_load_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    ours_small, path = Linear(3, 2), tmp_path / "m.npz"
    save_checkpoint(path, Sequential(ours_small))
    ours = Sequential(Linear(3, 2), Linear(2, 1))
    load_checkpoint(path, ours, strict=False)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    state = {
        k: torch.from_numpy(np.asarray(v)) for k, v in Sequential(ours_small).state_dict().items()
    }
    result = theirs.load_state_dict(state, strict=False)
    assert sorted(result.missing_keys) == ["1.bias", "1.weight"]
    np.testing.assert_array_equal(ours[0].weight.data, theirs[0].weight.detach().numpy())


def test_saving_below_a_regular_file_names_the_path(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"afile/m\.npz.*afile is a file, not a folder"):
        save_model(Linear(2, 1), tmp_path / "afile" / "m.npz")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        save_checkpoint(tmp_path / "afile" / "deeper" / "run.npz", Linear(2, 1))
    with pytest.raises(IsADirectoryError, match="it is a folder; add a file name"):
        save_model(Linear(2, 1), tmp_path)
    assert (tmp_path / "afile").read_text() == "not a folder"


def test_saving_keeps_the_files_permissions_and_gives_new_files_the_usual_ones(tmp_path):
    import os
    import stat

    from micrograd_plus import Linear, save_model

    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.npz"
        save_model(Linear(2, 1), new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o644  # as open() gives, not 0o600
        new.chmod(0o640)
        save_model(Linear(2, 1), new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o640  # the replaced file's mode
    finally:
        os.umask(umask)


@pytest.mark.parametrize(
    "change", [{"format": "someone.else"}, {"version": 2}], ids=["foreign-format", "newer"]
)
def test_checkpoint_of_another_format_or_a_newer_version_is_refused(tmp_path, change):
    """Each half of the format check refuses on its own (a mutant joined them by 'and')."""
    import json

    path = save_checkpoint(tmp_path / "ck.npz", make_model())
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["__meta__"]))
    arrays["__meta__"] = np.array(json.dumps({**meta, **change}))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="unsupported checkpoint format"):
        load_checkpoint(path, make_model())


# ------------------------------------------- census survivors (issue 27, pin27g)
def test_saving_creates_every_missing_folder_on_the_path(tmp_path):
    model = make_model()
    path = save_checkpoint(tmp_path / "runs" / "day1" / "ck.npz", model, epoch=2)
    assert path.is_file() and (tmp_path / "runs").is_dir()
    assert load_checkpoint(path, make_model(1)) == {"epoch": 2}
    path = save_model(model, tmp_path / "models" / "a" / "b" / "m.npz")
    assert_same_weights(load_model(make_model(1), path), model)


@pytest.mark.parametrize("size", [1, 41, 42, 43, 63, 64, 65, 100, 254, 255])
def test_a_temporary_keeps_as_much_of_the_name_as_fits_in_the_names_length_or_64(size):
    """``.<name cut>.<8 hex digits><8 random>.tmp``: never longer than the file's name
    (or 64 bytes, for short names), and cut no further than that."""
    name = "m" * (size - 4) + ".npz" if size > 4 else "m"
    prefix = checkpoint_module._temp_prefix(name)
    temporary = prefix + "abcdefgh.tmp"  # mkstemp adds 8 random characters
    # '.' + '.' + 8 + 8 + '.tmp' = 22 bytes besides the name: cut only past max(size, 64)
    assert len(temporary) == min(size + 22, max(size, 64))
    cut = prefix[1:-9]
    assert name.startswith(cut) and prefix[-9] == "." and len(prefix[-8:]) == 8


def test_restore_rng_false_leaves_the_global_random_state_alone(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", make_model())  # the state at save time
    saved = np.random.get_state()[1].copy()
    model = make_model(1)  # make_model seeds: build it first
    np.random.seed(123)
    expected = np.random.get_state()[1].copy()
    load_checkpoint(path, model, restore_rng=False)
    np.testing.assert_array_equal(np.random.get_state()[1], expected)
    load_checkpoint(path, model)
    np.testing.assert_array_equal(np.random.get_state()[1], saved)


def test_extra_values_keep_their_types_and_non_finite_numbers(tmp_path):
    """NumPy scalars come back as the same NumPy type (np.float64 is also a Python
    float); NaN and infinities survive the JSON."""
    extra = {
        "best": np.float64(0.25),
        "lr": np.float32(0.5),
        "steps": 7,
        "loss": float("nan"),
        "history": [float("inf"), -float("inf"), 1.5],
    }
    path = save_checkpoint(tmp_path / "ck.npz", make_model(), **extra)
    got = load_checkpoint(path, make_model())
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in extra.items()}
    assert got["best"] == 0.25 and got["lr"] == 0.5 and got["steps"] == 7
    assert np.isnan(got["loss"]) and got["history"] == [float("inf"), -float("inf"), 1.5]


def test_saving_leaves_the_other_files_of_the_folder_alone(tmp_path):
    save_model(make_model(), tmp_path / "a.npz")
    (tmp_path / "notes.txt").write_text("keep")
    save_model(make_model(1), tmp_path / "b.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "b.npz", "notes.txt"]


def test_an_archive_whose_end_record_defers_its_entry_count_to_zip64_is_not_refused(tmp_path):
    """0xFFFF entries in the end record means "see the ZIP64 record": no count to check
    (a real one needs 65,535 entries; the check reads only the record and the names)."""

    class Archive:
        class zip:  # noqa: N801 - the attribute np.load's NpzFile has
            @staticmethod
            def namelist():
                return ["a.npy", "b.npy"]

        def close(self):
            raise AssertionError("refused")

    path = tmp_path / "big.npz"
    end = b"PK\x05\x06" + bytes(4) + (0xFFFF).to_bytes(2, "little") * 2 + bytes(10)
    path.write_bytes(b"PK" + bytes(40) + end)
    checkpoint_module._check_entry_count(Archive(), path)  # no error
    path.write_bytes(b"PK" + bytes(40) + end.replace(b"\xff\xff", b"\x03\x00"))
    with pytest.raises(AssertionError, match="refused"):
        checkpoint_module._check_entry_count(Archive(), path)


def test_a_compressed_entry_may_declare_up_to_the_limit(tmp_path):
    """16 float32 values (64 bytes) compressed: read under a limit of 64 bytes, refused
    under 63; a stored (uncompressed) entry is bounded by the file instead."""
    path = tmp_path / "packed.npz"
    np.savez_compressed(path, w=np.ones(16, np.float32))
    with checkpoint_module._Archive(path) as archive:
        np.testing.assert_array_equal(archive.read(["w"], limit=64)["w"], np.ones(16))
        np.testing.assert_array_equal(archive.read(["w"], limit=None)["w"], np.ones(16))
        with pytest.raises(
            ValueError, match=r"declares 64 bytes .* more than this load can need \(63\)"
        ):
            archive.read(["w"], limit=63)
    np.savez(path, w=np.ones(16, np.float32))
    with checkpoint_module._Archive(path) as archive:
        np.testing.assert_array_equal(archive.read(["w"], limit=1)["w"], np.ones(16))


def test_a_scheduler_state_holding_arrays_comes_back(tmp_path):
    """Any object with state_dict()/load_state_dict() can be the scheduler; its arrays
    are read back with the rest of its state."""

    class Warmup:
        def __init__(self, factors):
            self.factors = factors

        def state_dict(self):
            return {"factors": self.factors, "step": np.float32(3)}

        def load_state_dict(self, state):
            self.factors, self.step = state["factors"], state["step"]

    path = save_checkpoint(tmp_path / "ck.npz", make_model(), scheduler=Warmup(np.arange(3.0)))
    back = Warmup(None)
    load_checkpoint(path, make_model(), scheduler=back)
    np.testing.assert_array_equal(back.factors, [0.0, 1.0, 2.0])
    assert type(back.step) is np.float32 and back.step == 3


def test_a_file_of_only_an_end_record_that_lists_entries_is_refused(tmp_path):
    """22 bytes: an empty zip whose end record claims one entry (zipfile opens it)."""
    path = tmp_path / "m.npz"
    path.write_bytes(b"PK\x05\x06" + bytes(4) + (1).to_bytes(2, "little") * 2 + bytes(10))
    with pytest.raises(ValueError, match="lists 1 entries but 0 could be read"):
        load_model(make_model(), path)
