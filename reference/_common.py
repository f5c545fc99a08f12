"""Shared helpers for reference modules: array comparison, case arguments, deterministic hypothesis draws.

Not an assignment (the registry skips modules whose name starts with ``_``).

Every ``compare`` in the catalog answers ``None`` when the student's output is right, otherwise one sentence
naming what differs: the shape, the kind of dtype, or the first differing element with its expected and actual
value, how many elements differ and the largest absolute difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.catalog import Case

#: Wording for the dtype kinds numpy uses (``np.dtype.kind``).
_KIND_WORDS = {"b": "boolean", "i": "integer", "u": "integer", "f": "floating-point", "c": "complex",
               "O": "object", "U": "string", "S": "bytes", "M": "datetime", "m": "timedelta"}
#: Kinds that count as the same for grading (signed and unsigned integers are both "integer").
_KIND_CLASS = {"i": "i", "u": "i", "b": "b", "f": "f", "c": "c"}
#: Any numeric dtype: for one-hot arrays a 0/1 array of ints, bools or floats is equally right.
NUMERIC = "biuf"


def arg(case: Case, position: int, name: str, default: Any = None) -> Any:
    """The argument a case passes as ``name``: positional ``position`` if given there, else the keyword, else default."""
    if len(case.args) > position:
        return case.args[position]
    return case.kwargs.get(name, default)


def as_array(value: Any, what: str = "the result") -> tuple[np.ndarray | None, str | None]:
    """``(array, None)``, or ``(None, sentence)`` when ``value`` cannot be read as a numeric numpy array."""
    if value is None:
        return None, f"{what} is None; did the function forget to return its array?"
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        return None, f"{what} cannot be read as a numpy array ({type(exc).__name__}: {exc})."
    if array.dtype.kind not in "biufc":
        return None, f"{what} is not a numeric array (numpy made a {array.dtype} array of it, shape {array.shape})."
    return array, None


def _fmt(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _index(where: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in where) + "]"


def compare_arrays(expected: Any, actual: Any, *, what: str = "the result", atol: float = 1e-6,
                   rtol: float = 1e-6, kinds: str | None = None) -> str | None:
    """Compare two arrays: shape, dtype kind, then values (``np.isclose`` with ``atol``/``rtol``).

    ``kinds`` lists the accepted ``dtype.kind`` letters; ``None`` accepts the expected array's kind class
    (any integer width for an integer array, any float width for a float array).
    """
    exp = np.asarray(expected)
    act, problem = as_array(actual, what)
    if problem:
        return problem
    if act.shape != exp.shape:
        return f"{what} has shape {act.shape}; expected {exp.shape}."
    accepted = kinds if kinds is not None else {"i": "iu", "u": "iu"}.get(exp.dtype.kind, exp.dtype.kind)
    if act.dtype.kind not in accepted:
        wanted = " or ".join(sorted({_KIND_WORDS.get(k, k) for k in accepted}))
        return f"{what} has dtype {act.dtype} ({_KIND_WORDS.get(act.dtype.kind, act.dtype.kind)}); expected {wanted}."
    if exp.size == 0:
        return None
    if exp.dtype.kind in "iub" and act.dtype.kind in "iub":
        close = exp.astype(np.int64) == act.astype(np.int64)
        diff = np.abs(exp.astype(np.int64) - act.astype(np.int64))
    else:
        e, a = exp.astype(np.float64), act.astype(np.float64)
        close = np.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
        with np.errstate(invalid="ignore"):
            diff = np.abs(a - e)
    if close.all():
        return None
    bad = np.argwhere(~close)
    first = tuple(bad[0])
    where = _index(first) if exp.ndim else "the scalar"
    max_diff = np.nanmax(diff) if np.isfinite(diff).any() else float("nan")
    return (f"{what} differs at {where}: expected {_fmt(exp[first])}, got {_fmt(act[first])} "
            f"({len(bad)} of {exp.size} elements differ, max abs diff {_fmt(max_diff)}).")


def matches(reference: Any, actual: Any, *, atol: float = 1e-6, rtol: float = 1e-6) -> bool:
    """Whether ``actual`` equals ``reference`` as compare_arrays would judge it (any numeric kind)."""
    return compare_arrays(reference, actual, atol=atol, rtol=rtol, kinds=NUMERIC) is None


def draw(strategy: Any, n: int) -> list[Any]:
    """Up to ``n`` values drawn from a hypothesis strategy, the same ones on every run (derandomized, no database)."""
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: list[Any] = []

    @settings(derandomize=True, database=None, max_examples=n, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn[:n]


def rng_arrays(seed: int, *shapes: tuple[int, ...], scale: float = 0.5) -> list[np.ndarray]:
    """Float64 arrays of normal noise (times ``scale``) for the given shapes, from ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, scale, size=shape) for shape in shapes]

