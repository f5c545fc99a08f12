"""What crosses the sandbox boundary is checked against harness/sandbox/jail/protocol.py, and one student never stops a
class: hostile files from the child, folders over the caps and symlinked student folders, graded in one
``grader run`` beside correct students, asserted from the outside (exit code, JSON report, verdicts, the store's
run row, the grader's temp folder).

Function assignments (``rnn_forward``) keep it fast: no model is built.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.catalog import load_catalog
from harness.sandbox.jail import protocol

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "submissions"
ASSIGNMENT = "rnn_forward"
CORRECT = ROOT / "submissions" / "alice" / f"{ASSIGNMENT}.py"
CONTROLS = ("control_a", "control_b", "control_c")
ARRAY_MIB = 512


def _student(folder: Path, name: str, source: str | None = None) -> Path:
    target = folder / name
    target.mkdir(parents=True)
    text = source if source is not None else CORRECT.read_text()
    (target / f"{ASSIGNMENT}.py").write_text(text.replace("{{MIB}}", str(ARRAY_MIB)))
    return target


def _nest(folder: Path, depth: int) -> Path:
    """``folder/d/d/…`` ``depth`` deep, made one level at a time (pathlib's own mkdir recurses)."""
    for _ in range(depth):
        folder = folder / "d"
        os.mkdir(folder)
    return folder


def _unnest(folder: Path) -> None:
    """Remove what :func:`_nest` made, from the bottom up."""
    levels = []
    while (folder / "d").is_dir():
        folder = folder / "d"
        levels.append(folder)
    for level in reversed(levels):
        for entry in level.iterdir():
            if not entry.is_dir():
                entry.unlink()
        os.rmdir(level)


def _hostile(name: str) -> str:
    return (TEMPLATES / name / f"{ASSIGNMENT}.py").read_text()


def grade(folder: Path, tmp: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict, Path]:
    """``grader run FOLDER --format json`` with a private store and a private temp folder."""
    db = tmp / "grader.sqlite"
    temp = tmp / "temp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "harness", "run", str(folder), "-a", ASSIGNMENT, "--format", "json",
               "--jobs", "1", "--db", str(db), "--force", *args]
    done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = {}
    return done, report, temp


def results(report: dict) -> dict[str, dict]:
    return {s["submission"]: next(a for a in s["assignments"] if a["id"] == ASSIGNMENT)
            for s in report.get("submissions", [])}


def leftovers(temp: Path) -> list[str]:
    """What the grader left in its temp folder (its uid locks live in a machine-wide folder: worker.UID_LOCKS)."""
    return sorted(p.name for p in temp.iterdir())


def runs_finished(db: Path) -> list[bool]:
    with sqlite3.connect(db) as conn:
        return [row[0] is not None for row in conn.execute("SELECT finished_at FROM runs")]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.CompletedProcess, dict, Path, Path]]:
    tmp = tmp_path_factory.mktemp("boundary")
    folder = tmp / "class"
    _student(folder, CONTROLS[0])
    for name in ("malformed_info", "malformed_outputs", "oversized_array"):
        _student(folder, name, _hostile(name))
    _student(folder, CONTROLS[1])
    deep = _student(folder, "deep_folder")
    (_nest(deep, 1100) / "leaf.py").write_text("x = 1\n")
    sparse = _student(folder, "sparse_file")
    with open(sparse / "data.bin", "wb") as handle:
        handle.truncate(3 * 2**30)  # 3 GiB that take no disk: the grader once read it whole, twice
    _student(folder, CONTROLS[2])
    os.symlink(folder / CONTROLS[0], folder / "mallory")  # a student folder that is a link to a classmate's
    done, report, temp = grade(folder, tmp)
    yield done, report, temp, tmp
    _unnest(deep)  # pytest's own clean-up of old temp folders recurses, and would fail on it in a later session


def test_the_class_is_graded_to_the_end_and_the_report_parses(hostile: tuple) -> None:
    done, report, _, _ = hostile
    assert done.returncode == 1, done.stderr[-3000:]
    assert report, f"stdout is not JSON: {done.stdout[:500]!r}"
    graded = results(report)
    assert set(graded) == {*CONTROLS, "malformed_info", "malformed_outputs", "oversized_array", "deep_folder",
                           "sparse_file"}
    for control in CONTROLS:  # those after each hostile student too
        assert graded[control]["status"] == "passed", graded[control]["reason"]
        assert graded[control]["score"] == graded[control]["max_score"] == load_catalog()[ASSIGNMENT].points


