"""The "나비야" song as a dataset (it ships with the project: :mod:`harness.song`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._core import Dataset, DatasetInfo, check_options

#: ``features``: ``index`` (one input per note, index / 13) or ``scale_length`` ([scale / 6, length]).
FEATURES = {"index": "1f", "scale_length": "2f"}
SONG_OPTIONS = ("layout", "one_hot", "window_size", "features")


def _load(kind: str, options: dict[str, Any], default_layout: str) -> Dataset:
    from harness import song

    dataset_id = "song" if kind == "1f" else "song_2f"
    check_options(dataset_id, options, SONG_OPTIONS)
    if options.get("window_size", song.WINDOW) != song.WINDOW:
        raise ValueError(f"{dataset_id}: the seeds use window_size=4; got {options['window_size']}")
    features = options.get("features")
    if features is not None:
        if features not in FEATURES:
            raise ValueError(f"{dataset_id}: features must be one of {sorted(FEATURES)}, not {features!r}")
        kind = FEATURES[features]
    layout = options.get("layout", default_layout)
    x, y = song.song_arrays(kind, layout, one_hot_labels=options.get("one_hot", True))
    description = ("나비야: 50 windows of 4 notes (index / 13) -> next note (12 classes)" if kind == "1f" else
                   "나비야: 50 windows of 4 notes as [scale / 6, length] -> next note (12 classes)")
    # The song is both what is learnt and what is played back: the test set is the same 50 windows; the
    # trusted side judges with harness.song.one_step / full_song.
    return Dataset(x, y, x.copy(), y.copy(),
                   DatasetInfo(dataset_id, "generated (harness/song.py)", description, dict(options),
                               {"variant": "seed 002", "num_classes": song.NUM_CLASSES, "kind": kind,
                                "max_idx_value": song.MAX_IDX_VALUE}))


def load_song(options: dict[str, Any], data_dirs: Sequence[Path]) -> Dataset:
    """Options: ``layout`` ``sequence`` (``(50, 4, 1)``, LSTM; default) or ``flat`` (``(50, 4)``, MLP);
    ``one_hot`` (default True: ``(50, 12)``; False: indices ``(50,)``); ``window_size`` (must be 4);
    ``features`` (``index``, or ``scale_length`` for the two-feature arrays)."""
    return _load("1f", options, "sequence")


def load_song_2f(options: dict[str, Any], data_dirs: Sequence[Path]) -> Dataset:
    """Two features per note, ``(50, 4, 2)``; ``one_hot`` as for ``song``."""
    return _load("2f", options, "sequence")
