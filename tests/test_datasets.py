"""IDX parsing, where the loaders look, and the (offline-tested) download path."""

import gzip
import hashlib
import io
import struct

import numpy as np
import pytest

from micrograd_plus.utils.data import mnist as datasets
from micrograd_plus.utils.data.mnist import (
    DatasetNotFoundError,
    download_file,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)

STEMS = datasets._FILES


def idx_bytes(array: np.ndarray) -> bytes:
    codes = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C}
    codes |= {np.float32: 0x0D, np.float64: 0x0E}
    code = codes[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_set(folder, n_train=6, n_test=4, gz=True, seed=0):
    """A tiny MNIST-shaped data set; n_train tells which folder it came from."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = [
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, n_test, dtype=np.uint8),
    ]
    for stem, array in zip(STEMS, arrays):
        raw = idx_bytes(array)
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)
    return arrays


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No env var, an empty cache and empty system folders, and no network."""
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in datasets._SOURCES:
        system = (str(tmp_path / "system" / name),)
        monkeypatch.setitem(datasets._SOURCES[name], "system", system)

    def no_network(url):
        raise OSError(f"network disabled in tests ({url})")

    monkeypatch.setattr(datasets, "_open_url", no_network)
    return tmp_path


# ---------------------------------------------------------------- read_idx
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips(tmp_path, dtype, gz):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    raw = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(raw) if gz else raw)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_wrong_magic_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(ValueError, match=r"photo\.png.*not an IDX file"):
        read_idx(path)


def test_unknown_type_code(tmp_path):
    path = tmp_path / "odd"
    path.write_bytes(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 0]))
    with pytest.raises(ValueError, match="type code 0x42"):
        read_idx(path)


def test_truncated_plain_file(tmp_path):
    raw = idx_bytes(np.zeros((10, 28, 28), np.uint8))
    path = tmp_path / "cut-idx3-ubyte"
    path.write_bytes(raw[:-100])
    with pytest.raises(ValueError, match=r"cut-idx3-ubyte: IDX file truncated"):
        read_idx(path)
    path.write_bytes(raw[:9])
    with pytest.raises(ValueError, match="truncated IDX header"):
        read_idx(path)


