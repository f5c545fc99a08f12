"""``grader export``: the store's latest results for Gradescope, a spreadsheet, or CI.

Examples::

    grader export --format gradescope --output gs/          # gs/<submission>/results.json each
    grader export --format gradescope --submission alice    # alice's results.json to stdout
    grader export --format csv --output gradebook.csv
    grader export --format junit --output grades.xml

The formats are :data:`harness.output.export.FORMATS`: a format writes one document for the class, or one per student.
Per-student folders are named from submission names through :func:`harness.output.escape.unique_file_names`: two
students whose names clean up alike (``victim x``, ``victim_x``) get distinct folders, and the collision is said on
stderr. A student whose scores are not finite numbers is skipped with a message (exit 1); the others are written.
"""

from __future__ import annotations

from pathlib import Path

import click

from harness.output.escape import terminal, unique_file_names
from harness.output.export import FORMATS, VISIBILITIES, Format, export_format
from harness.pipeline.course import Course, load_course
from harness.results import SubmissionResult
from harness.results.store import open_store


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True,
              help="What to write: " + "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values()) + ".")
@click.option("--output", type=click.Path(path_type=Path),
              help="File, or for a per-student format (gradescope) a folder (one <submission>/results.json each).")
@click.option("--submission", "submissions", multiple=True, metavar="NAME",
              help="Only this submission (name, path or folder name); repeatable.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Results store [default: $GRADER_DB or ./grader.sqlite].")
@click.option("--course", "course_path", type=click.Path(exists=True, path_type=Path),
              help="course.toml, or its folder (which assignments count; points, weights and deadlines are applied "
                   "when grading).")
@click.option("--visibility", type=click.Choice(VISIBILITIES), default="visible", show_default=True,
              help="Gradescope: when students see the tests.")
@click.pass_context
def command(ctx: click.Context, fmt: str, output: Path | None, submissions: tuple[str, ...], db: Path | None,
            course_path: Path | None, visibility: str) -> None:
    """Export the latest results as Gradescope results.json, a CSV gradebook, or JUnit XML."""
    entry = export_format(fmt)  # a GraderError here is one line, exit 2 (harness.cli)
    course = load_course(course_path)
    store = open_store(db, create=False)
    if not entry.takes_visibility and ctx.get_parameter_source("visibility") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError(f"--visibility is for gradescope; --format {fmt} has no visibility to set")
    with store:
        missing = [s for s in submissions if not store.latest([s])]
        results = store.latest(list(submissions) or None)
    if missing:
        raise click.UsageError(f"no results for submission(s) {', '.join(map(repr, missing))} in the store")
    if entry.class_document is not None:
        _write(entry.class_document(results, course), output)
    elif not _per_student(entry, results, output, course, visibility, single=len(submissions) == 1):
        raise SystemExit(1)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def _document(entry: Format, result: SubmissionResult, course: Course, visibility: str) -> str | None:
    """The student's document, or ``None`` (said on stderr) when a figure is not a finite number."""
    assert entry.student_document is not None
    try:
        return entry.student_document(result, course, visibility)
    except ValueError as exc:
        click.echo(f"{terminal(result.submission)}: not exported: {exc}; check course.toml's points and regrade "
                   "(`grader run --force`)", err=True)
        return None


def _per_student(entry: Format, results: list[SubmissionResult], output: Path | None, course: Course,
                 visibility: str, single: bool) -> bool:
    """Write one document per student; ``False`` when some student could not be exported."""
    if single and results:
        doc = _document(entry, results[0], course, visibility)
        if doc is not None:
            _write(doc, output / entry.file_name if output is not None and output.is_dir() else output)
        return doc is not None
    if output is None or output.suffix.lower() == Path(entry.file_name).suffix or output.is_file():
        raise click.UsageError(
            f"{entry.name} takes one {entry.file_name} per student: pass --output DIR (writes "
            f"DIR/<submission>/{entry.file_name}) or --submission NAME for one file")
    names = {r.path: r.submission for r in results}
    folders, collisions = unique_file_names(names)
    for group in collisions:
        click.echo("warning: these names clean up to the same folder name, so each got its own: "
                   + ", ".join(f"{terminal(names[k])!r} → {folders[k]}/" for k in group), err=True)
    written = 0
    for r in results:
        doc = _document(entry, r, course, visibility)
        if doc is None:
            continue
        target = output / folders[r.path] / entry.file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(doc, encoding="utf-8")
        written += 1
    click.echo(f"wrote {written} {entry.file_name} under {output}", err=True)
    return written == len(results)
