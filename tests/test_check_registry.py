"""The check registry (``harness/checks/registry.py``): a check added in one place is run and reported.

A temporary check is registered the way a contributor would add one, graded through ``harness.check`` (the same
runner as ``grader run``: :func:`harness.checks.functions.check_values`), then unregistered.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.checks import FUNCTION_CHECKS, MODEL_CHECKS, registry
from harness.results import Check
from harness.selfcheck import check

ROOT = Path(__file__).resolve().parents[1]


def _alice_rnn_forward() -> Any:
    path = ROOT / "submissions" / "alice" / "rnn_forward.py"
    spec = importlib.util.spec_from_file_location("registry_alice_rnn_forward", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rnn_forward


def _finite(context: registry.ReturnsContext) -> Check:
    bad = sorted(key for key, value in context.values.items() if not np.isfinite(np.asarray(value)).all())
    return Check("finite_returns", not bad, f"cases {', '.join(bad)} return NaN or inf" if bad else "all finite")


@pytest.fixture
def finite_check() -> Iterator[None]:
    registry.check("finite_returns", kind="function", phase="returns")(_finite)
    try:
        yield
    finally:
        registry.unregister(_finite)


def test_a_registered_check_runs_and_is_reported(finite_check: None) -> None:
    rnn_forward = _alice_rnn_forward()
    good = check("rnn_forward", rnn_forward)
    assert [c.name for c in good.checks] == [*FUNCTION_CHECKS, "finite_returns"]
    assert good.passed and "✔ finite_returns: all finite" in str(good)

    bad = check("rnn_forward", lambda *args: rnn_forward(*args) * np.nan)
    finite = next(c for c in bad.checks if c.name == "finite_returns")
    assert not finite.passed and "return NaN or inf" in finite.message
    assert "finite_returns" in registry.names("function")


def test_an_unregistered_check_is_gone() -> None:
    assert "finite_returns" not in registry.names("function")
    assert [c.name for c in check("rnn_forward", _alice_rnn_forward()).checks] == list(FUNCTION_CHECKS)


def test_the_names_students_see_are_the_registered_ones() -> None:
    assert registry.names("model") == MODEL_CHECKS
    assert registry.names("function") == FUNCTION_CHECKS


def test_a_check_must_declare_what_it_reports() -> None:
    def mislabelled(context: Any) -> Check:
        return Check("something_else", True, "")

    registry.check("declared_name", kind="function", phase="returns")(mislabelled)
    try:
        with pytest.raises(ValueError, match="does not declare"):
            next(r for r in registry.checks("function", "returns") if r.run is mislabelled)(None)
    finally:
        registry.unregister(mislabelled)
    with pytest.raises(ValueError, match="phases"):
        registry.check("x", kind="function", phase="build")
    with pytest.raises(ValueError, match="unique"):
        registry.check("layers", kind="model", phase="build")
