"""``grader run`` on a class reads like a class: one row per student, a line per assignment many students failed,
a progress bar on a terminal; one submission (or ``-v``) keeps the per-assignment table; JSON is unchanged."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.output import render
from harness.results import AssignmentResult, Check, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
#: Function assignments (fast): bob gets the first right and the other two wrong (see submissions/README.md).
IDS = ("rnn_forward", "gru_forward", "one_hot_chars")
#: The class: alice's and bob's files, bob twice (so two students share his mistakes).
CLASS = {"alice": "alice", "bob": "bob", "bobby": "bob"}


def grader(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, **kwargs)


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "class"
    for student, source in CLASS.items():
        (folder / student).mkdir(parents=True)
        for assignment in IDS:
            file = ROOT / "submissions" / source / f"{assignment}.py"
            if file.exists():
                shutil.copy(file, folder / student / file.name)
    return folder


def _args(klass: Path, *extra: str) -> list[str]:
    return ["run", str(klass), *[x for i in IDS for x in ("-a", i)], "--jobs", "1", "--db",
            str(klass.parent / "grader.sqlite"), *extra]


def test_a_class_prints_one_row_per_student_and_what_many_failed(klass: Path) -> None:
    done = grader(*_args(klass, "--force"))
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("student"))
    assert header.split() == ["student", "score", "passed", "failed", "errors", "missing", "time", "(s)", "first",
                              "problem"]
    rows = {line.split()[0]: line.split() for line in lines if line.split() and line.split()[0] in CLASS}
    assert set(rows) == set(CLASS)
    assert rows["alice"][1:6] == [f"{10 * len(IDS)}/{10 * len(IDS)}", str(len(IDS)), "0", "0", "0"]
    assert rows["bob"][2:4] == ["1", "2"] and rows["bob"][7] == "gru_forward:"  # the first problem, named
    assert "gru_forward: 2 of 3 students failed — most often: fixed_cases" in done.stdout
    assert "one_hot_chars: 2 of 3 students failed" in done.stdout
    assert "rnn_forward" not in done.stdout.split("Failed by many students:")[1]  # nobody failed it
    assert not any(line.startswith("assignment ") for line in lines)  # no per-assignment tables
    # every student graded (--force) with stderr not a terminal: no bar
    assert "ETA" not in done.stderr and "\x1b" not in done.stderr


def test_one_submission_and_verbose_keep_the_assignment_table(klass: Path) -> None:
    single = grader(*_args(klass / "bob"))
    assert single.returncode == 1
    assert single.stdout.startswith("bob: ") and "✘ failed" in single.stdout  # its table, every assignment
    assert "student" not in single.stdout.split("\n", 1)[0]
    verbose = grader(*_args(klass, "-v"))
    tables = [line for line in verbose.stdout.splitlines() if line.startswith("assignment ")]
    assert len(tables) == len(CLASS) and "✘ fixed_cases" in verbose.stdout
    assert "Failed by many students:" in verbose.stdout  # and the class summary after them


def test_json_is_the_same_document_for_a_class(klass: Path) -> None:
    done = grader(*_args(klass, "--format", "json"))
    report = json.loads(done.stdout)
    assert [s["submission"] for s in report["submissions"]] == sorted(CLASS)
    assert all(len(s["assignments"]) == len(IDS) for s in report["submissions"])


def test_progress_bar_on_a_terminal(klass: Path) -> None:
    """The same grading on a terminal shows the bar (off a terminal it does not: the first test's run)."""
    leader, follower = pty.openpty()  # stderr is a terminal, read while the run goes (else it blocks writing)
    with subprocess.Popen([sys.executable, "-m", "harness", *_args(klass, "--force")], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=follower, text=True,
                          env={**os.environ, "COLUMNS": "120"}) as proc:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the run closed its end
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
        stdout = proc.stdout.read()
        assert proc.wait(timeout=600) == 1
    bar = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))  # colours and cursor moves out
    assert f"0/{len(CLASS)} students · ETA" in bar and f"{len(CLASS)}/{len(CLASS)} students" in bar
    assert "\x1b" not in stdout and "ETA" not in stdout and "Failed by many students" in stdout  # the report


# -- the summary's pieces ------------------------------------------------------------------------------------


def _student(name: str, statuses: dict[str, str]) -> SubmissionResult:
    assignments = []
    for assignment, status in statuses.items():
        checks = [Check("parameters", status != "failed", "344,897 instead of 328,353"), Check("layers", True)]
        assignments.append(AssignmentResult(assignment, status, 10, 10 if status == "passed" else 0,
                                            checks=checks if status in ("passed", "failed") else [],
                                            reason="SyntaxError (x.py:3)" if status == "error" else "",
                                            timings={"sandbox_s": 1.5}))
    return SubmissionResult(name, f"/class/{name}", assignments)


def test_common_failures_counts_those_who_handed_it_in() -> None:
    results = [_student("a", {"lstm": "failed", "rnn": "passed", "gru": "missing"}),
               _student("b", {"lstm": "failed", "rnn": "error", "gru": "missing"}),
               _student("c", {"lstm": "failed", "rnn": "passed", "gru": "failed"}),
               _student("d", {"lstm": "passed", "rnn": "passed", "gru": "missing"})]
    assert render.common_failures(results) == ["lstm: 3 of 4 students failed — most often: parameters"]
    results.append(_student("e", {"lstm": "passed", "rnn": "error", "gru": "failed"}))
    assert render.common_failures(results) == ["lstm: 3 of 5 students failed — most often: parameters",
                                               "rnn: 2 of 5 students failed — most often: error",
                                               "gru: 2 of 2 students failed — most often: parameters"]


def test_class_table_row() -> None:
    row = render.class_table([_student("\x1b[2Jzed", {"lstm": "failed", "rnn": "passed", "gru": "missing"})])
    assert "\x1b" not in row
    assert row.splitlines()[2].split()[:8] == ["zed", "10/30", "1", "1", "0", "1", "4.5", "lstm:"]
    assert list(render.progress(iter([1, 2]), 2, show=False)) == [1, 2]  # off the terminal: results pass through
