"""course.toml applied end to end: each policy key changes the score it should (one scorer,
harness/pipeline/scoring.py), the submission time is read from nbgrader's timestamp.txt or Gradescope's
submission_metadata.json (hostile input: bounded, validated, a bad file is a note and the next source), and a late
timestamp.txt lowers the score that ``grader run`` stores, ``grader leaderboard`` ranks, ``grader report`` shows and
``grader export`` writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.output.export import gradescope, junit_xml
from harness.pipeline import scoring
from harness.pipeline.course import parse_course
from harness.results import AssignmentResult, Check, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
FUNCTION = "rnn_forward"  # a function assignment: graded in seconds, no model built
CORRECT = ROOT / "submissions" / "alice" / f"{FUNCTION}.py"
ON_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _graded(checks: list[tuple[str, bool]], aid: str = "imdb_lstm") -> AssignmentResult:
    return AssignmentResult.from_checks(aid, 10.0, [Check(name, passed, "") for name, passed in checks])


def _policy(toml: dict, result: AssignmentResult, when: datetime | None = None) -> AssignmentResult:
    submitted = scoring.SubmissionTime(when, scoring.TIMESTAMP_FILE) if when else None
    return scoring.apply_policy(result, parse_course(toml), submitted)


HALF = [("layers", True), ("parameters", False)]


# -- one test per key ---------------------------------------------------------------------------------------------


def test_without_a_policy_checks_share_the_points_equally() -> None:
    assert _policy({}, _graded(HALF)).score == 5.0


def test_weights_change_each_checks_share() -> None:
    a = _policy({"assignments": {"imdb_lstm": {"weights": {"parameters": 3}}}}, _graded(HALF))
    assert (a.score, a.max_score) == (2.5, 10.0)  # 1 of 1 + 3
    assert [c.weight for c in a.checks] == [1.0, 3.0]
    assert scoring.check_points(a) == [(2.5, 2.5), (0.0, 7.5)]


def test_points_scale_the_assignment() -> None:
    assert (lambda a: (a.score, a.max_score))(_policy({"assignments": {"imdb_lstm": {"points": 20}}},
                                                      _graded(HALF))) == (10.0, 20.0)


def test_default_points_apply_where_an_assignment_sets_none() -> None:
    a = _policy({"default_points": 4, "assignments": {"other": {"points": 50}}}, _graded(HALF))
    assert (a.score, a.max_score) == (2.0, 4.0)


def test_counts_false_is_graded_but_not_added_up() -> None:
    practice = _policy({"assignments": {"imdb_lstm": {"counts": False}}}, _graded(HALF))
    counted = _policy({}, _graded([("layers", True)], "simple_rnn"))
    result = SubmissionResult("s", "s", [practice, counted])
    assert practice.score == 5.0 and not practice.counts and "practice" in practice.notes[-1]
    assert (result.score, result.max_score) == (10.0, 10.0) == scoring.totals(result)
    doc = gradescope(result)
    assert doc["score"] == 10.0 and all(t["max_score"] == 0 for t in doc["tests"] if "practice" in t["tags"])


def test_the_course_deadline_and_late_penalty_take_a_share_per_started_day() -> None:
    toml = {"deadline": datetime(2026, 11, 20, 23, 59, tzinfo=UTC), "late_penalty_per_day": 0.1}
    on_time = _policy(toml, _graded(HALF), ON_TIME)
    late = _policy(toml, _graded(HALF), datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    assert on_time.score == 5.0 and "on time" in on_time.notes[-1]
    assert late.score == 4.0 and late.late["days_late"] == 2 and late.late["penalty"] == 1.0
    assert late.notes[-1] == "submitted 2026-11-22 10:00 UTC (timestamp.txt): 2 days late, −20%"


def test_an_assignments_deadline_overrides_the_courses() -> None:
    toml = {"deadline": datetime(2026, 12, 20, tzinfo=UTC), "late_penalty_per_day": 0.25,
            "assignments": {"imdb_lstm": {"deadline": datetime(2026, 11, 19, 23, 59, tzinfo=UTC)}}}
    assert _policy(toml, _graded(HALF), ON_TIME).score == 3.75  # a day late for imdb_lstm
    assert _policy(toml, _graded(HALF, "simple_rnn"), ON_TIME).score == 5.0  # on time for the course


def test_a_deadline_without_a_penalty_says_late_and_takes_nothing() -> None:
    a = _policy({"deadline": datetime(2026, 11, 1, tzinfo=UTC)}, _graded(HALF), ON_TIME)
    assert a.score == 5.0 and a.notes[-1].endswith("20 days late, no penalty")


def test_gradescope_tests_add_up_to_the_score_with_weights_thirds_and_a_penalty() -> None:
    toml = {"deadline": datetime(2026, 11, 19, tzinfo=UTC), "late_penalty_per_day": 0.1,
            "assignments": {"imdb_lstm": {"points": 7, "weights": {"b": 2}}}}
    checks = [Check("a", True), Check("b", False, credit=0.37), Check("c", True), Check("d", False)]
    a = _policy(toml, AssignmentResult.from_checks("imdb_lstm", 10.0, checks), ON_TIME)
    doc = gradescope(SubmissionResult("s", "s", [a]))
    assert round(sum(t["score"] for t in doc["tests"]), 2) == doc["score"] == a.score
    assert round(sum(t["max_score"] for t in doc["tests"]), 2) == 7.0
    assert all(0 <= t["score"] <= t["max_score"] for t in doc["tests"])
    assert doc["tests"][-1]["name"] == "imdb_lstm: submission time" and "late" in doc["tests"][-1]["tags"]
    assert 'name="score" value="' + f"{a.score:g}" + '"' in junit_xml([SubmissionResult("s", "s", [a])])


def test_a_changed_policy_makes_stored_results_stale() -> None:
    ids = ["imdb_lstm", "simple_rnn"]
    base = scoring.policy_key(parse_course({}), ids)
    for toml in ({"default_points": 5}, {"late_penalty_per_day": 0.1},
                 {"deadline": datetime(2026, 11, 1, tzinfo=UTC)},
                 {"assignments": {"imdb_lstm": {"weights": {"layers": 2}}}},
                 {"assignments": {"simple_rnn": {"counts": False}}}):
        assert scoring.policy_key(parse_course(toml), ids) != base, toml


# -- the submission time: hostile files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-30 23:59:00.123456 UTC\n", datetime(2026, 11, 30, 23, 59, 0, 123456, tzinfo=UTC)),
    ("2026-11-30 23:59:00 UTC", datetime(2026, 11, 30, 23, 59, tzinfo=UTC)),
    ("2026-11-30 23:59:00", datetime(2026, 11, 30, 23, 59, tzinfo=UTC)),
    ("2026-12-01 08:59:00+09:00", datetime(2026, 11, 30, 23, 59, tzinfo=UTC)),
])
def test_nbgrader_timestamps_parse(text: str, expected: datetime) -> None:
    assert scoring.parse_timestamp(text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("yesterday", "is not a time like"), ("2026-02-30 10:00:00 UTC", "does not exist"),
    ("2026-11-30 23:59:00 CST", "ambiguous"), ("2026-11-30 23:59:00+25:00", "out of range"),
    ("2026-11-30 23:59:00 UTC\n2020-01-01 00:00:00 UTC", "is not a time like"),
])
def test_bad_timestamps_are_named(text: str, says: str) -> None:
    with pytest.raises(scoring.PolicyInputError, match=says):
        scoring.parse_timestamp(text)


def test_a_bad_timestamp_is_a_note_and_the_next_source_is_used(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "timestamp.txt").write_text("not a time")
    (tmp_path / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-11-22T02:00:00-08:00"}))
    found = scoring.submission_time(tmp_path)
    assert (found.when, found.source) == (datetime(2026, 11, 22, 10, tzinfo=UTC), "submission_metadata.json")
    assert found.notes == ("timestamp.txt: is not a time like 2026-11-30 23:59:00.123456 UTC; not used for the "
                           "submission time",)
    (tmp_path / "submission_metadata.json").write_text("[" * 60_000)
    for file in tmp_path.iterdir():
        os.utime(file, (1_780_000_000, 1_780_000_000))
    os.utime(tmp_path / "a.py", (1_790_000_000, 1_790_000_000))
    fallback = scoring.submission_time(tmp_path)
    assert fallback.source == scoring.MTIME_SOURCE and fallback.when == datetime.fromtimestamp(1_790_000_000, UTC)
    assert [n.split(":")[0] for n in fallback.notes] == ["timestamp.txt", "submission_metadata.json"]


def test_links_big_files_and_future_times_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    secret = tmp_path.parent / "secret.txt"
    secret.write_text("2026-11-01 00:00:00 UTC")
    (tmp_path / "timestamp.txt").symlink_to(secret)
    assert "is a symbolic link" in scoring.submission_time(tmp_path).notes[0]
    (tmp_path / "timestamp.txt").unlink()
    (tmp_path / "timestamp.txt").write_text("2026-11-01 00:00:00 UTC" + " " * 5000)
    assert "more than the 1,024" in scoring.submission_time(tmp_path).notes[0]
    (tmp_path / "timestamp.txt").write_text("2999-01-01 00:00:00 UTC")
    assert "in the future" in scoring.submission_time(tmp_path).notes[0]
    (tmp_path / "timestamp.txt").write_bytes(b"\xff\xfe")
    assert "not UTF-8" in scoring.submission_time(tmp_path).notes[0]


# -- end to end: a late timestamp.txt through run, leaderboard, report and export ----------------------------------


def _grader(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def test_a_late_timestamp_lowers_the_score_everywhere(tmp_path: Path) -> None:
    for student, stamp in (("early", "2026-11-20 12:00:00.000000 UTC"), ("tardy", "2026-11-22 10:00:00.000000 UTC")):
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / f"{FUNCTION}.py").write_text(CORRECT.read_text())
        (tmp_path / "class" / student / "timestamp.txt").write_text(stamp + "\n")
    course = tmp_path / "course.toml"
    course.write_text('name = "Late test"\ndeadline = 2026-11-20T23:59:00Z\nlate_penalty_per_day = 0.1\n')
    db = str(tmp_path / "grades.sqlite")
    run = json.loads(_grader(tmp_path, "run", "class", "-a", FUNCTION, "--course", str(course), "--db", db,
                             "--jobs", "1", "--format", "json").stdout)
    graded = {s["submission"]: s["assignments"][0] for s in run["submissions"]}
    assert (graded["early"]["score"], graded["tardy"]["score"]) == (10.0, 8.0)
    assert graded["tardy"]["late"]["source"] == "timestamp.txt" and graded["tardy"]["late"]["days_late"] == 2
    sentence = "submitted 2026-11-22 10:00 UTC (timestamp.txt): 2 days late, −20%"
    assert sentence in graded["tardy"]["notes"]

    board = json.loads(_grader(tmp_path, "leaderboard", "--db", db, "--course", str(course), "--format",
                               "json").stdout)
    assert [(s["name"], s["score"], s["rank"]) for s in board["standings"]] == [("early", 10.0, 1), ("tardy", 8.0, 2)]

    report = _grader(tmp_path, "report", "tardy", "--db", db, "--format", "md").stdout
    assert "**Score: 8 / 10**" in report and sentence in report

    _grader(tmp_path, "export", "--format", "gradescope", "--db", db, "--output", str(tmp_path / "gs"))
    doc = json.loads((tmp_path / "gs" / "tardy" / "results.json").read_text())
    assert doc["score"] == 8.0 and round(sum(t["score"] for t in doc["tests"]), 2) == 8.0
    assert {"name": f"{FUNCTION}: submission time", "output": f"{sentence} (−2 points)", "status": "failed"}.items() \
        <= next(t for t in doc["tests"] if t["name"].endswith("submission time")).items()
    gradebook = _grader(tmp_path, "export", "--format", "csv", "--db", db).stdout.splitlines()
    assert gradebook[1:] == ["early,10,10,10", "tardy,8,10,8"]


def test_the_store_keeps_what_the_policy_recorded(tmp_path: Path) -> None:
    from harness.results.store import open_store

    toml = {"deadline": datetime(2026, 11, 20, tzinfo=UTC), "late_penalty_per_day": 0.5,
            "assignments": {"simple_rnn": {"counts": False}}}
    late = _policy(toml, _graded(HALF), ON_TIME)
    practice = _policy(toml, _graded(HALF, "simple_rnn"), ON_TIME)
    with open_store(tmp_path / "g.sqlite") as store:
        store.record(store.begin_run({"grader": "test"}), SubmissionResult("s", "subs/s", [late, practice]))
        (back,) = store.latest()
    assert [(a.score, a.counts, a.late) for a in back.assignments] == [(2.5, True, late.late),
                                                                       (2.5, False, practice.late)]
    assert late.late["days_late"] == 1 and (back.score, back.max_score) == (2.5, 10.0)
