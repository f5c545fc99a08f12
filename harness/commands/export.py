"""``grader export``: the store's latest results for Gradescope, a spreadsheet, or CI.

Examples::

    grader export --format gradescope --output gs/          # gs/<submission>/results.json each
    grader export --format gradescope --submission alice    # alice's results.json to stdout
    grader export --format csv --output gradebook.csv
    grader export --format junit --output grades.xml
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from harness.course import Course, CourseError, load_course
from harness.export import FORMATS, VISIBILITIES, gradebook_csv, gradescope, junit_xml
from harness.results import SubmissionResult
from harness.store import StoreError, open_store


def folder_name(submission: str) -> str:
    """A safe folder name for a submission (no separators, no leading dots)."""
    return re.sub(r"[^A-Za-z0-9_.@+-]+", "_", submission).lstrip(".") or "submission"


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="What to write.")
@click.option("--output", type=click.Path(path_type=Path),
              help="File, or for gradescope a folder (one <submission>/results.json each).")
@click.option("--submission", "submissions", multiple=True, metavar="NAME",
              help="Only this submission (name, path or folder name); repeatable.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Results store [default: $GRADER_DB or ./grader.sqlite].")
@click.option("--course", "course_path", type=click.Path(exists=True, path_type=Path),
              help="course.toml, or its folder (which assignments count).")
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
        _gradescope(results, output, course, visibility, single=len(submissions) == 1)
        return
    text = gradebook_csv(results, course) if fmt == "csv" else junit_xml(results)
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def _gradescope(results: list[SubmissionResult], output: Path | None, course: Course, visibility: str,
                single: bool) -> None:
    if single and results:
        doc = json.dumps(gradescope(results[0], course, visibility), indent=2) + "\n"
        _write(doc, output / "results.json" if output is not None and output.is_dir() else output)
        return
    if output is None or output.suffix.lower() == ".json" or output.is_file():
        raise click.UsageError(
            "Gradescope takes one results.json per student: pass --output DIR (writes DIR/<submission>/results.json)"
            " or --submission NAME for one file")
    for r in results:
        target = output / folder_name(r.submission) / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(gradescope(r, course, visibility), indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {len(results)} results.json under {output}", err=True)