def test_trailing_bytes_are_refused(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)) + b"junk")
    with pytest.raises(ValueError, match="trailing bytes"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    path = tmp_path / "half.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"half\.gz: corrupt or truncated gzip"):
        read_idx(path)


# ------------------------------------------------------------------ loading
def test_load_from_root(isolated):
    arrays = write_set(isolated / "data", n_train=6, n_test=4)
    X_train, y_train, X_test, y_test = load_fashion_mnist(root=isolated / "data")
    assert X_train.shape == (6, 784) and X_test.shape == (4, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    np.testing.assert_allclose(X_train * 255, arrays[0].reshape(6, -1), atol=1e-4)
    np.testing.assert_array_equal(y_test, arrays[3])
    X3d = load_fashion_mnist(root=isolated / "data", flatten=False)[0]
    assert X3d.shape == (6, 28, 28)


def test_uncompressed_files_in_a_named_subfolder(isolated):
    write_set(isolated / "data" / "mnist", n_train=5, gz=False)
    assert load_mnist(root=isolated / "data")[0].shape == (5, 784)


def test_search_order(isolated, monkeypatch):
    root, env = isolated / "root", isolated / "env"
    cache = isolated / "cache" / "micrograd_plus" / "fashion-mnist"
    system = isolated / "system" / "fashion-mnist"
    for n, folder in zip((2, 3, 4, 5), (root, env, cache, system)):
        write_set(folder, n_train=n)
    monkeypatch.setenv(datasets.ENV_VAR, str(env))

    def found(**kw):
        return len(load_fashion_mnist(download=False, **kw)[0])

    assert found(root=root) == 2  # explicit root first
    assert found() == 3  # then the environment variable
    monkeypatch.delenv(datasets.ENV_VAR)
    assert found() == 4  # then the per-user cache
    for f in cache.iterdir():
        f.unlink()
    assert found() == 5  # then the Debian/Ubuntu system folder


def test_incomplete_root_is_an_error_listing_what_is_missing(isolated):
    write_set(isolated / "root", n_train=2)
    (isolated / "root" / f"{STEMS[3]}.gz").unlink()
    write_set(isolated / "system" / "fashion-mnist", n_train=7)  # never used instead
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist(root=isolated / "root", download=False)
    message = str(info.value)
    assert f"missing {STEMS[3]}[.gz]" in message and STEMS[0] not in message
    assert str(isolated / "root") in message and "download=True" in message


def test_dotted_gz_names_are_found(isolated):
    write_set(isolated / "root", n_train=3)
    for stem in STEMS:
        dotted = stem.replace("-idx", ".idx")
        (isolated / "root" / f"{stem}.gz").rename(isolated / "root" / f"{dotted}.gz")
    assert len(load_fashion_mnist(root=isolated / "root", download=False)[0]) == 3


def test_incomplete_root_is_completed_by_download(isolated, monkeypatch):
    requested = _serve_fake_set(isolated, monkeypatch, "fashion-mnist")
    write_set(isolated / "root", n_train=8)
    (isolated / "root" / f"{STEMS[2]}.gz").unlink()
    assert len(load_fashion_mnist(root=isolated / "root")[0]) == 8
    assert [url.rsplit("/", 1)[1] for url in requested] == [f"{STEMS[2]}.gz"]
    assert (isolated / "root" / f"{STEMS[2]}.gz").is_file()


def test_falling_back_past_an_incomplete_folder_warns(isolated, monkeypatch):
    env = isolated / "env"
    write_set(env, n_train=2)
    (env / f"{STEMS[1]}.gz").unlink()
    monkeypatch.setenv(datasets.ENV_VAR, str(env))
    write_set(isolated / "system" / "fashion-mnist", n_train=7)
    with pytest.warns(UserWarning) as caught:
        assert len(load_fashion_mnist(download=False)[0]) == 7
    (message,) = [str(w.message) for w in caught]
    assert f"{env} lacks {STEMS[1]}[.gz]" in message
    assert str(isolated / "system" / "fashion-mnist") in message


def test_a_complete_folder_loads_without_warning(isolated, recwarn):
    write_set(isolated / "cache" / "micrograd_plus" / "fashion-mnist", n_train=4)
    assert len(load_fashion_mnist(download=False)[0]) == 4
    assert not recwarn.list


def test_missing_everywhere_gives_one_clear_error(isolated):
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist(download=False)
    message = str(info.value)
    assert str(isolated / "cache" / "micrograd_plus" / "fashion-mnist") in message
    assert str(isolated / "system" / "fashion-mnist") in message
    assert "apt install dataset-fashion-mnist" in message and datasets.ENV_VAR in message


def test_missing_root_names_all_four_files(isolated):
    with pytest.raises(DatasetNotFoundError, match=r"nowhere.*is incomplete") as info:
        load_fashion_mnist(root=isolated / "nowhere", download=False)
    assert all(f"{stem}[.gz]" in str(info.value) for stem in STEMS)


def test_no_network_error_lists_the_download_failures(isolated):
    with pytest.raises(DatasetNotFoundError, match="network disabled"):
        load_mnist()
    assert not any((isolated / "cache").rglob("*.gz"))


def test_corrupt_local_file_is_reported(isolated):
    write_set(isolated / "root", n_train=3)
    bad = isolated / "root" / f"{STEMS[0]}.gz"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(ValueError, match=str(bad)):
        load_fashion_mnist(root=isolated / "root", download=False)


def test_mismatched_image_and_label_counts(isolated):
    write_set(isolated / "root", n_train=3)
    labels = isolated / "root" / f"{STEMS[1]}.gz"
    labels.write_bytes(gzip.compress(idx_bytes(np.zeros(4, np.uint8))))
    with pytest.raises(ValueError, match="expected 3 labels"):
        load_fashion_mnist(root=isolated / "root", download=False)


@pytest.mark.parametrize("bad", [-1, 10])
def test_labels_out_of_range_both_ways(isolated, bad):
    write_set(isolated / "root", n_train=3)
    labels = isolated / "root" / f"{STEMS[1]}.gz"
    signed = np.array([0, bad, 1], np.int8)  # IDX type 0x09 holds negative labels
    labels.write_bytes(gzip.compress(idx_bytes(signed)))
    with pytest.raises(ValueError, match=rf"labels must be 0\.\.9, found {bad} \(at position 1\)"):
        load_fashion_mnist(root=isolated / "root", download=False)


def test_files_with_zero_images_are_refused(isolated):
    write_set(isolated / "root", n_train=0)
    with pytest.raises(ValueError, match=rf"{STEMS[0]}\.gz: holds 0 images"):
        load_fashion_mnist(root=isolated / "root", download=False)


# ---------------------------------------------------------------- download
class FakeResponse(io.BytesIO):
    def __init__(self, data, url):
        super().__init__(data)
        self.url = url

    def geturl(self):
        return self.url


def test_download_refuses_plain_http(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(datasets, "_open_url", lambda url: calls.append(url))
    for url in ("http://example.org/f.gz", "ftp://example.org/f.gz", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="HTTPS only"):
            download_file(url, tmp_path / "f.gz", "0" * 64)
    assert calls == [] and not (tmp_path / "f.gz").exists()


def test_download_refuses_a_redirect_to_http(tmp_path, monkeypatch):
    data = b"payload"
    sha = hashlib.sha256(data).hexdigest()
    monkeypatch.setattr(datasets, "_open_url", lambda url: FakeResponse(data, "http://evil/f"))
    with pytest.raises(ValueError, match="HTTPS only"):
        download_file("https://example.org/f", tmp_path / "f", sha)
    assert list(tmp_path.iterdir()) == []


def test_checksum_mismatch_is_not_saved(tmp_path, monkeypatch):
    good = tmp_path / "f.gz"
    good.write_bytes(b"previous good copy")
    monkeypatch.setattr(datasets, "_open_url", lambda url: FakeResponse(b"tampered", url))
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        download_file("https://example.org/f.gz", good, hashlib.sha256(b"x").hexdigest())
    assert good.read_bytes() == b"previous good copy"
    assert [p.name for p in tmp_path.iterdir()] == ["f.gz"]  # no temporary leftovers


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    class Broken(FakeResponse):
        def read(self, n=-1):
            raise ConnectionResetError("connection reset")

    monkeypatch.setattr(datasets, "_open_url", lambda url: Broken(b"", url))
    with pytest.raises(ConnectionResetError):
        download_file("https://example.org/f.gz", tmp_path / "f.gz", "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_oversized_download_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_open_url", lambda url: FakeResponse(b"x" * 100, url))
    with pytest.raises(ValueError, match="exceeds 10 bytes"):
        download_file("https://example.org/f", tmp_path / "f", "0" * 64, max_bytes=10)
    assert list(tmp_path.iterdir()) == []


def _serve_fake_set(tmp_path, monkeypatch, name, tamper=()):
    """Make the loader's mirrors serve a tiny set; returns the URLs requested."""
    src = tmp_path / "served"
    write_set(src, n_train=8)
    blobs = {f"{stem}.gz": (src / f"{stem}.gz").read_bytes() for stem in STEMS}
    sums = {k: hashlib.sha256(v).hexdigest() for k, v in blobs.items()}
    monkeypatch.setitem(datasets._SOURCES[name], "sha256", sums)
    mirrors = ("https://mirror-a.example/", "https://mirror-b.example/")
    monkeypatch.setitem(datasets._SOURCES[name], "mirrors", mirrors)
    requested = []

    def opener(url):
        requested.append(url)
        filename = url.rsplit("/", 1)[1]
        body = b"corrupted" if filename in tamper else blobs[filename]
        return FakeResponse(body, url)

    monkeypatch.setattr(datasets, "_open_url", opener)
    return requested


def test_download_into_the_cache_then_reuse_it(isolated, monkeypatch):
    requested = _serve_fake_set(isolated, monkeypatch, "fashion-mnist")
    X_train, y_train, X_test, _ = load_fashion_mnist()
    assert X_train.shape == (8, 784) and len(requested) == 4
    cached = isolated / "cache" / "micrograd_plus" / "fashion-mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(f"{s}.gz" for s in STEMS)
    load_fashion_mnist()
    assert len(requested) == 4  # second call reads the cache, no new request


def test_bad_mirror_falls_back_and_bad_files_are_never_cached(isolated, monkeypatch):
    served = "t10k-images-idx3-ubyte.gz"
    requested = _serve_fake_set(isolated, monkeypatch, "mnist", tamper={served})
    with pytest.raises(DatasetNotFoundError, match="SHA-256 mismatch"):
        load_mnist()
    assert sum(url.endswith(served) for url in requested) == 2  # both mirrors tried
    cached = isolated / "cache" / "micrograd_plus" / "mnist"
    assert served not in {p.name for p in cached.iterdir()}
    assert not any(p.name.endswith(".part") for p in cached.iterdir())


def test_published_checksums_are_well_formed():
    for source in datasets._SOURCES.values():
        assert all(m.startswith("https://") for m in source["mirrors"])
        assert sorted(source["sha256"]) == sorted(f"{s}.gz" for s in STEMS)
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in source["sha256"].values())


def _fail_mirror_a_and_the_fourth_file(isolated, monkeypatch):
    """Mirror a is down; mirror b serves three files but not the fourth: five failures."""
    _serve_fake_set(isolated, monkeypatch, "fashion-mnist")
    serve = datasets._open_url

    def flaky(url):
        if "mirror-a" in url or url.endswith(f"{STEMS[3]}.gz"):
            raise OSError("unreachable")
        return serve(url)

    monkeypatch.setattr(datasets, "_open_url", flaky)


def test_an_incomplete_root_lists_the_last_four_download_failures(isolated, monkeypatch):
    _fail_mirror_a_and_the_fourth_file(isolated, monkeypatch)
    with pytest.raises(DatasetNotFoundError, match="is incomplete") as info:
        load_fashion_mnist(root=isolated / "root")
    listed = [line for line in str(info.value).splitlines() if line.startswith("  - ")]
    failed = [f"https://mirror-a.example/{stem}.gz" for stem in STEMS]
    failed.append(f"https://mirror-b.example/{STEMS[3]}.gz")
    assert listed == [f"  - {url}: unreachable" for url in failed[-4:]]
    assert "Download failed:" in str(info.value)


def test_the_default_download_cap_refuses_a_file_over_200_mb(tmp_path, monkeypatch):
    class Oversized(FakeResponse):
        chunks = [b"", bytes(200_000_001)]  # one chunk a byte over: never hashed or written

        def read(self, size=-1):
            return self.chunks.pop()

    monkeypatch.setattr(datasets, "_open_url", lambda url: Oversized(b"", url))
    with pytest.raises(ValueError, match="download exceeds 200000000 bytes"):
        download_file("https://example.org/f.gz", tmp_path / "f.gz", "0" * 64)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------ pinned after the census (issue 27, pin27n)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16])
