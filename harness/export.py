"""Results in the shapes other systems read: Gradescope ``results.json``, a CSV gradebook, JUnit XML.

Why three: Gradescope shows per-test feedback and its own leaderboard; a CSV gradebook imports into any
LMS or spreadsheet; JUnit XML is what CI dashboards (GitLab, Jenkins) render. All three come from the
same :class:`~harness.results.SubmissionResult` objects, so they never disagree with ``grader report``.

Gradescope (autograder spec, ``results.json``): top-level ``score``, ``execution_time`` (s),
``visibility``, ``stdout_visibility``, ``output``, ``tests`` (``name``, ``score``, ``max_score``, ``status``
"passed"/"failed", ``visibility``, ``output``) and ``leaderboard`` (``name``, ``value``, ``order``
"asc"/"desc"). Gradescope wants one file per student.

Student text (names, messages) goes through :mod:`harness.escape` for each format: CSV cells are never formulas,
XML holds only characters XML allows, and Gradescope gets no terminal escapes and no ``Infinity``/``NaN``.
"""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from harness import scoring
from harness.course import Course
from harness.escape import csv_row, finite, plain, xml_text
from harness.leaderboard import assignment_ids, figure
from harness.results import SubmissionResult

FORMATS = ("gradescope", "csv", "junit")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


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

    Tests are the checks (points shared by weight, :func:`harness.scoring.check_points`, a late penalty taking the
    same fraction of each, so the tests add up to the top-level ``score``); an assignment without checks (error,
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


def gradebook_csv(results: Sequence[SubmissionResult], course: Course | None = None) -> str:
    """One row per student: submission, total, max, then one column per assignment (empty: not graded)."""
    course = course or Course()
    ids = assignment_ids(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(["submission", "total", "max", *ids]))
    for r in sorted(results, key=lambda r: r.submission):
        by_id = {a.id: a for a in r.assignments}
        total, maximum = scoring.totals(r, course)
        writer.writerow(csv_row([r.submission, f"{total:g}", f"{maximum:g}",
                                 *[f"{by_id[i].score:g}" if i in by_id else "" for i in ids]]))
    return out.getvalue()


def junit_xml(results: Sequence[SubmissionResult], course: Course | None = None) -> str:
    """``<testsuites>`` with one ``<testsuite>`` per submission, one ``<testcase>`` per check.

    ``classname`` is the assignment id; a failed check is a ``<failure>`` with its message; an assignment
    that errored or is missing without checks is one ``<error>`` testcase; a skipped one is ``<skipped>``.
    Each suite's ``<properties>`` carry the student's ``score`` and ``max_score`` (:func:`harness.scoring.totals`,
    what counts, late penalties applied) and a ``submission time <assignment>`` line per assignment a deadline
    applied to.
    """
    root = ET.Element("testsuites", name="grader")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=xml_text(r.submission))
        properties = ET.SubElement(suite, "properties")
        for name, value in zip(("score", "max_score"), scoring.totals(r, course)):
            ET.SubElement(properties, "property", name=name, value=f"{value:g}")
        for a in r.assignments:
            if line := scoring.late_sentence(a):
                ET.SubElement(properties, "property", name=xml_text(f"submission time {a.id}"), value=xml_text(line))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite_time = 0.0
        for a in r.assignments:
            t = a.timings.get("wall_s", a.timings.get("total_s", 0.0))
            seconds = float(t) if isinstance(t, (int, float)) and math.isfinite(t) else 0.0
            suite_time += seconds
            if not a.checks:
                case = ET.SubElement(suite, "testcase", name=xml_text(a.status), classname=xml_text(a.id),
                                     time=f"{seconds:.3f}")
                counts["tests"] += 1
                reason = xml_text(a.reason or a.status)
                if a.status == "skipped":
                    ET.SubElement(case, "skipped", message=reason)
                    counts["skipped"] += 1
                elif a.status != "passed":
                    err = ET.SubElement(case, "error", message=reason, type=xml_text(a.status))
                    err.text = reason
                    counts["errors"] += 1
                continue
            for c in a.checks:
                case = ET.SubElement(suite, "testcase", name=xml_text(c.name), classname=xml_text(a.id),
                                     time="0.000")
                counts["tests"] += 1
                if not c.passed:
                    fail = ET.SubElement(case, "failure", message=xml_text(c.message or "failed"), type="CheckFailed")
                    fail.text = xml_text(c.message)
                    counts["failures"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{suite_time:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
