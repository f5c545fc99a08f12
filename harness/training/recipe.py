"""A recipe as the sandbox receives it, and the data it trains on, shaped as the model expects."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.catalog import Recipe, Training
from harness.sandbox import Limits
from harness.training.settings import MARGIN_FRACTION, MARGIN_S, trains_from_generators

# -- the recipe ------------------------------------------------------------------------------------------------------

def job_mode(training: Training, recipe: Recipe) -> str:
    if trains_from_generators(training.dataset):
        return "generator"
    if recipe.data.get("stateful"):
        return "stateful"
    return "fit"


def recipe_dict(recipe: Recipe) -> dict[str, Any]:
    return {"optimizer": recipe.optimizer, "loss": recipe.loss, "metrics": list(recipe.metrics),
            "epochs": recipe.epochs, "batch_size": recipe.batch_size, "validation_split": recipe.validation_split,
            "learning_rate": recipe.learning_rate, "time_budget_s": recipe.time_budget_s,
            "data": json.loads(json.dumps(recipe.data, default=list))}


def train_limits(limits: Limits, recipe: Recipe) -> Limits:
    """The sandbox job's limits: wall clock = the training budget + a margin (never less than asked for)."""
    wall = max(limits.wall_s, recipe.time_budget_s * (1 + MARGIN_FRACTION) + MARGIN_S)
    cpu = max(limits.cpu_s, int(wall * max(1, os.cpu_count() or 1)) + 60)
    return limits.with_overrides(wall_s=wall, cpu_s=cpu)


# -- data ------------------------------------------------------------------------------------------------------------

def num_classes(dataset: Any) -> int | None:
    value = dataset.info.extra.get("num_classes")
    return int(value) if value else None


def labels_for(y: np.ndarray, loss: str, classes: int | None) -> np.ndarray:
    """One-hot labels where the recipe's loss wants them (``categorical_crossentropy``: the seeds'
    ``to_categorical``); otherwise as they are."""
    y = np.asarray(y)
    if loss == "categorical_crossentropy" and y.ndim == 1:
        count = classes or int(y.max()) + 1
        out = np.zeros((len(y), count), dtype=np.float32)
        out[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return out
    return y


def to_layout(x: np.ndarray, batch_shape: Sequence[int | None]) -> np.ndarray:
    """``x`` reshaped to the reference's input layout when only the layout differs (the song for the MLP)."""
    want = tuple(batch_shape)[1:]
    if x is None or x.dtype == object or len(want) == x.ndim - 1 or any(d is None for d in want):
        return x
    if math.prod(d for d in want if d is not None) == int(np.prod(x.shape[1:])):
        return x.reshape((x.shape[0], *want))
    return x


def fingerprint(dataset: Any, train_arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Where the data came from, and a sha256 over exactly the arrays used (training and test)."""
    digest = hashlib.sha256()
    for array in (*train_arrays.values(), dataset.x_test, dataset.y_test):
        if array is None:
            continue
        if array.dtype == object:
            for row in array:
                digest.update(np.asarray(row).tobytes())
        else:
            digest.update(np.ascontiguousarray(array).tobytes())
    extra = dataset.info.extra
    source = str(dataset.info.source)
    return {"dataset": dataset.id, "source": Path(source).name if Path(source).exists() else source,
            "variant": extra.get("variant", ""), "file_sha256": extra.get("sha256", ""),
            "sha256": digest.hexdigest(), "n_train": int(len(dataset.x_train)), "n_test": int(len(dataset.x_test))}

