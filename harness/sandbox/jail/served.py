"""The data a script loads, served by the grader. Runs INSIDE the sandbox.

``keras.datasets.*.load_data`` returns the grader's split (training data and test inputs; test labels never
enter the sandbox) or placeholders with the real structure; the Jena CSV and its ``.zip`` are served by file
name wherever the code says they are (:func:`served_name`).
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import io
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .run_state import STATE, note, patch


@dataclass(frozen=True)
class KerasDataset:
    """One ``keras.datasets`` module as the placeholders imitate it: what a script's ``load_data`` gets back.

    Declared once here; the code below asks these fields, never the module's name.
    """

    #: (train size, test size): placeholders have the real split sizes, so code that hard-codes them
    #: (``x_train.reshape(60000, 784)``, ``x[:10000]``) runs.
    sizes: tuple[int, int]
    #: ``sequences`` (word indices), ``images`` (uint8 of ``image_shape``) or ``table`` (13 float features).
    kind: str
    classes: int = 0
    #: 1 + the largest word index Keras' own files hold (index_from=3): what ``num_words=None`` gives.
    vocabulary: int = 0
    image_shape: tuple[int, ...] = ()
    #: The image labels' shape (CIFAR's are ``(n, 1)``); ``label_mode="coarse"`` gives ``coarse_classes``.
    label_shape: tuple[int, ...] = ()
    coarse_classes: int = 0
    #: ``load_data(test_split=...)`` re-splits the whole set (Reuters).
    resplit: bool = False
    #: ``load_data``'s positional parameters, in order.
    positional: tuple[str, ...] = ("path",)


_TEXT = ("path", "num_words", "skip_top", "maxlen")
KERAS_DATASETS = {
    "imdb": KerasDataset((25_000, 25_000), "sequences", classes=2, vocabulary=88_588, positional=_TEXT),
    "reuters": KerasDataset((8_982, 2_246), "sequences", classes=46, vocabulary=30_983, resplit=True,
                            positional=(*_TEXT, "test_split")),
    "mnist": KerasDataset((60_000, 10_000), "images", classes=10, image_shape=(28, 28)),
    "fashion_mnist": KerasDataset((60_000, 10_000), "images", classes=10, image_shape=(28, 28)),
    "cifar10": KerasDataset((50_000, 10_000), "images", classes=10, image_shape=(32, 32, 3), label_shape=(1,)),
    "cifar100": KerasDataset((50_000, 10_000), "images", classes=100, image_shape=(32, 32, 3), label_shape=(1,),
                             coarse_classes=20, positional=("label_mode",)),
    "boston_housing": KerasDataset((404, 102), "table"),
}
JENA_CSV = "jena_climate_2009_2016.csv"
JENA_ROWS = 420_551
JENA_HEADER = ('"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)","VPact (mbar)",'
               '"VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"')
_JENA_ROWS = ("01.01.2009 00:10:00,996.52,-8.02,265.40,-8.90,93.30,3.33,3.11,0.22,1.94,3.12,1307.75,1.03,1.75,152.30",
              "01.01.2009 00:20:00,996.57,-8.41,265.01,-9.28,93.40,3.23,3.02,0.21,1.89,3.03,1309.80,0.72,1.50,136.10")
_PLACEHOLDER_NOTE = ("structure checks do not train, so the script got placeholders with the real structure; "
                     "test labels never enter the sandbox — the grader's own evaluation is the one that counts")


def _served(task: dict[str, Any]) -> dict[str, str]:
    data = task.get("data") or {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _sequences(n: int, vocab: int, start_char: int | None, index_from: int, maxlen: int | None, salt: int) -> Any:
    """``n`` reviews/newswires of word indices, every index below ``vocab``, the largest one present.

    Like the grader's served data (``harness.datasets``), each row is an int32 array (Keras gives lists of the same
    values): an object array of views into one flat array, built in milliseconds.
    """
    import numpy as np

    lengths = np.array((12, 40, 80, 120, 200, 230, 30, 60, 95, 150))
    if maxlen:
        lengths = np.clip(lengths, 2, int(maxlen))
    rows = lengths[np.arange(n) % len(lengths)]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(rows, out=offsets[1:])
    span = max(1, vocab - index_from)
    flat = (index_from + (np.arange(offsets[-1], dtype=np.int64) * 104_729 + salt) % span).astype(np.int32)
    if start_char is not None:
        flat[offsets[:-1]] = start_char
    flat[offsets[1] - 1] = vocab - 1
    return _ragged_rows(flat, offsets)


def _ragged_rows(flat: Any, offsets: Any) -> Any:
    import numpy as np

    x = np.empty(len(offsets) - 1, dtype=object)
    bounds = offsets.tolist()
    for i in range(len(x)):
        x[i] = flat[bounds[i]:bounds[i + 1]]
    return x


def _labels(n: int, classes: int, dtype: str = "int64", shape: tuple[int, ...] = ()) -> Any:
    import numpy as np

    return (np.arange(n) % classes).astype(dtype).reshape((n, *shape))


def _placeholder(name: str, kwargs: dict[str, Any]) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    import numpy as np

    spec = KERAS_DATASETS[name]
    n_train, n_test = spec.sizes
    if spec.kind == "sequences":
        if spec.resplit:
            total = n_train + n_test
            split = float(kwargs.get("test_split", 0.2))
            n_train = int(total * (1 - split))
            n_test = total - n_train
        vocab = int(kwargs.get("num_words") or spec.vocabulary)
        start = kwargs.get("start_char", 1)
        index_from = int(kwargs.get("index_from", 3))
        maxlen = kwargs.get("maxlen")
        maxlen = int(maxlen) if maxlen else None
        x_train = _sequences(n_train, vocab, start, index_from, maxlen, 0)
        x_test = _sequences(n_test, vocab, start, index_from, maxlen, 17)
        return (x_train, _labels(n_train, spec.classes)), (x_test, _labels(n_test, spec.classes))
    if spec.kind == "images":
        coarse = spec.coarse_classes and kwargs.get("label_mode") == "coarse"
        classes = spec.coarse_classes if coarse else spec.classes
        train, test = [(np.zeros((n, *spec.image_shape), "uint8"), _labels(n, classes, "uint8", spec.label_shape))
                       for n in (n_train, n_test)]
        return train, test
    rng = np.random.default_rng(0)
    return ((rng.random((n_train, 13)), rng.random(n_train) * 50), (rng.random((n_test, 13)), np.zeros(n_test)))


def _read_split(directory: str, num_words: int | None = None, oov: int = 2) -> dict[str, Any]:
    """The grader's ``train.npz`` + ``test_inputs.npz`` (ragged rows stored as ``NAME__flat``/``NAME__offsets``);
    word indices at or above ``num_words`` become ``oov``, as Keras' ``load_data(num_words=...)`` does."""
    import numpy as np

    arrays: dict[str, Any] = {}
    for name in ("train.npz", "test_inputs.npz"):
        with np.load(Path(directory) / name, allow_pickle=False) as archive:
            for key in archive.files:
                if key.endswith("__flat"):
                    base = key[: -len("__flat")]
                    flat = archive[key]
                    if num_words:
                        flat = np.where(flat >= num_words, oov, flat).astype(flat.dtype)
                    arrays[base] = _ragged_rows(flat, archive[base + "__offsets"])
                elif not key.endswith("__offsets"):
                    arrays[key] = archive[key]
    return arrays


