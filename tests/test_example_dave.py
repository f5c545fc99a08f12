"""dave, the example student whose folder looks like a real course's (submissions/README.md): graded through the
CLI, each file gets the verdict submissions/README.md promises, for the reason it gives."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, by_id, grade_json

DAVE = ROOT / "submissions" / "dave"


@pytest.fixture(scope="module")
def dave() -> tuple[int, dict[str, dict]]:
    code, report = grade_json(str(DAVE), "--jobs", "1")
    graded = {i: a for i, a in by_id(report).items() if a["status"] != "missing"}
    return code, graded


def _said(result: dict) -> str:
    """Everything the feedback says of one assignment: checks, reason, the grader's and the run's notes."""
    parts = [result.get("reason") or "", *result.get("notes", []), *result.get("child_notes", [])]
    parts += [c.get("message", "") for c in result.get("checks", [])]
    return "\n".join(parts)


def test_dave_is_graded_as_a_patient_instructor_would(dave: tuple[int, dict[str, dict]]) -> None:
    code, graded = dave
    files = {p.stem for p in DAVE.iterdir() if p.suffix in (".py", ".ipynb")}
    assert set(graded) == files
    expected = {i: "passed" for i in files} | {"rnn_forward": "error"}
    assert {i: a["status"] for i, a in graded.items()} == expected
    assert code == 1  # one error


def test_notebook_runs_past_failing_cells(dave: tuple[int, dict[str, dict]]) -> None:
    said = _said(dave[1]["imdb_simple_rnn"])
    assert "cell 4" in said and "SyntaxError" in said
    assert "cell 8" in said and "NameError" in said and "preds" in said


def test_the_best_of_three_models_is_graded_and_named(dave: tuple[int, dict[str, dict]]) -> None:
    said = _said(dave[1]["simple_rnn"])
    assert "3 models were built" in said and "cell 2" in said


def test_windows_path_and_keras2_spellings_are_named(dave: tuple[int, dict[str, dict]]) -> None:
    jena = _said(dave[1]["jena_gru"])
    assert "served by file name" in jena and "fit_generator" in jena and "reset_after" in jena
    mnist = _said(dave[1]["mnist_cnn"])
    assert "np_utils" in mnist and ".hdf5" in mnist


def test_extra_parameter_and_missing_function_say_what_happened(dave: tuple[int, dict[str, dict]]) -> None:
    assert "called with your module-level code2idx" in _said(dave[1]["song_windows"])
    said = _said(dave[1]["rnn_forward"])
    assert "defines no function rnn_forward" in said and "define rnn_forward(inputs, W, U, b)" in said
    assert "Error:" not in said and "LookupError" not in said
