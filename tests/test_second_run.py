"""A model below its bar is trained once more under another seed and judged on the better run
(``harness/training/second_run.py``); the runs themselves are in ``tests/test_training.py``'s class run."""

from __future__ import annotations

from harness.results import AssignmentResult, Check
from harness.training import second_run


def trained(score: float, bar: float = 0.8, *, structure_ok: bool = True, sandbox_s: float = 10.0) -> AssignmentResult:
    checks = [Check("layers", structure_ok, "layers"),
              Check("test_accuracy", score >= bar, f"test accuracy {score}", credit=min(1.0, score / bar))]
    return AssignmentResult.from_checks("mnist_mlp", 10, checks, file="mnist_mlp.py",
                                        metrics={"training": {"metric": "accuracy", "score": score, "seed": 0}},
                                        timings={"sandbox_s": sandbox_s})


def test_only_a_measured_model_below_its_bar_gets_a_second_run() -> None:
    assert second_run.falls_short(trained(0.7))
    assert not second_run.falls_short(trained(0.9)), "it passed"
    assert not second_run.falls_short(trained(0.7, structure_ok=False)), "another seed builds the same wrong layers"
    unmeasured = trained(0.7)
    unmeasured.metrics["training"]["score"] = None
    assert not second_run.falls_short(unmeasured), "a model that could not predict: a seed changes nothing"
    error = AssignmentResult(id="mnist_mlp", status="error", max_score=10, reason="no model")
    assert not second_run.falls_short(error)


def test_a_second_run_that_passes_is_the_verdict_and_both_runs_are_recorded() -> None:
    first, second = trained(0.7, sandbox_s=10.0), trained(0.85, sandbox_s=12.0)
    result = second_run.judged(first, second, (3, second_run.second_seed(3)))
    assert result.status == "passed" and result.score == 10
    runs = result.metrics["training"]["runs"]
    assert [r["seed"] for r in runs] == [3, 3 + second_run.SECOND_SEED_OFFSET]
    assert [r["checks"]["test_accuracy"] for r in runs] == [False, True]
    assert result.metrics["training"]["judged_run"] == 2
    assert "fell short: test accuracy 0.7000" in result.notes[0] and "judged on this second run" in result.notes[0]
    assert result.timings["sandbox_s"] == 22.0 and result.timings["second_run_s"] == 12.0


def test_a_second_run_no_better_leaves_the_first_verdict() -> None:
    first, second = trained(0.7), trained(0.6)
    result = second_run.judged(first, second, (0, second_run.second_seed(0)))
    assert result is first and result.status == "failed"
    assert result.metrics["training"]["judged_run"] == 1
    assert "test accuracy 0.6000, no better; judged on the first run" in result.notes[0]
    errored = AssignmentResult(id="mnist_mlp", status="error", max_score=10, reason="out of memory")
    assert second_run.judged(trained(0.7), errored, (0, 1)).status == "failed", "an error never wins"


def test_a_second_runs_progress_line_names_its_seed() -> None:
    """On a terminal the second run gets a line of its own; its seed tells it from the first."""
    from types import SimpleNamespace

    from harness.training.progress import Progress

    progress = Progress()  # not entered: nothing drawn, the lines are still kept
    recipe = SimpleNamespace(epochs=3, time_budget_s=300.0)
    assignment = SimpleNamespace(id="mnist_mlp")
    for seed in (0, second_run.second_seed(0)):
        progress.start(SimpleNamespace(submission="alice", assignment=assignment, mode="stateless", recipe=recipe,
                                       task={"seed": seed}))  # type: ignore[arg-type]
    assert [task.description for task in progress._progress.tasks] == [  # noqa: SLF001
        "alice · mnist_mlp (stateless, ≤ 3 epochs, seed 0)", "alice · mnist_mlp (stateless, ≤ 3 epochs, seed 10007)"]
