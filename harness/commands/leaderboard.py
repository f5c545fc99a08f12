"""``grader leaderboard``: the class (or one assignment) ranked, from the results store.

Examples::

    grader leaderboard                                   # terminal table
    grader leaderboard -a reuters_lstm_100 --format md   # one assignment: accuracy, time, CPU/GPU time
    grader leaderboard --pseudonymous --output board.html  # to publish: no real names, one file
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from harness.output.escape import terminal
from harness.output.leaderboard import (
    FORMATS,
    Board,
    anonymize,
    assignment_columns,
    assignment_ids,
    class_columns,
    rank,
    rank_assignment,
    render,
)
from harness.pipeline.course import load_course
from harness.results.store import open_store

SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".csv": "csv", ".json": "json"}


def infer_format(fmt: str | None, output: Path | None, default: str) -> str:
    """``--format`` if given, else the output file's suffix (``board.html`` → html), else ``default``."""
    if fmt:
        return fmt
    if output is not None and output.suffix.lower() in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[output.suffix.lower()]
    return default


def now_text(when: datetime | None = None) -> str:
    """A date people read: ``2026-12-01 23:59 UTC``."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def as_of_text(iso: str | None) -> str | None:
    return now_text(datetime.fromisoformat(iso)) if iso else None


@click.command("leaderboard")
@click.option("-a", "--assignment", metavar="ID", help="One assignment's board (accuracy, time, CPU/GPU time).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: from --output's suffix, else table].")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--pseudonymous", is_flag=True, help="Stable pseudonyms (keyed by a secret in the store), no names.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help="Results store [default: $GRADER_DB "
              "or ./grader.sqlite].")
@click.option("--course", "course_path", type=click.Path(exists=True, path_type=Path),
              help="course.toml, or its folder [default: ./course.toml if present].")
def command(assignment: str | None, fmt: str | None, output: Path | None, pseudonymous: bool, db: Path | None,
            course_path: Path | None) -> None:
    """Rank the class by total score, then accuracy, then training time."""
    fmt = infer_format(fmt, output, "table")
    course = load_course(course_path)  # a GraderError here is one line, exit 2 (harness.cli)
    store = open_store(db, create=False)
    with store:
        results = store.latest()
        as_of = as_of_text(store.recorded_at())
        secret = store.secret() if pseudonymous else ""
    if assignment is not None:
        known = assignment_ids(results)
        if assignment not in known:
            graded = ", ".join(terminal(k) for k in known) or "none"
            raise click.UsageError(f"no results for assignment {assignment!r}; graded: {graded}")
        standings, columns = rank_assignment(results, assignment), assignment_columns()
    else:
        standings = rank(results, course)
        columns = class_columns(assignment_ids(results) if fmt in ("html", "csv") else ())
    if pseudonymous:
        anonymize(standings, secret)
    board = Board(standings, columns, course.name, now_text(), assignment, as_of)
    text = render(board, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({len(standings)} submissions)", err=True)
    if not results:
        click.echo("no results in the store yet: run `grader run` first", err=True)
