"""MNIST as seed 004 prepares it.

Files: Keras' ``mnist.npz`` (60k/10k; its SHA-256 is checked and reported) or the project's
``mnist_train10k_test10k.npz`` (same keys; the first 10,000 training images and the full test set). Both are
read with ``np.load(allow_pickle=False)``; Keras' own loader would reject the second on its hash.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._core import Dataset, DatasetInfo, DatasetMissing, check_options, find_file, limit, one_hot, sha256_of, where_hint
from .text import ORIGIN

MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_SUBSET_SHA256 = "3be1bb6efef62c4154f22f1c60c12b6a271e20181b29300050905b41f0045b24"
MNIST_NAMES = ("mnist.npz", "mnist_train10k_test10k.npz")

MNIST_OPTIONS = ("layout", "normalize", "dtype", "one_hot", "train_limit", "test_limit", "flatten", "channels")
LAYOUTS = {"raw": None, "flat": (784,), "image": (28, 28, 1)}


def load_mnist(options: dict[str, Any], data_dirs: Sequence[Path]) -> Dataset:
    """Options: ``layout`` -- ``raw`` (uint8 ``(n, 28, 28)`` as ``mnist.load_data()``), ``flat`` (``(n, 784)``,
    the MLP of seed 004) or ``image`` (``(n, 28, 28, 1)``, the CNN); ``normalize`` (``/ 255``, default on for
    ``flat``/``image``), ``dtype`` (``float32``; one seed line uses ``float64``), ``one_hot`` (10 columns),
    ``train_limit``/``test_limit``. Aliases: ``flatten: True`` = ``layout="flat"``, ``channels: 1`` =
    ``layout="image"``."""
    check_options("mnist", options, MNIST_OPTIONS)
    t0 = time.perf_counter()
    layout = options.get("layout") or ("flat" if options.get("flatten") else "image" if options.get("channels")
                                       else "raw")
    if layout not in LAYOUTS:
        raise ValueError(f"mnist: layout must be one of {sorted(LAYOUTS)}, not {layout!r}")
    # Keras' full mnist.npz wherever it is, before the project's 10k subset
    path = find_file(MNIST_NAMES[:1], data_dirs, ["mnist"]) or find_file(MNIST_NAMES[1:], data_dirs, ["mnist"])
    if path is None and options.get("allow_download"):
        import keras

        try:
            path = Path(keras.utils.get_file(fname="mnist.npz", origin=ORIGIN + "mnist.npz",
                                             file_hash=MNIST_NPZ_SHA256))
        except Exception as e:
            raise DatasetMissing(f"{where_hint('mnist', 'mnist.npz')} (download failed: {type(e).__name__})") from e
    if path is None:
        raise DatasetMissing(where_hint("mnist", "mnist.npz (or mnist_train10k_test10k.npz)"))
    with np.load(path, allow_pickle=False) as f:
        x_train, y_train, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    x_train, y_train = limit(x_train, options.get("train_limit")), limit(y_train, options.get("train_limit"))
    x_test, y_test = limit(x_test, options.get("test_limit")), limit(y_test, options.get("test_limit"))
    normalize = options.get("normalize", layout != "raw")
    dtype = options.get("dtype", "float32")

    def prep(x: np.ndarray) -> np.ndarray:
        shape = LAYOUTS[layout]
        if shape is not None:
            x = x.reshape((x.shape[0], *shape))
        if normalize:
            x = x.astype(dtype) / 255
        return x

    x_train, x_test = prep(x_train), prep(x_test)
    if options.get("one_hot"):
        y_train, y_test = one_hot(y_train, 10), one_hot(y_test, 10)
    sha = sha256_of(path)
    variant = {MNIST_NPZ_SHA256: "keras-official", MNIST_SUBSET_SHA256: "project-subset (train 10k, test 10k)"}.get(
        sha, "mnist npz (unverified hash)")
    return Dataset(x_train, y_train, x_test, y_test,
                   DatasetInfo("mnist", str(path), "MNIST handwritten digits", dict(options),
                               {"variant": variant, "sha256": sha, "num_classes": 10,
                                "load_seconds": time.perf_counter() - t0}))