def test_read_idx_returns_a_writable_array_of_its_own(tmp_path, dtype):
    # Whatever the element type (uint8 needs no byte swap): not a read-only view of the
    # file's bytes, so in-place edits (X /= 255, labels[i] = k) work as after np.load.
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(np.arange(6, dtype=dtype).reshape(2, 3)))
    out = read_idx(path)
    assert out.flags.writeable and out.flags.owndata
    out[0, 0] = 7
    assert out[0, 0] == 7


def test_a_four_byte_idx_file_is_a_truncated_scalar(tmp_path):
    # Type 0x08 with no dimensions is a 0-d array: 4 header bytes and 1 value byte.
    path = tmp_path / "scalar"
    path.write_bytes(bytes([0, 0, 8, 0, 42]))
    assert read_idx(path).shape == () and int(read_idx(path)) == 42
    path.write_bytes(bytes([0, 0, 8, 0]))
    with pytest.raises(ValueError, match=r"IDX file truncated: header says shape \(\)"):
        read_idx(path)


def test_the_cache_is_under_home_without_xdg_cache_home(tmp_path, monkeypatch):
    # The XDG base-directory rule: an unset or empty XDG_CACHE_HOME means ~/.cache.
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".cache" / "micrograd_plus" / "mnist"
    for value in (None, ""):
        if value is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert datasets._cache_dir("mnist") == expected


