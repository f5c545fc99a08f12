"""``jena_generator``: DLwP's timeseries generator, ``generator(data, lookback, delay, min_index, max_index,
shuffle=False, batch_size=128, step=6)``, yielding ``(samples, targets)`` batches forever.

Seed: ``001_07b7324716c42e53.txt``, 6.3 (DLwP listing 6-33; also 000, "기온 예측 문제 (24시간 후) – 시계열 데이터와
타겟을 반환하는 제네레이터 함수", lines 30-54). ``max_index=None`` means ``len(data) - delay - 1``; rows start at
``i = min_index + lookback``; without shuffle, ``if i + batch_size >= max_index: i = min_index + lookback`` and
``rows = np.arange(i, min(i + batch_size, max_index))``, ``i += len(rows)``; with shuffle, ``rows =
np.random.randint(min_index + lookback, max_index, size=batch_size)``. Each row gives ``samples[j] =
data[range(row - lookback, row, step)]`` (shape (lookback // step, features)) and ``targets[j] = data[row + delay][1]``
(column 1 is the temperature).

Graded (``output="generator:3"``): the first three batches. Without shuffle they are compared value by value (the
wrap-around back to ``min_index + lookback`` included). With ``shuffle=True`` the rows come from NumPy's global random
state, so values cannot match; ``compare`` checks instead that every batch has the right shapes and that each sample
is a genuine window: its rows recovered from the data (column 0 of the graded data is strictly increasing), the row in
``[min_index + lookback, max_index)``, the samples every ``step``-th row before it and the target ``data[row + delay][1]``.

Every graded ``lookback`` is a multiple of ``step``: otherwise ``range(row - lookback, row, step)`` holds
``ceil(lookback / step)`` rows but ``samples`` has room for ``lookback // step``, and the seed's code fails.

Seed typos: in 000 the lines from ``samples = np.zeros(...)`` to ``yield samples, targets`` are indented at the level
of ``while 1:`` (a slide break), which puts them after an endless loop; 001's ``reverse_order_generator`` yields
``samples[:, :, :-1, :]`` (too many indices) where DLwP has ``samples[:, ::-1, :]``.
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import arg, as_array, compare_arrays, draw

N_BATCHES = 3


def generator(data, lookback, delay, min_index, max_index, shuffle=False, batch_size=128, step=6):
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = np.random.randint(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)

        samples = np.zeros((len(rows), lookback // step, data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(row - lookback, row, step)
            samples[j] = data[indices]
            targets[j] = data[row + delay][1]
        yield samples, targets


def weather(n_rows: int, seed: int = 0, features: int = 3) -> np.ndarray:
    """A small deterministic stand-in for the Jena array: column 0 strictly increasing (a time stamp), column 1 a
    daily temperature-like wave with noise, the rest noise; normalised like the seed's data."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_rows, dtype=np.float64)
    data = rng.normal(0.0, 1.0, size=(n_rows, features))
    data[:, 0] = (t - n_rows / 2) / n_rows
    if features > 1:
        data[:, 1] = np.sin(2 * np.pi * t / 144) + 0.1 * rng.normal(size=n_rows)
    return data


def cases() -> list[Case]:
    data = weather(2000)
    return [
        Case(args=(data, 240, 24, 0, 1000), kwargs={"batch_size": 128, "step": 6},
             label="lookback 240, delay 24, rows 0-1000, batch 128, step 6"),
        Case(args=(data, 120, 12, 0, 600), kwargs={"batch_size": 200, "step": 4},
             label="batch 200 on rows 0-600: the third batch wraps around to min_index + lookback"),
        Case(args=(data, 60, 30, 1500, None), kwargs={"batch_size": 64, "step": 3},
             label="max_index None (len(data) - delay - 1), min_index 1500, step 3"),
        Case(args=(data, 10, 1, 100, 400), kwargs={"batch_size": 16, "step": 1},
             label="step 1 (every row), delay 1, batch 16"),
        Case(args=(data, 144, 144, 200, 700), label="defaults: batch_size 128, step 6 (lookback 144, delay 144)"),
        Case(args=(data, 60, 10, 0, 120), kwargs={"batch_size": 100, "step": 6},
             label="range shorter than a batch: every batch is the same partial 60 rows"),
        Case(args=(data, 240, 24, 0, 1500), kwargs={"shuffle": True, "batch_size": 32, "step": 6},
             label="shuffle=True: shapes and genuine windows only"),
        Case(args=(weather(600, seed=1, features=5), 48, 12, 100, None, True, 8, 2),
             label="shuffle=True, 5 features, all arguments positional"),
    ]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    @st.composite
    def settings(draw_):
        n_rows = draw_(st.integers(150, 500))
        step = draw_(st.sampled_from([1, 2, 3, 6]))
        lookback = step * draw_(st.integers(1, 12))
        delay = draw_(st.integers(0, 24))
        min_index = draw_(st.integers(0, 40))
        top = n_rows - delay - 1
        max_index = None if draw_(st.booleans()) else draw_(st.integers(min_index + lookback + 1, top))
        batch_size = draw_(st.integers(1, 48))
        seed = draw_(st.integers(0, 2**16))
        return n_rows, seed, lookback, delay, min_index, max_index, batch_size, step

    return [
        Case(args=(weather(n, seed), lookback, delay, min_index, max_index),
             kwargs={"batch_size": batch_size, "step": step},
             label=f"{n} rows, lookback {lookback}, delay {delay}, rows {min_index}-{max_index}, "
                   f"batch {batch_size}, step {step}")
        for n, seed, lookback, delay, min_index, max_index, batch_size, step in draw(settings(), 15)
    ]


