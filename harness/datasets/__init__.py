"""Training data for ``--checks train``: a registry of loaders, dataset id -> :class:`Dataset`.

    >>> from harness.datasets import load, data_dirs_from
    >>> ds = load("imdb", {"num_words": 10000, "maxlen": 500}, data_dirs_from(["/data"]))
    >>> ds.x_train.shape, ds.y_train.shape
    ((25000, 500), (25000,))

Data files are looked for in each of ``data_dirs`` (``--data-dir``, then ``$GRADER_DATA``; see
:func:`data_dirs_from`), then ``$KERAS_HOME/datasets``, then ``~/.keras/datasets`` -- in each directory both
directly and under a subfolder named after the dataset (``DIR/imdb/imdb.npz``), so the project's
``shared/datasets`` works as a data dir. Nothing is downloaded unless ``options["allow_download"]`` is true;
otherwise a missing file raises :class:`DatasetMissing` whose message is one line saying what to put where.

Ids: ``imdb``, ``reuters``, ``mnist``, ``song``, ``song_2f``, ``jena``. Each loader's docstring lists its
options (from an assignment's ``Recipe.data``); unknown options raise ``ValueError``.

Keeping test labels on the trusted side: ``harness.training`` writes the training split only (``train.npz``, ragged
rows as ``NAME__flat`` + ``NAME__offsets`` through :func:`object_to_ragged`); ``Dataset.y_test`` never leaves the
process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._core import (
    ENV_CACHE,
    ENV_DATA,
    RUNNER_KEYS,
    Dataset,
    DatasetInfo,
    DatasetMissing,
    Ragged,
    cache_dir,
    check_options,
    data_dirs_from,
    find_file,
    object_to_ragged,
    search_dirs,
)
from .images import MNIST_OPTIONS, load_mnist
from .jena import JENA_OPTIONS, load_jena, naive_mae
from .music import SONG_OPTIONS, load_song, load_song_2f
from .text import IMDB_OPTIONS, REUTERS_OPTIONS, load_imdb, load_reuters

Loader = Callable[[dict[str, Any], Sequence[Path]], Dataset]


@dataclass(frozen=True)
class Entry:
    """One dataset of the registry: how it loads, what it takes, and what the code around it must know of it
    (asked here instead of compared by name elsewhere)."""

    loader: Loader
    #: The options the loader understands (besides :data:`RUNNER_KEYS` and ``allow_download``).
    options: tuple[str, ...]
    #: Its recipes train from generators (the Jena windows): ``grader bench`` times no accuracy target on it.
    generators: bool = False
    #: Small and in memory (the song: 50 windows): loading it to count its samples costs nothing.
    small: bool = False
    #: Judged as the seeds judge the song: train accuracy on its windows and the whole song played back, not a
    #: held-out test score (:mod:`harness.training.judge`).
    song: bool = False


DATASETS: dict[str, Entry] = {
    "imdb": Entry(load_imdb, IMDB_OPTIONS),
    "reuters": Entry(load_reuters, REUTERS_OPTIONS),
    "mnist": Entry(load_mnist, MNIST_OPTIONS),
    "song": Entry(load_song, SONG_OPTIONS, small=True, song=True),
    "song_2f": Entry(load_song_2f, SONG_OPTIONS, small=True, song=True),
    "jena": Entry(load_jena, JENA_OPTIONS, generators=True),
}
#: The loader and the options of each dataset, as :data:`DATASETS` declares them.
LOADERS: dict[str, Loader] = {name: entry.loader for name, entry in DATASETS.items()}
OPTIONS: dict[str, tuple[str, ...]] = {name: entry.options for name, entry in DATASETS.items()}


def validate_options(dataset_id: str, options: dict[str, Any] | None) -> None:
    """Raise ``KeyError``/``ValueError`` as :func:`load` would for a bad id or option, without loading."""
    if dataset_id not in LOADERS:
        raise KeyError(f"unknown dataset {dataset_id!r}; known: {', '.join(sorted(LOADERS))}")
    check_options(dataset_id, dict(options or {}), OPTIONS[dataset_id])


def load(dataset_id: str, options: dict[str, Any] | None = None,
         data_dirs: Sequence[str | Path] | None = None) -> Dataset:
    """Load ``dataset_id`` with ``options``; raises :class:`DatasetMissing` (one-line message) when its file
    is nowhere to be found, ``KeyError`` for an unknown id, ``ValueError`` for an unknown option."""
    try:
        loader = LOADERS[dataset_id]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset_id!r}; known: {', '.join(sorted(LOADERS))}") from None
    return loader(dict(options or {}), [Path(d).expanduser() for d in (data_dirs or [])])


__all__ = [
    "DATASETS",
    "ENV_CACHE",
    "ENV_DATA",
    "LOADERS",
    "OPTIONS",
    "RUNNER_KEYS",
    "Dataset",
    "DatasetInfo",
    "DatasetMissing",
    "Entry",
    "Ragged",
    "cache_dir",
    "data_dirs_from",
    "find_file",
    "load",
    "naive_mae",
    "object_to_ragged",
    "search_dirs",
    "validate_options",
]
