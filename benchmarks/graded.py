"""``grader run`` for benchmarks: it grades (``--force``, a store of its own) and proves that it did.

Why: a benchmark that lets ``grader run`` reuse stored results times the results cache, not grading
(``bench_structure.py`` once reported 1.06× that way; graded, it was 2.2×). Every benchmark that times
``grader run`` goes through :func:`grader_run`, which regrades into a fresh temporary store, then reads the
store back: the run recorded every submission of the report, so none was reused, and the report's graded
assignments (passed, failed or error) are counted, so a benchmark can refuse a run that graded less than it
claims (a missing file, a skipped assignment).

The references' figures (``harness/checks/reference_cache.py``) are kept in a cache folder of the benchmark's own
(``GRADER_CACHE_DIR``), never the user's: a fresh one per run unless the benchmark passes one, and the result says
how many assignments' figures it held when the run started (``references_cached``), so a figure says which it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cpu

ROOT = Path(__file__).resolve().parents[1]
GRADED = ("passed", "failed", "error")


@dataclass
class Graded:
    """One ``grader run``: its wall time, its JSON report, and what the store says it graded."""

    wall_s: float
    report: dict[str, Any]
    submissions: int
    assignments: int
    reused: int
    #: Assignments whose reference figures the cache held when the run started (0: computed in the run).
    references_cached: int = 0
    #: CPU seconds of the grader and every process it started (see ``cpu.py`` for ``cpu_source``).
    cpu_s: float = 0.0
    cpu_source: str = ""

    def summary(self) -> dict[str, Any]:
        """The figures a benchmark prints beside its times."""
        return {"submissions": self.submissions, "assignments_graded": self.assignments, "reused": self.reused,
                "references_cached": self.references_cached}


def grader_run(paths: Sequence[str | Path], *args: str, expect_assignments: int | None = None,
               cwd: Path = ROOT, db: Path | None = None, cache: Path | None = None) -> Graded:
    """Time ``grader run PATHS ARGS --force --db <fresh> --format json``; raise unless it graded what it claims.

    ``expect_assignments``: how many assignments the run must have graded (over all submissions); a run whose
    report says otherwise, or whose store did not record every submission in this run, raises RuntimeError.
    ``db``: keep the store there (it must not exist yet); by default it is a temporary file, removed afterwards.
    ``cache``: the reference cache folder to use (and keep); by default a fresh, empty one.
    """
    if db is not None and db.exists():
        raise RuntimeError(f"{db}: exists; a benchmark's store must be fresh")
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        db, output = db or Path(tmp) / "grader.sqlite", Path(tmp) / "report.json"
        cache = cache or Path(tmp) / "cache"
        cached = len(list(cache.glob("references/*/*.npz")))
        command = [sys.executable, "-m", "harness", "run", *map(str, paths), *args, "--force", "--db", str(db),
                   "--format", "json", "--output", str(output)]
        measured = cpu.run(command, cwd=cwd, env={**os.environ, "GRADER_CACHE_DIR": str(cache)})
        done = measured.done
        if done.returncode not in (0, 1) or not output.is_file():
            raise RuntimeError(f"grader run failed ({done.returncode}): {done.stderr[-2000:]}")
        report = json.loads(output.read_text(encoding="utf-8"))
        recorded = _recorded_this_run(db)
    submissions = report["submissions"]
    graded = sum(1 for s in submissions for a in s["assignments"] if a["status"] in GRADED)
    reused = sum(1 for s in submissions if s["path"] not in recorded)
    if reused:
        raise RuntimeError(f"{reused} of {len(submissions)} submissions were not graded in this run (reused)")
    if expect_assignments is not None and graded != expect_assignments:
        statuses = sorted({a["status"] for s in submissions for a in s["assignments"]})
        raise RuntimeError(f"graded {graded} assignments, expected {expect_assignments} (statuses: {statuses})")
    return Graded(measured.wall_s, report, len(submissions), graded, reused, cached, measured.cpu_s,
                  measured.cpu_source)


def _recorded_this_run(db: Path) -> set[str]:
    """The submission paths the store recorded, checking it holds exactly one run (it was created for it)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        runs = [row[0] for row in conn.execute("SELECT id FROM runs")]
        if len(runs) != 1:
            raise RuntimeError(f"{db}: {len(runs)} runs in a store made for one")
        return {row[0] for row in conn.execute("SELECT path FROM results WHERE run_id = ?", (runs[0],))}
