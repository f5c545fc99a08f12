"""Shared fixtures: every test gets its own results store, and the CLI is driven as a user would.

The suite runs on pytest-xdist workers (one per core, at most 4), a test module to each (``pyproject.toml``'s
``addopts``): what every worker needs (the reference figures, the example class) is computed once per run in a
folder they share."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker per core, at most 4: every worker's tests start grader runs of two sandbox workers each."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """``name`` under this run's temporary folder, the same for every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(autouse=True, scope="session")
def _private_reference_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite's reference figures (harness/checks/reference_cache.py) in a folder of its own, not the user's cache:
    computed by the first test that grades a model, read back by the others (entries are renamed into place, so
    both workers may write)."""
    os.environ["GRADER_CACHE_DIR"] = str(shared_dir(tmp_path_factory, "reference-cache"))


@pytest.fixture(autouse=True, scope="session")
def _session_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """What module- and session-scoped fixtures grade into (they run outside any one test's ``_private_store``):
    never the checkout's ``./grader.sqlite``."""
    os.environ["GRADER_DB"] = str(tmp_path_factory.mktemp("session-db") / "grader.sqlite")


@pytest.fixture(autouse=True)
def _private_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_DB", str(tmp_path_factory.mktemp("db") / "grader.sqlite"))


def grader(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
           timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``grader ARGS`` in a fresh process, exactly as a user types it."""
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def grade_json(*args: str, **kwargs) -> tuple[int, dict]:
    """``grader run ARGS --format json`` → (exit code, parsed report)."""
    done = grader("run", *args, "--format", "json", **kwargs)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def by_id(report: dict, submission: str = "") -> dict[str, dict]:
    """The assignments of one submission of a report, keyed by id."""
    subs = report["submissions"]
    sub = next(s for s in subs if s["submission"] == submission) if submission else subs[0]
    return {a["id"]: a for a in sub["assignments"]}


@pytest.fixture(scope="session")
def example_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, Path]:
    """alice and bob graded structurally in one run, as `grader run submissions/alice submissions/bob` does:
    (exit code, JSON report, the store it wrote). Read by every test about those two, so they are graded once."""
    folder = shared_dir(tmp_path_factory, "example-class")
    db, saved = folder / "grader.sqlite", folder / "run.json"
    with open(folder / "lock", "w") as lock:  # the first worker grades, the other waits and reads
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not saved.exists():
            code, report = grade_json("submissions/alice", "submissions/bob", env={"GRADER_DB": str(db)})
            saved.write_text(json.dumps({"code": code, "report": report}))
        run = json.loads(saved.read_text())
    return run["code"], run["report"], db