def _genuine_windows(case: Case, k: int, samples: np.ndarray, targets: np.ndarray) -> str | None:
    """For a shuffled batch: every sample must be the window before some allowed row, with that row's target."""
    data = arg(case, 0, "data")
    lookback, delay, min_index = arg(case, 1, "lookback"), arg(case, 2, "delay"), arg(case, 3, "min_index")
    max_index = arg(case, 4, "max_index")
    step = arg(case, 7, "step", 6)
    if max_index is None:
        max_index = len(data) - delay - 1
    stamps = data[:, 0]
    if not np.all(np.diff(stamps) > 0):
        return None  # rows cannot be recovered; shapes were checked
    for j in range(len(samples)):
        first = int(np.searchsorted(stamps, samples[j, 0, 0]))
        if first >= len(stamps) or not np.isclose(stamps[first], samples[j, 0, 0], atol=1e-6, rtol=0):
            return f"batch {k} sample {j} does not start at a row of data (samples[{j}, 0] is no row of the data)."
        row = first + lookback
        if not min_index + lookback <= row < max_index:
            return (f"batch {k} sample {j} is the window before row {row}, outside the allowed rows "
                    f"[min_index + lookback, max_index) = [{min_index + lookback}, {max_index}).")
        window = data[row - lookback:row:step]
        if window.shape != samples[j].shape or not np.allclose(window, samples[j], atol=1e-6, rtol=1e-6):
            return (f"batch {k} sample {j} is not data[row - lookback:row:step] for row {row} (every {step}-th "
                    f"row of the {lookback} rows before it).")
        if not np.isclose(targets[j], data[row + delay][1], atol=1e-6, rtol=1e-6):
            return (f"batch {k} target {j} is {targets[j]:.6g}; the window before row {row} has target "
                    f"data[row + delay][1] = {data[row + delay][1]:.6g}.")
    return None


def compare(case: Case, expected, actual) -> str | None:
    shuffle = bool(arg(case, 5, "shuffle", False))
    if not isinstance(actual, (list, tuple)):
        return f"expected the generator's first {N_BATCHES} batches, got {type(actual).__name__}."
    if len(actual) < len(expected):
        return (f"the generator yielded {len(actual)} batch(es); expected at least {len(expected)}: it should loop "
                f"forever (while 1) and yield one (samples, targets) pair per batch.")
    for k, (exp_item, act_item) in enumerate(zip(expected, actual), start=1):
        if not isinstance(act_item, (list, tuple)) or len(act_item) != 2:
            return f"batch {k} is not a (samples, targets) pair (got {type(act_item).__name__})."
        exp_samples, exp_targets = (np.asarray(part) for part in exp_item)
        if shuffle:
            samples, problem = as_array(act_item[0], f"batch {k}'s samples array")
            targets, problem2 = as_array(act_item[1], f"batch {k}'s targets array")
            if problem or problem2:
                return problem or problem2
            for name, got, want in (("samples", samples, exp_samples), ("targets", targets, exp_targets)):
                if got.shape != want.shape:
                    return f"batch {k}'s {name} array has shape {got.shape}; expected {want.shape}."
            message = _genuine_windows(case, k, samples, targets)
        else:
            message = (compare_arrays(exp_samples, act_item[0], what=f"batch {k}'s samples array", kinds="iuf")
                       or compare_arrays(exp_targets, act_item[1], what=f"batch {k}'s targets array", kinds="iuf"))
        if message:
            return message
    return None


ASSIGNMENT = FunctionAssignment(
    id="jena_generator",
    title="The Jena timeseries generator (DLwP listing 6-33)",
    seed="001_07b7324716c42e53.txt",
    where="6.3 순환 신경망의 고급 사용법: def generator(...) (also 000 시계열 데이터와 타겟을 반환하는 제네레이터 함수)",
    function="generator",
    reference=generator,
    cases=cases,
    examples=examples,
    compare=compare,
    output=f"generator:{N_BATCHES}",
)
