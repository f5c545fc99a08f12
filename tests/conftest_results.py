"""Hand-built results for the store, leaderboard, report and export tests (no TensorFlow, no grading).

alice passes everything; bob passes one assignment and half of the other; carol's code errors on one
and is missing the other. ``numbered(i)`` makes many distinct submissions for the crash/concurrency tests.
Import with ``from conftest_results import ...`` (the test modules put this folder on ``sys.path``).
"""

from __future__ import annotations

from pathlib import Path

from harness.results import AssignmentResult, Check, SubmissionResult

RNN = "simple_rnn"
LSTM = "reuters_lstm_100"

HISTORY = {
    "loss": [0.62, 0.41, 0.33, 0.27, 0.22],
    "val_loss": [0.48, 0.39, 0.36, 0.35, 0.37],
    "accuracy": [0.66, 0.82, 0.86, 0.89, 0.92],
    "val_accuracy": [0.78, 0.83, 0.85, 0.86, 0.85],
}

ARCH = [
    {"layer": 0, "student": "Embedding (None, None, 32) 320,000", "reference": "Embedding (None, None, 32) 320,000"},
    {"layer": 1, "student": "SimpleRNN (None, 32) 2,080", "reference": "SimpleRNN (None, 32) 2,080"},
]


def _checks(passed: int, total: int, prefix: str = "check") -> list[Check]:
    return [Check(f"{prefix}_{i}", i < passed, "ok" if i < passed else f"{prefix}_{i}: expected 32 units, got 16")
            for i in range(total)]


def alice(root: Path | str = "submissions") -> SubmissionResult:
    rnn = AssignmentResult.from_checks(
        RNN, 10.0,
        [Check("structure", True, "layers match the reference", weight=2.0),
         Check("params", True, "322,080 parameters, as the reference"),
         Check("training", True, "val_accuracy 0.85 ≥ 0.80", credit=1.0)],
        params=322_080, expected_params=322_080, file="week5/simple_rnn.py", architecture=ARCH,
        metrics={"accuracy": 0.88, "val_accuracy": 0.85, "history": HISTORY}, timings={"train_s": 30.0, "wall_s": 41.5},
        sandbox={"kind": "subprocess", "exit": 0, "max_rss_mb": 812},
        notes=["GRU reset_after=True: 6,336 parameters, accepted"],
    )
    lstm = AssignmentResult.from_checks(
        LSTM, 10.0, _checks(4, 4, "lstm"), params=1_000_000, expected_params=1_000_000,
        metrics={"accuracy": 0.80, "bench_cpu_s": 40.0, "bench_gpu_s": 5.0, "time_to_accuracy_s": 12.5},
        timings={"train_s": 50.0},
    )
    return SubmissionResult("alice", f"{root}/alice", [rnn, lstm], content_hash="a" * 64, sandbox="subprocess")


def bob(root: Path | str = "submissions") -> SubmissionResult:
    rnn = AssignmentResult.from_checks(RNN, 10.0, _checks(3, 3, "rnn"), params=322_080, expected_params=322_080,
                                       metrics={"accuracy": 0.85}, timings={"train_s": 20.0})
    arch = [dict(ARCH[0]), {"layer": 1, "student": "LSTM (None, 16) 3,136", "reference": "LSTM (None, 32) 8,320"}]
    lstm = AssignmentResult.from_checks(
        LSTM, 10.0, [Check("units", False, "LSTM has 16 units; the reference has 32 | see week 5"),
                     Check("output", True, "Dense(46, softmax)")],
        params=995_000, expected_params=1_000_000, architecture=arch,
        metrics={"accuracy": 0.60}, timings={"train_s": 50.0},
    )
    return SubmissionResult("bob", f"{root}/bob", [rnn, lstm], content_hash="b" * 64, sandbox="subprocess",
                            warnings=["bob/extra.py is not graded"])


def carol(root: Path | str = "submissions") -> SubmissionResult:
    rnn = AssignmentResult(RNN, "error", 10.0, 0.0, reason="SyntaxError: invalid syntax (week5/simple_rnn.py:3)")
    lstm = AssignmentResult(LSTM, "missing", 10.0, 0.0, reason="no file maps to reuters_lstm_100")
    return SubmissionResult("carol", f"{root}/carol", [rnn, lstm], content_hash="c" * 64, sandbox="subprocess")


def class_results(root: Path | str = "submissions") -> list[SubmissionResult]:
    return [alice(root), bob(root), carol(root)]


def numbered(i: int, root: Path | str = "subs", checks: int = 40) -> SubmissionResult:
    """Submission ``s{i:03d}`` with ``checks`` checks (enough rows that a kill can land mid-transaction)."""
    a = AssignmentResult.from_checks(RNN, 10.0, _checks(i % (checks + 1), checks), metrics={"accuracy": i / 1000},
                                     timings={"train_s": float(i)}, notes=[f"note {i}"])
    return SubmissionResult(f"s{i:03d}", f"{root}/s{i:03d}", [a], content_hash=f"{i:064x}")


def expected_rows(result: SubmissionResult) -> tuple[int, int]:
    """(assignments, checks) a fully recorded ``result`` has."""
    return len(result.assignments), sum(len(a.checks) for a in result.assignments)


def meta(**extra: object) -> dict[str, object]:
    return {"grader": "0.1.0", "checks": "structure,training", "seed": 0, "python": "3.11", "tensorflow": "2.21",
            "keras": "3.15", "device": "cpu", "command": "grader run submissions", **extra}


def populate(db: Path, results: list[SubmissionResult]) -> Path:
    """A store at ``db`` holding ``results`` from one finished run."""
    from harness.results.store import open_store

    with open_store(db) as store:
        run = store.begin_run(meta())
        for r in results:
            store.record(run, r)
        store.finish_run(run)
    return db
