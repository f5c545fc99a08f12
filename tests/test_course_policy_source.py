"""course.toml is the instructor's: read from the working directory, ``--course`` or the class folder, never from
inside a student folder, and every number in it is finite and in range (else exit 2 with one line naming the key)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.catalog import load_catalog
from harness.commands.run import course_file
from harness.pipeline.course import CourseError, load_course

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "rnn_forward"  # a function assignment: graded without building a model
CORRECT = ROOT / "submissions" / "alice" / f"{ASSIGNMENT}.py"


def _class(tmp_path: Path, *students: str) -> Path:
    folder = tmp_path / "class"
    for student in students:
        (folder / student).mkdir(parents=True)
        (folder / student / f"{ASSIGNMENT}.py").write_text(CORRECT.read_text())
    return folder


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "harness", "run", *args, "-a", ASSIGNMENT, "--jobs", "1",
               "--db", str(cwd / "grader.sqlite")]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_students_own_course_toml_is_ignored_and_said_so(tmp_path: Path) -> None:
    folder = _class(tmp_path, "bob")
    (folder / "bob" / "course.toml").write_text(f"[assignments.{ASSIGNMENT}]\npoints = 1000\n")
    (folder / "course.toml").write_text(f"[assignments.{ASSIGNMENT}]\npoints = 20\n")
    done = _run(tmp_path, "class/bob", "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)["submissions"][0]["assignments"][0]
    assert (result["score"], result["max_score"]) == (20, 20)  # the class folder's file, not bob's
    assert ("ignoring class/bob/course.toml: a course file inside a student folder is not the instructor's"
            in done.stderr.splitlines())


def test_without_a_class_course_file_the_catalogs_points_stand(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = _class(tmp_path, "bob")
    (folder / "bob" / "course.toml").write_text(f"[assignments.{ASSIGNMENT}]\npoints = 1000\n")
    assert course_file((folder / "bob",), [folder / "bob"]) is None


def test_the_course_file_comes_from_the_class_folder_or_the_working_directory(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _class(tmp_path, "bob", "carol")
    (folder / "course.toml").write_text("name = 'class'\n")
    students = [folder / "bob", folder / "carol"]
    monkeypatch.chdir(tmp_path)
    assert course_file((folder,), students) == folder / "course.toml"  # grading the class
    assert course_file((folder / "bob",), students[:1]).resolve() == (folder / "course.toml").resolve()
    (tmp_path / "course.toml").write_text("name = 'here'\n")
    assert course_file((folder,), students) == tmp_path / "course.toml"  # ./course.toml wins


def test_a_course_file_in_the_working_directory_that_is_a_student_folder_is_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _class(tmp_path, "bob")
    (folder / "bob" / "course.toml").write_text("name = 'mine'\n")
    monkeypatch.chdir(folder / "bob")
    assert course_file((Path("."),), [Path(".")]) is None
    assert "a course file inside a student folder is not the instructor's" in capsys.readouterr().err


def test_the_example_class_keeps_its_course_file_for_carol() -> None:
    carol = ROOT / "submissions" / "carol"
    found = course_file((carol,), [carol])
    assert found is not None and found.resolve() == (ROOT / "submissions" / "course.toml").resolve()
    assert load_course(found).assignment_for("week5/17_RNN1_Reuters.py") == "reuters_lstm_100"


@pytest.mark.parametrize(("toml", "named"), [
    (f"[assignments.{ASSIGNMENT}]\npoints = inf\n", f"[assignments.{ASSIGNMENT}] points"),
    (f"[assignments.{ASSIGNMENT}]\npoints = nan\n", f"[assignments.{ASSIGNMENT}] points"),
    (f"[assignments.{ASSIGNMENT}]\npoints = -5\n", f"[assignments.{ASSIGNMENT}] points"),
    (f"[assignments.{ASSIGNMENT}]\nweights = {{ fixed_cases = -1 }}\n", "weights.fixed_cases"),
    (f"[assignments.{ASSIGNMENT}]\ncounts = 'no'\n", f"[assignments.{ASSIGNMENT}] counts"),
    ("default_points = 1e400\n", "default_points"),
    ("late_penalty_per_day = 2\n", "late_penalty_per_day"),
])
def test_numbers_out_of_range_exit_2_with_one_line_naming_the_key(tmp_path: Path, toml: str, named: str) -> None:
    _class(tmp_path, "bob")
    (tmp_path / "class" / "course.toml").write_text(toml)
    done = _run(tmp_path, "class")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: class/course.toml: ") and named in lines[0]


def test_the_policy_in_range_is_kept(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(f"late_penalty_per_day = 1\ndefault_points = 0\n[assignments.{ASSIGNMENT}]\n"
                                          "points = 0.5\nweights = { fixed_cases = 0 }\n")
    course = load_course(tmp_path)
    assert course.late_penalty_per_day == 1 and course.points(ASSIGNMENT) == 0.5
    assert course.weight(ASSIGNMENT, "fixed_cases") == 0
    assert course.points("imdb_lstm", load_catalog()["imdb_lstm"].points) == load_catalog()["imdb_lstm"].points
    (tmp_path / "course.toml").write_text("name = 3\n")
    with pytest.raises(CourseError, match="name must be a string"):
        load_course(tmp_path)
