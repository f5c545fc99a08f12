"""The CLI as the README shows it: list the catalog, grade alice and bob, and refuse bad input clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.catalog import ModelAssignment, load_catalog
from tests.conftest import ROOT, by_id, grader


@pytest.fixture(scope="module")
def class_report(example_class: tuple[int, dict, Path]) -> tuple[int, dict]:
    """alice and bob graded structurally in one run (tests/conftest.py's ``example_class``)."""
    return example_class[:2]


def test_list_json_has_every_assignment() -> None:
    done = grader("list", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["assignments"]
    catalog = load_catalog()
    assert [r["id"] for r in rows] == list(catalog)
    assert sum(r["kind"] == "model" for r in rows) == sum(isinstance(a, ModelAssignment) for a in catalog.values())
    assert {r["id"]: r.get("expected_params") for r in rows}["imdb_cnn_lstm"] == 558_520
    assert all(r["seed"].endswith(".txt") for r in rows)


def test_list_table_names_seeds() -> None:
    done = grader("list")
    assert done.returncode == 0
    assert "simple_rnn" in done.stdout and "322,080" in done.stdout


def test_alice_passes_everything_structural(class_report: tuple[int, dict]) -> None:
    _, report = class_report
    alice = by_id(report, "alice")
    assert set(alice) == set(load_catalog())
    failing = {i: (a["status"], a["reason"], [c["message"] for c in a["checks"] if not c["passed"]])
               for i, a in alice.items() if a["status"] != "passed"}
    assert not failing
    submission = next(s for s in report["submissions"] if s["submission"] == "alice")
    assert submission["score"] == submission["max_score"] == sum(a.points for a in load_catalog().values())


def test_report_schema(class_report: tuple[int, dict]) -> None:
    code, report = class_report
    assert code == 1  # bob fails some
    assert report["sandbox"] in ("bwrap", "bwrap-userns", "fallback")
    for submission in report["submissions"]:
        assert {"submission", "score", "max_score", "assignments"} <= submission.keys()
        for assignment in submission["assignments"]:
            assert {"id", "status", "score", "max_score", "params", "expected_params", "checks"} <= assignment.keys()
            assert assignment["status"] in ("passed", "failed", "error", "missing", "skipped")
            for check in assignment["checks"]:
                assert {"name", "passed", "message"} <= check.keys()


def _failures(assignment: dict) -> str:
    return " | ".join(c["message"] for c in assignment["checks"] if not c["passed"]) + assignment["reason"]


def test_bob_messages_name_the_layer_and_the_reason(class_report: tuple[int, dict]) -> None:
    _, report = class_report
    bob = by_id(report, "bob")
    assert bob["simple_rnn"]["status"] == "passed"
    assert bob["imdb_lstm"]["params"] == 344_897 and bob["imdb_lstm"]["expected_params"] == 328_353
    assert "layer 2 LSTM: 24,832 parameters, expected 8,320 (64 units instead of 32)" in _failures(bob["imdb_lstm"])
    assert "last layer uses no activation; the reference ends in sigmoid" in _failures(bob["imdb_simple_rnn"])
    relu = _failures(bob["reuters_lstm_100"])
    assert "layer 2 LSTM: activation relu, the reference uses tanh" in relu
    assert "layer 2 LSTM: given the same weights" in relu  # caught by the functional check too
    assert "layer 4 AveragePooling1D: expected MaxPooling1D" in _failures(bob["imdb_cnn_lstm"])
    assert "missing Dense (reference layer 5) after layer 4 GlobalMaxPooling1D" in _failures(bob["reuters_cnn"])
    assert "lecture" in _failures(bob["gru_forward"])
    assert bob["one_hot_chars"]["status"] == "failed"


def test_bob_errors_say_what_and_where(class_report: tuple[int, dict]) -> None:
    _, report = class_report
    bob = by_id(report, "bob")
    assert bob["jena_dense"]["status"] == "error"
    assert "SyntaxError" in bob["jena_dense"]["reason"] and "jena_dense.py" in bob["jena_dense"]["reason"]
    assert bob["reuters_lstm"]["status"] == "error" and "missing 1 required positional argument" in \
        bob["reuters_lstm"]["reason"]
    assert bob["jena_gru"]["status"] == "error" and "jena_gru.py:" in bob["jena_gru"]["reason"]
    assert bob["mnist_cnn"]["status"] == "missing"
    stateful = bob["song_stateful_lstm"]
    said = stateful["notes"] + stateful["child_notes"]  # the compatibility note comes from the sandboxed script
    assert stateful["status"] == "passed" and any("batch_shape" in n for n in said) or \
        stateful["status"] == "error" and "batch_shape" in stateful["reason"]


def test_table_output_and_exit_code(example_class: tuple[int, dict, Path]) -> None:
    """The table and the exit code of one submission, shown from the results ``example_class`` stored (the same
    assignments, unchanged files: nothing is graded again)."""
    env = {"GRADER_DB": str(example_class[2])}
    done = grader("run", "submissions/bob", env=env)
    assert "1 submission(s) unchanged" in done.stderr
    assert done.returncode == 1
    assert "bob:" in done.stdout and "imdb_lstm" in done.stdout and "✘ failed" in done.stdout
    done = grader("run", "submissions/alice", "--output", "/dev/null", env=env)
    assert done.returncode == 0


@pytest.mark.parametrize(("args", "needle"), [
    (["run", "no/such/folder"], "no/such/folder: no such file or folder"),
    (["run", "submissions/alice", "-a", "not_an_assignment"], "unknown assignment 'not_an_assignment'"),
    (["run", "pyproject.toml"], "pyproject.toml: is a file"),
])
def test_bad_usage_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    done = grader(*args)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr


def test_empty_folder_is_bad_usage(tmp_path: Path) -> None:
    done = grader("run", str(tmp_path))
    assert done.returncode == 2
    assert "holds no .py or .ipynb files" in done.stderr


def test_regrading_skips_unchanged_and_force_regrades(tmp_path: Path) -> None:
    student = tmp_path / "dora"
    student.mkdir()
    (student / "simple_rnn.py").write_text((ROOT / "submissions/alice/simple_rnn.py").read_text())
    env = {"GRADER_DB": str(tmp_path / "db.sqlite")}
    assert grader("run", str(student), "-a", "simple_rnn", env=env).returncode == 0
    again = grader("run", str(student), "-a", "simple_rnn", env=env)
    assert "unchanged since they were graded" in again.stderr
    forced = grader("run", str(student), "-a", "simple_rnn", "--force", env=env)
    assert "unchanged" not in forced.stderr and forced.returncode == 0
    (student / "simple_rnn.py").write_text("def build_model():\n    raise RuntimeError('oops')\n")
    changed = grader("run", str(student), "-a", "simple_rnn", env=env)
    assert changed.returncode == 1 and "RuntimeError: oops (simple_rnn.py:2)" in changed.stdout
