"""Saving and loading models and training state as NumPy ``.npz`` files.

Two promises:

* **Loading never runs code.** Files are read with ``allow_pickle=False``;
  everything that is not an array (hyper-parameters, step counts, your
  extra values) is stored as JSON text inside the archive. A file holding a
  pickled object array is refused before anything is unpickled.
* **Loading takes the memory the model needs, not what the file claims.**
  Every entry's header is read first: names, shapes and dtypes are checked
  against the model before any data is decompressed, unexpected entries are
  skipped unread (``strict=False``) or refused, and a compressed entry of
  unknown shape may not declare more than the larger of 64 MiB and the model.
* **Saving never destroys a good file.** The archive is written to a
  temporary file in the same folder, flushed to disk, and then renamed over
  the destination in one step, so a crash leaves either the old file or the
  new one, never half of one. A save killed mid-write leaves its hidden
  temporary (``.<name>.<digest><random>.tmp``) behind; the next save to the
  same file deletes it, and only temporaries that no running save holds. The
  temporary's name is never longer than the file's (beyond 64 bytes), so any
  name the file system takes can be saved to.
* **A symbolic link is written through**, as ``torch.save`` does: the file it
  points to gets the new contents (atomically, renamed in that file's
  folder) and the link stays a link; a dangling link's target is created.
  Hard links are not written through: the path you save to gets a new file.

A model file (:func:`save_model`) holds exactly ``model.state_dict()``, so
``model.load_state_dict(np.load(path))`` also works. A checkpoint
(:func:`save_checkpoint`) holds the model under ``model/...``, the optimizer
and scheduler state and your extra values, and, by default, NumPy's global
random state, so resumed training continues exactly where it stopped.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

try:
    import fcntl  # file locks mark a temporary whose save is still running
except ImportError:  # Windows
    fcntl = None

__all__ = ["save_model", "load_model", "save_checkpoint", "load_checkpoint"]

_META = "__meta__"
_FORMAT = "micrograd_plus.checkpoint"
_VERSION = 1
# What zipfile and zlib raise for damaged archives: a flipped bit in a zip header
# can select an unknown compression method (NotImplementedError) or set the
# "encrypted" flag (RuntimeError).
_CORRUPT = (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError)


# ------------------------------------------------------------------ encoding
class _Encoder:
    """Turn nested dicts/lists/tuples of scalars and arrays into JSON plus arrays."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, value: np.ndarray, where: str) -> dict:
        if value.dtype.kind in "OV":
            raise TypeError(f"{where}: cannot save an array of dtype {value.dtype} without pickle")
        key = f"{self.prefix}/{len(self.arrays)}"
        self.arrays[key] = value
        return {"__array__": key}

    def encode(self, value, where: str):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return value
        if isinstance(value, np.ndarray):
            return self._store(np.array(value, copy=True), where)
        if isinstance(value, np.generic):  # keep float32 scalars float32
            return {"__scalar__": self._store(np.asarray(value), where)["__array__"]}
        if hasattr(value, "data") and isinstance(value.data, np.ndarray):  # a Tensor
            return self._store(np.array(value.data, copy=True), where)
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"__tuple__": items} if isinstance(value, tuple) else items
        if isinstance(value, dict):
            pairs = [
                [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in value.items()
            ]
            return {"__dict__": pairs}
        raise TypeError(
            f"{where}: cannot save a {type(value).__name__} in a checkpoint; use numbers, "
            "strings, None, arrays, and lists/tuples/dicts of them"
        )


def _decode(value, arrays):
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return arrays[value["__array__"]]
    if "__scalar__" in value:
        return arrays[value["__scalar__"]][()]
    if "__tuple__" in value:
        return tuple(_decode(v, arrays) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in value["__dict__"]}
    raise ValueError(f"unknown entry in checkpoint metadata: {sorted(value)}")


# ------------------------------------------------------------------- writing
def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _make_folder(path: Path, folder: Path) -> None:
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(
                f"cannot save to {path}: {parent} is a file, not a folder; choose another "
                "path, or move that file away"
            )
    folder.mkdir(parents=True, exist_ok=True)


def _temp_prefix(name: str) -> str:
    """The start of the hidden temporary's name, before ``mkstemp``'s 8 random characters
    and ``.tmp``: a dot, ``name`` (cut so the whole name is no longer than ``name``, or
    64 bytes, so it fits wherever ``name`` fits) and a digest of the whole ``name`` (two
    long names with the same start get different temporaries).

    Examples
    --------
    >>> _temp_prefix("model.npz")
    '.model.npz.0469109c'
    >>> len(_temp_prefix("a" * 251 + ".npz") + "abcdefgh.tmp")
    255
    """
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    budget = max(len(os.fsencode(name)), 64) - len(f"..{digest}abcdefgh.tmp")
    cut = name
    while len(os.fsencode(cut)) > budget:
        cut = cut[:-1]
    return f".{cut}.{digest}"


def _remove_stale_temporaries(folder: Path, prefix: str) -> None:
    """Delete temporaries of this target left by saves that were killed: files of our own
    naming pattern that no live writer holds (a writer locks its temporary until the
    rename; where there are no locks, Windows, an open file cannot be deleted)."""
    pattern = re.compile(re.escape(prefix) + r"[a-z0-9_]{8}\.tmp")
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        stale = [e.path for e in entries if pattern.fullmatch(e.name) and e.is_file()]
    for temp in stale:
        with contextlib.suppress(OSError):  # BlockingIOError: its writer is alive
            fd = os.open(temp, os.O_RDONLY)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(temp)
            finally:
                os.close(fd)


def _locked_temp(folder: Path, prefix: str) -> tuple[int, str]:
    """A new temporary file, locked (where the platform can) for as long as it is open."""
    while True:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, tmp
        os.close(fd)  # a cleaner took it for stale before the lock: make another


def _atomic_savez(path, arrays: dict) -> Path:
    try:
        return _replace_with_npz(Path(path), arrays)
    except OSError as err:
        if err.errno != errno.ENAMETOOLONG:
            raise
        size = len(os.fsencode(Path(path).name))
        raise OSError(
            errno.ENAMETOOLONG,
            f"cannot save to {path}: its file name ({size} bytes) or its path is too long "
            "for the file system (most take names of 255 bytes at most); choose a shorter "
            "name",
        ) from None


def _file_mode(target: Path) -> int:
    """The permissions the saved file gets: the replaced file's, or what ``open`` would
    give a new one (0o666 less the umask), not ``mkstemp``'s private 0o600."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _replace_with_npz(path: Path, arrays: dict) -> Path:
    # Through a symbolic link, as torch.save: its target gets the new file, the link stays.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_symlink():  # realpath gave up: the links form a loop (torch.save fails too)
        raise OSError(
            errno.ELOOP,
            f"cannot save to {path}: its symbolic links form a loop; point the link at a file",
        )
    folder = target.parent if str(target.parent) else Path(".")
    _make_folder(path, folder)
    if target.is_dir():
        raise IsADirectoryError(f"cannot save to {path}: it is a folder; add a file name")
    prefix = _temp_prefix(target.name)
    fd, tmp = _locked_temp(folder, prefix)
    try:
        if hasattr(os, "fchmod"):  # not on Windows
            os.fchmod(fd, _file_mode(target))
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:  # renamed while still locked, so no cleaner takes it
                os.replace(tmp, target)
        if fcntl is None:  # Windows renames only closed files
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    _remove_stale_temporaries(folder, prefix)
    return path


# ------------------------------------------------------------------- reading
# The most bytes one compressed entry whose shape nothing predicts (optimizer
# state, extra values, metadata) may inflate to, unless the model is larger.
# np.savez never compresses, so only a hand-made file comes near it.
_INFLATE_LIMIT = 64 << 20


class _Archive:
    """An ``.npz`` file opened for reading: every entry's ``.npy`` header is checked
    on opening, its data is read only by :meth:`read`, after its declared size has
    been checked. So a key or shape that cannot fit, or a compressed entry that
    would inflate to gigabytes (a "zip bomb"), is refused before it is decompressed."""

    def __init__(self, path):
        self.path = path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"no checkpoint at {path}; check the file name and the working directory"
            )
        with open(path, "rb") as f:
            head = f.read(6)
        self.size = path.stat().st_size
        if head[:1] == b"\x80":
            raise ValueError(f"{path}: refusing to load pickled data, which could run code")
        if head == b"\x93NUMPY":
            raise ValueError(f"{path}: holds a single array (.npy), not an .npz archive")
        if head[:2] != b"PK":
            raise ValueError(f"{path}: not a readable .npz file (it does not start like a zip)")
        try:
            self.npz = np.load(path, allow_pickle=False)
        except (*_CORRUPT, ValueError) as err:
            raise ValueError(
                f"{path}: not a readable .npz file (corrupt or truncated: {err})"
            ) from err
        try:
            _check_entry_count(self.npz, path)
            self.headers = {key: self._guarded(key, _check_entry, key) for key in self.npz.files}
        except BaseException:
            self.npz.close()
            raise

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.npz.close()

    def _guarded(self, key: str, action, *args):
        """``action(archive, *args)``, its failures reported as a corrupt or hostile entry."""
        try:
            return action(self.npz, *args)
        except ValueError as err:
            if "allow_pickle" in str(err):
                raise ValueError(
                    f"{self.path}: refusing to load entry {key!r}: it is a pickled object "
                    "array, which could run code. Checkpoints hold only numeric arrays."
                ) from None
            raise ValueError(f"{self.path}: entry {key!r} is corrupt ({err})") from err
        except _CORRUPT as err:
            raise ValueError(f"{self.path}: entry {key!r} is corrupt or truncated ({err})") from err

    def read(self, keys, limit: int | None = _INFLATE_LIMIT) -> dict:
        """The arrays of ``keys``. A compressed entry may declare ``limit`` bytes at most
        (``None``: its shape was checked already); a stored one, what the file holds."""
        out = {}
        for key in keys:
            shape, dtype, info = self.headers[key]
            needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if info.compress_type == zipfile.ZIP_STORED and needed > self.size:
                raise ValueError(
                    f"{self.path}: entry {key!r} is corrupt: it declares {needed} bytes "
                    f"(shape {shape}, {dtype}), more than the whole file holds ({self.size})"
                )
            if info.compress_type != zipfile.ZIP_STORED and limit is not None and needed > limit:
                raise ValueError(
                    f"{self.path}: refusing to load entry {key!r}: it declares {needed} bytes "
                    f"(shape {shape}, {dtype}) compressed into {info.compress_size}, more than "
                    f"this load can need ({limit}); save_model and save_checkpoint never "
                    "compress, so re-save the file with them (or np.savez)"
                )
            out[key] = self._guarded(key, type(self.npz).__getitem__, key)
        return out

    def model_keys(self, model, prefix: str, strict: bool) -> dict:
        """The model's names mapped to the archive's keys. A missing or unexpected name
        (with ``strict``), a shape or a non-numeric dtype that cannot fit ``model`` is
        refused from the headers alone, as ``load_state_dict`` would after reading."""
        names = {k[len(prefix) :]: k for k in self.headers if k.startswith(prefix) and k != _META}
        for key in names.values():
            dtype = self.headers[key][1]
            if dtype.kind not in "biufc":
                raise ValueError(
                    f"{self.path}: entry {key!r} holds {dtype} values, not numbers; "
                    "a model's weights are numeric arrays"
                )
        if not hasattr(model, "_check_state_shapes"):  # not a Module: load_state_dict checks
            return names
        shapes = {name: self.headers[key][0] for name, key in names.items()}
        _, unexpected = model._check_state_shapes(shapes, strict)
        return {name: key for name, key in names.items() if name not in unexpected}


def _model_bytes(model) -> int:
    state = model.state_dict(keep_vars=True) if hasattr(model, "state_dict") else {}
    return sum(np.asarray(getattr(v, "data", v)).nbytes for v in state.values())


def _check_entry_count(archive, path: Path) -> None:
    """Compare the entries zipfile found with the count the archive's end record states.

    A damaged length field in the central directory can make zipfile swallow the
    entries after it silently; the file would then look like a different model.
    """
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 22))
        end = f.read(22)  # np.savez writes no archive comment: the record is last
    if end[:4] == b"PK\x05\x06":
        (declared,) = struct.unpack("<H", end[10:12])
        names = archive.zip.namelist()
        found = len(set(names))  # a damaged name can duplicate another one
        if declared != 0xFFFF and (declared != found or found != len(names)):  # FFFF: ZIP64
            archive.close()
            raise ValueError(
                f"{path}: not a readable .npz file (corrupt: its directory lists {declared} "
                f"entries but {found} could be read)"
            )


def _check_entry(archive, key: str) -> tuple:
    """Read one entry's ``.npy`` header and refuse the entry before its data is read
    if it is not an array, holds Python objects, or claims more bytes than it has
    (a 100-byte file could otherwise make NumPy allocate hundreds of GiB). Returns
    its shape, its dtype and its zip member's ``ZipInfo``."""
    member = f"{key}.npy" if f"{key}.npy" in archive.zip.namelist() else key
    fmt = np.lib.format
    with archive.zip.open(member) as f:
        if f.read(len(fmt.MAGIC_PREFIX)) != fmt.MAGIC_PREFIX:
            raise ValueError("not a NumPy array (.npy); checkpoints hold only numeric arrays")
        version = tuple(f.read(2))
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, _, dtype = read_header(f)
        if dtype.hasobject:
            raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
        needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
        info = archive.zip.getinfo(member)
        available = info.file_size - f.tell()
        if needed > available:
            raise ValueError(
                f"truncated: its header declares shape {shape} ({needed} bytes) but it "
                f"holds {available} bytes"
            )
    return shape, dtype, info


# The parts of a checkpoint's metadata, and when load_checkpoint needs each one.
_PARTS = {
    "optimizer": lambda optimizer, scheduler, rng: optimizer is not None,
    "scheduler": lambda optimizer, scheduler, rng: scheduler is not None,
    "rng": lambda optimizer, scheduler, rng: rng,
    "extra": lambda optimizer, scheduler, rng: True,
}


def _referenced(values, archive: _Archive) -> list:
    """The archive keys that the encoded ``values`` name (``{"__array__": key}``)."""
    found, todo = [], list(values)
    while todo:
        value = todo.pop()
        if isinstance(value, list):
            todo += value
        elif isinstance(value, dict):
            for name in ("__array__", "__scalar__"):
                key = value.get(name)
                if isinstance(key, str):
                    if key not in archive.headers:
                        raise ValueError(
                            f"{archive.path}: corrupt checkpoint metadata: it names an entry "
                            f"{key!r} that the file does not hold"
                        )
                    found.append(key)
            todo += [v for k, v in value.items() if k not in ("__array__", "__scalar__")]
    return list(dict.fromkeys(found))


def _meta(path, arrays) -> dict:
    if _META not in arrays:
        raise ValueError(
            f"{path} is not a checkpoint written by save_checkpoint (no {_META!r} entry); "
            "for a file from save_model use load_model"
        )
    try:
        meta = json.loads(str(arrays[_META]))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: corrupt checkpoint metadata ({err})") from err
    if meta.get("format") != _FORMAT or meta.get("version", 0) > _VERSION:
        raise ValueError(f"{path}: unsupported checkpoint format {meta.get('format')!r}")
    return meta


# -------------------------------------------------------------------- public
def save_model(model, path) -> Path:
    """Save ``model.state_dict()`` to ``path`` (an ``.npz`` archive), atomically.

    A symbolic link is written through (its target gets the file), as ``torch.save``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from micrograd_plus import Linear
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
    >>> _ = save_model(Linear(2, 1), path)
    >>> other = load_model(Linear(2, 1), path)
    """
    state = {key: np.asarray(getattr(v, "data", v)) for key, v in model.state_dict().items()}
    if _META in state:
        raise ValueError(f"a parameter may not be called {_META!r}")
    return _atomic_savez(path, state)


def load_model(model, path, strict: bool = True):
    """Load weights saved by :func:`save_model` (or a checkpoint's model part) into ``model``.

    Returns the model. Missing or unexpected names and shape mismatches raise
    ``RuntimeError`` (with ``strict=False`` only shape mismatches do).
    """
    with _Archive(path) as archive:
        prefix = ""
        if _META in archive.headers:  # a checkpoint: its model part
            _meta(path, archive.read([_META]))
            prefix = "model/"
        keys = archive.model_keys(model, prefix, strict)  # before any data is read
        arrays = archive.read(keys.values(), limit=None)
    model.load_state_dict({name: arrays[key] for name, key in keys.items()}, strict=strict)
    return model


def save_checkpoint(path, model, optimizer=None, scheduler=None, save_rng: bool = True, **extra):
    """Save everything needed to resume training, atomically, in one ``.npz`` file.

    Parameters
    ----------
    path : str or Path
        Destination; replaced in a single rename, never half-written. A
        symbolic link is written through (its target gets the file).
    model : Module
        Its ``state_dict()`` is stored under ``model/<name>``.
    optimizer, scheduler : optional
        Their ``state_dict()`` (step counts, moment buffers, hyper-parameters).
    save_rng : bool, default True
        Also store NumPy's global random state (used by dropout, initialisers
        and unseeded shuffling), so a resumed run draws the same numbers.
    **extra
        Numbers, strings, arrays, or lists/dicts of them (``epoch=3``,
        ``history=dict(history)``); returned by :func:`load_checkpoint`.
    """
    encoder = _Encoder("state")
    meta = {"format": _FORMAT, "version": _VERSION}
    if optimizer is not None:
        meta["optimizer"] = encoder.encode(optimizer.state_dict(), "optimizer")
    if scheduler is not None:
        meta["scheduler"] = encoder.encode(scheduler.state_dict(), "scheduler")
    if save_rng:
        meta["rng"] = encoder.encode(np.random.get_state(), "rng")
    meta["extra"] = encoder.encode(extra, "extra")
    arrays = {
        f"model/{k}": np.asarray(getattr(v, "data", v)) for k, v in model.state_dict().items()
    }
    arrays.update(encoder.arrays)
    arrays[_META] = np.array(json.dumps(meta, allow_nan=True))
    return _atomic_savez(path, arrays)


def load_checkpoint(
    path, model, optimizer=None, scheduler=None, restore_rng: bool = True, strict: bool = True
) -> dict:
    """Restore a checkpoint written by :func:`save_checkpoint`; returns its extra values.

    The model's weights are copied in place; the optimizer and scheduler,
    when given, get their saved state; NumPy's global random state is
    restored unless ``restore_rng=False``.

    Parameters
    ----------
    strict : bool, default True
        As in ``Module.load_state_dict``: names must match exactly; with
        ``strict=False`` missing and unexpected names are skipped (shapes
        must still match).

    Raises
    ------
    ValueError
        The file is corrupt, truncated, not a checkpoint, holds a pickled
        object, or lacks the optimizer/scheduler state you asked for.
    """
    with _Archive(path) as archive:
        meta = _meta(path, archive.read([_META] if _META in archive.headers else []))
        for part, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
            if obj is not None and part not in meta:
                raise ValueError(
                    f"{path} holds no {part} state; it was saved without {part}=. Load it "
                    f"without {part}=, or save with save_checkpoint(..., {part}={part})"
                )
        keys = archive.model_keys(model, "model/", strict)  # before any data is read
        wanted = [p for p, use in _PARTS.items() if use(optimizer, scheduler, restore_rng)]
        state_keys = _referenced([meta.get(part) for part in wanted], archive)
        arrays = archive.read(keys.values(), limit=None)
        arrays.update(archive.read(state_keys, max(_INFLATE_LIMIT, _model_bytes(model))))
    model.load_state_dict({name: arrays[key] for name, key in keys.items()}, strict=strict)
    if optimizer is not None:
        optimizer.load_state_dict(_decode(meta["optimizer"], arrays))
    if scheduler is not None:
        scheduler.load_state_dict(_decode(meta["scheduler"], arrays))
    if restore_rng and "rng" in meta:
        np.random.set_state(_decode(meta["rng"], arrays))
    return _decode(meta["extra"], arrays)
