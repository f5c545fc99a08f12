"""JUnit XML: what CI dashboards (GitLab, Jenkins) render, one test case per check.

Student text holds only characters XML allows (:func:`harness.output.escape.xml_text`).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from harness.output.escape import xml_text
from harness.pipeline import scoring
from harness.pipeline.course import Course
from harness.results import SubmissionResult


def junit_xml(results: Sequence[SubmissionResult], course: Course | None = None) -> str:
    """``<testsuites>`` with one ``<testsuite>`` per submission, one ``<testcase>`` per check.

    ``classname`` is the assignment id; a failed check is a ``<failure>`` with its message; an assignment
    that errored or is missing without checks is one ``<error>`` testcase; a skipped one is ``<skipped>``.
    Each suite's ``<properties>`` carry the student's ``score`` and ``max_score``
    (:func:`harness.pipeline.scoring.totals`, what counts, late penalties applied) and a ``submission time
    <assignment>`` line per assignment a deadline applied to.
    """
    root = ET.Element("testsuites", name="grader")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=xml_text(r.submission))
        properties = ET.SubElement(suite, "properties")
        for name, value in zip(("score", "max_score"), scoring.totals(r, course)):
            ET.SubElement(properties, "property", name=name, value=f"{value:g}")
        for a in r.assignments:
            if line := scoring.late_sentence(a):
                ET.SubElement(properties, "property", name=xml_text(f"submission time {a.id}"), value=xml_text(line))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite_time = 0.0
        for a in r.assignments:
            t = a.timings.get("wall_s", a.timings.get("total_s", 0.0))
            seconds = float(t) if isinstance(t, (int, float)) and math.isfinite(t) else 0.0
            suite_time += seconds
            if not a.checks:
                case = ET.SubElement(suite, "testcase", name=xml_text(a.status), classname=xml_text(a.id),
                                     time=f"{seconds:.3f}")
                counts["tests"] += 1
                reason = xml_text(a.reason or a.status)
                if a.status == "skipped":
                    ET.SubElement(case, "skipped", message=reason)
                    counts["skipped"] += 1
                elif a.status != "passed":
                    err = ET.SubElement(case, "error", message=reason, type=xml_text(a.status))
                    err.text = reason
                    counts["errors"] += 1
                continue
            for c in a.checks:
                case = ET.SubElement(suite, "testcase", name=xml_text(c.name), classname=xml_text(a.id),
                                     time="0.000")
                counts["tests"] += 1
                if not c.passed:
                    fail = ET.SubElement(case, "failure", message=xml_text(c.message or "failed"), type="CheckFailed")
                    fail.text = xml_text(c.message)
                    counts["failures"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{suite_time:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