def test_a_download_of_exactly_max_bytes_is_kept(tmp_path, monkeypatch):
    data = b"payload"
    monkeypatch.setattr(datasets, "_open_url", lambda url: FakeResponse(data, url))
    dest = download_file("https://example.org/f", tmp_path / "f", hashlib.sha256(data).hexdigest(),
                         max_bytes=len(data))  # fmt: skip
    assert dest.read_bytes() == data


def test_no_root_and_a_failed_download_lists_the_last_four_failures(isolated, monkeypatch):
    # As test_an_incomplete_root_lists_the_last_four_download_failures, without root.
    _fail_mirror_a_and_the_fourth_file(isolated, monkeypatch)
    with pytest.raises(DatasetNotFoundError, match="not found") as info:
        load_fashion_mnist()
    listed = [line for line in str(info.value).splitlines() if line.startswith("  - http")]
    failed = [f"https://mirror-a.example/{stem}.gz" for stem in STEMS]
    failed.append(f"https://mirror-b.example/{STEMS[3]}.gz")
    assert listed == [f"  - {url}: unreachable" for url in failed[-4:]]


def test_completing_a_root_by_download_warns_about_nothing(isolated, monkeypatch, recwarn):
    _serve_fake_set(isolated, monkeypatch, "fashion-mnist")
    write_set(isolated / "root", n_train=8)
    (isolated / "root" / f"{STEMS[2]}.gz").unlink()
    assert len(load_fashion_mnist(root=isolated / "root")[0]) == 8
    assert not recwarn.list


