"""``grader calibrate``: train the references and their known-broken variants under many seeds, and store the
distributions the bars of ``grader run --checks train`` come from.

Each model is trained exactly as a student's is: a submission file that builds it from its Keras config runs in
the sandbox under the profile's recipe and a seed, and the grader evaluates the saved model on the held-out data
itself. The reference runs under ``--seeds N`` seeds (``--seed``, ``--seed`` + 1, ...), each of the catalog's broken
variants (``ModelAssignment.broken``) under ``--broken-seeds M``; all of them go through one :class:`Grader`, so
TensorFlow is imported once. :mod:`harness.training.bars` derives each check's bar, floor and separation; the entry
(with every score, the seeds, the Python/TensorFlow/Keras versions, the data's sha256 and the recipe) goes to
``reference/calibration.json`` (or ``--output`` / ``$GRADER_CALIBRATION``) as soon as its assignment is done;
entries of other assignments and profiles are kept. ``--rederive`` trains nothing: it derives every stored bar anew
from the stored scores, for when :mod:`harness.training.bars`' rule changes.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from harness import training
from harness.catalog import ModelAssignment, load_catalog
from harness.pipeline.grade import Grader, Options
from harness.sandbox import SandboxUnavailable
from harness.training import bars

#: The columns of the table both ways of calibrating print (:func:`_rows`).
HEADERS = ["assignment", "check", "correct (N)", "bar", "broken best (M)", "separated", "epochs"]


@click.command("calibrate")
@click.option("-a", "--assignment", "assignments", multiple=True, metavar="ID",
              help="Calibrate only these (repeatable) [default: every model assignment with a training recipe].")
@click.option("--profile", type=click.Choice(list(training.PROFILES)), default="quick", show_default=True)
@click.option("--data-dir", "data_dirs", multiple=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Where dataset files are (repeatable; also $GRADER_DATA, then ~/.keras/datasets).")
@click.option("--seed", type=int, default=0, show_default=True, help="The first seed; runs use SEED, SEED+1, ...")
@click.option("--seeds", type=click.IntRange(bars.MIN_RUNS, bars.MAX_RUNS), default=10, show_default=True,
              help="How many seeds the reference trains under (the correct distribution; from "
                   f"{bars.distribution_free_runs()} on, the bar holds whatever its shape).")
@click.option("--broken-seeds", type=click.IntRange(0, bars.MAX_RUNS), default=3, show_default=True,
              help="How many seeds each known-broken variant trains under (0: none; then no floor).")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Calibration file [default: $GRADER_CALIBRATION or reference/calibration.json].")
@click.option("--rederive", is_flag=True,
              help="Train nothing: derive the stored bars anew from the stored scores (after a change to the rule).")
@click.option("--require-sandbox", is_flag=True, help="Refuse to run without bubblewrap.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def command(assignments: tuple[str, ...], profile: str, data_dirs: tuple[Path, ...], seed: int, seeds: int,
            broken_seeds: int, output: Path | None, rederive: bool, require_sandbox: bool, fmt: str) -> None:
    """Train the references (and their broken variants) under PROFILE and many seeds; store the distributions."""
    if rederive:
        _rederive(assignments, profile, output, fmt)
        return
    catalog = load_catalog()
    trainable = [i for i, a in catalog.items() if isinstance(a, ModelAssignment) and a.training is not None]
    for assignment_id in assignments:
        if assignment_id not in trainable:
            raise click.BadParameter(f"{assignment_id!r} is not a model assignment with a training recipe; "
                                     "`grader list` shows the ids", param_hint="-a/--assignment")
    ids = list(dict.fromkeys(assignments)) or trainable
    settings = training.settings_for("train", profile, data_dirs, None, seed)
    assert settings is not None
    settings.calibrating = True
    options = Options(checks="train", jobs=1, seed=seed, require_sandbox=require_sandbox, training=settings)
    started = time.time()
    entries: dict[str, dict[str, Any]] = {}
    not_calibrated: dict[str, str] = {}
    path = training.calibration_path(output)
    with tempfile.TemporaryDirectory(prefix="grader-calibrate-") as tmp:
        try:
            grader = Grader(options, catalog)
        except SandboxUnavailable as exc:
            raise click.UsageError(str(exc)) from exc
        with grader:
            worker = grader.workers[0]
            for assignment_id in ids:
                assignment = catalog[assignment_id]
                assert isinstance(assignment, ModelAssignment)
                runs = _calibrate_one(grader, worker, assignment, Path(tmp), range(seed, seed + seeds),
                                      range(seed, seed + broken_seeds))
                entry = training.calibration_entry(assignment, runs, worker.threads)
                if not entry["checks"]:
                    not_calibrated[assignment_id] = "; ".join(entry["failed_runs"][:2]) or "no run trained"
                    continue
                entries[assignment_id] = entry
                training.save_calibration({assignment_id: entry}, profile, output)
                _warn(assignment_id, entry)
    if fmt == "json":
        click.echo(json.dumps({"profile": profile, "seeds": seeds, "broken_seeds": broken_seeds, "file": str(path),
                               "duration_s": round(time.time() - started, 1), "calibrated": entries,
                               "not_calibrated": not_calibrated}, indent=2, ensure_ascii=False))
    else:
        click.echo(tabulate(_rows(entries) + [(i, "", "", "", "", "", f"not calibrated: {why}"[:100])
                                              for i, why in not_calibrated.items()],
                            headers=HEADERS, tablefmt="simple"))
        click.echo(f"\n{len(entries)} of {len(ids)} calibrated ({profile}, {seeds} seeds, {broken_seeds} per broken "
                   f"variant) in {time.time() - started:.0f} s; stored in {os.path.relpath(path)}" if entries else
                   f"\nnothing calibrated ({profile}); {path} unchanged")
    sys.exit(0 if len(entries) == len(ids) else 1)


def _rederive(assignments: tuple[str, ...], profile: str, output: Path | None, fmt: str) -> None:
    path = training.calibration_path(output)
    stored = training.load_calibration(output)
    unknown = [i for i in assignments if profile not in stored.get(i, {})]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: nothing stored for profile {profile!r} in {path}",
                                 param_hint="-a/--assignment")
    ids = list(dict.fromkeys(assignments)) or sorted(i for i, by_profile in stored.items() if profile in by_profile)
    entries = {}
    for assignment_id in ids:
        try:
            entries[assignment_id] = training.rederive(stored[assignment_id][profile])
        except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a hand-edited or truncated entry
            raise click.ClickException(
                f"{path}: the stored scores of {assignment_id} ({profile}) cannot be read ({type(exc).__name__}: "
                f"{str(exc)[:80]}); run `grader calibrate -a {assignment_id}` to measure them again") from exc
    training.save_calibration(entries, profile, output)
    if fmt == "json":
        click.echo(json.dumps({"profile": profile, "file": str(path), "calibrated": entries}, indent=2,
                              ensure_ascii=False))
    else:
        click.echo(tabulate(_rows(entries), headers=HEADERS, tablefmt="simple"))
        click.echo(f"\n{len(entries)} bars derived anew from their stored scores ({profile}); stored in "
                   f"{os.path.relpath(path)}")


def _calibrate_one(grader: Grader, worker: Any, assignment: ModelAssignment, tmp: Path, seeds: range,
                   broken_seeds: range) -> training.Runs:
    """Every run of one assignment: the reference under ``seeds``, each broken variant under ``broken_seeds``."""
    folders = {"": tmp / assignment.id / "reference"}
    folders.update({b.name: tmp / assignment.id / f"broken-{b.name}" for b in assignment.broken})
    for name, folder in folders.items():
        folder.mkdir(parents=True)
        broken = next((b for b in assignment.broken if b.name == name), None)
        (folder / f"{assignment.id}.py").write_text(training.reference_source(assignment, broken), encoding="utf-8")
    runs = training.Runs()
    for name, folder in folders.items():
        for run_seed in seeds if not name else broken_seeds:
            grader.options.seed = run_seed
            if grader.training is not None:
                grader.training.settings.seed = run_seed
            result = grader.grade(folder, [assignment.id], worker).assignments[0]
            (runs.broken.setdefault(name, {}) if name else runs.correct)[run_seed] = result
            figure = (result.metrics.get("training") or {}).get("score")
            shown = f"{figure:.4f}" if isinstance(figure, float) else f"{result.status}: {result.reason}"[:120]
            click.echo(f"{assignment.id} {name or 'reference'} seed {run_seed}: {shown}", err=True)
    return runs


def _warn(assignment_id: str, entry: dict[str, Any]) -> None:
    if entry["budget_stops"]:
        click.echo(f"warning: {assignment_id}: {entry['budget_stops']} run(s) stopped at the time budget, not by "
                   "epochs: the verdicts depend on the machine's load; give the quick recipe fewer epochs or a larger "
                   "time_budget_s", err=True)
    if not entry["separated"]:
        click.echo(f"warning: {assignment_id}: the known-broken variants are not separated from the reference under "
                   "this profile; its training checks cannot tell a correct model from a broken one", err=True)
    for line in entry["failed_runs"]:
        click.echo(f"warning: {assignment_id}: {line}", err=True)


def _rows(entries: dict[str, dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for assignment_id, entry in entries.items():
        for name, rule in entry["checks"].items():
            correct = rule["correct"]
            broken_n = sum(d["n"] for d in rule["broken"].values())
            rows.append((assignment_id, name, f"{correct['mean']:.4f} ± {correct['sd']:.4f} ({correct['n']})",
                         f"{rule['bar']:.4f}", f"{rule['floor']:.4f} ({broken_n})" if rule["floor"] is not None
                         else "none", "yes" if rule["separated"] else "NO",
                         ",".join(map(str, entry["epochs_run"])) + (" budget!" if entry["budget_stops"] else "")))
    return rows
