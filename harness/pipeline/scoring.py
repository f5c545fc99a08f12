"""The one scorer: a check list and the course's policy in, an assignment's score out.

Why one module: the score a student sees in ``grader run``, the one stored, the leaderboard's, the report's and
every export's (Gradescope's per-test points, the CSV gradebook, JUnit's properties) must be the same figure, so
they are all computed here and nowhere else:

- :func:`weighted_score`: ``points × Σ weight·earned / Σ weight`` over an assignment's checks.
- :func:`check_points`: the same split per check (Gradescope's tests), adding up to the assignment's figures.
- :func:`apply_policy`: ``course.toml`` applied to one graded assignment, once, when it is graded: per-check
  ``weights``, ``points`` (else ``default_points``), ``counts``, ``deadline`` (the assignment's, else the course's)
  and ``late_penalty_per_day``. The result records what was applied (``counts``, ``late``), the store keeps it,
  and the readers show it; a changed policy regrades on the next ``grader run`` (it is part of the run's scope,
  :func:`policy_key`).
- :func:`counted` / :func:`totals`: which assignments add to a student's total, and the total.

When a submission was handed in comes from the files the collecting system writes into the student's folder:
nbgrader's ``timestamp.txt`` (``2026-11-30 23:59:00.123456 UTC``), else Gradescope's ``submission_metadata.json``
(``created_at``, ISO 8601), else the newest file's modification time. These files sit in a folder the student
filled, so they are read as hostile input: never through a link, bounded (1 KiB, 64 KiB), validated, and a bad one
is a note naming the file and what is wrong, then the next source; never a crash. (The time is as trustworthy as the
collection: nbgrader's exchange and Gradescope write these files, a student handing in a folder directly could
write one too.)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from harness.pipeline.course import Course

if TYPE_CHECKING:  # results imports this module for its one formula
    from harness.results import AssignmentResult, Check, SubmissionResult

TIMESTAMP_FILE = "timestamp.txt"
METADATA_FILE = "submission_metadata.json"
MTIME_SOURCE = "newest file's modification time"
#: Read limits: an nbgrader timestamp is one short line; Gradescope's metadata (users, assignment, the list of
#: previous submissions) is a few KiB, more for a student with many resubmissions. Larger is not theirs.
MAX_TIMESTAMP_BYTES = 1024
MAX_METADATA_BYTES = 64 * 1024
#: A submission time this far past the grader's clock is not a real one (clocks disagree by minutes, not days).
FUTURE_SLACK = timedelta(days=1)

_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)"
                        r"(?:\s*(Z|[A-Za-z]{2,5}|[+-]\d{2}:?\d{2}))?")
_UTC_NAMES = {"Z", "UTC", "GMT"}


class PolicyInputError(ValueError):
    """A submission-time file that cannot be used; the message says what is wrong (never quoting the file)."""


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission was handed in (``None``: unknown) and where that came from, with notes on files refused."""

    when: datetime | None
    source: str
    notes: tuple[str, ...] = ()


# -- scores ------------------------------------------------------------------------------------------------------


def weighted_score(checks: Sequence[Check], points: float) -> float:
    """``points`` × the weighted share of the checks earned (partial credit counts), to the cent."""
    total = sum(c.weight for c in checks)
    if not checks or total <= 0:
        return 0.0
    return round(points * sum(c.weight * c.earned for c in checks) / total, 2)


def _cents(amount: float, parts: Sequence[float]) -> list[float]:
    """``amount`` split in proportion to ``parts``, to the cent, adding up to ``amount`` exactly (largest remainder)."""
    total = sum(parts)
    if not parts or total <= 0:
        return [0.0] * len(parts)
    cents = round(amount * 100)
    exact = [cents * p / total for p in parts]
    floors = [math.floor(x) for x in exact]
    order = sorted(range(len(parts)), key=lambda i: (floors[i] - exact[i], i))
    for i in order[:cents - sum(floors)]:
        floors[i] += 1
    return [f / 100 for f in floors]


def check_points(a: AssignmentResult) -> list[tuple[float, float]]:
    """``(earned, max)`` per check: the assignment's points shared by weight, adding up to ``max_score``, and the
    stored score (after any late penalty) shared by weight × credit, so Gradescope's tests add up to it; a late
    penalty takes the same fraction of every check's points."""
    if not a.checks:
        return []
    shares = _cents(a.max_score, [c.weight for c in a.checks])
    earned = _cents(a.score, [c.weight * c.earned for c in a.checks])
    return list(zip(earned, shares))


