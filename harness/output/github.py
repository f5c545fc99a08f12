"""``grader run --format github``: GitHub Actions workflow commands and a Markdown job summary.

Why: in a course repository's CI, a failed check should show where the student looks — as an annotation on their
file (and line, when the grader knows it) in the pull request and the run's page — not as a table in a log. Each
failed check or errored assignment is one ``::error file=…,line=…,title=<assignment> <check>::<message>``; a passed
assignment is a ``::notice``; a skipped one a ``::warning``. With ``$GITHUB_STEP_SUMMARY`` set, a Markdown table per
submission is appended to the job summary.

Everything in these lines that a student controls (folder names, the messages that quote their errors) is made
inert: control characters and terminal escapes are removed (:func:`harness.output.escape.plain`) and the
workflow-command syntax is escaped (``%`` ``\\r`` ``\\n`` in the message; also ``:`` and ``,`` in property values), so
no text can end a command early or start one of its own (``::add-mask::``, ``::stop-commands::``). Plain lines start
with ``grader:``, never with ``::``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from harness.output import escape
from harness.results import AssignmentResult, SubmissionResult

#: Longest message kept in one annotation (GitHub shows the first lines; the log keeps the full report).
MAX_MESSAGE = 2000
SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def escape_data(text: object) -> str:
    """A workflow command's message: no control characters, and ``%``, CR, LF as GitHub's escapes."""
    parts = [escape.plain(part, newlines=True).replace("\t", " ") for part in str(text).split("\r")]
    return "%0D".join(part.replace("%", "%25").replace("\n", "%0A") for part in parts)


def escape_property(text: object) -> str:
    """A workflow command's property value (``file=``, ``title=``): as a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: object, **properties: object) -> str:
    """``::kind prop=value,…::message`` with every part escaped; properties that are ``None`` are left out."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items() if value is not None)
    return f"::{kind}{' ' + props if props else ''}::{escape_data(str(message)[:MAX_MESSAGE])}"


def student_file(result: SubmissionResult, assignment: AssignmentResult, cwd: Path | None = None) -> str | None:
    """The graded file as a path relative to the working directory (the repository root in CI), POSIX style."""
    if not assignment.file:
        return None
    path = Path(result.path) / assignment.file
    base = (cwd or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def student_line(assignment: AssignmentResult) -> int | None:
    """The student's line, when the grader's own words place the problem: ``(rnn_forward.py:12)`` at the end of an
    error, ``graded the model built at imdb_lstm.py:18`` in a note. ``None`` otherwise (a notebook's cell lines do
    not map onto the file GitHub shows)."""
    if not assignment.file or not assignment.file.endswith(".py"):
        return None
    names = dict.fromkeys([assignment.file, Path(assignment.file).name])  # week5/x.py, or x.py in a traceback
    place = re.compile(rf"(?<![\w/.-])(?:{'|'.join(map(re.escape, names))}):(\d{{1,7}})\b")
    texts = [assignment.reason, *(c.message for c in assignment.checks if not c.passed), *assignment.notes,
             *assignment.child_notes]
    for text in texts:
        found = place.findall(text or "")
        if found:
            return int(found[-1])  # the grader appends the place after the student's own message
    return None


def _title(result: SubmissionResult, assignment: AssignmentResult, name: str, many: bool) -> str:
    return f"{result.submission}: {assignment.id} {name}" if many else f"{assignment.id} {name}"


def workflow_commands(results: Iterable[SubmissionResult], cwd: Path | None = None) -> str:
    """The annotations for every submission, then one plain ``grader:`` line per submission with its score."""
    results = list(results)
    many = len(results) > 1
    lines: list[str] = []
    for warning in dict.fromkeys(w for r in results for w in r.warnings):
        lines.append(command("warning", warning, title="grader"))
    for result in results:
        for a in result.assignments:
            where = {"file": student_file(result, a, cwd), "line": student_line(a)}
            if a.status == "passed":
                lines.append(command("notice", f"passed: {a.score:g}/{a.max_score:g}", **where,
                                     title=_title(result, a, "passed", many)))
            elif a.status == "skipped":
                lines.append(command("warning", a.reason or "skipped", **where, title=_title(result, a, "skipped",
                                                                                               many)))
            elif a.status == "error" or (a.status == "failed" and not any(not c.passed for c in a.checks)):
                lines.append(command("error", a.reason or a.status, **where, title=_title(result, a, a.status, many)))
            elif a.status == "failed":
                for c in a.checks:
                    if not c.passed:
                        lines.append(command("error", c.message or "failed", **where,
                                             title=_title(result, a, c.name, many)))
        counts = {s: sum(a.status == s for a in result.assignments) for s in ("passed", "failed", "error")}
        lines.append(f"grader: {escape.terminal(result.submission)} {result.score:g}/{result.max_score:g} — "
                     + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)


def job_summary(results: Iterable[SubmissionResult]) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: a heading and a table of assignments per submission."""
    out: list[str] = []
    marks = {"passed": "✔", "failed": "✘", "error": "‼", "missing": "·", "skipped": "–"}
    for result in results:
        out += [f"### {escape.markdown_text(result.submission)}: {result.score:g} / {result.max_score:g}", "",
                "| assignment | status | score | parameters | first problem |", "|---|---|---|---|---|"]
        for a in result.assignments:
            if a.status == "missing":
                continue
            problem = next((f"{c.name}: {c.message}" for c in a.checks if not c.passed), a.reason if a.status in (
                "error", "skipped") else "")
            params = f"{a.params:,}" if a.params is not None else ""
            if a.params is not None and a.expected_params is not None and a.params != a.expected_params:
                params += f" / {a.expected_params:,}"
            out.append(f"| {escape.markdown_text(a.id)} | {marks.get(a.status, '')} {a.status} | "
                       f"{a.score:g}/{a.max_score:g} | {params} | {escape.markdown_text(problem[:300])} |")
        missing = sum(a.status == "missing" for a in result.assignments)
        if missing:
            out += ["", f"{missing} assignment(s) not submitted."]
        out.append("")
    return "\n".join(out)


def write_summary(results: Iterable[SubmissionResult], environ: dict[str, str] | None = None) -> Path | None:
    """Append :func:`job_summary` to the file ``$GITHUB_STEP_SUMMARY`` names, when it is set (in GitHub Actions)."""
    target = (os.environ if environ is None else environ).get(SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(job_summary(results) + "\n")
    return path
