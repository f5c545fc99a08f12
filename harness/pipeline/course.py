"""The course's own policy, read from ``course.toml``: points, which assignments count, deadline, late penalty.

Why a file and not flags: the policy is the instructor's and the same for every run of a term; keeping it
beside the submissions means ``grader run``, ``leaderboard`` and ``export`` agree without repeating options.
Everything is optional, and a folder without ``course.toml`` gets :data:`DEFAULT_POINTS` per assignment,
every assignment counting, no deadline. Example::

    name = "Deep Learning with Keras, 2026"
    deadline = 2026-12-01T23:59:00Z        # TOML datetime; a naive one is taken as UTC
    late_penalty_per_day = 0.1             # 10 % per started day late, floored at 0
    default_points = 10

    [assignments.reuters_lstm_100]
    points = 10
    counts = true
    deadline = 2026-11-15T23:59:00Z        # overrides the course deadline for this assignment
    weights = { parameters = 2, test_accuracy = 3 }  # per check name (harness.checks, training's), default 1

    [files]
    "week5/17_RNN1_Reuters.py" = "reuters_lstm_100"

    [selfcheck]
    hide = ["functional"]                  # checks ``harness.check()`` in a student's notebook does not show

The same keys are also accepted under a ``[course]`` table.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from harness.errors import InputError

COURSE_FILE = "course.toml"
DEFAULT_POINTS = 10.0
DEFAULT_NAME = "Keras course"


class CourseError(InputError):
    """``course.toml`` is malformed; the message names the file and the key."""


@dataclass
class AssignmentPolicy:
    points: float | None = None
    counts: bool = True
    deadline: datetime | None = None
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Course:
    """The policy of one course; every method has a default that needs no file."""

    name: str = DEFAULT_NAME
    default_points: float = DEFAULT_POINTS
    deadline: datetime | None = None
    late_penalty_per_day: float = 0.0
    assignments: dict[str, AssignmentPolicy] = field(default_factory=dict)
    file_map: dict[str, str] = field(default_factory=dict)
    #: Check names (harness.checks) the student's self-check neither shows nor scores; the grade still runs them.
    selfcheck_hide: tuple[str, ...] = ()
    #: Where the policy came from (``None``: built-in defaults).
    source: Path | None = None

    def points(self, assignment_id: str, default: float | None = None) -> float:
        """Points for the assignment: its ``points``, else ``default`` (e.g. the catalog's), else the course's."""
        policy = self.assignments.get(assignment_id)
        if policy is not None and policy.points is not None:
            return policy.points
        return float(default) if default is not None else self.default_points

    def counts(self, assignment_id: str) -> bool:
        """Whether the assignment adds to the total (practice assignments are graded but do not count)."""
        policy = self.assignments.get(assignment_id)
        return True if policy is None else policy.counts

    def weight(self, assignment_id: str, check_name: str, default: float = 1.0) -> float:
        """Weight of one check in its assignment's score (``[assignments.<id>] weights``)."""
        policy = self.assignments.get(assignment_id)
        if policy is None:
            return default
        return float(policy.weights.get(check_name, default))

    def deadline_for(self, assignment_id: str | None = None) -> datetime | None:
        policy = self.assignments.get(assignment_id) if assignment_id else None
        if policy is not None and policy.deadline is not None:
            return policy.deadline
        return self.deadline

    def late_factor(self, submitted_at: datetime, assignment_id: str | None = None) -> float:
        """Multiplier for a submission's score: 1.0 on time, minus the penalty per *started* day late, ≥ 0.

        A naive ``submitted_at`` is taken as UTC, like a naive deadline.
        """
        days = self.days_late(submitted_at, assignment_id)
        if days == 0 or self.late_penalty_per_day <= 0:
            return 1.0
        return max(0.0, round(1.0 - days * self.late_penalty_per_day, 6))

    def days_late(self, submitted_at: datetime, assignment_id: str | None = None) -> int:
        """*Started* days past the assignment's deadline (0: on time, or no deadline); a minute late is a day."""
        deadline = self.deadline_for(assignment_id)
        if deadline is None:
            return 0
        late = (_aware(submitted_at) - deadline).total_seconds()
        return math.ceil(late / 86400) if late > 0 else 0

    def assignment_for(self, relative_file: str) -> str | None:
        """The assignment id a student file maps to (``[files]``), matching on POSIX-style relative paths."""
        return self.file_map.get(_posix(relative_file))


def _posix(relative: str) -> str:
    relative = relative.replace("\\", "/")
    while relative.startswith("./"):
        relative = relative[2:]
    return relative


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _deadline(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):  # a bare date means the end of that day
        return datetime.combine(value, time(23, 59, 59), tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise CourseError(f"{where}: deadline must be a TOML datetime like 2026-12-01T23:59:00Z, got {value!r}")


def _number(value: Any, where: str, maximum: float | None = None) -> float:
    """A finite number ≥ 0 (and ≤ ``maximum``): points, weights and penalties end up in scores, on leaderboards
    and in exported JSON, where ``inf`` or ``nan`` would be invalid and a negative number would take points."""
    bound = f" between 0 and {maximum:g}" if maximum is not None else " ≥ 0"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0 \
            or (maximum is not None and value > maximum):
        raise CourseError(f"{where} must be a finite number{bound}, got {value!r}")
    return float(value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise CourseError(f"{where} must be true or false, got {value!r}")
    return value


def parse_course(data: dict[str, Any], source: Path | None = None) -> Course:
    """Build a :class:`Course` from parsed TOML; raises :class:`CourseError` naming the bad key."""
    where = str(source or COURSE_FILE)
    top = {**data, **data.get("course", {})} if isinstance(data.get("course"), dict) else dict(data)
    course = Course(source=source)
    name = top.get("name", DEFAULT_NAME)
    if not isinstance(name, str):
        raise CourseError(f"{where}: name must be a string, got {name!r}")
    course.name = name
    if "default_points" in top:
        course.default_points = _number(top["default_points"], f"{where}: default_points")
    course.deadline = _deadline(top.get("deadline"), where)
    if "late_penalty_per_day" in top:
        course.late_penalty_per_day = _number(top["late_penalty_per_day"], f"{where}: late_penalty_per_day",
                                              maximum=1)
    assignments = top.get("assignments") or {}
    if not isinstance(assignments, dict):
        raise CourseError(f"{where}: [assignments] must be a table of [assignments.<id>] tables")
    for aid, table in assignments.items():
        if not isinstance(table, dict):
            raise CourseError(f"{where}: [assignments.{aid}] must be a table")
        key = f"{where}: [assignments.{aid}]"
        weights = table.get("weights", {})
        if not isinstance(weights, dict):
            raise CourseError(f"{key} weights must be a table of check name = number")
        course.assignments[aid] = AssignmentPolicy(
            points=_number(table["points"], f"{key} points") if "points" in table else None,
            counts=_flag(table.get("counts", True), f"{key} counts"),
            deadline=_deadline(table.get("deadline"), key),
            weights={str(k): _number(v, f"{key} weights.{k}") for k, v in weights.items()},
        )
    files = top.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise CourseError(f'{where}: [files] maps "student/file.py" = "assignment_id"')
    course.file_map = {_posix(k): v for k, v in files.items()}
    course.selfcheck_hide = _hidden_checks(top.get("selfcheck", {}), where)
    return course


def _hidden_checks(table: Any, where: str) -> tuple[str, ...]:
    """``[selfcheck] hide``: a list of known check names (a misspelt one would silently hide nothing)."""
    from harness.checks import FUNCTION_CHECKS, MODEL_CHECKS

    known = (*MODEL_CHECKS, *FUNCTION_CHECKS)
    if isinstance(table, dict) and set(table) - {"hide"}:
        raise CourseError(f"{where}: [selfcheck] knows only hide, got {sorted(set(table) - {'hide'})[0]!r}")
    hide = table.get("hide", []) if isinstance(table, dict) else None
    if not isinstance(hide, list) or not all(isinstance(name, str) for name in hide):
        raise CourseError(f'{where}: [selfcheck] hide must be a list of check names, e.g. hide = ["functional"]')
    unknown = [name for name in hide if name not in known]
    if unknown:
        raise CourseError(f"{where}: [selfcheck] hide names unknown check {unknown[0]!r}; the checks are "
                          f"{', '.join(known)}")
    return tuple(dict.fromkeys(hide))


def load_course(path: str | Path | None = None) -> Course:
    """Read ``course.toml`` from ``path`` (a folder, or the file itself), else from the current directory.

    Absent file: the defaults. Malformed file: :class:`CourseError` with the file and what is wrong.
    """
    base = Path(path) if path is not None else Path.cwd()
    file = base if base.is_file() else base / COURSE_FILE
    if not file.is_file():
        return Course()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{file}: {exc}") from exc
    return parse_course(data, file)
