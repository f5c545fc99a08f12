"""A correct student passes under every seed, not one lucky one: alice's cheapest trained assignments under
``grader run --checks all --seed S`` for S = 0..4, on the project's real offline data. Every assignment with data
is benchmarked the same way by ``benchmarks/bench_calibration.py --alice-seeds 5``; the calibrated bars these runs
are judged by are tested without training in ``tests/test_calibration.py``."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, by_id, grade_json
from tests.test_training import SHARED, needs_shared

#: The two quick recipes that train in seconds on real data (IMDB embedding + Flatten, the MNIST MLP).
CHEAP = ("imdb_embedding_flatten", "mnist_mlp")


@needs_shared
@pytest.mark.parametrize("seed", range(5))
def test_alice_passes_the_cheap_assignments_under_checks_all(seed: int) -> None:
    code, report = grade_json(str(ROOT / "submissions" / "alice"), "--checks", "all", "--seed", str(seed),
                              *[arg for assignment in CHEAP for arg in ("-a", assignment)],
                              "--data-dir", str(SHARED), "-j", "1")
    results = by_id(report)
    assert code == 0 and set(results) == set(CHEAP), report
    for assignment, result in results.items():
        assert result["status"] == "passed", (seed, assignment, [c["message"] for c in result["checks"]])
        names = [c["name"] for c in result["checks"]]
        assert "layers" in names and "test_accuracy" in names  # --checks all: structure and training
        assert result["metrics"]["training"]["seed"] == seed
