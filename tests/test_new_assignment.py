"""Adding an assignment is adding its reference module and alice's example: nothing in the grader or its tests
lists the assignments.

A module in a folder named by ``$GRADER_REFERENCE_PATH`` joins the catalog exactly as one in ``reference/`` does,
so a temporary one shows it here without touching the source tree: ``grader list`` lists it, ``grader run``
grades a student's file for it (right and wrong), and ``grader export`` has its column.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest

from harness.catalog import load_catalog
from tests.conftest import by_id, grade_json, grader

REFERENCE = '''
"""``clip_scale``: a function assignment that exists only in this test."""

import numpy as np

from harness.catalog import Case, FunctionAssignment


def clip_scale(x, factor):
    return np.clip(np.asarray(x, dtype=float) * factor, -1.0, 1.0)


def cases():
    return [Case(args=(np.linspace(-2, 2, 9), 0.5), label="nine values, half"),
            Case(args=(np.ones((2, 3)), 3.0), label="a 2x3 block, three times")]


def compare(case, expected, actual):
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return f"shape {actual.shape}, expected {expected.shape}"
    return None if np.allclose(actual, expected) else "values differ: clip the scaled values to [-1, 1]"


ASSIGNMENT = FunctionAssignment(id="clip_scale", title="Scale, then clip to [-1, 1]", seed="test.txt",
                                function="clip_scale", reference=clip_scale, cases=cases, compare=compare)
'''


@pytest.fixture
def course(tmp_path: Path) -> dict[str, str]:
    """A reference folder holding ``clip_scale.py``, and the environment that adds it to the catalog."""
    folder = tmp_path / "course_reference"
    folder.mkdir()
    (folder / "clip_scale.py").write_text(textwrap.dedent(REFERENCE).lstrip(), encoding="utf-8")
    return {"GRADER_REFERENCE_PATH": str(folder)}


def _student(root: Path, name: str, body: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "clip_scale.py").write_text("import numpy as np\n\n\ndef clip_scale(x, factor):\n" + body,
                                          encoding="utf-8")
    return folder


def test_a_new_reference_module_is_listed_graded_and_exported(course: dict[str, str], tmp_path: Path) -> None:
    listed = grader("list", "--format", "json", env=course)
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)["assignments"]}
    assert set(rows) == {*load_catalog(), "clip_scale"}
    assert rows["clip_scale"]["kind"] == "function"

    right = _student(tmp_path, "right", "    return np.clip(np.asarray(x, dtype=float) * factor, -1, 1)\n")
    wrong = _student(tmp_path, "wrong", "    return np.asarray(x, dtype=float) * factor\n")
    db = str(tmp_path / "grader.sqlite")
    code, report = grade_json(str(right), str(wrong), "-a", "clip_scale", "--db", db, env=course)
    assert code == 1  # one of them failed
    passed, failed = by_id(report, "right")["clip_scale"], by_id(report, "wrong")["clip_scale"]
    assert passed["status"] == "passed" and passed["score"] == passed["max_score"] == 10
    assert failed["status"] == "failed" and failed["score"] < 10
    assert any("clip the scaled values" in c["message"] for c in failed["checks"] if not c["passed"])

    exported = grader("export", "--format", "csv", "--db", db, env=course)
    assert exported.returncode == 0, exported.stderr
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    assert rows["right"]["clip_scale"] == "10" and float(rows["wrong"]["clip_scale"]) < 10


def test_a_reference_path_that_is_not_a_folder_is_one_line(tmp_path: Path) -> None:
    done = grader("list", env={"GRADER_REFERENCE_PATH": str(tmp_path / "missing")})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"Error: $GRADER_REFERENCE_PATH: {tmp_path / 'missing'} is not a folder; name folders of reference modules "
        "(<id>.py each)"]
