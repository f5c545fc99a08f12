"""The results store: round trip, re-grading, migrations, SIGKILL mid-batch, two writers at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest_results import class_results, expected_rows, meta, numbered

from harness.results.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreError,
    checks_key,
    migrate,
    open_store,
    submission_key,
)

ROOT = Path(__file__).resolve().parents[1]


def _current_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT key, COUNT(*) FROM results WHERE current = 1 GROUP BY key").fetchall())
    finally:
        conn.close()


def _assert_complete(store: Store, make: object) -> None:
    """Every current result has all its assignments and checks (nothing half-written)."""
    for result in store.latest():
        i = int(result.submission[1:])
        assert expected_rows(result) == expected_rows(make(i)), result.submission  # type: ignore[operator]


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    store = open_store(tmp_path / "g.sqlite")
    run = store.begin_run(meta())
    originals = class_results(tmp_path)
    for r in originals:
        store.record(run, r)
    store.finish_run(run)
    back = {r.submission: r for r in store.latest()}
    assert sorted(back) == ["alice", "bob", "carol"]
    for original in originals:
        assert back[original.submission].to_json() == original.to_json()
        # weight and credit are not in to_json but are kept
        assert back[original.submission].assignments == original.assignments
    runs = store.runs()
    assert len(runs) == 1 and runs[0].finished_at is not None
    assert runs[0].meta["tensorflow"] == "2.21" and runs[0].checks == "structure,training"


def test_regrading_replaces_current_and_keeps_history(tmp_path: Path) -> None:
    store = open_store(tmp_path / "g.sqlite")
    first = store.begin_run(meta())
    alice = class_results(tmp_path)[0]
    store.record(first, alice)
    second = store.begin_run(meta(grader="0.2.0"))
    alice.assignments[0].score = 3.0
    store.record(second, alice)
    latest = store.latest()
    assert len(latest) == 1 and latest[0].assignments[0].score == 3.0
    history = store.history(alice.path)
    assert [h[0] for h in history] == [first, second]


def test_same_submission_by_relative_and_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_DB", raising=False)  # the suite's conftest points every test at its own store
    store = open_store()
    assert store.path == Path("grader.sqlite") and (tmp_path / "grader.sqlite").exists()
    run = store.begin_run(meta())
    store.record(run, numbered(1, root="subs"))
    store.record(run, numbered(1, root=str(tmp_path / "subs")))
    assert len(store.latest()) == 1
    assert submission_key("subs/s001/") == str(tmp_path / "subs" / "s001")


def test_default_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_DB", str(tmp_path / "env.sqlite"))
    with open_store() as store:
        assert store.path == tmp_path / "env.sqlite"
    assert (tmp_path / "env.sqlite").exists()


def test_is_current(tmp_path: Path) -> None:
    store = open_store(tmp_path / "g.sqlite")
    run = store.begin_run(meta(grader="0.1.0", checks=["training", "structure"]))
    r = numbered(7, root=tmp_path)
    assert not store.is_current(r.path, r.content_hash, "0.1.0", "structure,training")
    store.record(run, r)
    assert store.is_current(r.path, r.content_hash, "0.1.0", "structure,training")
    assert store.is_current(r.path, r.content_hash, "0.1.0", "training, structure")
    assert not store.is_current(r.path, "f" * 64, "0.1.0", "structure,training")
    assert not store.is_current(r.path, r.content_hash, "0.2.0", "structure,training")
    assert not store.is_current(r.path, r.content_hash, "0.1.0", "structure")
    assert checks_key(None) == "" and checks_key(" b,a ,a") == "a,b"


def test_migration_from_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    open_store(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "results", "assignments", "checks", "settings"} <= tables
    conn.close()
    open_store(db).close()  # opening again is a no-op


def test_migration_from_previous_version_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    assert migrate(conn, target=1) == 1  # a store written by the first release: no settings table
    bob = class_results(tmp_path)[1]
    conn.execute("INSERT INTO runs (id, started_at, grader_version, checks) VALUES (1, '2026-01-01', '0.1.0', 's')")
    conn.execute("INSERT INTO results (id, run_id, key, submission, path, score, max_score, recorded_at)"
                 " VALUES (1, 1, ?, 'bob', ?, 15, 20, '2026-01-01')", (submission_key(bob.path), bob.path))
    conn.execute("INSERT INTO assignments (result_id, position, assignment, status, score, max_score, notes)"
                 " VALUES (1, 0, 'simple_rnn', 'passed', 10, 10, '[\"a note\"]')")
    conn.close()

    store = open_store(db)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [r.submission for r in store.latest()] == ["bob"]
    (graded,) = store.latest()[0].assignments
    assert (graded.notes, graded.child_notes) == (["a note"], [])  # added by a later migration, empty for old rows
    secret = store.secret()
    assert len(secret) == 64 and store.secret() == secret


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this grader"):
        open_store(db)


def test_not_a_database_and_missing_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a usable results store"):
        open_store(junk)
    with pytest.raises(StoreError, match="grader run"):
        open_store(tmp_path / "absent.sqlite", create=False)
    assert not (tmp_path / "absent.sqlite").exists()


def test_record_needs_a_run(tmp_path: Path) -> None:
    store = open_store(tmp_path / "g.sqlite")
    with pytest.raises(StoreError, match="begin_run"):
        store.record(42, numbered(1))
    assert store.latest() == []


WORKER = textwrap.dedent("""
    import os, sys, time
    sys.path[:0] = [{root!r}, {tests!r}]
    from conftest_results import meta, numbered
    from harness.results.store import open_store
    db, first, count, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    store = open_store(db)
    run = store.begin_run(meta(command="worker " + str(first)))
    print("ready", flush=True)
    while not os.path.exists(db + ".go"):  # start line: both writers begin together
        time.sleep(0.005)
    for i in range(first, first + count):
        store.record(run, numbered(i, root={subs!r}, checks=120))
        print("recorded", i, flush=True)
        time.sleep(pause)
    store.finish_run(run)
    print("done", flush=True)
