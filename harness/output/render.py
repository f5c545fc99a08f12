"""Printing results for people: what ``grader run`` shows on a terminal.

One submission gets its per-assignment table (every assignment, status, score, the first reason it lost points).
A class gets one row per student and a line per assignment that many of them failed: 100 students × 37
assignments as tables is 3,700 lines nobody reads. Every name and message passes through
:func:`harness.output.escape.terminal`, since a student chooses their folder name and the text of their errors.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterator

from tabulate import tabulate

from harness.output.escape import terminal
from harness.results import AssignmentResult, SubmissionResult

_MARK = {"passed": "✔ passed", "failed": "✘ failed", "error": "‼ error", "missing": "· missing", "skipped": "- skipped"}
#: An assignment gets a line under the class table when at least this many students failed it ...
MANY_MIN_STUDENTS = 2
#: ... and at least this share of those who handed it in.
MANY_MIN_SHARE = 0.25
#: At most this many such lines; the rest are counted.
MANY_MAX_LINES = 10


def _short(text: str, width: int) -> str:
    return textwrap.shorten(terminal(text), width=width, placeholder=" …") if text else ""


def _why(result: AssignmentResult, width: int) -> str:
    if result.status in ("error", "missing", "skipped"):
        text = result.reason
    else:
        text = " | ".join(f"{c.name}: {c.message}" for c in result.checks if not c.passed)
        if not text and result.notes:
            text = "note: " + " ".join(result.notes)
    return _short(text, width)


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
        rows = [(a.id, _MARK.get(a.status, terminal(a.status)), f"{a.score:g}/{a.max_score:g}", _params(a),
                 _why(a, width)) for a in submission.assignments]
        header = f"{terminal(submission.submission)}: {submission.score:g} / {submission.max_score:g}"
        warnings = "".join(f"\nWARNING: {terminal(w)}" for w in submission.warnings)
        blocks.append(header + warnings + "\n" + tabulate(rows, headers=["assignment", "status", "score", "params",
                                                                          "why"], tablefmt="simple"))
    return "\n\n".join(blocks)


def details(result: AssignmentResult) -> str:
    """Every check of one assignment, for ``--verbose``."""
    lines = [f"{result.id}: {terminal(result.status)}"]
    lines += [f"  {'✔' if c.passed else '✘'} {terminal(c.name)}: {terminal(c.message)}" for c in result.checks]
    lines += [f"  note: {terminal(n)}" for n in result.notes]
    lines += [f"  the sandboxed run reported: {terminal(n)}" for n in result.child_notes]
    return "\n".join(lines)


def seconds(result: SubmissionResult) -> float:
    """Time the student's code ran: the sandbox time of every assignment (plus the trusted evaluation of training)."""
    total = 0.0
    for a in result.assignments:
        for key in ("sandbox_s", "evaluate_s"):
            value = a.timings.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total += float(value)
    return total


def first_problem(result: SubmissionResult, width: int = 60) -> str:
    """The first assignment that failed or errored, and why (what a student should look at first)."""
    for a in result.assignments:
        if a.status in ("failed", "error"):
            return _short(f"{a.id}: {_why(a, 1000)}", width)
    return ""


def class_table(results: list[SubmissionResult], width: int = 60) -> str:
    """One row per student: score, how many assignments passed, failed, errored and are missing, the time its code
    ran, and the first problem."""
    rows = []
    for r in results:
        count = Counter(a.status for a in r.assignments)
        rows.append((terminal(r.submission), f"{r.score:g}/{r.max_score:g}", count["passed"], count["failed"],
                     count["error"], count["missing"], f"{seconds(r):.1f}", first_problem(r, width)))
    return tabulate(rows, headers=["student", "score", "passed", "failed", "errors", "missing", "time (s)",
                                   "first problem"], tablefmt="simple", disable_numparse=True,
                    colalign=("left", "right", "right", "right", "right", "right", "right", "left"))


def _cause(a: AssignmentResult) -> list[str]:
    if a.status == "error":
        return ["error"]
    return [c.name for c in a.checks if not c.passed]


def common_failures(results: list[SubmissionResult]) -> list[str]:
    """``"imdb_lstm: 3 of 4 students failed — most often: parameters"`` for each assignment many students failed
    (failed or error, among those who handed it in), most failed first."""
    handed_in: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    causes: dict[str, Counter[str]] = {}
    order: dict[str, int] = {}
    for r in results:
        for a in r.assignments:
            order.setdefault(a.id, len(order))
            if a.status not in ("passed", "failed", "error"):
                continue
            handed_in[a.id] += 1
            if a.status != "passed":
                failed[a.id] += 1
                causes.setdefault(a.id, Counter()).update(_cause(a))
    many = [i for i in failed if failed[i] >= MANY_MIN_STUDENTS and failed[i] >= MANY_MIN_SHARE * handed_in[i]]
    many.sort(key=lambda i: (-failed[i], order[i]))
    lines = []
    for i in many[:MANY_MAX_LINES]:
        cause, _ = causes[i].most_common(1)[0]
        lines.append(f"{i}: {failed[i]} of {handed_in[i]} students failed — most often: {terminal(cause)}")
    if len(many) > MANY_MAX_LINES:
        lines.append(f"… and {len(many) - MANY_MAX_LINES} more assignments failed by several students")
    return lines


def class_summary(results: list[SubmissionResult]) -> str:
    """What ``grader run`` prints for a class: the student table, then the assignments many students failed."""
    text = class_table(results)
    lines = common_failures(results)
    if lines:
        text += "\n\nFailed by many students:\n" + "\n".join(f"  {line}" for line in lines)
    return text + "\n\n`grader run -v` or a single student's folder shows every assignment; `grader report NAME` " \
                  "explains one student's results."


def progress(results: Iterator[SubmissionResult], total: int, show: bool) -> Iterator[SubmissionResult]:
    """``results`` passed through, with a bar on stderr (students done / total, time left) while ``show``.

    The bar is for a person watching a terminal: callers pass ``show`` only when stderr is one, so logs,
    pipes and ``--format json`` consumers never see it."""
    if not show:
        yield from results
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("students · ETA"),
                   TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("grading", total=total)
    with bar:
        for result in results:
            bar.advance(task)
            yield result