def test_a_malformed_info_json_fails_that_assignment_with_the_reason(hostile: tuple) -> None:
    result = results(hostile[1])["malformed_info"]
    assert (result["status"], result["score"]) == ("error", 0)
    assert result["reason"] == ("info.json from the sandbox is malformed: 'notes' must be a list of strings; the "
                                "assignment is not graded")


def test_outputs_json_whose_errors_is_a_string_fails_that_assignment(hostile: tuple) -> None:
    result = results(hostile[1])["malformed_outputs"]
    assert (result["status"], result["score"]) == ("error", 0)
    assert result["reason"] == ("outputs.json from the sandbox is malformed: 'errors' must be an object; the "
                                "assignment is not graded")


def test_arrays_larger_than_the_references_returns_allow_never_reach_numpy(hostile: tuple) -> None:
    result = results(hostile[1])["oversized_array"]
    assert (result["status"], result["score"]) == ("error", 0)
    assert result["reason"].startswith(f"outputs.npz from the sandbox is refused: its arrays hold {ARRAY_MIB}.0 MiB, "
                                       "more than the ")
    assert "that the reference's returns allow" in result["reason"]


def test_a_folder_nested_too_deep_is_that_students_error_naming_the_cap(hostile: tuple) -> None:
    result = results(hostile[1])["deep_folder"]
    assert result["status"] == "error"
    assert f"is nested deeper than {protocol.MAX_DEPTH} folders" in result["reason"]
    assert "d/d/d" in result["reason"] and "\n" not in result["reason"]


def test_a_huge_sparse_file_is_refused_unread_naming_file_and_cap(hostile: tuple) -> None:
    result = results(hostile[1])["sparse_file"]
    assert result["status"] == "error"
    assert "data.bin is 3.0 GiB, more than the 20.0 MiB a submission file may have" in result["reason"]


def test_a_symlinked_student_folder_is_refused_not_graded_as_the_classmate(hostile: tuple) -> None:
    done, report, _, _ = hostile
    assert "mallory" not in results(report)
    assert "mallory: a student folder that is a symbolic link (to " in done.stderr
    assert "is not graded" in done.stderr


def test_the_run_is_recorded_as_finished_and_no_temp_folder_is_left(hostile: tuple) -> None:
    _, _, temp, tmp = hostile
    assert runs_finished(tmp / "grader.sqlite") == [True]
    assert leftovers(temp) == []


