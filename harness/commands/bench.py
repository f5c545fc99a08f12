"""``grader bench``: time the reference (or a submission's models) phase by phase, per device, MLPerf-style."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from harness.bench import DEVICES, Settings, bench, store_results, table, workload
from harness.catalog import ModelAssignment, load_catalog
from harness.errors import GraderError
from harness.output import escape
from harness.pipeline.grade import SubmissionError, assignment_file, is_submission
from harness.results.store import open_store


def _targets(values: tuple[str, ...]) -> dict[str, float]:
    found = {}
    for value in values:
        name, _, number = value.partition("=")
        try:
            found[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(f"{value!r}: use ID=VALUE, e.g. song_lstm=0.5", param_hint="--target") from None
    return found


@click.command("bench")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("-a", "--assignment", "assignments", multiple=True, metavar="ID",
              help="Assignments to time (repeatable) [default with PATH: the model assignments it has files for].")
@click.option("--device", type=click.Choice([*DEVICES, "all"]), default="cpu", show_default=True,
              help="Where to time: each device in its own process; a missing GPU is reported, not faked.")
@click.option("--runs", type=click.IntRange(min=1), default=5, show_default=True,
              help="Runs per device (fresh processes); figures are olympic means, medians and spreads.")
@click.option("--seed", type=int, default=0, show_default=True, help="Draws the runs' seeds (recorded in the output).")
@click.option("--data-dir", "data_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Where dataset files are (repeatable; also $GRADER_DATA, then ~/.keras/datasets).")
@click.option("--target", "targets", multiple=True, metavar="ID=VALUE",
              help="Time-to-accuracy bar for an assignment [default: from the calibrated reference or the seed].")
@click.option("--no-tta", is_flag=True, help="Skip the time-to-accuracy phase.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report here instead of standard output.")
@click.option("--db", type=click.Path(path_type=Path), default=None,
              help="Results store [default: $GRADER_DB or ./grader.sqlite].")
@click.option("--require-sandbox", is_flag=True, help="Refuse to build a submission's models without bubblewrap.")
def command(path: Path | None, assignments: tuple[str, ...], device: str, runs: int, seed: int,
            data_dirs: tuple[Path, ...], targets: tuple[str, ...], no_tta: bool, fmt: str, output: Path | None,
            db: Path | None, require_sandbox: bool) -> None:
    """Time the reference models (or, with PATH, a submission's models beside them): import, build, compile,
    first epoch, steady-state epochs, samples/s, latency and time to accuracy, per device."""
    from harness.datasets import data_dirs_from

    catalog = load_catalog()
    try:
        if path is not None and (not path.is_dir() or not is_submission(path)):
            raise SubmissionError(f"{path}: not a submission folder (it must hold the student's .py/.ipynb files)")
        ids = list(dict.fromkeys(assignments))
        for assignment_id in ids:
            if assignment_id not in catalog:
                raise click.BadParameter(f"unknown assignment {assignment_id!r}; `grader list` shows the ids",
                                         param_hint="-a/--assignment")
            if not isinstance(catalog[assignment_id], ModelAssignment):
                raise click.BadParameter(f"{assignment_id} is a function assignment: only models are timed",
                                         param_hint="-a/--assignment")
        if not ids:
            if path is None:
                raise click.UsageError("name the assignments to time with -a ID (e.g. -a song_lstm -a imdb_lstm)")
            ids = [i for i, a in catalog.items() if isinstance(a, ModelAssignment) and a.training is not None
                   and assignment_file(path, i) is not None]
            if not ids:
                raise SubmissionError(f"{path}: holds no model assignment with a training recipe")
        chosen = [a for i in ids if isinstance(a := catalog[i], ModelAssignment)]  # checked above: all of them
        settings = Settings(runs=runs, devices=DEVICES if device == "all" else (device,), seed=seed,
                            data_dirs=data_dirs_from(list(data_dirs)), tta=not no_tta, targets=_targets(targets))
        for assignment in chosen:
            workload(assignment, settings)  # refuses assignments without a recipe before anything runs
        store = open_store(db)
    except GraderError as exc:
        raise click.UsageError(str(exc)) from exc

    def progress(line: str) -> None:
        if fmt == "table" or output is not None:
            click.echo(f"… {escape.terminal(line)}", err=True)  # names and errors are the student's

    with store:
        try:
            report = bench(chosen, settings, path, progress=progress, require_sandbox=require_sandbox)
        except GraderError as exc:
            raise click.UsageError(str(exc)) from exc
        store_results(store, report)
    text = json.dumps(report, indent=2, ensure_ascii=False) if fmt == "json" else escape.plain(table(report))
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    failed = [slot for entry in report["assignments"] for devices in entry["subjects"].values()
              for slot in devices.values() if slot.get("error") or slot.get("errors")]
    sys.exit(1 if failed else 0)
