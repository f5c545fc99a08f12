"""The pieces every loader shares: :class:`Dataset`, :class:`DatasetMissing`, where data files are looked for,
the cache, ragged sequences, and a pickle-free way to hand data to the sandbox."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from harness.errors import SetupError

#: Environment variable with extra data directories (several separated by ``os.pathsep``).
ENV_DATA = "GRADER_DATA"
#: Environment variable overriding the cache directory (default ``~/.cache/grader``).
ENV_CACHE = "GRADER_CACHE"


class DatasetMissing(SetupError):
    """A data file is not where the loader looks. The message is one line saying what to put where."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


# ------------------------------------------------------------------------------------------- the dataset


@dataclass
class DatasetInfo:
    """Where a dataset came from and how it was prepared."""

    dataset_id: str
    #: The file(s) read, or ``"generated"`` for data that ships with the project (the song).
    source: str
    description: str
    options: dict[str, Any] = field(default_factory=dict)
    #: Loader-specific facts: ``variant`` (e.g. ``keras-official``, ``rebuilt-from-raw``), ``num_classes``,
    #: ``sha256``, ``mean``/``std`` (jena), ``cache`` (file used), ``load_seconds`` ...
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dataset:
    """``x_train``/``y_train`` (the student may see them), ``x_test`` (inputs only) and ``y_test`` (the trusted
    side keeps it). Variable-length sequences (IMDB/Reuters without ``maxlen``) are object arrays of int32
    arrays (Keras gives lists; same values). ``x_val``/``y_val`` are set only where the seed itself carves a
    validation set out of the data (IMDB ``source="raw_text"``, DLwP 6.1.3); they are training-side data."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray | None
    info: DatasetInfo
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @property
    def id(self) -> str:
        return self.info.dataset_id

    def summary(self) -> str:
        return (f"{self.id}: x_train {_describe(self.x_train)}, y_train {_describe(self.y_train)}, "
                f"x_test {_describe(self.x_test)} ({self.info.extra.get('variant', self.info.source)})")


def _describe(a: np.ndarray | None) -> str:
    if a is None:
        return "None"
    if a.dtype == object:
        return f"ragged({len(a)}) of int"
    return f"{a.dtype}{list(a.shape)}"


def data_dirs_from(cli_dirs: Iterable[str | Path] | None = None,
                   environ: Mapping[str, str] | None = None) -> list[Path]:
    """``--data-dir`` values (each may hold several dirs joined by ``os.pathsep``), then ``$GRADER_DATA``."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    out: list[Path] = []
    for entry in list(cli_dirs or []) + [env.get(ENV_DATA, "")]:
        for part in str(entry).split(os.pathsep):
            if part.strip():
                out.append(Path(part).expanduser())
    return out


def keras_dataset_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Keras' own cache: ``$KERAS_HOME/datasets`` (when set), then ``~/.keras/datasets``."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    dirs = []
    if env.get("KERAS_HOME"):
        dirs.append(Path(env["KERAS_HOME"]).expanduser() / "datasets")
    dirs.append(Path("~/.keras/datasets").expanduser())
    return dirs


def search_dirs(data_dirs: Sequence[str | Path] | None) -> list[Path]:
    seen: list[Path] = []
    for d in [Path(p).expanduser() for p in (data_dirs or [])] + keras_dataset_dirs():
        if d not in seen:
            seen.append(d)
    return seen


def find_file(names: Sequence[str], data_dirs: Sequence[str | Path] | None, subdirs: Sequence[str] = (),
              kind: str = "file") -> Path | None:
    """The first ``DIR/NAME`` or ``DIR/SUBDIR/NAME`` that exists, directories in search order, then names in
    the given order (so a preferred file in ``--data-dir`` beats anything in ``~/.keras/datasets``)."""
    for d in search_dirs(data_dirs):
        for name in names:
            for sub in ("", *subdirs):
                p = d / sub / name if sub else d / name
                if (p.is_dir() if kind == "dir" else p.is_file()):
                    return p
    return None


def where_hint(dataset_id: str, files: str) -> str:
    """The one-line DatasetMissing message."""
    return f"{dataset_id}: put {files} in ~/.keras/datasets (or $KERAS_HOME/datasets) or pass --data-dir DIR"


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env: Mapping[str, str] = os.environ if environ is None else environ
    return Path(env.get(ENV_CACHE) or "~/.cache/grader").expanduser()


_SHA_MEMO: dict[tuple[str, int, int], str] = {}


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime) for the process."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA_MEMO:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _SHA_MEMO[key] = h.hexdigest()
    return _SHA_MEMO[key]


def atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub types the first keyword as allow_pickle
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------- npz with objects

_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
})


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name} from a dataset file")


