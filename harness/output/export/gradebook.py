"""A CSV gradebook: one row per student, what any LMS or spreadsheet imports.

Cells that a student controls are never formulas (:func:`harness.output.escape.csv_row`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from harness.output.escape import csv_row
from harness.output.leaderboard import assignment_ids
from harness.pipeline import scoring
from harness.pipeline.course import Course
from harness.results import SubmissionResult


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