def late_penalty(a: AssignmentResult) -> float:
    """Points the late penalty took from this assignment (0 when on time or without a deadline)."""
    penalty = a.late.get("penalty", 0.0)
    return float(penalty) if isinstance(penalty, (int, float)) and math.isfinite(penalty) else 0.0


def counts(a: AssignmentResult, course: Course | None = None) -> bool:
    """Whether ``a`` adds to the total: not when graded as practice (``counts = false`` when it was graded), nor
    when the course a board or export reads marks it so."""
    return a.counts and (course is None or course.counts(a.id))


def counted(result: SubmissionResult, course: Course | None = None) -> list[AssignmentResult]:
    return [a for a in result.assignments if counts(a, course)]


def totals(result: SubmissionResult, course: Course | None = None) -> tuple[float, float]:
    """(score, max_score) of what counts; a skipped assignment (no data to train on) adds nothing to the maximum."""
    kept = counted(result, course)
    return (round(sum(a.score for a in kept), 2),
            round(sum(a.max_score for a in kept if a.status != "skipped"), 2))


# -- the policy --------------------------------------------------------------------------------------------------


def apply_policy(a: AssignmentResult, course: Course, submitted: SubmissionTime | None = None) -> AssignmentResult:
    """Apply ``course`` to one graded assignment, in place (returned for chaining).

    Weights replace the grader's per check name; ``points`` (else ``default_points``) become ``max_score``; a
    graded assignment's score is recomputed from its checks (one formula, :func:`weighted_score`); an error,
    missing or skipped one keeps its share (0). Then the late penalty: ``late_penalty_per_day`` per started day
    past the assignment's deadline, recorded in ``a.late`` with the time, its source and the points taken, and said
    in a note. ``counts = false`` marks a practice assignment: graded, shown, not added.
    """
    points = course.points(a.id)
    for check in a.checks:
        check.weight = course.weight(a.id, check.name, check.weight)
    if a.checks and a.status in ("passed", "failed"):
        a.score = weighted_score(a.checks, points)
    else:
        a.score = round(a.score * points / a.max_score, 2) if a.max_score else 0.0
    a.max_score = points
    a.counts = course.counts(a.id)
    if not a.counts:
        a.notes.append("practice: graded, not added to the total (course.toml: counts = false)")
    deadline = course.deadline_for(a.id)
    if deadline is not None and submitted is not None and a.status not in ("missing", "skipped"):
        _apply_deadline(a, course, deadline, submitted)
    return a


def _apply_deadline(a: AssignmentResult, course: Course, deadline: datetime, submitted: SubmissionTime) -> None:
    a.notes.extend(submitted.notes)
    if submitted.when is None:
        a.late = {"deadline": _iso(deadline), "source": submitted.source, "factor": 1.0, "penalty": 0.0}
        a.notes.append(f"submission time unknown ({submitted.source}): no late penalty applied")
        return
    days = course.days_late(submitted.when, a.id)
    factor = course.late_factor(submitted.when, a.id)
    before = a.score
    a.score = round(before * factor, 2)
    a.late = {"submitted_at": _iso(submitted.when), "source": submitted.source, "deadline": _iso(deadline),
              "days_late": days, "factor": factor, "penalty": round(before - a.score, 2)}
    a.notes.append(late_sentence(a))


def late_sentence(a: AssignmentResult) -> str:
    """``submitted 2026-12-02 10:00 UTC (timestamp.txt): 2 days late, −20%``, from what :func:`apply_policy`
    recorded; empty when no deadline applied."""
    late = a.late
    if not late.get("submitted_at"):
        return ""
    when = f"submitted {_shown(late['submitted_at'])} ({late['source']})"
    days = int(late.get("days_late", 0))
    if days <= 0:
        return f"{when}: on time (deadline {_shown(late['deadline'])})"
    factor = float(late.get("factor", 1.0))
    taken = f"−{round((1 - factor) * 100):g}%" if factor < 1 else "no penalty"
    return f"{when}: {days} day{'s' if days != 1 else ''} late, {taken}"