@pytest.mark.parametrize(
    "images",
    [np.zeros((3, 14, 14), np.uint8), np.zeros((3, 28, 28), np.int8)],
    ids=["14x14", "int8"],
)
def test_images_that_are_not_28_by_28_bytes_are_refused(isolated, images):
    write_set(isolated / "root", n_train=3)
    path = isolated / "root" / f"{STEMS[0]}.gz"
    path.write_bytes(gzip.compress(idx_bytes(images)))
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(N, 28, 28\)"):
        load_fashion_mnist(root=isolated / "root", download=False)


def test_one_image_sets_with_labels_zero_and_nine_load(isolated):
    # The smallest valid files: one image each, and both ends of the label range.
    folder = isolated / "root"
    arrays = [np.full((1, 28, 28), 255, np.uint8), np.array([9], np.uint8)]
    arrays += [np.zeros((1, 28, 28), np.uint8), np.array([0], np.uint8)]
    folder.mkdir()
    for stem, array in zip(STEMS, arrays):
        (folder / stem).write_bytes(idx_bytes(array))
    X_train, y_train, X_test, y_test = load_mnist(root=folder, download=False)
    assert X_train.shape == X_test.shape == (1, 784)
    assert X_train.max() == 1.0 and X_test.max() == 0.0
    assert y_train.tolist() == [9] and y_test.tolist() == [0]


def test_a_bad_test_set_names_the_test_files(isolated):
    write_set(isolated / "root", n_train=3, n_test=3)
    labels = isolated / "root" / f"{STEMS[3]}.gz"
    labels.write_bytes(gzip.compress(idx_bytes(np.array([0, 12, 1], np.uint8))))
    with pytest.raises(ValueError, match=rf"{STEMS[3]}\.gz: labels must be 0\.\.9, found 12"):
        load_fashion_mnist(root=isolated / "root", download=False)
    images = isolated / "root" / f"{STEMS[2]}.gz"
    images.write_bytes(gzip.compress(idx_bytes(np.zeros((3, 28), np.uint8))))
    with pytest.raises(ValueError, match=rf"{STEMS[2]}\.gz: expected uint8 images"):
        load_fashion_mnist(root=isolated / "root", download=False)
