"""``grader report`` (Markdown with PNGs beside it, self-contained HTML) and ``grader export``
(Gradescope results.json checked against the autograder spec's fields, CSV gradebook, JUnit XML)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml, Skipped

sys.path.insert(0, str(Path(__file__).parent))
from conftest_results import LSTM, RNN, class_results, populate

from harness.cli import main
from harness.output.export import gradescope

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return populate(tmp_path / "g.sqlite", class_results(tmp_path / "subs"))


def _run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


# -- report -----------------------------------------------------------------------------------------------


def test_report_markdown_to_stdout(db: Path) -> None:
    out = _run("report", "bob", "--db", str(db)).stdout
    assert out.startswith("# Feedback — bob") and "**Score: 15 / 20**" in out
    assert "| ✗ | units | LSTM has 16 units; the reference has 32 \\| see week 5 |" in out  # pipe escaped
    assert "| 1 | LSTM (None, 16) 3,136 | LSTM (None, 32) 8,320 | ≠ |" in out
    assert "Parameters: 995,000 (reference 1,000,000)" in out
    assert "bob/extra.py is not graded" in out
    carol = _run("report", "carol", "--db", str(db)).stdout
    assert "SyntaxError: invalid syntax (week5/simple_rnn.py:3)" in carol and "missing" in carol


def test_report_markdown_writes_plots_beside(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "feedback" / "alice.md"
    _run("report", "alice", "--db", str(db), "--output", str(out))
    text = out.read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == ["alice_simple_rnn_loss.png", "alice_simple_rnn_accuracy.png"]
    for name in images:
        assert (out.parent / name).read_bytes().startswith(PNG)
    assert "GRU reset_after=True: 6,336 parameters, accepted" in text
    assert "| 0 | Embedding (None, None, 32) 320,000 | Embedding (None, None, 32) 320,000 | ✓ |" in text


def test_report_html_is_self_contained(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "alice.html"
    _run("report", str(tmp_path / "subs" / "alice"), "--db", str(db), "--output", str(out))  # by path
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in page
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(uris) == 2 and all(base64.b64decode(u).startswith(PNG) for u in uris)
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)  # nothing else to fetch
    assert list(tmp_path.glob("*.png")) == []
    assert "layers match the reference" in page and "SimpleRNN (None, 32) 2,080" in page


def test_report_unknown_submission(db: Path) -> None:
    result = _run("report", "mallory", "--db", str(db), code=2)
    assert "mallory" in result.output and "alice, bob, carol" in result.output


# -- Gradescope -------------------------------------------------------------------------------------------

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
NUMBER = (int, float)
#: The autograder spec's results.json, as (type, required) per field; unknown fields are errors here so a typo
#: in a key name fails the test rather than being silently ignored by Gradescope.
TOP = {"score": (NUMBER, True), "execution_time": (int, False), "output": (str, False),
       "visibility": (str, False), "stdout_visibility": (str, False), "extra_data": (dict, False),
       "tests": (list, True), "leaderboard": (list, False)}
TEST = {"score": (NUMBER, True), "max_score": (NUMBER, True), "status": (str, True), "name": (str, True),
        "number": (str, False), "output": (str, False), "tags": (list, False), "visibility": (str, False),
        "extra_data": (dict, False), "name_format": (str, False), "output_format": (str, False)}
BOARD = {"name": (str, True), "value": ((int, float, str), True), "order": (str, False)}


def _check(obj: dict[str, Any], schema: dict[str, tuple[Any, bool]], where: str) -> None:
    assert set(obj) <= set(schema), f"{where}: unknown keys {set(obj) - set(schema)}"
    for key, (kind, required) in schema.items():
        if required:
            assert key in obj, f"{where}: missing {key}"
        if key in obj:
            assert isinstance(obj[key], kind) and not isinstance(obj[key], bool), f"{where}.{key}: {obj[key]!r}"


def validate_results_json(doc: dict[str, Any]) -> None:
    _check(doc, TOP, "results")
    assert doc["visibility"] in VISIBILITY and doc["stdout_visibility"] in VISIBILITY
    for i, test in enumerate(doc["tests"]):
        _check(test, TEST, f"tests[{i}]")
        assert test["status"] in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITY
        assert 0 <= test["score"] <= test["max_score"] + 1e-9
    for i, entry in enumerate(doc.get("leaderboard", [])):
        _check(entry, BOARD, f"leaderboard[{i}]")
        assert entry.get("order", "desc") in ("asc", "desc")


def test_gradescope_per_student_folders(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "gs"
    _run("export", "--format", "gradescope", "--output", str(out), "--db", str(db))
    docs = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    assert sorted(docs) == ["alice", "bob", "carol"]
    for doc in docs.values():
        validate_results_json(doc)
    bob = docs["bob"]
    assert bob["score"] == 15.0
    assert sum(t["max_score"] for t in bob["tests"]) == pytest.approx(20.0)
    units = next(t for t in bob["tests"] if t["name"] == f"{LSTM}: units")
    assert units["status"] == "failed" and units["score"] == 0 and "16 units" in units["output"]
    assert {e["name"]: e["order"] for e in docs["alice"]["leaderboard"]} == {
        "Accuracy": "desc", "Training time (s)": "asc"}
    carol = docs["carol"]
    assert [t["status"] for t in carol["tests"]] == ["failed", "failed"]
    assert "SyntaxError" in carol["tests"][0]["output"] and "leaderboard" not in carol


def test_gradescope_single_submission_and_errors(db: Path, tmp_path: Path) -> None:
    doc = json.loads(_run("export", "--format", "gradescope", "--submission", "alice", "--db", str(db)).stdout)
    validate_results_json(doc)
    assert doc["score"] == 20.0 and doc["execution_time"] == 92  # 41.5 (wall_s) + 50 (train_s only)
    single = tmp_path / "results.json"
    _run("export", "--format", "gradescope", "--submission", "bob", "--output", str(single), "--db", str(db))
    validate_results_json(json.loads(single.read_text()))
    many = _run("export", "--format", "gradescope", "--db", str(db), code=2)
    assert "--output DIR" in many.output
    absent = _run("export", "--format", "csv", "--submission", "zed", "--db", str(db), code=2)
    assert "zed" in absent.output


def test_gradescope_visibility_and_practice_assignments(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(f"[assignments.{LSTM}]\ncounts = false\n")
    from harness.pipeline.course import load_course

    doc = gradescope(class_results()[1], load_course(tmp_path), visibility="after_due_date")
    validate_results_json(doc)
    assert doc["score"] == 10.0 and doc["visibility"] == "after_due_date"
    practice = [t for t in doc["tests"] if "practice" in t["tags"]]
    assert practice and all(t["max_score"] == 0 for t in practice)


# -- CSV and JUnit ----------------------------------------------------------------------------------------


def test_csv_gradebook(db: Path, tmp_path: Path) -> None:
    text = _run("export", "--format", "csv", "--db", str(db)).stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["submission", "total", "max", RNN, LSTM]
    assert rows[1:] == [["alice", "20", "20", "10", "10"], ["bob", "15", "20", "10", "5"],
                        ["carol", "0", "20", "0", "0"]]
    out = tmp_path / "grades.csv"
    _run("export", "--format", "csv", "--output", str(out), "--submission", "bob", "--db", str(db))
    assert out.read_text().splitlines()[1:] == ["bob,15,20,10,5"]


def test_junit_xml(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades.xml"
    _run("export", "--format", "junit", "--output", str(out), "--db", str(db))
    xml = JUnitXml.fromfile(str(out))
    suites = {s.name: s for s in xml}
    assert sorted(suites) == ["alice", "bob", "carol"]
    alice = suites["alice"]
    assert alice.tests == 7 and alice.failures == 0 and alice.errors == 0
    assert {c.classname for c in alice} == {RNN, LSTM}
    bob_cases = {(c.classname, c.name): c for c in suites["bob"]}
    (failure,) = bob_cases[(LSTM, "units")].result
    assert isinstance(failure, Failure) and "16 units" in failure.message
    assert bob_cases[(LSTM, "output")].is_passed and suites["bob"].failures == 1
    carol = list(suites["carol"])
    assert [type(c.result[0]) for c in carol] == [Error, Error] and suites["carol"].errors == 2
    assert "SyntaxError" in carol[0].result[0].message
    assert not any(isinstance(r, Skipped) for c in carol for r in c.result)
