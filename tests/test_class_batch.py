"""A class graded as an instructor does: a batch, the leaderboard, and a batch killed half-way and re-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, grader

IDS = ("simple_rnn", "imdb_cnn_lstm", "imdb_simple_rnn", "reuters_lstm_100", "song_lstm", "mnist_cnn")


def test_leaderboard_ranks_the_example_class(tmp_path: Path) -> None:
    env = {"GRADER_DB": str(tmp_path / "class.sqlite")}
    args = [arg for assignment in IDS for arg in ("-a", assignment)]
    done = grader("run", "submissions", *args, "--format", "json", env=env)
    assert done.returncode == 1, done.stderr  # bob fails some
    scores = {s["submission"]: s["score"] for s in json.loads(done.stdout)["submissions"]}
    assert scores["alice"] == 60 and scores["carol"] == 50 and scores["bob"] < scores["carol"]
    assert scores["dave"] == 30  # three of these six handed in, all correct
    board = grader("leaderboard", "--format", "json", env=env)
    assert board.returncode == 0, board.stderr
    standings = json.loads(board.stdout)["standings"]
    assert [(row["rank"], row["name"]) for row in standings] == [(1, "alice"), (2, "carol"), (3, "bob"), (4, "dave")]


def _recorded(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return [row[0] for row in conn.execute("SELECT submission FROM results WHERE current = 1")]
    except sqlite3.DatabaseError:
        return []


def test_a_batch_killed_half_way_loses_nothing_and_reruns_once(tmp_path: Path) -> None:
    school = tmp_path / "class"
    for number in range(6):
        student = school / f"s{number}"
        student.mkdir(parents=True)
        shutil.copyfile(ROOT / "submissions/alice/simple_rnn.py", student / "simple_rnn.py")
    db = tmp_path / "batch.sqlite"
    env = {**os.environ, "GRADER_DB": str(db)}
    command = [sys.executable, "-m", "harness", "run", str(school), "-a", "simple_rnn", "--jobs", "1"]
    batch = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 300
    while len(_recorded(db)) < 2 and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.2)
    os.killpg(batch.pid, signal.SIGKILL)  # the grader, its sandboxed workers, everything: power loss
    batch.wait()
    before = _recorded(db)
    assert 2 <= len(before) < 6, "kill the batch while it is half-way"
    again = grader("run", str(school), "-a", "simple_rnn", "--jobs", "1", env={"GRADER_DB": str(db)})
    assert again.returncode == 0, again.stderr
    assert f"{len(before)} submission(s) unchanged" in again.stderr
    after = _recorded(db)
    assert sorted(after) == [f"s{n}" for n in range(6)]  # every result, each exactly once
