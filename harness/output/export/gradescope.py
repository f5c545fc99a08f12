"""Gradescope's ``results.json``: one document per student, what the autograder bundle writes too.

Gradescope (autograder spec, ``results.json``): top-level ``score``, ``execution_time`` (s),
``visibility``, ``stdout_visibility``, ``output``, ``tests`` (``name``, ``score``, ``max_score``, ``status``
"passed"/"failed", ``visibility``, ``output``) and ``leaderboard`` (``name``, ``value``, ``order``
"asc"/"desc"). Gradescope wants one file per student, and shows per-test feedback and its own leaderboard.

Student text (names, messages) gets no terminal escapes (:func:`harness.output.escape.plain`) and no
``Infinity``/``NaN`` (:func:`harness.output.escape.finite`): Gradescope rejects a file that holds one.
"""

from __future__ import annotations

import json
import math
from typing import Any

from harness.output.escape import finite, plain
from harness.output.leaderboard import figure
from harness.pipeline import scoring
from harness.pipeline.course import Course
from harness.results import SubmissionResult

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
#: The file each student's document is written to, in the student's own folder.
FILE_NAME = "results.json"


def _execution_time(result: SubmissionResult) -> int:
    total = 0.0
    for a in result.assignments:
        t = a.timings
        wall = t.get("wall_s", t.get("total_s"))
        values = [wall] if isinstance(wall, (int, float)) else list(t.values())
        total += sum(float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v))
    return math.ceil(total)


def gradescope(result: SubmissionResult, course: Course | None = None, visibility: str = "visible") -> dict[str, Any]:
    """One student's ``results.json`` as a dict.

    Tests are the checks (points shared by weight, :func:`harness.pipeline.scoring.check_points`, a late penalty taking
    the same fraction of each, so the tests add up to the top-level ``score``); an assignment without checks (error,
    missing, skipped) is one test carrying its reason; where a deadline applied, a test of 0 points says when it
    was submitted, from which source, and what lateness took. Practice assignments (``counts = false`` when
    graded, or in ``course``) show with ``max_score`` 0 and add nothing. ``ValueError`` (naming the figure) when
    a score is not a finite number: the JSON would hold ``Infinity``, which Gradescope rejects.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    course = course or Course()
    tests: list[dict[str, Any]] = []
    score = 0.0
    for a in result.assignments:
        counts = scoring.counts(a, course)
        finite(a.score, f"{a.id}: score")
        finite(a.max_score, f"{a.id}: max_score")
        if counts:
            score += a.score
        tags = [a.id] if counts else [a.id, "practice"]
        if not a.checks:
            output = plain(a.reason or f"{a.status}")
            tests.append({"name": f"{a.id}: {a.status}", "score": a.score if counts else 0.0,
                          "max_score": a.max_score if counts else 0.0,
                          "status": "passed" if a.status == "passed" else "failed",
                          "visibility": visibility, "output": output, "tags": tags})
            continue
        for check, (earned, share) in zip(a.checks, scoring.check_points(a)):
            output = plain(check.message or ("passed" if check.passed else "failed"))
            tests.append({"name": f"{a.id}: {check.name}", "score": earned if counts else 0.0,
                          "max_score": share if counts else 0.0,
                          "status": "passed" if check.passed else "failed",
                          "visibility": visibility, "output": output, "tags": tags})
        if line := scoring.late_sentence(a):
            late = scoring.late_penalty(a) > 0
            tests.append({"name": f"{a.id}: submission time", "score": 0.0, "max_score": 0.0,
                          "status": "failed" if late else "passed", "visibility": visibility,
                          "output": line + (f" (−{scoring.late_penalty(a):g} points)" if late else ""),
                          "tags": [*tags, "late"] if late else tags})
    board: list[dict[str, Any]] = []
    accuracies = [v for a in result.assignments if (v := figure(a, "accuracy")) is not None]
    if accuracies:
        board.append({"name": "Accuracy", "value": round(sum(accuracies) / len(accuracies), 4), "order": "desc"})
    times = [v for a in result.assignments if (v := figure(a, "train_s")) is not None]
    if times:
        board.append({"name": "Training time (s)", "value": round(sum(times), 2), "order": "asc"})
    lines = [f"Graded {len(result.assignments)} assignments: {round(score, 2):g} points.", *map(plain, result.warnings)]
    lines += [f"{a.id}: {plain(note)}" for a in result.assignments for note in a.notes]
    lines += [f"{a.id}, reported by your program's run (not checked by the grader): {plain(note)}"
              for a in result.assignments for note in a.child_notes]
    doc: dict[str, Any] = {
        "score": round(finite(score, "the total score"), 2),
        "execution_time": _execution_time(result),
        "output": "\n".join(lines),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if board:
        doc["leaderboard"] = board
    return doc


def results_json(result: SubmissionResult, course: Course | None = None, visibility: str = "visible") -> str:
    """:func:`gradescope` as the text of ``results.json``; ``ValueError`` (naming the figure) when a score is not a
    finite number."""
    return json.dumps(gradescope(result, course, visibility), indent=2, allow_nan=False) + "\n"