def policy_key(course: Course, ids: Sequence[str]) -> str:
    """A short digest of what the course sets for these assignments: a stored result graded under another policy
    is not current (``grader run`` regrades it rather than show a score the course no longer gives)."""
    policy = {i: [course.points(i), course.counts(i), _iso(course.deadline_for(i)),
                  sorted(course.assignments[i].weights.items()) if i in course.assignments else []] for i in ids}
    text = json.dumps([policy, course.late_penalty_per_day], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat() if when is not None else None


def _shown(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- when it was submitted ---------------------------------------------------------------------------------------


def submission_time(folder: Path, now: datetime | None = None) -> SubmissionTime:
    """When ``folder`` was handed in: ``timestamp.txt``, else ``submission_metadata.json``, else the newest file's
    modification time; a file present but unusable is a note ("timestamp.txt: …; using …") and the next source."""
    now = now or datetime.now(UTC)
    notes: list[str] = []
    for name, limit, parse in ((TIMESTAMP_FILE, MAX_TIMESTAMP_BYTES, parse_timestamp),
                               (METADATA_FILE, MAX_METADATA_BYTES, parse_metadata)):
        path = folder / name
        if not os.path.lexists(path):
            continue
        try:
            when = parse(read_bounded(path, limit))
            if when > now + FUTURE_SLACK:
                raise PolicyInputError(f"the time {_iso(when)} is in the future")
            return SubmissionTime(when, name, tuple(notes))
        except PolicyInputError as exc:
            notes.append(f"{name}: {exc}; not used for the submission time")
    newest = newest_mtime(folder)
    return SubmissionTime(newest, MTIME_SOURCE if newest else "no readable file", tuple(notes))


def read_bounded(path: Path, limit: int) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes, opened without following a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        reason = "is a symbolic link" if path.is_symlink() else f"cannot be read ({exc.strerror})"
        raise PolicyInputError(reason) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PolicyInputError("is not a regular file")
        if info.st_size > limit:
            raise PolicyInputError(f"is {info.st_size:,} bytes, more than the {limit:,} it may have")
        data = os.read(fd, limit + 1)
    except OSError as exc:
        raise PolicyInputError(f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise PolicyInputError(f"is more than the {limit:,} bytes it may have")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyInputError("is not UTF-8 text") from None


def parse_timestamp(text: str) -> datetime:
    """nbgrader's ``timestamp.txt``: ``2026-11-30 23:59:00.123456 UTC`` (its ``Exchange.timestamp_format``,
    ``%Y-%m-%d %H:%M:%S.%f %Z``; older nbgrader wrote no fraction). The zone may be UTC/GMT/Z, a numeric offset, or
    absent (nbgrader's default zone, UTC); a named zone other than UTC is ambiguous (``CST``) and refused."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise PolicyInputError("is not a time like 2026-11-30 23:59:00.123456 UTC")
    day, clock, zone = match.groups()
    try:
        when = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        raise PolicyInputError("holds a date or time that does not exist") from None
    if zone is None or zone.upper() in _UTC_NAMES:
        return when.replace(tzinfo=UTC)
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= timedelta(hours=24) or int(digits[2:]) >= 60:
            raise PolicyInputError("has a time-zone offset out of range")
        return when.replace(tzinfo=timezone(offset if zone[0] == "+" else -offset))
    raise PolicyInputError(f"names the time zone {zone!r}, which is ambiguous; nbgrader writes UTC by default")


def parse_metadata(text: str) -> datetime:
    """Gradescope's ``submission_metadata.json``: an object whose ``created_at`` is an ISO 8601 time with its
    offset (``2026-12-02T10:00:00.000000-08:00``); without an offset it is taken as UTC."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise PolicyInputError("is not valid JSON") from None
    created = data.get("created_at") if isinstance(data, dict) else None
    if not isinstance(created, str) or len(created) > 64:
        raise PolicyInputError('has no "created_at" time string')
    try:
        when = datetime.fromisoformat(created.strip())
    except ValueError:
        raise PolicyInputError('has a "created_at" that is not an ISO 8601 time') from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def newest_mtime(folder: Path) -> datetime | None:
    """The newest modification time among the submission's files (the same walk, links and caps as the sandbox's
    copy); ``None`` when there is none or the folder is over the caps."""
    from harness.sandbox.jail import protocol

    newest: float | None = None
    try:
        for _, path, size in protocol.walk_submission(folder):
            if size >= 0:
                mtime = path.lstat().st_mtime
                newest = mtime if newest is None else max(newest, mtime)
    except (protocol.SubmissionRefused, OSError):
        return None
    return datetime.fromtimestamp(newest, UTC) if newest is not None else None