""")


def _worker(tmp_path: Path, *args: object) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    if not script.exists():
        script.write_text(WORKER.format(root=str(ROOT), tests=str(ROOT / "tests"), subs=str(tmp_path / "subs")))
    return subprocess.Popen([sys.executable, str(script), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)


def _make(i: int) -> object:
    return numbered(i, checks=120)


def test_sigkill_mid_batch_loses_nothing_recorded(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    total = 40
    Path(f"{db}.go").touch()
    proc = _worker(tmp_path, db, 0, total, 0.0)
    seen = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("recorded"):
            seen += 1
        if seen == 8:
            os.kill(proc.pid, signal.SIGKILL)  # mid-batch, likely mid-transaction
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    store = open_store(db)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = _current_counts(db)
    assert seen <= len(counts) < total
    assert set(counts.values()) == {1}
    _assert_complete(store, _make)
    (run,) = store.runs()
    assert run.finished_at is None  # an interrupted run says so
    store.close()

    # The re-run records every submission again: each is there exactly once, and complete.
    rerun = _worker(tmp_path, db, 0, total, 0.0)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    counts = _current_counts(db)
    assert len(counts) == total and set(counts.values()) == {1}
    with open_store(db) as store:
        _assert_complete(store, _make)
        assert [r.submission for r in store.latest()] == [f"s{i:03d}" for i in range(total)]


def test_two_processes_write_the_same_store(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    # Overlapping ranges: s010..s019 are written by both, so "current" must move between processes' rows.
    a = _worker(tmp_path, db, 0, 20, 0.0)
    b = _worker(tmp_path, db, 10, 20, 0.0)
    for proc in (a, b):
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    Path(f"{db}.go").touch()
    for proc in (a, b):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip().endswith("done")
    counts = _current_counts(db)
    assert len(counts) == 30 and set(counts.values()) == {1}
    with open_store(db) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 40
        assert len(store.runs()) == 2 and all(r.finished_at for r in store.runs())
        _assert_complete(store, _make)


def test_concurrent_open_of_fresh_file_migrates_once(tmp_path: Path) -> None:
    db = tmp_path / "fresh.sqlite"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from harness.results.store import open_store; "
            f"open_store({str(db)!r})")
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    deadline = time.monotonic() + 60
    for p in procs:
        _, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        assert p.returncode == 0, err
    with open_store(db) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
