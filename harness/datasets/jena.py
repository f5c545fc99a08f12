"""The Jena climate series of Deep Learning with Python 6.3 (seeds 000 and 001), and the naive baseline.

* :func:`parse_jena_csv` is the seeds' parsing: split lines on ``\\n`` and ``,``, drop the ``Date Time``
  column, ``float_data`` of shape ``(rows, 14)`` (420,551 rows in the real file).
* :func:`normalise`: mean and std of the first 200,000 rows.
* :func:`naive_mae` is the seeds' ``evaluate_naive_method`` (0.2897 in normalised units = 2.57 degC in the seeds)
  on a fixed set of windows; :func:`windows` gives every sample the seeds' ``generator`` would (the generator
  itself is the assignment ``reference/jena_generator.py``; the sandbox trains with its own, seeded copy in
  ``harness/sandbox/jail/training_task.py``).

The dataset handed to a model (:func:`load_jena`): ``x_train`` = normalised rows ``0..300000`` (the region of
the seeds' ``train_gen`` ``0..200000`` and ``val_gen`` ``200001..300000``), ``y_train`` = its temperature
column; ``x_test`` = windows ``(n, lookback // step, 14)`` from the test region (``300001..``) every
``test_stride`` rows, ``y_test`` = the normalised temperature ``delay`` rows later. ``info.extra`` holds
``mean``/``std`` (``mae * std[1]`` is degrees) and the naive MAE on the same test windows.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._core import Dataset, DatasetInfo, DatasetMissing, check_options, find_file, where_hint

JENA_CSV = "jena_climate_2009_2016.csv"
JENA_NAMES = (JENA_CSV, JENA_CSV + ".zip")
#: Column of ``float_data`` holding ``T (degC)`` (column 2 of the CSV, after ``Date Time``).
TEMP_COL = 1
JENA_HEADER = ('"Date Time"', '"p (mbar)"', '"T (degC)"', '"Tpot (K)"', '"Tdew (degC)"', '"rh (%)"',
               '"VPmax (mbar)"', '"VPact (mbar)"', '"VPdef (mbar)"', '"sh (g/kg)"', '"H2OC (mmol/mol)"',
               '"rho (g/m**3)"', '"wv (m/s)"', '"max. wv (m/s)"', '"wd (deg)"')

DEFAULTS = {"lookback": 1440, "step": 6, "delay": 144, "batch_size": 128, "train_rows": 200000,
            "val_end": 300000, "test_start": 300001, "test_stride": 144}


JENA_OPTIONS = (*DEFAULTS, "train_limit", "test_limit", "train_range", "val_range")


def _read_text(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.endswith(".csv"))
            return io.TextIOWrapper(z.open(name), encoding="utf-8").read()
    return path.read_text(encoding="utf-8")


def parse_jena_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """``(header, float_data)`` exactly as the seeds parse it (blank lines, e.g. a final newline, skipped)."""
    data = _read_text(Path(path))
    lines = data.split("\n")
    header = lines[0].split(",")
    lines = [line for line in lines[1:] if line.strip()]
    float_data = np.zeros((len(lines), len(header) - 1))
    for i, line in enumerate(lines):
        float_data[i, :] = [float(x) for x in line.split(",")[1:]]
    return header, float_data


def normalise(float_data: np.ndarray, train_rows: int = 200000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(data, mean, std)``: ``mean = data[:200000].mean(axis=0)``, ``data -= mean``, then
    ``std = data[:200000].std(axis=0)``, ``data /= std`` (a copy; the seeds do it in place)."""
    data = np.array(float_data, dtype=np.float64, copy=True)
    mean = data[:train_rows].mean(axis=0)
    data -= mean
    std = data[:train_rows].std(axis=0)
    data /= std
    return data, mean, std


