"""``grader run``: grade submissions against the reference catalog."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from harness import __version__, training
from harness.catalog import load_catalog
from harness.errors import GraderError
from harness.output import escape, render
from harness.pipeline import scoring
from harness.pipeline.course import COURSE_FILE, CourseError, load_course
from harness.pipeline.grade import Grader, Options, content_hash, discover
from harness.results import SubmissionResult, to_json
from harness.results.store import open_store
from harness.sandbox import Limits, detect_mode
from harness.sandbox.executors import EXECUTORS, default_jobs
from harness.sandbox.host.limits import parse_size
from harness.sandbox.jail.protocol import SubmissionRefused


def _ids(requested: tuple[str, ...]) -> list[str]:
    catalog = load_catalog()
    for assignment_id in requested:
        if assignment_id not in catalog:
            raise click.BadParameter(f"unknown assignment {assignment_id!r}; `grader list` shows the ids",
                                     param_hint="-a/--assignment")
    return list(dict.fromkeys(requested)) or list(catalog)


def course_file(paths: tuple[Path, ...], submissions: list[Path]) -> Path | None:
    """The instructor's ``course.toml``: ``./course.toml``, else the class folder's (the folder that holds the
    student folders: the first PATH when it is one, else the folder above the student's PATH).

    Never one inside a student folder: a student's own file would set their points (``points = 1000``) and
    deadlines. Each one that would have been read is named on stderr, in one line."""
    students = {p.resolve() for p in submissions}
    candidates = [Path.cwd()]
    if paths:
        first = paths[0]
        above = first.parent if first.parent.resolve() == first.resolve().parent else first.resolve().parent
        candidates.append(above if first.resolve() in students else first)
    for folder in dict.fromkeys([*(p for p in paths if p.resolve() in students), *candidates]):
        file = folder / COURSE_FILE
        if file.is_file() and folder.resolve() in students:
            click.echo(f"ignoring {escape.terminal(file)}: a course file inside a student folder is not the "
                       "instructor's", err=True)
    for folder in candidates:
        if (folder / COURSE_FILE).is_file() and folder.resolve() not in students:
            return folder / COURSE_FILE
    return None


class CourseFileError(click.ClickException):
    """A malformed course.toml: one line naming the file and the key, exit status 2 (bad usage)."""

    exit_code = 2


def _hash(path: Path) -> str | None:
    """The submission's content hash, or ``None`` for a folder over the caps (it is graded, as an error)."""
    try:
        return content_hash(path)
    except (SubmissionRefused, OSError):
        return None


def exit_code(results: list[SubmissionResult]) -> int:
    """0 when every graded assignment passed, 1 when some failed or errored (missing and skipped don't count)."""
    graded = [a for r in results for a in r.assignments if a.status in ("passed", "failed", "error")]
    return 0 if all(a.status == "passed" for a in graded) else 1


@click.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-a", "--assignment", "assignments", multiple=True, metavar="ID", help="Grade only these (repeatable).")
@click.option("--checks", type=click.Choice(["structure", "train", "all"]), default="structure", show_default=True,
              help="What to check: the model as built, training it (held-out data), or both.")
@click.option("--profile", type=click.Choice(["quick", "full"]), default="quick", show_default=True,
              help="Training: a small budget judged against the calibrated reference, or the seed's recipe and figure.")
@click.option("--data-dir", "data_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Where dataset files are (repeatable; also $GRADER_DATA, then ~/.keras/datasets).")
@click.option("--artifacts", type=click.Path(path_type=Path), default=Path("grader-artifacts"), show_default=True,
              help="Training: folder for what students get back (the song models' MIDI files).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "github"]), default="table", show_default=True,
              help="github: GitHub Actions annotations, and a job summary when $GITHUB_STEP_SUMMARY is set.")
@click.option("--output", type=click.Path(path_type=Path), help="Write the report here instead of standard output.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Sandboxed workers grading in parallel [default: half the cores (each also keeps a checker "
                   "busy), or the Ray cluster's CPUs].")
@click.option("--executor", type=click.Choice(list(EXECUTORS)), default="local", show_default=True,
              help="Where sandboxed jobs run: this machine, or an existing Ray cluster (checks and store stay here).")
@click.option("--address", metavar="HOST:PORT", default=None, help="The Ray head, for --executor ray.")
@click.option("--require-sandbox", is_flag=True, help="Refuse to grade without bubblewrap (production grading).")
@click.option("--timeout", type=click.FloatRange(min=1), default=None, help="Wall-clock seconds per assignment.")
@click.option("--memory", default=None, help="Memory per assignment, e.g. 4G.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every random choice the grader makes.")
@click.option("-v", "--verbose", is_flag=True, help="Print every check, not only the first reason.")
@click.option("--db", type=click.Path(path_type=Path), default=None,
              help="Results store [default: $GRADER_DB or ./grader.sqlite].")
@click.option("--force", is_flag=True, help="Regrade submissions whose files and grader version are unchanged.")
@click.option("--course", "course_path", type=click.Path(path_type=Path), default=None,
              help="course.toml (or its folder) [default: ./course.toml, else the class folder's; "
                   "never one inside a student folder].")
def command(paths: tuple[Path, ...], assignments: tuple[str, ...], checks: str, profile: str,
            data_dirs: tuple[Path, ...], artifacts: Path, fmt: str, output: Path | None,
            jobs: int | None, require_sandbox: bool, timeout: float | None, memory: str | None, seed: int,
            verbose: bool, db: Path | None, force: bool, course_path: Path | None, executor: str = "local",
            address: str | None = None) -> None:
    """Grade each submission folder in PATHS (or each student folder inside them)."""
    try:
        refused: list[str] = []
        submissions = discover(list(paths), refused)
        for line in refused:
            click.echo(line, err=True)
        memory_bytes = parse_size(memory) if memory else None
        course = load_course(course_path or course_file(paths, submissions))
        store = open_store(db)
        mode = detect_mode(require_sandbox)
        jobs = max(1, min(jobs or default_jobs(executor, address), len(submissions)))
    except CourseError as exc:
        raise CourseFileError(str(exc)) from None
    except (GraderError, ValueError) as exc:  # ValueError: a --memory that is not a size
        raise click.UsageError(str(exc)) from exc
    limits = Limits().with_overrides(wall_s=timeout, memory_bytes=memory_bytes)
    options = Options(checks=checks, limits=limits, require_sandbox=require_sandbox, jobs=jobs, seed=seed,
                      file_map=course.file_map,
                      training=training.settings_for(checks, profile, data_dirs, artifacts, seed,
                                                     progress=fmt == "table" and sys.stderr.isatty()),
                      executor=executor, address=address)
    started = time.time()
    try:
        grader = Grader(options)  # its workers start now: their TensorFlow imports overlap ours (the catalog)
    except GraderError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        ids = _ids(assignments)  # practice assignments (counts = false) are graded too, and not added up
    except click.BadParameter:
        grader.__exit__(None, None, None)
        raise
    options.course = course
    unchanged = {} if force else {path: _hash(path) for path in submissions}
    #: What a stored result must have been graded with to be reused: checks, seed, limits, sandbox, assignments.
    scope = ",".join([checks, f"seed={seed}", f"limits={limits}", f"sandbox={mode}",
                      f"policy={scoring.policy_key(course, ids)}", *sorted(ids)])
    if checks != "structure":  # training results also depend on the profile
        scope += f",profile={profile}"
    unchanged = {p: h for p, h in unchanged.items() if h and store.is_current(str(p), h, __version__, scope)}
    todo = [p for p in submissions if p not in unchanged]
    if grader.warning and fmt == "table":
        click.secho(f"WARNING: {grader.warning}", fg="red", bold=True, err=True)
    if unchanged and fmt == "table":
        click.echo(f"{len(unchanged)} submission(s) unchanged since they were graded; showing stored results "
                   "(--force regrades)", err=True)
    with grader, store:
        meta: dict[str, Any] = {"grader": __version__, "versions": grader.versions(), "sandbox": grader.mode,
                                "executor": executor, "checks": checks, "seed": seed, "started_at": started,
                                "command": " ".join(sys.argv)}
        run_id = store.begin_run({**meta, **meta["versions"], "checks": scope})
        bar = sys.stderr.isatty() and len(todo) > 1 and checks == "structure"  # training shows its own display
        graded = {Path(r.path): r for r in render.progress(
            grader.grade_all(todo, ids, on_result=lambda r: store.record(run_id, r)), len(todo), bar)}
        store.finish_run(run_id)
        stored = {Path(r.path).resolve(): r for r in store.latest([str(p) for p in unchanged])} if unchanged else {}
        results = [graded[p] if p in graded else stored[p.resolve()] for p in submissions]
        meta["duration_s"] = round(time.time() - started, 3)
    if fmt == "json":
        text = json.dumps(to_json(results, **meta), indent=2, ensure_ascii=False)
    elif fmt == "github":
        from harness.output import github

        text = github.workflow_commands(results)
        github.write_summary(results)
    elif len(results) > 1 and not verbose:
        text = render.class_summary(results) + escape.plain(training.feedback(results))
    else:
        text = render.table(results) + escape.plain(training.feedback(results))
        if verbose:
            text += "\n\n" + "\n".join(render.details(a) for r in results for a in r.assignments)
            if len(results) > 1:
                text += "\n\n" + render.class_summary(results)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    sys.exit(exit_code(results))