def test_a_submission_named_alone_that_is_over_a_cap_exits_1_with_json(tmp_path: Path) -> None:
    student = _student(tmp_path / "class", "deep")
    _nest(student, 40)
    done, report, temp = grade(student, tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert results(report)["deep"]["status"] == "error"
    assert runs_finished(tmp_path / "grader.sqlite") == [True]
    assert leftovers(temp) == []


# -- the protocol itself ---------------------------------------------------------------------------------------------

def test_every_file_of_the_protocol_is_validated_with_a_reason_naming_the_key(tmp_path: Path) -> None:
    from harness.sandbox.host.worker import vet_outputs

    out = tmp_path / "out"
    out.mkdir()
    (out / "info.json").write_text(json.dumps({"notes": ["fine", 3]}))
    (out / "error.json").write_text(json.dumps({"message": {"nested": "no"}}))
    (out / "outputs.json").write_text(json.dumps({"layout": {"c0": "c0"}, "errors": {}}))
    refused = sorted(vet_outputs(out, "model"))  # a model task leaves no outputs.json
    assert refused == ["error.json (malformed: 'message' must be a string)",
                       "info.json (malformed: 'notes' must be a list of strings)",
                       "outputs.json (malformed: it is not an output of a model task)"]
    assert list(out.iterdir()) == []
    (out / "outputs.json").write_text(json.dumps({"layout": {"c0": ["c0.0", ["c0.1"]]}, "errors": {"c1": {}}}))
    assert vet_outputs(out, "function") == []
    (out / "outputs.json").write_text(json.dumps({"history": {"loss": [0.5, None]}, "notes": [], "trained": "yes"}))
    assert vet_outputs(out, "train") == ["outputs.json (malformed: 'trained' must be true or false)"]


def test_the_layout_may_only_name_its_own_arrays(tmp_path: Path) -> None:
    import numpy as np

    np.savez(tmp_path / "outputs.npz", c0=np.zeros(3), c1=np.ones(2))
    arrays = protocol.check_npz(tmp_path / "outputs.npz", budget=1024)
    protocol.check_layout({"c0": "c0", "c1": ["c1"]}, arrays)
    with pytest.raises(protocol.ProtocolError, match="'layout.c0' names 'c1'"):
        protocol.check_layout({"c0": "c1"}, arrays)
    with pytest.raises(protocol.ProtocolError, match="its arrays hold 40 bytes, more than the 39 bytes"):
        protocol.check_npz(tmp_path / "outputs.npz", budget=39)


def test_a_forged_zygote_reply_is_that_tasks_error() -> None:
    protocol.check_outcome({"exit_code": 0, "refused": [], "preflight": {}})
    with pytest.raises(protocol.ProtocolError, match="'exit_code' must be an integer or null"):
        protocol.check_outcome({"exit_code": "0"})
    with pytest.raises(protocol.ProtocolError, match="'refused' must be a list of strings"):
        protocol.check_outcome({"refused": "model.keras"})


def test_tasks_are_checked_on_both_sides() -> None:
    protocol.check_task({"kind": "function", "file": "week5/f.py", "seed": 0, "cases": [((1,), {})]})
    for bad, key in (({"kind": "shell", "file": "f.py"}, "kind"), ({"kind": "model", "file": "../f.py"}, "file"),
                     ({"kind": "model"}, "file")):
        with pytest.raises(protocol.ProtocolError, match=f"'{key}'"):
            protocol.check_task(bad)


def test_the_submission_walk_caps_files_and_never_follows_links(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.pipeline.grade import content_hash
    from harness.sandbox.host.worker import copy_submission

    student = _student(tmp_path, "s")
    os.symlink("/etc/passwd", student / "passwd.py")
    (student / ".hidden").write_text("x")
    before = content_hash(student)
    copy_submission(student, tmp_path / "copy")
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == [f"{ASSIGNMENT}.py"]
    (student / "passwd.py").unlink()
    assert content_hash(student) == before  # what is not copied is not hashed either
    for index in range(5):
        (student / f"m{index}.py").write_text("")
    monkeypatch.setattr(protocol, "MAX_FILES", 3)
    with pytest.raises(protocol.SubmissionRefused, match="more than 3 (files|entries)"):
        content_hash(student)
    with pytest.raises(protocol.SubmissionRefused, match="more than 3 (files|entries)"):
        copy_submission(student, tmp_path / "copy2")


def test_a_grader_fault_on_one_student_is_that_students_error(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from harness.checks import evaluate
    from harness.pipeline.grade import Grader, Options

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    students = [_student(tmp_path / "class", name) for name in ("a", "b", "c")]
    real, calls, recorded = evaluate.evaluate_function, [], []

    def checks_fail_once(*args: object, **kwargs: object) -> object:  # the second student's checks (one worker)
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    def store(result: object) -> None:  # a store that cannot take c's first result
        if result.submission == "c" and "c!" not in recorded:
            recorded.append("c!")
            raise ValueError("cannot store this")
        recorded.append(result.submission)

    monkeypatch.setattr(evaluate, "evaluate_function", checks_fail_once)
    with Grader(Options(jobs=1)) as grader:
        results = list(grader.grade_all(students, [ASSIGNMENT], on_result=store))
    by_name = {r.submission: r.assignments[0] for r in results}
    assert by_name["a"].status == "passed"
    assert (by_name["b"].status, by_name["b"].reason) == ("error", "the grader failed on it: RuntimeError: boom")
    assert by_name["c"].status == "error"
    assert by_name["c"].reason == ("its result could not be stored (the grader failed on it: ValueError: cannot store "
                                   "this)")
    assert recorded == ["a", "b", "c!", "c"]
    assert leftovers(temp) == []


def test_a_symlinked_student_folder_named_alone_is_refused_with_exit_2(tmp_path: Path) -> None:
    alice = _student(tmp_path / "class", "alice")
    os.symlink(alice, tmp_path / "class" / "mallory")
    done, report, _ = grade(tmp_path / "class" / "mallory", tmp_path)
    assert done.returncode == 2 and not report
    assert "mallory: a student folder that is a symbolic link is not graded" in done.stderr


def test_a_model_jobs_malformed_notes_fail_it_even_unvetted(tmp_path: Path) -> None:
    """The checker reads the notes through the same declaration: a file that skipped vetting fails there too."""
    from harness.checks import evaluate
    from harness.sandbox import Limits, Outcome

    (tmp_path / "info.json").write_text(json.dumps({"notes": {"forged": "passed 10/10"}}))
    (tmp_path / "model.json").write_text("{}")
    result = evaluate.evaluate_model(load_catalog()["simple_rnn"], "simple_rnn.py", Outcome(exit_code=0, out=tmp_path),
                                     Limits())
    assert (result.status, result.reason) == ("error", "info.json from the sandbox is malformed: 'notes' must be a "
                                              "list of strings; the assignment is not graded")
