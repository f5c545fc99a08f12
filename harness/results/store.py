"""The results store: every graded submission, kept in one SQLite file so that reports outlive a run.

Why SQLite: a batch of 200 submissions takes hours; the store must survive a SIGKILL half-way (each
submission is recorded in its own transaction, so it is either fully there or absent), two ``grader run``
processes writing at once (WAL + ``busy_timeout`` + ``BEGIN IMMEDIATE``), and a newer grader opening an
older file (forward migrations numbered by ``PRAGMA user_version``).

Re-grading keeps history: every recording is a row in ``results``; exactly one row per submission has
``current = 1`` (a partial unique index enforces it), and :meth:`Store.latest` reads those rows.

Typical use from ``grader run``::

    store = open_store(db)
    run_id = store.begin_run({"grader": __version__, "checks": "structure,training", "seed": 0, ...})
    for sub in submissions:
        if not force and store.is_current(sub.path, digest, __version__, "structure,training"):
            continue
        store.record(run_id, grade(sub))
    store.finish_run(run_id)
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from harness.errors import GraderError
from harness.results import AssignmentResult, Check, SubmissionResult

#: File used when neither ``path`` nor ``$GRADER_DB`` names one.
DEFAULT_DB = "grader.sqlite"
#: How long a writer waits for another process's transaction before giving up (milliseconds).
BUSY_TIMEOUT_MS = 60_000

#: Forward migrations: ``MIGRATIONS[i]`` takes a database from ``user_version`` i to i + 1. Append only;
#: never edit a step that has shipped, since databases in the field already ran it.
MIGRATIONS: list[list[str]] = [
    # 1: runs, results (one row per recording), their assignments and checks.
    [
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            grader_version TEXT NOT NULL DEFAULT '',
            checks TEXT NOT NULL DEFAULT '',
            meta TEXT NOT NULL DEFAULT '{}'
        )""",
        """CREATE TABLE results (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            submission TEXT NOT NULL,
            path TEXT NOT NULL,
            content_hash TEXT NOT NULL DEFAULT '',
            grader_version TEXT NOT NULL DEFAULT '',
            checks TEXT NOT NULL DEFAULT '',
            sandbox TEXT NOT NULL DEFAULT '',
            warnings TEXT NOT NULL DEFAULT '[]',
            score REAL NOT NULL,
            max_score REAL NOT NULL,
            recorded_at TEXT NOT NULL,
            current INTEGER NOT NULL DEFAULT 1
        )""",
        "CREATE UNIQUE INDEX results_one_current ON results(key) WHERE current = 1",
        "CREATE INDEX results_by_run ON results(run_id)",
        """CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            assignment TEXT NOT NULL,
            status TEXT NOT NULL,
            score REAL NOT NULL,
            max_score REAL NOT NULL,
            params INTEGER,
            expected_params INTEGER,
            file TEXT,
            reason TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '[]',
            metrics TEXT NOT NULL DEFAULT '{}',
            timings TEXT NOT NULL DEFAULT '{}',
            architecture TEXT NOT NULL DEFAULT '[]',
            sandbox TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX assignments_by_result ON assignments(result_id)",
        """CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            assignment_row INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            passed INTEGER NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            weight REAL NOT NULL DEFAULT 1.0,
            credit REAL
        )""",
        "CREATE INDEX checks_by_assignment ON checks(assignment_row)",
    ],
    # 2: small key/value settings (the per-course pseudonym secret lives here).
    [
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    # 3: ``grader bench`` measurements (harness/bench/__init__.py), one row per submission, assignment and device;
    # ``figures`` are merged into the assignment's metrics when results are read (leaderboard: bench_cpu_s ...).
    [
        """CREATE TABLE bench (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            submission TEXT NOT NULL,
            assignment TEXT NOT NULL,
            device TEXT NOT NULL,
            figures TEXT NOT NULL DEFAULT '{}',
            detail TEXT NOT NULL DEFAULT '{}',
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX bench_by_key ON bench(key, assignment, device)",
    ],
    # 4: notes the sandboxed program wrote, kept apart from the grader's (reports quote them as the program's).
    [
        "ALTER TABLE assignments ADD COLUMN child_notes TEXT NOT NULL DEFAULT '[]'",
    ],
    # 5: the course policy applied when graded (harness/pipeline/scoring.py): practice or counted, and the late record.
    [
        "ALTER TABLE assignments ADD COLUMN counts INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE assignments ADD COLUMN late TEXT NOT NULL DEFAULT '{}'",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(GraderError):
    """The store cannot be used as it is (a newer schema, a file that is not a database); says what to do."""


@dataclass(frozen=True)
class RunInfo:
    """One ``grader run`` as recorded: ``finished_at`` is ``None`` for a run that was killed or still runs."""

    id: int
    started_at: str
    finished_at: str | None
    grader_version: str
    checks: str
    meta: dict[str, Any]


def default_path() -> Path:
    """``$GRADER_DB`` if set, else ``./grader.sqlite``: one store per course folder unless told otherwise."""
    return Path(os.environ.get("GRADER_DB") or DEFAULT_DB)


def submission_key(path: str | os.PathLike[str]) -> str:
    """Identity of a submission across runs: its absolute path, so ``subs/alice`` and ``./subs/alice/`` agree."""
    return os.path.abspath(os.fspath(path))


def checks_key(checks: str | Iterable[str] | None) -> str:
    """Canonical form of a check selection (``"training, structure"`` == ``["structure", "training"]``)."""
    if checks is None:
        return ""
    items = checks.split(",") if isinstance(checks, str) else list(checks)
    return ",".join(sorted({str(c).strip() for c in items if str(c).strip()}))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly what we say it is.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:  # switching to WAL needs a lock that the busy handler does not always wait for
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    conn.execute("PRAGMA synchronous = NORMAL")  # durable across process kills in WAL mode; fsync at checkpoints
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the missing steps of :data:`MIGRATIONS` up to ``target`` (default: all); return the new version.

    Each step runs in its own ``BEGIN IMMEDIATE`` transaction together with its ``user_version`` bump, and the
    version is re-read under the lock, so two processes opening a fresh file migrate it exactly once.
    """
    target = SCHEMA_VERSION if target is None else target
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"this results store has schema version {version}, newer than this grader's "
                    f"{SCHEMA_VERSION}: upgrade grader, or point --db/GRADER_DB at another file"
                )
            if version >= target:
                conn.execute("COMMIT")
                return version
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def open_store(path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """Open (and create or migrate) the store at ``path``; see :func:`default_path` for the default.

    ``create=False`` is for read-only commands: a missing file then raises :class:`StoreError` naming it,
    rather than leaving an empty database behind a typo.
    """
    db = Path(path) if path is not None else default_path()
    if not create and not db.exists():
        raise StoreError(f"no results store at {db}: run `grader run` first, or pass --db / set GRADER_DB")
    if db.parent and not db.parent.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
    conn: sqlite3.Connection | None = None
    try:
        conn = _connect(db)
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise StoreError(f"{db} is not a usable results store ({exc})") from exc
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return Store(conn, db)


class Store:
    """Results of every run; one :class:`SubmissionResult` per submission is *current*."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # One connection, explicit transactions: threads of one process (a grading pool) take turns.
        self._lock = threading.RLock()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------

    def _write(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction: all of it commits, or none of it."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                value = fn(*args)
                self.conn.execute("COMMIT")
                return value
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def begin_run(self, meta: dict[str, Any]) -> int:
        """Record the start of a run and return its id.

        ``meta`` is kept whole (versions, seed, device, command line); two keys are also used for
        :meth:`is_current`: ``meta["grader"]`` (grader version) and ``meta["checks"]`` (str or list).
        """
        started = str(meta.get("started_at") or _now())
        version = str(meta.get("grader") or meta.get("grader_version") or "")
        cur = self._write(
            self.conn.execute,
            "INSERT INTO runs (started_at, grader_version, checks, meta) VALUES (?, ?, ?, ?)",
            (started, version, checks_key(meta.get("checks")), json.dumps(meta, default=str)),
        )
        return int(cur.lastrowid)

    def finish_run(self, run_id: int) -> None:
        """Mark the run complete; a run without ``finished_at`` was interrupted."""
        self._write(self.conn.execute, "UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))

    def record(self, run_id: int, result: SubmissionResult) -> None:
        """Store ``result`` as the submission's current result, in one transaction (history is kept)."""
        self._write(self._insert, run_id, result)

    def _insert(self, run_id: int, result: SubmissionResult) -> None:
        run = self.conn.execute("SELECT grader_version, checks FROM runs WHERE id = ?", (run_id,)).fetchone()
        if run is None:
            raise StoreError(f"no run {run_id} in {self.path}: call begin_run() first")
        key = submission_key(result.path)
        self.conn.execute("UPDATE results SET current = 0 WHERE key = ? AND current = 1", (key,))
        cur = self.conn.execute(
            """INSERT INTO results (run_id, key, submission, path, content_hash, grader_version, checks, sandbox,
                                   warnings, score, max_score, recorded_at, current)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
            (run_id, key, result.submission, result.path, result.content_hash, run["grader_version"],
             run["checks"], result.sandbox, json.dumps(result.warnings), result.score, result.max_score, _now()),
        )
        result_id = cur.lastrowid
        for position, a in enumerate(result.assignments):
            row = self.conn.execute(
                """INSERT INTO assignments (result_id, position, assignment, status, score, max_score, params,
                                            expected_params, file, reason, notes, metrics, timings, architecture,
                                            sandbox, child_notes, counts, late)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (result_id, position, a.id, a.status, a.score, a.max_score, a.params, a.expected_params, a.file,
                 a.reason, _dumps(a.notes), _dumps(a.metrics), _dumps(a.timings), _dumps(a.architecture),
                 _dumps(a.sandbox), _dumps(a.child_notes), int(a.counts), _dumps(a.late)),
            ).lastrowid
            self.conn.executemany(
                "INSERT INTO checks (assignment_row, position, name, passed, message, weight, credit)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(row, i, c.name, int(c.passed), c.message, c.weight, c.credit) for i, c in enumerate(a.checks)],
            )

    # -- reading ---------------------------------------------------------------------------------------

    def is_current(self, submission_path: str, content_hash: str, grader_version: str, checks: str) -> bool:
        """True when the submission's current result graded these exact files with this grader and checks."""
        with self._lock:
            row = self.conn.execute(
                "SELECT content_hash, grader_version, checks FROM results WHERE key = ? AND current = 1",
                (submission_key(submission_path),),
            ).fetchone()
        return (
            row is not None
            and row["content_hash"] == content_hash
            and row["grader_version"] == grader_version
            and row["checks"] == checks_key(checks)
        )

    def latest(self, submissions: Sequence[str] | None = None) -> list[SubmissionResult]:
        """The current result of every submission (by name), rebuilt as :class:`SubmissionResult` objects.

        ``submissions`` narrows to the given names, paths or folder names.
        """
        with self._lock:
            rows = self.conn.execute("SELECT * FROM results WHERE current = 1 ORDER BY submission, key").fetchall()
            if submissions:
                wanted = set(submissions)
                rows = [r for r in rows if _matches(r, wanted)]
            return [self._rebuild(r) for r in rows]

    def find(self, name: str) -> SubmissionResult | None:
        """The current result for a submission given by name, path or folder name; ``None`` if absent."""
        found = self.latest([name])
        return found[0] if found else None

    def recorded_at(self) -> str | None:
        """When the newest current result was recorded (ISO-8601 UTC), for "results as of" lines."""
        row = self.conn.execute("SELECT MAX(recorded_at) FROM results WHERE current = 1").fetchone()
        return row[0]

    def history(self, submission_path: str) -> list[tuple[int, str, float, float]]:
        """Every recording of a submission, oldest first: (run id, recorded_at, score, max_score)."""
        rows = self.conn.execute(
            "SELECT run_id, recorded_at, score, max_score FROM results WHERE key = ? ORDER BY id",
            (submission_key(submission_path),),
        ).fetchall()
        return [tuple(r) for r in rows]

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id").fetchall()
        return [RunInfo(r["id"], r["started_at"], r["finished_at"], r["grader_version"], r["checks"],
                        json.loads(r["meta"])) for r in rows]

    def record_bench(self, path: str, submission: str, assignment: str, device: str, figures: dict[str, Any],
                     detail: dict[str, Any]) -> None:
        """Store one ``grader bench`` measurement (``path`` is the submission's folder, or ``"reference"``)."""
        key = path if path == "reference" else submission_key(path)
        self._write(self.conn.execute,
                    "INSERT INTO bench (key, submission, assignment, device, figures, detail, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, submission, assignment, device, _dumps(figures), _dumps(detail), _now()))

    def bench_figures(self, path: str) -> dict[str, dict[str, Any]]:
        """``{assignment: figures}`` of a submission's newest measurement per assignment and device."""
        key = path if path == "reference" else submission_key(path)
        with self._lock:
            rows = self.conn.execute("SELECT assignment, device, figures FROM bench WHERE key = ? ORDER BY id",
                                     (key,)).fetchall()
        newest = {(row["assignment"], row["device"]): row["figures"] for row in rows}  # later rows win
        found: dict[str, dict[str, Any]] = {}
        for (assignment, _), figures in newest.items():
            found.setdefault(assignment, {}).update(json.loads(figures))
        return found

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def secret(self, key: str = "pseudonym_secret") -> str:
        """A random per-store secret, created on first use (race-free: INSERT OR IGNORE, then read back)."""
        value = self.setting(key)
        if value is None:
            self._write(self.conn.execute, "INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                        (key, secrets.token_hex(32)))
            value = self.setting(key)
        assert value is not None
        return value

    def _rebuild(self, row: sqlite3.Row) -> SubmissionResult:
        assignments = []
        bench = self.bench_figures(row["key"])
        for a in self.conn.execute("SELECT * FROM assignments WHERE result_id = ? ORDER BY position", (row["id"],)):
            checks = [
                Check(name=c["name"], passed=bool(c["passed"]), message=c["message"], weight=c["weight"],
                      credit=c["credit"])
                for c in self.conn.execute(
                    "SELECT * FROM checks WHERE assignment_row = ? ORDER BY position", (a["id"],))
            ]
            assignments.append(AssignmentResult(
                id=a["assignment"], status=a["status"], max_score=a["max_score"], score=a["score"], checks=checks,
                params=a["params"], expected_params=a["expected_params"], file=a["file"], reason=a["reason"],
                notes=json.loads(a["notes"]), child_notes=json.loads(a["child_notes"]),
                metrics={**bench.get(a["assignment"], {}), **json.loads(a["metrics"])},
                timings=json.loads(a["timings"]),
                architecture=json.loads(a["architecture"]), sandbox=json.loads(a["sandbox"]),
                counts=bool(a["counts"]), late=json.loads(a["late"]),
            ))
        return SubmissionResult(
            submission=row["submission"], path=row["path"], assignments=assignments,
            content_hash=row["content_hash"], sandbox=row["sandbox"], warnings=json.loads(row["warnings"]),
        )


def _dumps(value: Any) -> str:
    # A stray numpy float or Path in metrics must not lose the whole submission's record.
    return json.dumps(value, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):  # numpy arrays
        return value.tolist()
    return str(value)


def _matches(row: sqlite3.Row, wanted: set[str]) -> bool:
    key = row["key"]
    names = {row["submission"], row["path"], key, os.path.basename(key)}
    return bool(names & wanted) or key in {submission_key(w) for w in wanted}