def _placeholder_test_labels(y_train: Any, n: int) -> Any:
    import numpy as np

    y_train = np.asarray(y_train)
    if y_train.dtype.kind in "iu" and y_train.ndim == 1 and len(y_train):
        return _labels(n, int(y_train.max()) + 1, str(y_train.dtype))
    return np.zeros((n, *y_train.shape[1:]), dtype=y_train.dtype)


def _load_data(name: str, served: dict[str, str]) -> Any:
    def load_data(*args: Any, **kwargs: Any) -> Any:
        kwargs = {**dict(zip(KERAS_DATASETS[name].positional, args)), **kwargs}
        STATE.setdefault("loaded", {})[name] = kwargs
        options = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if k != "path")
        if name in served:
            words = kwargs.get("num_words") if KERAS_DATASETS[name].vocabulary else None
            arrays = _read_split(served[name], words, int(kwargs.get("oov_char", 2)))
            x_train, y_train, x_test = arrays["x_train"], arrays["y_train"], arrays["x_test"]
            y_test = _placeholder_test_labels(y_train, len(x_test))
            note(f"data:{name}", f"{name}.load_data({options}): the grader served its copy of the training split "
                 "and the test inputs; test labels are placeholders — the grader's own evaluation is the one that "
                 "counts")
            return (x_train, y_train), (x_test, y_test)
        (x_train, y_train), (x_test, y_test) = _placeholder(name, kwargs)
        shape = "sequences of word indices" if x_train.dtype == object else f"{x_train.dtype} arrays"
        note(f"data:{name}", f"{name}.load_data({options}) → {len(x_train):,} training and {len(x_test):,} test "
             f"samples ({shape}): {_PLACEHOLDER_NOTE}")
        return (x_train, y_train), (x_test, y_test)

    load_data.__name__ = "load_data"
    return load_data


