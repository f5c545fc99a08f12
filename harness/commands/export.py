"""``grader export``: the store's latest results for Gradescope, a spreadsheet, or CI.

Examples::

    grader export --format gradescope --output gs/          # gs/<submission>/results.json each
    grader export --format gradescope --submission alice    # alice's results.json to stdout
    grader export --format csv --output gradebook.csv
    grader export --format junit --output grades.xml

Gradescope folders are named from submission names through :func:`harness.escape.unique_file_names`: two students
whose names clean up alike (``victim x``, ``victim_x``) get distinct folders, and the collision is said on stderr.
A student whose scores are not finite numbers is skipped with a message (exit 1); the others are written.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from harness.course import Course, CourseError, load_course
from harness.escape import terminal, unique_file_names
from harness.export import FORMATS, VISIBILITIES, gradebook_csv, gradescope, junit_xml
from harness.results import SubmissionResult
from harness.store import StoreError, open_store


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="What to write.")
@click.option("--output", type=click.Path(path_type=Path),
              help="File, or for gradescope a folder (one <submission>/results.json each).")
@click.option("--submission", "submissions", multiple=True, metavar="NAME",
              help="Only this submission (name, path or folder name); repeatable.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Results store [default: $GRADER_DB or ./grader.sqlite].")
@click.option("--course", "course_path", type=click.Path(exists=True, path_type=Path),
              help="course.toml, or its folder (which assignments count; points, weights and deadlines are applied "
                   "when grading).")
@click.option("--visibility", type=click.Choice(VISIBILITIES), default="visible", show_default=True,
              help="Gradescope: when students see the tests.")
def command(fmt: str, output: Path | None, submissions: tuple[str, ...], db: Path | None, course_path: Path | None,
            visibility: str) -> None:
    """Export the latest results as Gradescope results.json, a CSV gradebook, or JUnit XML."""
    try:
        course = load_course(course_path)
        store = open_store(db, create=False)
    except (CourseError, StoreError) as exc:
        raise click.UsageError(str(exc)) from exc
    with store:
        missing = [s for s in submissions if not store.latest([s])]
        results = store.latest(list(submissions) or None)
    if missing:
        raise click.UsageError(f"no results for submission(s) {', '.join(map(repr, missing))} in the store")
    if fmt == "gradescope":
        if not _gradescope(results, output, course, visibility, single=len(submissions) == 1):
            raise SystemExit(1)
        return
    text = gradebook_csv(results, course) if fmt == "csv" else junit_xml(results, course)
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def _results_json(result: SubmissionResult, course: Course, visibility: str) -> str | None:
    """The student's results.json text, or ``None`` (said on stderr) when a figure is not a finite number."""
    try:
        return json.dumps(gradescope(result, course, visibility), indent=2, allow_nan=False) + "\n"
    except ValueError as exc:
        click.echo(f"{terminal(result.submission)}: not exported: {exc}; check course.toml's points and regrade "
                   "(`grader run --force`)", err=True)
        return None


def _gradescope(results: list[SubmissionResult], output: Path | None, course: Course, visibility: str,
                single: bool) -> bool:
    """Write the results.json files; ``False`` when some student could not be exported."""
    if single and results:
        doc = _results_json(results[0], course, visibility)
        if doc is not None:
            _write(doc, output / "results.json" if output is not None and output.is_dir() else output)
        return doc is not None
    if output is None or output.suffix.lower() == ".json" or output.is_file():
        raise click.UsageError(
            "Gradescope takes one results.json per student: pass --output DIR (writes DIR/<submission>/results.json)"
            " or --submission NAME for one file")
    names = {r.path: r.submission for r in results}
    folders, collisions = unique_file_names(names)
    for group in collisions:
        click.echo("warning: these names clean up to the same folder name, so each got its own: "
                   + ", ".join(f"{terminal(names[k])!r} → {folders[k]}/" for k in group), err=True)
    written = 0
    for r in results:
        doc = _results_json(r, course, visibility)
        if doc is None:
            continue
        target = output / folders[r.path] / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(doc, encoding="utf-8")
        written += 1
    click.echo(f"wrote {written} results.json under {output}", err=True)
    return written == len(results)
