"""``pytest --grader submissions/alice``: the grader's checks as pytest items, for CI that already runs pytest.

Why: course repositories and GitHub Classroom run pytest; with this plugin (installed with the package through the
``pytest11`` entry point, so nothing to configure) each assignment × check is one item — ``imdb_lstm::parameters``
— with the grader's message as the failure text. pytest's own ``-k``, ``-x``, ``--junitxml``, ``-v`` and exit
codes then work as for any test suite.

The grading is ``grader run --format json`` in a subprocess, once per session, for the assignments still selected
after ``-k``/``-m`` deselection: the same sandboxed path, store and exit rules as the command, nothing re-implemented
here. Items are known before grading (the assignments the submission has files for, and the checks each kind
reports, :mod:`harness.checks`), so ``-k imdb_lstm`` grades imdb_lstm alone. With ``--grader`` and no test paths,
only the grading runs (not the project's own tests).

Importing this module costs nothing more than pytest itself: it is loaded by every pytest in the environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Lines of the grader's stderr kept in the failure of a run that did not produce results.
STDERR_LINES = 20


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "grading Keras coursework with the course's grader")
    group.addoption("--grader", action="append", default=[], metavar="PATH",
                    help="Grade this submission folder (or class folder): one item per assignment × check "
                         "(repeatable).")
    group.addoption("--grader-course", metavar="FILE", default=None,
                    help="course.toml [default: as `grader run`: ./course.toml, else the class folder's].")
    group.addoption("--grader-db", metavar="PATH", default=None,
                    help="Results store [default: as `grader run`: $GRADER_DB or ./grader.sqlite].")
    group.addoption("--grader-jobs", metavar="N", type=int, default=None,
                    help="Sandboxed workers [default: as `grader run`].")


def pytest_configure(config: pytest.Config) -> None:
    paths = config.getoption("grader")
    if not paths:
        return
    folders = [Path(p) for p in paths]
    _refuse_student_configuration(config, folders)
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = []  # `pytest --grader X` grades X; it does not also run ./tests
    config.pluginmanager.register(GradingSession(config, folders), "grader-session")


def _refuse_student_configuration(config: pytest.Config, folders: list[Path]) -> None:
    """Stop when pytest read its ini file or a conftest.py from inside a graded folder: the student's settings.

    pytest looks for its configuration around every argument that names an existing path, an option's value
    included, before any plugin runs: ``--grader submissions/alice`` (with a space) lets a ``pytest.ini`` in
    alice's folder configure the run. ``--grader=submissions/alice`` is one option and is never looked into (what
    docs/ci.md uses). Found after the fact, so this cannot undo what such a file did: it makes the run fail loudly.
    """
    inside = [folder.resolve() for folder in folders]

    def within(path: Path | None) -> bool:
        return path is not None and any(path.resolve().is_relative_to(folder) for folder in inside)

    conftests = [Path(getattr(plugin, "__file__", "") or "") for plugin in config.pluginmanager.get_plugins()
                 if getattr(plugin, "__name__", "").endswith("conftest")]
    found = next((p for p in [config.inipath, *conftests] if p and p.name and within(p)), None)
    if found is not None:
        raise pytest.UsageError(f"--grader: pytest read {found}, inside the submission being graded; write "
                                "--grader=PATH (with '=') so pytest does not look for its settings there")


class CheckFailed(Exception):
    """A check the grader failed: its message is the whole failure text (no traceback of this plugin)."""


@dataclass(frozen=True)
class Target:
    """One item's place: the submission folder, the assignment, the check, the file graded."""

    submission: Path
    assignment: str
    check: str
    file: Path | None


