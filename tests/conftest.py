"""Shared fixtures: every test gets its own results store, and the CLI is driven as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _private_reference_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite's reference figures (harness/checks/reference_cache.py) in a folder of its own, not the user's cache:
    computed by the first test that grades a model, read back by the others."""
    os.environ["GRADER_CACHE_DIR"] = str(tmp_path_factory.mktemp("reference-cache"))


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
    db = tmp_path_factory.mktemp("example-class") / "grader.sqlite"
    code, report = grade_json("submissions/alice", "submissions/bob", env={"GRADER_DB": str(db)})
    return code, report, db
