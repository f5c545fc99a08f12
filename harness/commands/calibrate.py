"""``grader calibrate``: train the reference models under a profile and store their scores, the bar of
``grader run --checks train``.

Each reference is trained exactly as a student's model is: a submission file that builds the reference from its
Keras config runs in the sandbox under the profile's recipe and seed, and the grader evaluates the saved model on
the held-out data itself. The scores go to ``reference/calibration.json`` (or ``--output`` /
``$GRADER_CALIBRATION``) with the seed, the Python/TensorFlow/Keras versions, the date and the data's source and
sha256; entries of other assignments and profiles are kept.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import click
from tabulate import tabulate

from harness import training
from harness.catalog import ModelAssignment, load_catalog
from harness.pipeline.grade import Grader, Options
from harness.sandbox import SandboxUnavailable


@click.command("calibrate")
@click.option("-a", "--assignment", "assignments", multiple=True, metavar="ID",
              help="Calibrate only these (repeatable) [default: every model assignment with a training recipe].")
@click.option("--profile", type=click.Choice(list(training.PROFILES)), default="quick", show_default=True)
@click.option("--data-dir", "data_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Where dataset files are (repeatable; also $GRADER_DATA, then ~/.keras/datasets).")
@click.option("--seed", type=int, default=0, show_default=True, help="The seed of the reference's training run.")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Calibration file [default: $GRADER_CALIBRATION or reference/calibration.json].")
@click.option("--require-sandbox", is_flag=True, help="Refuse to run without bubblewrap.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def command(assignments: tuple[str, ...], profile: str, data_dirs: tuple[Path, ...], seed: int, output: Path | None,
            require_sandbox: bool, fmt: str) -> None:
    """Train the references under PROFILE and store their scores (what submissions are compared with)."""
    catalog = load_catalog()
    trainable = [i for i, a in catalog.items() if isinstance(a, ModelAssignment) and a.training is not None]
    for assignment_id in assignments:
        if assignment_id not in trainable:
            raise click.BadParameter(f"{assignment_id!r} is not a model assignment with a training recipe; "
                                     "`grader list` shows the ids", param_hint="-a/--assignment")
    ids = list(dict.fromkeys(assignments)) or trainable
    settings = training.settings_for("train", profile, data_dirs, None, seed,
                                     progress=fmt == "table" and sys.stderr.isatty())
    settings.calibrating = True
    options = Options(checks="train", jobs=1, seed=seed, require_sandbox=require_sandbox, training=settings)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="grader-calibrate-") as tmp:
        submission = Path(tmp) / "reference"
        submission.mkdir()
        for assignment_id in ids:
            (submission / f"{assignment_id}.py").write_text(training.reference_source(catalog[assignment_id]),
                                                            encoding="utf-8")
        try:
            grader = Grader(options, catalog)
        except SandboxUnavailable as exc:
            raise click.UsageError(str(exc)) from exc
        with grader:
            result = grader.grade(submission, ids, grader.workers[0])
            threads = grader.workers[0].threads
    entries, rows = {}, []
    for item in result.assignments:
        entry = training.calibration_entry(item, seed, threads)
        if entry is not None:
            entries[item.id] = entry
            extra = f"full song {entry['full_song']}/50" if entry.get("full_song") is not None else ""
            if training.uninformative(entry, entry["metric"]):
                extra = f"≈ baseline {entry['baseline']:.4f}: the quick recipe does not train it"
            elif entry.get("baseline") is not None:
                extra = f"baseline {entry['baseline']:.4f}"
            if entry.get("stopped") == "budget":
                extra += " (stopped at the time budget)"
            rows.append((item.id, entry["metric"], f"{entry['score']:.4f}", extra, entry.get("epochs_run"),
                         entry.get("train_seconds"), "stored"))
        else:
            rows.append((item.id, "", "", "", "", "", f"{item.status}: {item.reason or '; '.join(item.notes)}"[:100]))
    path = training.save_calibration(entries, profile, output) if entries else training.calibration_path(output)
    if fmt == "json":
        click.echo(json.dumps({"profile": profile, "seed": seed, "file": str(path), "duration_s":
                               round(time.time() - started, 1), "calibrated": entries,
                               "not_calibrated": {a.id: a.reason for a in result.assignments if a.id not in entries}},
                              indent=2, ensure_ascii=False))
    else:
        click.echo(tabulate(rows, headers=["assignment", "metric", "reference", "", "epochs", "train s", ""],
                            tablefmt="simple"))
        click.echo(f"\n{len(entries)} of {len(ids)} calibrated ({profile}, seed {seed}) in "
                   f"{time.time() - started:.0f} s; stored in {os.path.relpath(path)}" if entries else
                   f"\nnothing calibrated ({profile}); {path} unchanged")
    sys.exit(0 if len(entries) == len(ids) else 1)