class GraderCheck(pytest.Item):
    """``imdb_lstm::parameters``: passes, fails with the grader's message, or is skipped as the grader says."""

    def __init__(self, *, target: Target, grading: GradingSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.grading = grading

    def runtest(self) -> None:
        self.grading.verdict(self)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return (self.target.file or self.target.submission), None, self.nodeid


class GradingSession:
    """Collects the items, grades what is selected on the first one that runs, and hands out the verdicts."""

    def __init__(self, config: pytest.Config, paths: list[Path]) -> None:
        self.config = config
        self.paths = paths
        self.selected: list[GraderCheck] = []
        self.report: dict[Path, dict[str, dict[str, Any]]] | None = None
        self.failure = ""

    @pytest.hookimpl(tryfirst=True)  # before -k/-m deselect
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        collected = self._collect(session)
        items[:0] = collected
        # counted like any collected items ("collected 8 items"; --collect-only)
        nodes: list[pytest.Item | pytest.Collector] = list(collected)
        config.hook.pytest_collectreport(report=pytest.CollectReport("grader", "passed", None, nodes))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = [item for item in session.items if isinstance(item, GraderCheck)]

    def _collect(self, session: pytest.Session) -> list[GraderCheck]:
        from harness.catalog import ModelAssignment, load_catalog
        from harness.checks import FUNCTION_CHECKS, MODEL_CHECKS
        from harness.pipeline.grade import SubmissionError, assignment_file, discover, linked_file

        try:
            submissions = discover(self.paths)
        except SubmissionError as exc:
            raise pytest.UsageError(f"--grader: {exc}") from None
        file_map = self._course().file_map
        many = len(submissions) > 1
        items = []
        for submission in submissions:
            for assignment in load_catalog().values():
                name = assignment_file(submission, assignment.id, file_map) or \
                    linked_file(submission, assignment.id, file_map)
                if name is None:
                    continue  # not attempted: `grader run` calls it missing, which fails nothing
                checks = MODEL_CHECKS if isinstance(assignment, ModelAssignment) else \
                    FUNCTION_CHECKS if assignment.examples else FUNCTION_CHECKS[:1]
                prefix = f"{submission.name}/" if many else ""
                for check in checks:
                    nodeid = f"{prefix}{assignment.id}::{check}"
                    target = Target(submission, assignment.id, check, submission / name)
                    items.append(GraderCheck.from_parent(session, name=nodeid, nodeid=nodeid, target=target,
                                                         grading=self))
        return items

    def _course(self) -> Any:
        from harness.commands.run import course_file
        from harness.pipeline.course import CourseError, load_course
        from harness.pipeline.grade import discover

        course = self.config.getoption("grader_course")
        try:
            return load_course(Path(course) if course else course_file(tuple(self.paths), discover(self.paths)))
        except CourseError as exc:
            raise pytest.UsageError(f"--grader: {exc}") from None

    # -- grading -------------------------------------------------------------------------------------------------
    def _grade(self) -> None:
        """``grader run --format json`` once, for every assignment still selected."""
        ids = list(dict.fromkeys(item.target.assignment for item in self.selected))
        self.report = {}
        with tempfile.TemporaryDirectory(prefix="grader-pytest-") as folder:
            output = Path(folder) / "report.json"
            command = [sys.executable, "-m", "harness", "run", *map(str, self.paths), "--format", "json",
                       "--output", str(output), *(arg for i in ids for arg in ("-a", i))]
            for option, flag in (("grader_course", "--course"), ("grader_db", "--db"), ("grader_jobs", "--jobs")):
                if self.config.getoption(option) is not None:
                    command += [flag, str(self.config.getoption(option))]
            done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
            if done.returncode not in (0, 1) or not output.is_file():
                tail = "\n".join(done.stderr.strip().splitlines()[-STDERR_LINES:])
                self.failure = f"`grader run` exited with status {done.returncode}:\n{tail}"
                return
            report = json.loads(output.read_text(encoding="utf-8"))
        for submission in report["submissions"]:
            self.report[Path(submission["path"]).resolve()] = {a["id"]: a for a in submission["assignments"]}

    def verdict(self, item: GraderCheck) -> None:
        """Pass, or raise :class:`CheckFailed` / skip, from the grader's result for this item."""
        if self.report is None:
            self._grade()
        if self.failure:
            raise CheckFailed(self.failure)
        target = item.target
        report = self.report or {}  # _grade() set it, or said why not in self.failure
        result = report.get(target.submission.resolve(), {}).get(target.assignment)
        if result is None:
            raise CheckFailed(f"{target.assignment}: the grader reported no result for it")
        status = result["status"]
        if status == "skipped":
            pytest.skip(f"{target.assignment}: {result['reason']}")
        check = next((c for c in result["checks"] if c["name"] == target.check), None)
        if check is not None and check["passed"]:
            return
        if check is not None:
            raise CheckFailed(check["message"] or "failed")
        if status == "passed":
            raise CheckFailed(f"{target.assignment} passed without a {target.check} check: update harness.checks")
        raise CheckFailed(f"{target.assignment}: {status}: {result['reason'] or status}")