def _get_word_index(*args: Any, **kwargs: Any) -> dict[str, int]:
    words = ("the", "and", "a", "of", "to", "is", "in", "it", "i", "this", "that", "was", "as", "for", "with")
    index = {word: i for i, word in enumerate(words, start=1)}
    index.update({f"word{i}": i for i in range(len(words) + 1, 2001)})
    note("data:word_index", "get_word_index() → a placeholder word index (structure checks do not decode reviews)")
    return index


def _jena_path(served: dict[str, str]) -> str:
    """The CSV the student's code reads: the grader's copy (extracted once if it is the ``.zip``), else a
    placeholder with the real columns and row count."""
    if "jena_path" in STATE:
        return STATE["jena_path"]
    import tempfile

    path = Path(tempfile.gettempdir()) / "grader_data" / JENA_CSV
    path.parent.mkdir(exist_ok=True)
    source = served.get("jena")
    if source and not source.endswith(".zip"):
        return source
    if source:
        import zipfile

        with zipfile.ZipFile(source) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".csv"))
            with archive.open(member) as data, _REAL_OPEN(path, "wb") as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
    else:
        pair = "\n".join(_JENA_ROWS) + "\n"  # like the real file: no newline after the last row
        rows = pair * (JENA_ROWS // 2) + (_JENA_ROWS[0] + "\n") * (JENA_ROWS % 2)
        with _REAL_OPEN(path, "w", encoding="utf-8") as copy:
            copy.write(JENA_HEADER + "\n" + rows[:-1])
        note("data:jena", f"{JENA_CSV}: {JENA_ROWS:,} rows with the real columns; {_PLACEHOLDER_NOTE}")
    STATE["jena_path"] = str(path)
    return str(path)


def _jena_zip(served: dict[str, str]) -> str:
    """``jena_climate_2009_2016.csv.zip`` as DLwP downloads it: the CSV stored (not compressed: instant)."""
    source = served.get("jena")
    if source and source.endswith(".zip"):
        return source
    if "jena_zip" not in STATE:
        import tempfile
        import zipfile

        csv = _jena_path(served)
        path = Path(tempfile.gettempdir()) / "grader_data" / (JENA_CSV + ".zip")  # beside no served file: read-only
        path.parent.mkdir(exist_ok=True)
        with _REAL_OPEN(path, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
            archive.write(csv, JENA_CSV)
        STATE["jena_zip"] = str(path)
    return STATE["jena_zip"]


#: ``open`` before :func:`prepare` patched it: the grader writes its own copies with it.
_REAL_OPEN = io.open
#: Data files the grader serves wherever the student's code says they are, by file name -> its path.
SERVED_FILES = {JENA_CSV: _jena_path, JENA_CSV + ".zip": _jena_zip}


def served_name(file: Any, exists: Any = os.path.exists) -> str | None:
    """The served file ``file`` names as the student wrote it (``C:\\data\\jena_climate_2009_2016.csv``,
    ``r'..\\jena_climate_2009_2016.csv'``, ``~/Downloads/...``, a relative path), or None.

    Matched by the last component after splitting on both ``/`` and ``\\`` (a Windows path is one odd file name on
    Linux), and only when nothing exists at that path: a file the student ships is read as it is.
    """
    if isinstance(file, bytes):
        file = file.decode("utf-8", "replace")
    if not isinstance(file, (str, os.PathLike)):
        return None
    text = os.fspath(file)
    if not isinstance(text, str):
        return None
    name = re.split(r"[\\/]", text)[-1]
    if name not in SERVED_FILES or exists(os.path.expanduser(text)):
        return None
    return name


def _zip_as_text(file: Any) -> ValueError:
    """DLwP's ``open(fname)`` on the ``.zip`` it downloads: the read fails on any machine with a
    ``UnicodeDecodeError`` that does not say why; say why, in the student's terms."""
    return ValueError(f"open({os.fspath(file)!r}) reads the zip archive as text, which fails on any machine "
                      f"(UnicodeDecodeError); unzip it and open {JENA_CSV}, or read it with "
                      f"pd.read_csv(..., compression='zip') or zipfile")


def _install_files(served: dict[str, str]) -> None:
    """``open`` / ``io.open`` (``pd.read_csv``, ``np.loadtxt``, ``Path.read_text``, ``zipfile``), ``os.path.exists``
    / ``isfile`` and ``Path.exists`` / ``is_file`` answer a served file's name with the grader's copy."""
    import pathlib

    real_open, real_exists, real_isfile = builtins.open, os.path.exists, os.path.isfile

    def redirect(file: Any) -> Any:
        name = served_name(file, real_exists)
        if name is None:
            return file
        path = SERVED_FILES[name](served)
        if os.fspath(file) != path:
            note(f"data:path:{name}", f"{os.fspath(file)!r} → the grader's {name} (served by "
                 "file name, wherever the code says it is)")
        return path

    def grader_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        mode = args[0] if args else kwargs.get("mode", "r")
        if isinstance(mode, str) and "b" not in mode and served_name(file, real_exists) == JENA_CSV + ".zip":
            raise _zip_as_text(file)
        return real_open(redirect(file), *args, **kwargs)

    def grader_exists(path: Any) -> bool:
        return real_exists(path) or served_name(path, real_exists) is not None

    def grader_isfile(path: Any) -> bool:
        return real_isfile(path) or served_name(path, real_exists) is not None

    def grader_datasource_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        return datasource_open(redirect(path), *args, **kwargs)

    grader_open.__wrapped__ = real_open  # type: ignore[attr-defined]
    patch(builtins, "open", grader_open)
    datasource = importlib.import_module("numpy.lib._datasource")  # np.loadtxt / genfromtxt: numpy kept its open
    datasource_open = datasource.open
    patch(datasource, "open", grader_datasource_open)
    patch(io, "open", grader_open)
    patch(os.path, "exists", grader_exists)
    patch(os.path, "isfile", grader_isfile)
    path_exists, path_is_file = pathlib.Path.exists, pathlib.Path.is_file
    patch(pathlib.Path, "exists", lambda self, *a, **k: path_exists(self, *a, **k) or
           served_name(self, real_exists) is not None)
    patch(pathlib.Path, "is_file", lambda self, *a, **k: path_is_file(self, *a, **k) or
           served_name(self, real_exists) is not None)


def install_data(task: dict[str, Any]) -> None:
    import keras  # noqa: F401 - keras.datasets.* are imported with it

    served = _served(task)
    for name in KERAS_DATASETS:
        loader = _load_data(name, served)
        for module_name in (f"keras.src.datasets.{name}", f"keras.datasets.{name}",
                            f"keras._tf_keras.keras.datasets.{name}"):
            module = sys.modules.get(module_name)
            if module is None and module_name.startswith("keras.src"):
                try:
                    module = importlib.import_module(module_name)
                except ImportError:
                    continue
            if module is not None and hasattr(module, "load_data"):
                patch(module, "load_data", loader)
                if hasattr(module, "get_word_index") and name not in served:
                    patch(module, "get_word_index", _get_word_index)
    _install_files(served)
