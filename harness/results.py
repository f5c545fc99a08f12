"""The verdicts the trusted side computes, and their JSON form.

Data flows one way: a :class:`Check` per thing looked at, an :class:`AssignmentResult` per assignment,
a :class:`SubmissionResult` per student. ``to_json`` gives the documented schema::

    {"submissions": [{"submission": NAME, "score": S, "max_score": M,
      "assignments": [{"id": ID, "status": "passed|failed|error|missing|skipped", "score": s,
                       "max_score": m, "params": N, "expected_params": N,
                       "checks": [{"name": ..., "passed": bool, "message": ...}]}]}]}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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

    @classmethod
    def from_checks(cls, id: str, max_score: float, checks: list[Check], **extra: Any) -> AssignmentResult:
        """Score = max_score × the weighted share of checks passed; ``passed`` only when every check passed."""
        total = sum(c.weight for c in checks) or 1.0
        score = round(max_score * sum(c.weight * c.earned for c in checks) / total, 2)
        status: Status = "passed" if checks and all(c.passed for c in checks) else "failed"
        return cls(id=id, status=status, max_score=max_score, score=score, checks=checks, **extra)

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
        return round(sum(a.score for a in self.assignments), 2)

    @property
    def max_score(self) -> float:
        return round(sum(a.max_score for a in self.assignments if a.status != "skipped"), 2)

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
