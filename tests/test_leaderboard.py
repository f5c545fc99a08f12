"""Ranking (ties by accuracy, then time), per-assignment boards, pseudonyms, course policy, the CLI's formats."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from conftest_results import LSTM, RNN, alice, bob, carol, class_results, populate

from harness.cli import main
from harness.output.leaderboard import pseudonym, pseudonyms, rank, rank_assignment
from harness.pipeline.course import Course, CourseError, load_course
from harness.results import AssignmentResult, Check, SubmissionResult


def _sub(name: str, score: float, accuracy: float | None, train_s: float | None) -> SubmissionResult:
    metrics = {} if accuracy is None else {"accuracy": accuracy}
    timings = {} if train_s is None else {"train_s": train_s}
    a = AssignmentResult(RNN, "passed", 20.0, score, [Check("c", True)], metrics=metrics, timings=timings)
    return SubmissionResult(name, f"subs/{name}", [a])


def test_class_order_score_then_accuracy_then_time() -> None:
    results = [
        _sub("zoe", 15, 0.70, 10),     # same score, lower accuracy
        _sub("dave", 15, 0.80, 100),   # same score and accuracy as erin, slower
        _sub("erin", 15, 0.80, 60),
        _sub("yann", 15, None, 1),     # no accuracy: after every present one
        _sub("ann", 18, 0.10, 999),    # highest score wins whatever the rest
        _sub("max", 15, 0.80, 60),     # full tie with erin: same rank
    ]
    board = rank(results)
    assert [s.submission for s in board] == ["ann", "erin", "max", "dave", "zoe", "yann"]
    assert [s.rank for s in board] == [1, 2, 2, 4, 5, 6]


def test_class_board_from_sample() -> None:
    board = rank(class_results())
    assert [(s.submission, s.score, s.max_score) for s in board] == [
        ("alice", 20.0, 20.0), ("bob", 15.0, 20.0), ("carol", 0.0, 20.0)]
    assert board[0].accuracy == pytest.approx(0.84) and board[0].train_s == 80.0
    assert board[2].accuracy is None and board[2].passed == 0


def test_assignment_board_and_missing_figures() -> None:
    board = rank_assignment(class_results(), LSTM)
    assert [s.submission for s in board] == ["alice", "bob", "carol"]
    assert (board[0].bench_cpu_s, board[0].bench_gpu_s, board[0].time_to_accuracy_s) == (40.0, 5.0, 12.5)
    assert board[1].bench_cpu_s is None and board[2].status == "missing"


def test_course_counts_and_points(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(
        'name = "Keras 2026"\n'
        "deadline = 2026-12-01T23:59:00Z\n"
        "late_penalty_per_day = 0.1\n"
        f"[assignments.{LSTM}]\npoints = 12\ncounts = false\nweights = {{ units = 3 }}\n"
        '[files]\n"week5/17_RNN1_Reuters.py" = "reuters_lstm_100"\n', encoding="utf-8")
    course = load_course(tmp_path)
    assert course.name == "Keras 2026" and course.points(LSTM, 10) == 12 and course.points(RNN, 7) == 7
    assert course.points(RNN) == 10 and not course.counts(LSTM) and course.counts(RNN)
    assert course.weight(LSTM, "units") == 3 and course.weight(LSTM, "other") == 1
    assert course.file_map == {"week5/17_RNN1_Reuters.py": LSTM}
    assert course.assignment_for("./week5/17_RNN1_Reuters.py") == LSTM
    assert course.late_factor(datetime(2026, 12, 1, 23, 0, tzinfo=UTC)) == 1.0
    assert course.late_factor(datetime(2026, 12, 2, 0, 30, tzinfo=UTC)) == 0.9  # a started day counts
    assert course.late_factor(datetime(2026, 12, 3, 12, 0)) == 0.8  # naive = UTC
    assert course.late_factor(datetime(2027, 1, 30, tzinfo=UTC)) == 0.0
    board = rank(class_results(), course)
    assert [(s.submission, s.score, s.max_score) for s in board][:2] == [("alice", 10.0, 10.0), ("bob", 10.0, 10.0)]
    assert board[0].submission == "alice"  # tie on score, alice has the higher accuracy on what counts


def test_course_defaults_and_errors(tmp_path: Path) -> None:
    course = load_course(tmp_path)
    assert course == Course() and course.points("x") == 10 and course.counts("x")
    assert course.late_factor(datetime(2099, 1, 1)) == 1.0
    (tmp_path / "course.toml").write_text("[course]\nname = 'Nested'\n[course.assignments.a]\npoints = 5\n")
    nested = load_course(tmp_path / "course.toml")
    assert nested.name == "Nested" and nested.points("a") == 5
    (tmp_path / "course.toml").write_text("deadline = 'next week'\n")
    with pytest.raises(CourseError, match="deadline"):
        load_course(tmp_path)
    (tmp_path / "course.toml").write_text("name = \n")
    with pytest.raises(CourseError, match="course.toml"):
        load_course(tmp_path)


def test_pseudonyms_stable_distinct_and_nameless() -> None:
    names = [f"student{i}" for i in range(300)] + ["alice"]
    first, again = pseudonyms(names, "s3cret"), pseudonyms(list(reversed(names)), "s3cret")
    assert first == again
    assert len(set(first.values())) == len(names)
    for name, p in first.items():
        assert re.fullmatch(r"[A-Z][a-z]+-[A-Z][a-z]+-[0-9a-f]{4,16}", p), p
        assert name not in p.lower()
    assert pseudonym("alice", "other") != pseudonym("alice", "s3cret")


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return populate(tmp_path / "g.sqlite", class_results(tmp_path / "subs"))


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_table_md_csv_json(db: Path) -> None:
    table = _invoke("leaderboard", "--db", str(db))
    assert table.index("alice") < table.index("bob") < table.index("carol")
    assert "—" in table  # carol has no accuracy
    md = _invoke("leaderboard", "--db", str(db), "--format", "md")
    assert md.startswith("# Keras course") and re.search(r"^\|\s+# \| Student", md, re.MULTILINE)
    rows = list(csv.DictReader(io.StringIO(_invoke("leaderboard", "--db", str(db), "--format", "csv"))))
    assert [r["name"] for r in rows] == ["alice", "bob", "carol"]
    assert rows[1]["score"] == "15.0" and rows[1][LSTM] == "5.0" and rows[2]["accuracy"] == ""
    doc = json.loads(_invoke("leaderboard", "--db", str(db), "--format", "json"))
    assert [s["name"] for s in doc["standings"]] == ["alice", "bob", "carol"]
    assert doc["standings"][0]["scores"] == {RNN: 10.0, LSTM: 10.0} and doc["results_as_of"]


def test_cli_assignment_board(db: Path) -> None:
    out = _invoke("leaderboard", "--db", str(db), "-a", LSTM)
    lines = [line for line in out.splitlines() if re.match(r"\s*\d+\s", line)]
    assert [line.split()[1] for line in lines] == ["alice", "bob", "carol"]
    assert "CPU time (s)" in out and "40.00" in out and "5.00" in out
    assert "—" in lines[1]  # bob has no benchmark figures
    doc = json.loads(_invoke("leaderboard", "--db", str(db), "-a", LSTM, "--format", "json"))
    assert doc["assignment"] == LSTM and doc["standings"][0]["bench_gpu_s"] == 5.0
    assert doc["standings"][1]["bench_gpu_s"] is None


def test_cli_errors(db: Path, tmp_path: Path) -> None:
    bad = CliRunner().invoke(main, ["leaderboard", "--db", str(db), "-a", "nope"])
    assert bad.exit_code == 2 and "graded: simple_rnn, reuters_lstm_100" in bad.output
    missing = CliRunner().invoke(main, ["leaderboard", "--db", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "grader run" in missing.output
    assert not (tmp_path / "none.sqlite").exists()


def test_cli_pseudonymous_is_stable_and_hides_names(db: Path, tmp_path: Path) -> None:
    args = ("leaderboard", "--db", str(db), "--pseudonymous", "--format", "json")
    first = json.loads(_invoke(*args))
    second = json.loads(_invoke(*args))
    names = [s["name"] for s in first["standings"]]
    assert names == [s["name"] for s in second["standings"]]
    html = _invoke("leaderboard", "--db", str(db), "--pseudonymous", "--format", "html")
    for text in (json.dumps(first), html):
        for real in ("alice", "bob", "carol"):
            assert real not in text
    assert all(n in html for n in names)
    other = populate(tmp_path / "other.sqlite", [alice(tmp_path), bob(tmp_path), carol(tmp_path)])
    assert json.loads(_invoke("leaderboard", "--db", str(other), "--pseudonymous", "--format", "json"))[
        "standings"][0]["name"] != names[0]  # another store, another secret


def test_cli_output_file_infers_format(db: Path, tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text('name = "Deep Learning with Keras"\n')
    out = tmp_path / "site" / "board.html"
    _invoke("leaderboard", "--db", str(db), "--output", str(out), "--course", str(tmp_path))
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Deep Learning with Keras" in page
    assert '<meta name="viewport"' in page and "<script>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # self-contained: nothing fetched
    assert datetime.now(UTC).strftime("%Y-%m-%d") in page
