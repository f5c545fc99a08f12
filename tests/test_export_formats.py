"""The export registry: ``grader export --format`` offers what :data:`harness.output.export.FORMATS` holds, each written
the one way its entry says, and a name it does not hold is refused (it once fell through to JUnit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import grader
from conftest_results import class_results, populate

from harness.errors import InputError
from harness.output.export import FORMATS, Format, export_format
from harness.results import SubmissionResult


def test_an_unknown_format_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown export format 'xlsx'; use one of " + ", ".join(FORMATS)):
        export_format("xlsx")
    done = grader("export", "--format", "xlsx")
    assert done.returncode == 2 and "'xlsx' is not one of" in done.stderr


def test_a_format_is_either_for_the_class_or_per_student() -> None:
    def class_doc(results: object, course: object) -> str:
        return ""

    def student_doc(result: SubmissionResult, course: object, visibility: str) -> str:
        return ""

    with pytest.raises(TypeError, match="exactly one"):
        Format("both", "", class_document=class_doc, student_document=student_doc)
    with pytest.raises(TypeError, match="exactly one"):
        Format("neither", "")
    with pytest.raises(TypeError, match="file_name"):
        Format("nameless", "", student_document=student_doc)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_registered_format_exports_the_class(name: str, tmp_path: Path) -> None:
    db = populate(tmp_path / "grader.sqlite", class_results())
    entry = FORMATS[name]
    out = tmp_path / ("out" if entry.student_document else f"out.{name}")
    done = grader("export", "--format", name, "--db", str(db), "--output", str(out))
    assert done.returncode == 0, done.stderr
    names = sorted(r.submission for r in class_results())
    if entry.student_document:
        files = sorted(out.glob(f"*/{entry.file_name}"))
        assert [f.parent.name for f in files] == names
        assert all(json.loads(f.read_text()) for f in files)
    else:
        text = out.read_text(encoding="utf-8")
        assert all(n in text for n in names)


def test_visibility_is_refused_where_a_format_has_none(tmp_path: Path) -> None:
    db = populate(tmp_path / "grader.sqlite", class_results())
    takes_none = [name for name, entry in FORMATS.items() if not entry.takes_visibility]
    assert takes_none
    for name in takes_none:
        done = grader("export", "--format", name, "--db", str(db), "--visibility", "hidden")
        assert done.returncode == 2 and f"--format {name} has no visibility to set" in done.stderr
