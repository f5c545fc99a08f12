"""Printing results for people: the summary table ``grader run`` shows."""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from harness.results import AssignmentResult, SubmissionResult

_MARK = {"passed": "✔ passed", "failed": "✘ failed", "error": "‼ error", "missing": "· missing", "skipped": "- skipped"}


def _why(result: AssignmentResult, width: int) -> str:
    if result.status in ("error", "missing", "skipped"):
        text = result.reason
    else:
        text = " | ".join(f"{c.name}: {c.message}" for c in result.checks if not c.passed)
        if not text and result.notes:
            text = "note: " + " ".join(result.notes)
    return textwrap.shorten(text, width=width, placeholder=" …") if text else ""


def _params(result: AssignmentResult) -> str:
    if result.params is None:
        return ""
    if result.expected_params in (None, result.params):
        return f"{result.params:,}"
    return f"{result.params:,} / {result.expected_params:,}"


def table(results: list[SubmissionResult], width: int = 100) -> str:
    """One block per submission: each assignment's status, score, parameters and the first reason it lost points."""
    blocks = []
    for submission in results:
        rows = [(a.id, _MARK.get(a.status, a.status), f"{a.score:g}/{a.max_score:g}", _params(a), _why(a, width))
                for a in submission.assignments]
        header = f"{submission.submission}: {submission.score:g} / {submission.max_score:g}"
        warnings = "".join(f"\nWARNING: {w}" for w in submission.warnings)
        blocks.append(header + warnings + "\n" + tabulate(rows, headers=["assignment", "status", "score", "params",
                                                                          "why"], tablefmt="simple"))
    return "\n\n".join(blocks)


def details(result: AssignmentResult) -> str:
    """Every check of one assignment, for ``--verbose``."""
    lines = [f"{result.id}: {result.status}"]
    lines += [f"  {'✔' if c.passed else '✘'} {c.name}: {c.message}" for c in result.checks]
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)
