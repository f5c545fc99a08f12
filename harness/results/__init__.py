"""The verdicts the trusted side computes, and their JSON form.

Data flows one way: a :class:`Check` per thing looked at, an :class:`AssignmentResult` per assignment,
a :class:`SubmissionResult` per student. ``to_json`` gives the documented schema::

    {"submissions": [{"submission": NAME, "score": S, "max_score": M,
      "assignments": [{"id": ID, "status": "passed|failed|error|missing|skipped", "score": s,
                       "max_score": m, "params": N, "expected_params": N, "counts": bool,
                       "late": {"submitted_at": ISO, "source": FILE, "deadline": ISO, "days_late": n,
                                "factor": f, "penalty": points},
                       "checks": [{"name": ..., "passed": bool, "message": ...}]}]}]}

Scores come from :mod:`harness.pipeline.scoring` (the one scorer, with the course's policy); ``score`` and ``max_score``
of a submission add up what counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from harness.pipeline.scoring import totals, weighted_score

if TYPE_CHECKING:
    from harness.catalog.spec import Assignment

Status = Literal["passed", "failed", "error", "missing", "skipped"]


@dataclass
class Check:
    """One thing looked at. ``weight`` is its share of the assignment's points."""

    name: str
    passed: bool
    message: str = ""
    weight: float = 1.0
    #: Partial credit in [0, 1] for checks that grade on a scale (training); ``None`` means all or nothing.
    credit: float | None = None

    @property
    def earned(self) -> float:
        if self.credit is not None:
            return max(0.0, min(1.0, self.credit))
        return 1.0 if self.passed else 0.0


@dataclass
class AssignmentResult:
    id: str
    status: Status
    max_score: float
    score: float = 0.0
    checks: list[Check] = field(default_factory=list)
    params: int | None = None
    expected_params: int | None = None
    #: The file graded, relative to the submission, and where the model or function came from.
    file: str | None = None
    #: Why the assignment is ``error``/``skipped``/``missing`` (one line, with file:line where known).
    reason: str = ""
    #: Notes that are not failures (e.g. "GRU reset_after=True: 6,336 parameters, accepted").
    notes: list[str] = field(default_factory=list)
    #: Notes the sandboxed program wrote (``info.json``): the student's code could have written them, so reports
    #: quote them as the program's words, apart from ``notes`` (the grader's own).
    child_notes: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: Architecture rows for reports: [{"layer", "student", "reference"}].
    architecture: list[dict[str, Any]] = field(default_factory=list)
    #: How the child ran: sandbox kind, exit, resource use.
    sandbox: dict[str, Any] = field(default_factory=dict)
    #: ``False`` for a practice assignment (course.toml ``counts = false``): graded and shown, not added up.
    counts: bool = True
    #: The late record :func:`harness.pipeline.scoring.apply_policy` leaves when a deadline applies: submitted_at,
    #: source, deadline, days_late, factor, penalty (points taken). Empty: no deadline.
    late: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_checks(cls, id: str, max_score: float, checks: list[Check], **extra: Any) -> AssignmentResult:
        """Score = :func:`harness.pipeline.scoring.weighted_score`; ``passed`` only when every check passed."""
        status: Status = "passed" if checks and all(c.passed for c in checks) else "failed"
        return cls(id=id, status=status, max_score=max_score, score=weighted_score(checks, max_score), checks=checks,
                   **extra)

    @classmethod
    def error(cls, assignment: Assignment, file: str | None, reason: str, *, check: str | None = None,
              sandbox: dict[str, Any] | None = None) -> AssignmentResult:
        """An assignment that could not be graded, built one way wherever that is found (before the sandbox, by
        the checker, by training): 0 points, ``reason`` as said to the student, the reference's parameter count
        for the reports. ``check`` names the failed check that carries the reason where the student's code got
        that far (``runs``, ``trains``); ``sandbox`` is how its job ran."""
        return cls(id=assignment.id, status="error", max_score=assignment.points, file=file, reason=reason,
                   checks=[Check(check, False, reason)] if check else [], sandbox=dict(sandbox or {}),
                   expected_params=getattr(assignment, "total_params", None))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for check in data["checks"]:
            check.pop("weight", None)
            if check.get("credit") is None:
                check.pop("credit", None)
        return data


@dataclass
class SubmissionResult:
    submission: str
    path: str
    assignments: list[AssignmentResult] = field(default_factory=list)
    #: Content hash of the graded files (sha256 over sorted relative paths and bytes).
    content_hash: str = ""
    sandbox: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """What counts (practice assignments don't), with any late penalty: :func:`harness.pipeline.scoring.totals`."""
        return totals(self)[0]

    @property
    def max_score(self) -> float:
        return totals(self)[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "path": self.path,
            "score": self.score,
            "max_score": self.max_score,
            "content_hash": self.content_hash,
            "sandbox": self.sandbox,
            "warnings": self.warnings,
            "assignments": [a.to_json() for a in self.assignments],
        }


def to_json(results: list[SubmissionResult], **meta: Any) -> dict[str, Any]:
    """The document ``grader run --format json`` prints; ``meta`` adds run-wide fields (versions, seed)."""
    return {**meta, "submissions": [r.to_json() for r in results]}
