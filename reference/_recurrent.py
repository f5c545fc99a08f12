"""Shared pieces of the numpy recurrent-layer assignments (rnn_forward, lstm_forward, gru_forward).

Not an assignment (the registry skips modules whose name starts with ``_``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from harness.catalog import Case
from reference._common import as_array, compare_arrays, draw, matches, rng_arrays

#: Float tolerance: students may compute in float32.
ATOL = RTOL = 1e-5


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def keras_layout_case(seed: int, timesteps: int, features: int, units: int, gates: int, label: str,
                      scale: float = 0.5) -> Case:
    """Inputs (timesteps, features), kernel (features, gates·units), recurrent kernel (units, gates·units), bias."""
    inputs, kernel, recurrent, bias = rng_arrays(seed, (timesteps, features), (features, gates * units),
                                                 (units, gates * units), (gates * units,), scale=scale)
    return Case(args=(inputs * 2.0, kernel, recurrent, bias), label=label)


def keras_layout_examples(gates: int) -> list[Case]:
    from hypothesis import strategies as st

    strategy = st.tuples(st.integers(1, 8), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**16))
    return [keras_layout_case(seed, t, f, u, gates, f"random: {t} timesteps, {f} features, {u} units")
            for t, f, u, seed in draw(strategy, 12)]


def _attempt(compute: Callable[[], np.ndarray]) -> np.ndarray | None:
    """What a mistake would produce, or None when it cannot even be computed for these shapes."""
    try:
        return compute()
    except (ValueError, IndexError, TypeError):
        return None


def compare_states(case: Case, expected: Any, actual: Any, name: str,
                   alternatives: list[tuple[str, Callable[[], np.ndarray]]]) -> str | None:
    """Compare all hidden states; on a mismatch, name the first known mistake ``actual`` matches, if any.

    ``alternatives`` are ``(sentence, compute)``: ``compute`` returns what a common mistake would produce.
    A returned last state only (shape (units,)) is recognised for every layer.
    """
    message = compare_arrays(expected, actual, what=f"{name}'s result", atol=ATOL, rtol=RTOL, kinds="f")
    if message is None:
        return None
    exp = np.asarray(expected)
    act, problem = as_array(actual)
    if problem:
        return message
    if act.shape == exp.shape[1:] and matches(exp[-1], act, atol=ATOL, rtol=RTOL):
        return (f"{name} returned only the last state, shape {act.shape}; return every timestep's state stacked, "
                f"shape {exp.shape} (timesteps, units).")
    if act.shape == exp.shape:
        for sentence, compute in alternatives:
            alternative = _attempt(compute)
            if alternative is not None and matches(alternative, act, atol=ATOL, rtol=RTOL):
                return sentence
    return message
