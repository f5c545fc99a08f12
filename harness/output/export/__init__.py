"""Results in the shapes other systems read, one module per format, found through :data:`FORMATS`.

Why a registry: ``grader export --format NAME`` offers exactly the names here and writes each the one way its entry
says, so a new format is a module beside these and one entry below, never a branch in the command (which once
wrote JUnit for any name it did not know). All formats come from the same
:class:`~harness.results.SubmissionResult` objects, scored by :mod:`harness.pipeline.scoring` (the one scorer), so they
never disagree with ``grader run`` or ``grader report``.

- ``gradescope``: :mod:`harness.output.export.gradescope`, one ``results.json`` per student.
- ``csv``: :mod:`harness.output.export.gradebook`, a CSV gradebook, one row per student.
- ``junit``: :mod:`harness.output.export.junit`, JUnit XML, one test case per check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.errors import InputError
from harness.output.export.gradebook import gradebook_csv
from harness.output.export.gradescope import FILE_NAME, VISIBILITIES, gradescope, results_json
from harness.output.export.junit import junit_xml
from harness.pipeline.course import Course
from harness.results import SubmissionResult

#: One document for the whole class.
ClassDocument = Callable[[Sequence[SubmissionResult], Course], str]
#: One document per student; the third argument is the visibility the student's tests get.
StudentDocument = Callable[[SubmissionResult, Course, str], str]


@dataclass(frozen=True)
class Format:
    """How one format is written: either one document for the class (to a file or stdout), or one per student
    (``<folder>/<student>/<file_name>``, or stdout for a single student)."""

    name: str
    help: str
    class_document: ClassDocument | None = None
    student_document: StudentDocument | None = None
    #: A per-student document's file name inside the student's folder.
    file_name: str = ""
    #: Whether ``--visibility`` means something to this format.
    takes_visibility: bool = False

    def __post_init__(self) -> None:
        if (self.class_document is None) == (self.student_document is None):
            raise TypeError(f"export format {self.name!r}: give exactly one of class_document, student_document")
        if self.student_document is not None and not self.file_name:
            raise TypeError(f"export format {self.name!r}: a per-student format needs its file_name")


FORMATS: dict[str, Format] = {
    entry.name: entry for entry in (
        Format("gradescope", "Gradescope's results.json, one per student", student_document=results_json,
               file_name=FILE_NAME, takes_visibility=True),
        Format("csv", "a CSV gradebook, one row per student", class_document=gradebook_csv),
        Format("junit", "JUnit XML, one test case per check", class_document=junit_xml),
    )
}


def export_format(name: str) -> Format:
    """The registered format ``name``; :class:`~harness.errors.InputError` naming the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(f"unknown export format {name!r}; use one of {', '.join(FORMATS)}") from None


__all__ = ["FORMATS", "VISIBILITIES", "Format", "export_format", "gradebook_csv", "gradescope", "junit_xml",
           "results_json"]
