"""``grader report SUBMISSION``: one student's feedback from the results store.

Examples::

    grader report alice                          # Markdown to stdout (no curves: nowhere to put them)
    grader report alice --output alice.md        # + alice_<assignment>.png beside it
    grader report alice --output alice.html      # one self-contained page, curves embedded
"""

from __future__ import annotations

from pathlib import Path

import click

from harness.commands.leaderboard import infer_format
from harness.output.escape import terminal
from harness.output.plots import has_history
from harness.output.report import FORMATS, render
from harness.pipeline.course import load_course
from harness.results.store import open_store


@click.command("report")
@click.argument("submission")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="md or html [default: from --output's suffix, else md].")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here; Markdown's PNG curves go beside it.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Results store [default: $GRADER_DB or ./grader.sqlite].")
@click.option("--course", "course_path", type=click.Path(exists=True, path_type=Path),
              help="course.toml, or its folder (for the course name).")
@click.option("--plots/--no-plots", default=True, help="Draw training curves where a history was recorded.")
def command(submission: str, fmt: str | None, output: Path | None, db: Path | None, course_path: Path | None,
            plots: bool) -> None:
    """Feedback for SUBMISSION (its name, path or folder name): checks, architecture, notes, curves."""
    fmt = infer_format(fmt, output, "md")
    course = load_course(course_path)  # a GraderError here is one line, exit 2 (harness.cli)
    store = open_store(db, create=False)
    with store:
        result = store.find(submission)
        names = [r.submission for r in store.latest()] if result is None else []
    if result is None:
        shown = ", ".join(terminal(n) for n in names[:10]) + (" …" if len(names) > 10 else "")
        raise click.UsageError(f"no results for submission {submission!r} in the store; graded: {shown or 'none'}")
    if fmt == "md" and output is None and plots:
        plots = False
        if any(has_history(a.metrics.get("history")) for a in result.assignments):
            click.echo("note: training curves are written only with --output (PNG files beside the report)", err=True)
    prefix = f"{output.stem}_" if output is not None else None
    report = render(result, fmt, course=course.name if course.source else "", plots=plots, image_prefix=prefix)
    if output is None:
        click.echo(report.text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.text, encoding="utf-8")
    for name, png in report.images.items():
        (output.parent / name).write_bytes(png)
    extra = f" and {len(report.images)} plot(s)" if report.images else ""
    click.echo(f"wrote {output}{extra}", err=True)