def naive_mae(samples: np.ndarray, targets: np.ndarray, temp_col: int = TEMP_COL, std: np.ndarray | float | None = None
              ) -> float:
    """Baseline "tomorrow's temperature = the last one seen": ``mean(|samples[:, -1, temp_col] - targets|)``.

    In normalised units; pass ``std`` (the array from :func:`normalise`, or ``std[1]``) to get degrees. A jena
    model is judged by its MAE on the same windows against this number (the seeds: 0.29, i.e. 2.57 degC).
    """
    mae = float(np.mean(np.abs(np.asarray(samples)[:, -1, temp_col] - np.asarray(targets).reshape(-1))))
    if std is not None:
        s = np.asarray(std, dtype=np.float64)
        mae *= float(s[temp_col] if s.ndim else s)
    return mae


def windows(data: np.ndarray, lookback: int, delay: int, min_index: int, max_index: int | None, step: int = 6,
            stride: int = 1, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """All of the generator's (unshuffled) samples whose target row is in range, every ``stride`` rows:
    rows ``min_index + lookback .. max_index - 1``, samples ``data[row - lookback : row : step]``,
    targets ``data[row + delay][1]``."""
    if max_index is None:
        max_index = len(data) - delay - 1
    rows = np.arange(min_index + lookback, max_index, stride)
    offsets = np.arange(-lookback, 0, step)
    samples = data[rows[:, None] + offsets[None, :]].astype(dtype)
    targets = data[rows + delay, TEMP_COL].astype(dtype)
    return samples, targets


def load_jena(options: dict[str, Any], data_dirs: Sequence[Path]) -> Dataset:
    """Options (the seeds' values by default): ``lookback`` 1440, ``step`` 6, ``delay`` 144, ``train_rows``
    200000 (normalisation), ``val_end`` 300000 (last row of ``x_train``), ``test_start`` 300001,
    ``test_stride`` 144 (one test window per day: 829 windows of 240 x 14), ``train_limit`` (rows),
    ``test_limit`` (windows). ``train_range=(0, 200000)`` / ``val_range=(200001, 300000)`` (the generators'
    ranges) set ``train_rows`` / ``val_end`` and ``test_start``."""
    check_options("jena", options, JENA_OPTIONS)
    options = dict(options)
    if "train_range" in options:  # (0, 200000): the seeds' train_gen rows; normalisation uses data[:200000]
        options.setdefault("train_rows", int(options["train_range"][1]))
    if "val_range" in options:  # (200001, 300000): val_gen rows; the test windows start after them
        options.setdefault("val_end", int(options["val_range"][1]))
        options.setdefault("test_start", int(options["val_range"][1]) + 1)
    t0 = time.perf_counter()
    path = find_file(JENA_NAMES, data_dirs, ["jena", "jena_climate"])
    if path is None:
        raise DatasetMissing(where_hint("jena", f"{JENA_CSV} (or {JENA_CSV}.zip, DLwP 6.3)"))
    o = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
    header, raw = parse_jena_csv(path)
    data, mean, std = normalise(raw, o["train_rows"])
    x_train = data[: o["val_end"] + 1]
    if options.get("train_limit"):
        x_train = x_train[: int(options["train_limit"])]
    x_test, y_test = windows(data, o["lookback"], o["delay"], o["test_start"], None, o["step"], o["test_stride"])
    if options.get("test_limit"):
        x_test, y_test = x_test[: int(options["test_limit"])], y_test[: int(options["test_limit"])]
    extra = {"header": header, "rows": len(data), "mean": mean, "std": std, "temp_col": TEMP_COL,
             "params": o, "naive_mae": naive_mae(x_test, y_test) if len(x_test) else None,
             "naive_mae_degC": naive_mae(x_test, y_test, std=std) if len(x_test) else None,
             "variant": "DLwP 6.3 csv", "load_seconds": time.perf_counter() - t0}
    return Dataset(x_train, x_train[:, TEMP_COL].copy(), x_test, y_test,
                   DatasetInfo("jena", str(path), "Jena climate 2009-2016, 14 normalised features every 10 min",
                               dict(options), extra))
