"""``grader bundle gradescope``: the autograder zip, and its ``run_autograder`` run as Gradescope runs it.

The zip is extracted into a temporary ``/autograder`` tree (``AUTOGRADER_ROOT``), ``run_autograder`` is copied to
the root as Gradescope does, and run with this venv's python (``GRADER_PYTHON``) in place of ``setup.sh``'s venv,
on a correct and a broken submission; results.json is checked against Gradescope's documented fields.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import ROOT, grader

from harness.catalog import load_catalog
from harness.checks import FUNCTION_CHECKS, MODEL_CHECKS
from harness.output.export import VISIBILITIES

ALICE = ROOT / "submissions" / "alice"
COURSE = '[assignments.simple_rnn]\npoints = 20\n'
BROKEN_MODEL = """\
import keras
from keras import layers


def build_model():
    return keras.Sequential([layers.Embedding(10000, 32), layers.SimpleRNN(64)])
"""


def validate(doc: dict[str, Any]) -> None:
    """Gradescope's results.json (autograder specification): the fields it reads, with their types and values."""
    assert isinstance(doc["score"], (int, float))
    assert isinstance(doc.get("execution_time", 0), int)
    assert isinstance(doc["output"], str)
    assert doc["visibility"] in VISIBILITIES and doc["stdout_visibility"] in VISIBILITIES
    for test in doc["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITIES
    for entry in doc.get("leaderboard", []):
        assert isinstance(entry["name"], str) and isinstance(entry["value"], (int, float))
        assert entry["order"] in ("asc", "desc")
    assert round(sum(t["score"] for t in doc["tests"]), 2) == doc["score"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundle")
    (folder / "course.toml").write_text(COURSE)
    done = grader("bundle", "gradescope", "--course", str(folder / "course.toml"), "--output",
                  str(folder / "autograder.zip"), "-a", "simple_rnn", "-a", "rnn_forward", "--visibility",
                  "after_published", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "autograder.zip"


def autograde(bundle: Path, root: Path, files: dict[str, str | Path]) -> tuple[subprocess.CompletedProcess, dict]:
    """Gradescope's steps: the zip in root/source, run_autograder copied to root, the submission, then run it."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    for name, content in files.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content)
    (root / "submission").mkdir(exist_ok=True)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable})
    return done, json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_the_scripts_the_course_and_the_grader(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert archive.read("course.toml").decode() == COURSE
        run = archive.read("run_autograder").decode()
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
    assert "-a simple_rnn -a rnn_forward" in run and "--visibility after_published" in run
    assert {"grader/pyproject.toml", "grader/harness/cli.py", "grader/harness/output/gradescope.py"} <= set(infos)
    assert {f"grader/reference/{i}.py" for i in load_catalog()} <= set(infos)
    assert not [name for name in infos if "__pycache__" in name or name.endswith(".pyc")]
    assert subprocess.run(["bash", "-n", "/dev/stdin"], input=zipfile.ZipFile(bundle).read("setup.sh"),
                          capture_output=True).returncode == 0


def test_the_zip_is_reproducible(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(COURSE)
    for name in ("one.zip", "two.zip"):
        done = grader("bundle", "gradescope", "--output", name, "-a", "simple_rnn", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert "course: " + str(tmp_path / "course.toml") in done.stderr  # ./course.toml by default
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_a_correct_submission(bundle: Path, tmp_path: Path) -> None:
    done, doc = autograde(bundle, tmp_path, {"simple_rnn.py": ALICE / "simple_rnn.py",
                                             "rnn_forward.py": ALICE / "rnn_forward.py"})
    assert done.returncode == 0, done.stderr
    validate(doc)
    names = [f"simple_rnn: {c}" for c in MODEL_CHECKS] + [f"rnn_forward: {c}" for c in FUNCTION_CHECKS]
    assert [t["name"] for t in doc["tests"]] == names
    assert all(t["status"] == "passed" and t["visibility"] == "after_published" for t in doc["tests"])
    assert doc["score"] == 20 + load_catalog()["rnn_forward"].points  # course.toml's points for simple_rnn


def test_a_broken_submission_uploaded_as_a_folder(bundle: Path, tmp_path: Path) -> None:
    done, doc = autograde(bundle, tmp_path, {"hw/simple_rnn.py": BROKEN_MODEL,
                                             "hw/rnn_forward.py": ALICE / "rnn_forward.py"})
    assert done.returncode == 0, done.stderr
    validate(doc)
    tests = {t["name"]: t for t in doc["tests"]}
    assert tests["simple_rnn: parameters"]["status"] == "failed"
    assert tests["simple_rnn: parameters"]["output"] == \
        "layer 2 SimpleRNN: 6,208 parameters, expected 2,080 (64 units instead of 32)"
    assert tests["simple_rnn: layers"]["status"] == "passed"
    assert tests["rnn_forward: fixed_cases"]["status"] == "passed"
    assert 0 < doc["score"] < sum(t["max_score"] for t in doc["tests"])


def test_a_submission_with_nothing_to_grade_still_gets_results(bundle: Path, tmp_path: Path) -> None:
    done, doc = autograde(bundle, tmp_path, {"notes.txt": "my homework"})
    assert done.returncode == 0, done.stderr
    validate(doc)
    assert doc["score"] == 0 and doc["tests"] == []
    assert doc["output"].startswith("Your submission could not be graded: ")
    assert "holds no .py or .ipynb files" in doc["output"]


def test_bundle_refuses_a_bad_course_file(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text("[selfcheck]\nhide = ['nope']\n")
    done = grader("bundle", "gradescope", "--course", "course.toml", cwd=tmp_path)
    assert done.returncode == 2 and "unknown check 'nope'" in done.stderr
    assert not (tmp_path / "autograder.zip").exists()


def test_the_deadline_is_judged_by_gradescopes_time_not_the_students_files(tmp_path: Path) -> None:
    """Gradescope writes submission_metadata.json beside the submission; a timestamp.txt the student uploads is
    theirs to forge and is not believed."""
    (tmp_path / "course.toml").write_text('deadline = 2026-11-20T23:59:00Z\nlate_penalty_per_day = 0.1\n')
    done = grader("bundle", "gradescope", "--output", "autograder.zip", "-a", "rnn_forward", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "autograder"
    root.mkdir()
    (root / "submission_metadata.json").write_text('{"created_at": "2026-11-22T10:00:00.000000-00:00"}')
    done, doc = autograde(tmp_path / "autograder.zip", root, {
        "rnn_forward.py": ALICE / "rnn_forward.py", "timestamp.txt": "2026-11-01 10:00:00.000000 UTC"})
    assert done.returncode == 0, done.stderr
    validate(doc)
    points = load_catalog()["rnn_forward"].points
    assert doc["score"] == pytest.approx(points * 0.8)  # 2 started days late, as Gradescope's own time says