def load_npz_objects(path: str | Path) -> dict[str, np.ndarray]:
    """``np.load(path, allow_pickle=True)`` for Keras' IMDB/Reuters ``.npz`` files, but the pickled object
    arrays may only rebuild numpy arrays and Python lists/ints (the same guard Keras 3.15 uses)."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            buf = io.BytesIO(archive.read(member))
            try:
                arr = np.lib.format.read_array(buf, allow_pickle=False)
            except ValueError:
                buf.seek(0)
                version = np.lib.format.read_magic(buf)
                if version[0] == 1:
                    np.lib.format.read_array_header_1_0(buf)
                else:
                    np.lib.format.read_array_header_2_0(buf)
                arr = _NumpyOnlyUnpickler(buf).load()
            arrays[member[: -len(".npy")]] = arr
    return arrays


# ------------------------------------------------------------------------------------------- ragged sequences


@dataclass
class Ragged:
    """Variable-length int sequences as one flat array + offsets (row ``i`` is ``flat[offsets[i]:offsets[i+1]]``)."""

    flat: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_sequences(cls, seqs: Iterable[Sequence[int]], dtype: Any = np.int32) -> Ragged:
        arrays = [np.asarray(s, dtype=dtype).reshape(-1) for s in seqs]
        lengths = np.array([len(a) for a in arrays], dtype=np.int64)
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)
        return cls(flat, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def take(self, idx: np.ndarray) -> Ragged:
        idx = np.asarray(idx, dtype=np.int64)
        lens = self.lengths[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        src = np.repeat(self.offsets[:-1][idx] - offsets[:-1], lens) + np.arange(offsets[-1], dtype=np.int64)
        return Ragged(self.flat[src], offsets)

    def prepend(self, value: int) -> Ragged:
        n = len(self)
        offsets = self.offsets + np.arange(n + 1, dtype=np.int64)
        flat = np.empty(len(self.flat) + n, dtype=self.flat.dtype)
        mask = np.ones(len(flat), dtype=bool)
        mask[offsets[:-1]] = False
        flat[offsets[:-1]] = value
        flat[mask] = self.flat
        return Ragged(flat, offsets)

    def keep(self, mask: np.ndarray) -> Ragged:
        """Drop the flat elements where ``mask`` is False."""
        kept = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        return Ragged(self.flat[mask], kept[self.offsets])

    def reverse(self) -> Ragged:
        """Every sequence back to front (DLwP 6.3.8's ``[x[::-1] for x in x_train]``)."""
        lens = self.lengths
        starts = np.repeat(self.offsets[:-1], lens)
        ends = np.repeat(self.offsets[1:], lens)
        pos = np.arange(len(self.flat), dtype=np.int64)
        return Ragged(self.flat[starts + ends - 1 - pos], self.offsets.copy())

    def concat(self, other: Ragged) -> Ragged:
        return Ragged(np.concatenate([self.flat, other.flat]),
                      np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]]))

    def split_at(self, i: int) -> tuple[Ragged, Ragged]:
        a = Ragged(self.flat[: self.offsets[i]], self.offsets[: i + 1].copy())
        b = Ragged(self.flat[self.offsets[i]:], self.offsets[i:] - self.offsets[i])
        return a, b

    def to_object(self) -> np.ndarray:
        return ragged_to_object(self.flat, self.offsets)

    def pad(self, maxlen: int | None = None, padding: str = "pre", truncating: str = "pre", value: int = 0,
            dtype: Any = np.int32) -> np.ndarray:
        """``keras.utils.pad_sequences`` (same defaults and result), vectorised."""
        lens = self.lengths
        if maxlen is None:
            maxlen = int(lens.max()) if len(lens) else 0
        keep = np.minimum(lens, maxlen)
        out = np.full((len(self), maxlen), value, dtype=dtype)
        src_start = self.offsets[:-1] + (lens - keep if truncating == "pre" else 0)
        col_start = (maxlen - keep) if padding == "pre" else np.zeros_like(keep)
        rows = np.repeat(np.arange(len(self)), keep)
        within = np.arange(keep.sum()) - np.repeat(np.cumsum(keep) - keep, keep)
        out[rows, np.repeat(col_start, keep) + within] = self.flat[np.repeat(src_start, keep) + within]
        return out


def ragged_to_object(flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.empty(len(offsets) - 1, dtype=object)
    parts = np.split(flat, offsets[1:-1]) if len(offsets) > 1 else []
    for i, p in enumerate(parts):
        out[i] = p
    return out


def object_to_ragged(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = Ragged.from_sequences(list(a))
    return r.flat, r.offsets


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """``keras.utils.to_categorical(labels, num_classes)`` (float32)."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    out = np.zeros((labels.size, num_classes), dtype=np.float32)
    out[np.arange(labels.size), labels] = 1.0
    return out


@overload
def limit(a: np.ndarray, n: int | None) -> np.ndarray: ...
@overload
def limit(a: None, n: int | None) -> None: ...
def limit(a: np.ndarray | None, n: int | None) -> np.ndarray | None:
    """The first ``n`` rows (all of them when ``n`` is ``None``): the ``train_limit``/``test_limit`` options."""
    return a if (a is None or n is None) else a[: int(n)]


#: ``Recipe.data`` keys that concern the training runner, not the data: loaders accept and ignore them.
RUNNER_KEYS = frozenset({"validation", "validation_split", "validation_steps", "steps_per_epoch",
                         "early_stopping_patience", "evaluate_on", "stateful", "epochs", "batch_size"})


def check_options(dataset_id: str, options: dict[str, Any], allowed: Iterable[str]) -> None:
    """Unknown keys raise ``ValueError`` (a typo in ``Recipe.data`` should not be silently ignored);
    :data:`RUNNER_KEYS` and ``allow_download`` are always accepted."""
    allowed = set(allowed) | {"allow_download"} | RUNNER_KEYS
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"{dataset_id}: unknown option(s) {unknown}; known: {sorted(allowed)}")
