"""Real data sets that work offline: MNIST and Fashion-MNIST in IDX format.

With ``root=`` given, the loaders read that folder (or ``root/<name>``) and
nothing else: if files are missing they are downloaded into it
(``download=True``) or a :class:`DatasetNotFoundError` lists what is missing.
Without ``root``, they look, in order, in:

1. the folder named by the environment variable ``MICROGRAD_PLUS_DATA``
   (and ``$MICROGRAD_PLUS_DATA/<name>``);
2. the per-user cache, ``$XDG_CACHE_HOME/micrograd_plus/<name>``
   (``~/.cache/micrograd_plus/<name>`` by default);
3. the system folder of Debian's and Ubuntu's package
   ``dataset-fashion-mnist``: ``/usr/share/datasets/fashion-mnist``;
4. only then the data set's official location, over HTTPS, each file
   checked against its published SHA-256 before it is renamed into place
   (into the cache).

A folder in that list that holds some of the files but not all is skipped
with a warning that names the missing files and the folder the data came
from instead.

Local files are parsed strictly (magic number, element type, dimensions and
exact byte length), so a truncated or foreign file raises a ``ValueError``
that names it instead of producing garbage.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.parse
import urllib.request
import warnings
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "read_idx",
    "load_fashion_mnist",
    "load_mnist",
    "download_file",
    "DatasetNotFoundError",
    "FASHION_MNIST_CLASSES",
    "ENV_VAR",
]

ENV_VAR = "MICROGRAD_PLUS_DATA"

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
_FILES += ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# Published SHA-256 sums of the official .gz files (the same sums appear in
# the Fashion-MNIST repository's tooling, TensorFlow Datasets and torchvision's
# mirrors). Debian's package re-compresses the files, so its .gz differ: local
# files are validated structurally instead.
_SOURCES = {
    "fashion-mnist": {
        "mirrors": (
            "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        "sha256": {
            "train-images-idx3-ubyte.gz": (
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
            ),
            "train-labels-idx1-ubyte.gz": (
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
            ),
            "t10k-images-idx3-ubyte.gz": (
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
            ),
        },
        "system": ("/usr/share/datasets/fashion-mnist",),
    },
    "mnist": {
        "mirrors": (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        "sha256": {
            "train-images-idx3-ubyte.gz": (
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
            ),
            "train-labels-idx1-ubyte.gz": (
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
            ),
            "t10k-images-idx3-ubyte.gz": (
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
            ),
        },
        "system": ("/usr/share/datasets/mnist",),
    },
}

_HOW_TO_GET = {
    "fashion-mnist": "sudo apt install dataset-fashion-mnist",
    "mnist": "download the four MNIST .gz files from https://ossci-datasets.s3.amazonaws.com/mnist/",
}


class DatasetNotFoundError(FileNotFoundError):
    """The data set is in none of the places searched and could not be downloaded."""


# ----------------------------------------------------------------- IDX format
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:  # BadGzipFile is an OSError
        raise ValueError(f"{path}: corrupt or truncated gzip file ({err})") from err


def read_idx(path) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    The layout is two zero bytes, a type code, the number of dimensions,
    each dimension as a big-endian uint32, then the values. The array is
    writable, in native byte order, and owns its memory.

    Raises
    ------
    ValueError
        The file is not IDX (wrong magic number or type code) or its length
        does not match its header (truncated or with trailing bytes).

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    >>> read_idx(path)
    array([7, 8, 9], dtype=uint8)
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: not an IDX file (the first two bytes must be zero, got {raw[:2]!r})"
        )
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX element type code 0x{code:02X}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes for {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_TYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: IDX file {problem}: header says shape {shape} ({expected} bytes), "
            f"file has {len(raw)} bytes"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    # Always a copy: frombuffer's view is read-only, and uint8 would need no byte swap.
    return data.astype(dtype.newbyteorder("="))


# ------------------------------------------------------------------- search
def _cache_dir(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "micrograd_plus" / name


def _candidate_dirs(name: str, root) -> list[Path]:
    if root is not None:  # an explicit root is the only place looked in
        return [Path(root), Path(root) / name]
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs += [Path(os.environ[ENV_VAR]), Path(os.environ[ENV_VAR]) / name]
    dirs.append(_cache_dir(name))
    dirs += [Path(p) for p in _SOURCES[name]["system"]]
    return dirs


def _names(stem: str) -> tuple[str, ...]:
    """The spellings accepted for one file (``-idx`` or ``.idx``, gzipped or not)."""
    dotted = stem.replace("-idx", ".idx")
    return (f"{stem}.gz", stem, dotted, f"{dotted}.gz")


def _find_file(folder: Path, stem: str) -> Path | None:
    for candidate in _names(stem):
        path = folder / candidate
        if path.is_file():
            return path
    return None


def _missing_text(stems) -> str:
    return ", ".join(f"{stem}[.gz]" for stem in stems)


def _find_local(name: str, root) -> tuple[list[Path] | None, list[Path], list]:
    """The four files from the first folder that has all of them, the folders tried,
    and ``(folder, missing stems)`` for each folder that had only some of them."""
    tried = _candidate_dirs(name, root)
    partial = []
    for folder in tried:
        paths = [_find_file(folder, stem) for stem in _FILES]
        if all(paths):
            return paths, tried, partial
        if any(paths):
            partial.append((folder, [s for s, p in zip(_FILES, paths) if p is None]))
    return None, tried, partial


def _warn_skipped(name: str, partial, source) -> None:
    for folder, missing in partial:
        warnings.warn(
            f"{name}: {folder} lacks {_missing_text(missing)}; loaded the data from "
            f"{source} instead",
            UserWarning,
            stacklevel=5,  # the caller of load_fashion_mnist / load_mnist
        )


# ----------------------------------------------------------------- download
def _open_url(url: str):
    """Open ``url`` for reading; tests replace this to stay offline."""
    return urllib.request.urlopen(url, timeout=60)


def _require_https(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme != "https":
        raise ValueError(f"refusing to download over {scheme or 'no scheme'}: {url} (HTTPS only)")


def download_file(url: str, dest, sha256: str, max_bytes: int = 200_000_000) -> Path:
    """Download ``url`` to ``dest`` over HTTPS, keeping it only if its SHA-256 matches.

    The bytes go to a temporary file in ``dest``'s folder, are hashed on the
    way, flushed to disk, and renamed onto ``dest`` only after the checksum
    matches: an interrupted or corrupt download never takes ``dest``'s place.

    Raises
    ------
    ValueError
        The URL (or a redirect) is not HTTPS, the download is larger than
        ``max_bytes``, or the checksum does not match.
    OSError
        The network or the disk failed.
    """
    _require_https(url)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, _open_url(url) as response:
            final = getattr(response, "geturl", lambda: url)()
            _require_https(final)
            size = 0
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError(f"{url}: download exceeds {max_bytes} bytes; refusing it")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ValueError(
                f"{url}: SHA-256 mismatch (expected {sha256}, got {digest.hexdigest()}); "
                "the file was not saved"
            )
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _download(name: str, folder: Path) -> tuple[list[Path] | None, list[str]]:
    source = _SOURCES[name]
    problems = []
    paths = []
    for stem in _FILES:
        filename = f"{stem}.gz"
        dest = folder / filename
        if _find_file(folder, stem) is not None:
            paths.append(_find_file(folder, stem))
            continue
        for mirror in source["mirrors"]:
            try:
                paths.append(download_file(mirror + filename, dest, source["sha256"][filename]))
                break
            except (OSError, ValueError) as err:
                problems.append(f"{mirror + filename}: {err}")
        else:
            return None, problems
    return paths, problems


# ---------------------------------------------------------------- loading
def _not_found(name: str, tried: list[Path], problems: list[str], download: bool):
    looked = "\n".join(f"  - {p}" for p in tried)
    lines = [
        f"{name} not found. Looked for {', '.join(f + '[.gz]' for f in _FILES)} in:",
        looked,
    ]
    if download:
        lines.append("Download failed:")
        lines += [f"  - {p}" for p in problems[-4:]]
    else:
        lines.append("Downloading was not allowed (download=False).")
    lines.append(
        f"To get it: {_HOW_TO_GET[name]}, or put the files in a folder and set "
        f"{ENV_VAR} to it (or pass root=...)."
    )
    return DatasetNotFoundError("\n".join(lines))


def _check_pair(images: np.ndarray, labels: np.ndarray, paths) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"{paths[0]}: expected uint8 images of shape (N, 28, 28), got "
            f"{images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"{paths[1]}: expected {len(images)} labels to match {paths[0]}, got shape "
            f"{labels.shape}"
        )
    if len(images) == 0:
        raise ValueError(
            f"{paths[0]}: holds 0 images; the file is empty or was cut short when written. "
            "Delete it and download the data set again"
        )
    bad = (labels < 0) | (labels > 9)
    if bad.any():
        raise ValueError(
            f"{paths[1]}: labels must be 0..9, found {labels[bad][0]} "
            f"(at position {int(np.flatnonzero(bad)[0])})"
        )


def _incomplete_root(name: str, root, partial, problems) -> DatasetNotFoundError:
    missing = partial[0][1] if partial else list(_FILES)
    lines = [
        f"{name}: root={str(root)!r} is incomplete: missing {_missing_text(missing)} "
        f"(looked in {Path(root)} and {Path(root) / name}).",
    ]
    if problems:
        lines.append("Download failed:")
        lines += [f"  - {p}" for p in problems[-4:]]
    else:
        lines.append(
            "Pass download=True to fetch the missing files into it, or leave root out to "
            f"use {ENV_VAR}, the cache or the system copy."
        )
    return DatasetNotFoundError("\n".join(lines))


def _locate(name: str, root, download: bool) -> list[Path]:
    paths, tried, partial = _find_local(name, root)
    if paths is not None:
        if partial:
            _warn_skipped(name, partial, paths[0].parent)
        return paths
    problems = []
    if download:
        folder = Path(root) if root is not None else _cache_dir(name)
        paths, problems = _download(name, folder)
    if paths is not None:
        _warn_skipped(name, [(f, m) for f, m in partial if f != folder], folder)
        return paths
    if root is not None:
        raise _incomplete_root(name, root, partial, problems)
    raise _not_found(name, tried, problems, download)


def _load(name: str, root, download: bool, flatten: bool):
    paths = _locate(name, root, download)
    arrays = [read_idx(p) for p in paths]
    out = []
    for images, labels, pair in ((*arrays[:2], paths[:2]), (*arrays[2:], paths[2:])):
        _check_pair(images, labels, pair)
        X = images.astype(np.float32) / np.float32(255.0)
        out += [X.reshape(len(X), -1) if flatten else X, labels.astype(np.int64)]
    return tuple(out)


def load_fashion_mnist(root=None, download=True, flatten=True):
    """Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 10 classes.

    Parameters
    ----------
    root : str or Path, optional
        The folder holding the four files (or a ``fashion-mnist`` folder
        inside it), and the only place looked in; missing files are
        downloaded into it. Without ``root``: ``MICROGRAD_PLUS_DATA``, the
        cache, then the system copy (see the module's notes).
    download : bool, default True
        Download from the official location if no local copy is found.
    flatten : bool, default True
        Images as rows of 784 values; ``False`` keeps them (N, 28, 28).

    Returns
    -------
    X_train, y_train, X_test, y_test
        Images as float32 in [0, 1], labels as int64 in 0..9; the class
        names are :data:`FASHION_MNIST_CLASSES`.

    Raises
    ------
    DatasetNotFoundError
        No local copy and no download; the message lists the folders searched
        (or, with ``root``, the files missing from it).
    ValueError
        A file found is corrupt or truncated (the message names it).
    """
    return _load("fashion-mnist", root, download, flatten)


def load_mnist(root=None, download=True, flatten=True):
    """MNIST handwritten digits; same interface as :func:`load_fashion_mnist`."""
    return _load("mnist", root, download, flatten)
