"""The calibration file: what ``grader calibrate`` stores per assignment and profile, and reads back as the bar."""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.catalog import Broken, ModelAssignment, Recipe, Training
from harness.results import AssignmentResult
from harness.song import PRED_COUNT
from harness.training import bars
from harness.training.judge import LOWER_IS_BETTER, check_scores
from harness.training.settings import training_of

#: Where ``grader calibrate`` stores the reference's scores (``$GRADER_CALIBRATION`` overrides).
CALIBRATION = Path(__file__).resolve().parents[2] / "reference" / "calibration.json"
ENV_CALIBRATION = "GRADER_CALIBRATION"


# -- calibration -------------------------------------------------------------------------------------------------------

def calibration_path(path: Path | None = None) -> Path:
    return Path(path or os.environ.get(ENV_CALIBRATION) or CALIBRATION)


def load_calibration(path: Path | None = None) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(calibration_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    assignments = data.get("assignments", {}) if isinstance(data, dict) else {}
    return assignments if isinstance(assignments, dict) else {}


#: Recipe fields a calibration does not depend on: the budget only bounds a run (the file counts budget stops).
UNMEASURED = ("time_budget_s",)


def recipe_changes(stored: Any, recipe: Recipe) -> list[str]:
    """How ``recipe`` differs from the one a stored calibration was measured with ("epochs 3 → 4"): a bar
    measured under another recipe says nothing about this one."""
    from harness.training.recipe import recipe_dict

    def changes(then: Any, now: dict[str, Any], prefix: str = "") -> list[str]:
        then = then if isinstance(then, dict) else {}
        found = []
        for key in sorted(now.keys() | then.keys()):
            old, new = then.get(key), now.get(key)
            if key in UNMEASURED or old == new:
                continue
            if isinstance(new, dict):
                found += changes(old, new, f"{prefix}{key}.")
            else:
                found.append(f"{prefix}{key} {old!r} → {new!r}")
        return found

    return changes(stored, recipe_dict(recipe))


@dataclass
class Runs:
    """One assignment's calibration runs: the reference's results by seed, each broken variant's by seed."""

    correct: dict[int, AssignmentResult] = field(default_factory=dict)
    broken: dict[str, dict[int, AssignmentResult]] = field(default_factory=dict)


def run_scores(result: AssignmentResult, training: Training) -> dict[str, float] | None:
    """The check figures of one calibration run (``None`` when it did not train)."""
    metrics = result.metrics.get("training") or {}
    if result.status == "error" or metrics.get("score") is None or metrics.get("skipped"):
        return None
    recipe = metrics.get("recipe") or {}
    return check_scores(training, Recipe(data=recipe.get("data") or {}), metrics, metrics.get("profile") or "quick")


def score_step(check: str, n_test: Any = None) -> float:
    """The smallest difference ``check``'s score can show: one of the song's windows, one note, one test sample;
    0 for a continuous score (MAE) or an unknown test size."""
    if check == "train_accuracy":
        return 1 / PRED_COUNT
    if check == "full_song":
        return 1.0
    if check == "test_accuracy" and isinstance(n_test, int) and n_test > 0:
        return 1 / n_test
    return 0.0


def check_rule(check: str, correct: list[float], broken: dict[str, list[float]], n_test: Any) -> dict[str, Any]:
    """:func:`bars.derive` for the check named ``check`` (its direction and step follow from the name)."""
    return bars.derive(correct, broken, check in LOWER_IS_BETTER, score_step(check, n_test))


def rederive(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` (one assignment and profile of the calibration file) with every check's rule derived anew from
    its stored scores: after a change to :mod:`bars`' rule, the file follows it without training again."""
    checks = {name: check_rule(name, rule["correct"]["scores"],
                               {variant: dist["scores"] for variant, dist in rule["broken"].items()},
                               entry.get("n_test"))
              for name, rule in entry["checks"].items()}
    return {**entry, "checks": checks,
            "separated": bool(checks) and all(rule["separated"] for rule in checks.values())}


def calibration_entry(assignment: ModelAssignment, runs: Runs, threads: int) -> dict[str, Any]:
    """What ``grader calibrate`` stores for one assignment and profile: per check, the correct and broken
    distributions and the rule derived from them (:func:`bars.derive`), with what the runs were made
    under (versions, data, recipe, seeds) and how they ended (epochs, runs stopped by the time budget)."""
    training = training_of(assignment)
    correct: dict[str, list[float]] = {}
    broken: dict[str, dict[str, list[float]]] = {}
    trained, failed = [], []
    for seed, result in sorted(runs.correct.items()):
        scores = run_scores(result, training)
        if scores is None:
            failed.append(f"seed {seed}: {result.status}: {result.reason or '; '.join(result.notes)}"[:300])
            continue
        trained.append(result)
        for name, value in scores.items():
            correct.setdefault(name, []).append(value)
    for variant, by_seed in runs.broken.items():
        for seed, result in sorted(by_seed.items()):
            scores = run_scores(result, training)
            if scores is None:  # a broken variant that cannot train scores nothing: the floor is not moved
                failed.append(f"{variant} seed {seed}: {result.status}: {result.reason}"[:300])
                continue
            for name, value in scores.items():
                broken.setdefault(name, {}).setdefault(variant, []).append(value)
    first = (trained[0].metrics.get("training") or {}) if trained else {}
    checks = {name: check_rule(name, values, broken.get(name, {}), first.get("n_test"))
              for name, values in correct.items()}
    everything = [*trained, *(r for by_seed in runs.broken.values() for r in by_seed.values())]
    ended = [(r.metrics.get("training") or {}) for r in everything]
    mistakes = {b.name: b.mistake for b in assignment.broken}
    return {
        "metric": training.metric,
        "separated": bool(checks) and all(rule["separated"] for rule in checks.values()),
        "checks": checks,
        "broken": {name: mistakes.get(name, "") for name in runs.broken},
        "seeds": sorted(runs.correct), "broken_seeds": sorted({s for b in runs.broken.values() for s in b}),
        "baseline": first.get("baseline"), "n_test": first.get("n_test"),
        "epochs_run": sorted({m.get("epochs_run") for m in ended if m.get("epochs_run") is not None}),
        "budget_stops": sum(1 for m in ended if m.get("stopped") == "budget"),
        "train_seconds_max": max((r.timings.get("train_s") or 0.0 for r in everything), default=None),
        "failed_runs": failed,
        "deterministic": True, "threads": threads, "versions": first.get("versions"), "data": first.get("data"),
        "recipe": first.get("recipe"), "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def save_calibration(entries: dict[str, dict[str, Any]], profile: str, path: Path | None = None) -> Path:
    """Merge ``{assignment_id: entry}`` for ``profile`` into the calibration file (other entries are kept)."""
    target = calibration_path(path)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data["about"] = ("Measured by `grader calibrate`: per assignment and profile, each training check's scores for the "
                     "reference under N seeds (correct) and the catalog's known-broken variants under M seeds, "
                     "trained in the sandbox and evaluated on held-out data exactly as a submission is. bar: the "
                     "one-sided lower tolerance bound (99% of correct runs above it, 95% confidence; MAE mirrored; "
                     "the sd at least step/sqrt(12), step: the score's resolution; from 299 correct runs on, never "
                     "above the rank-th lowest run, the distribution-free bound); "
                     "floor: the broken variants' best (no credit there); separated: floor below bar.")
    assignments = data.setdefault("assignments", {})
    for assignment_id, entry in entries.items():
        assignments.setdefault(assignment_id, {})[profile] = entry
    data["assignments"] = dict(sorted(assignments.items()))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def reference_source(assignment: ModelAssignment, broken: Broken | None = None) -> str:
    """A submission file that builds the reference (or a known-broken variant of it) from its Keras config: what
    ``grader calibrate`` trains, through the same config gate as a student's model."""
    import keras

    keras.utils.set_random_seed(0)
    config = (broken.build if broken is not None else assignment.build)().to_json()
    what = f"the known-broken variant {broken.name!r} ({broken.mistake})" if broken else "the reference model"
    return (f'"""Generated by `grader calibrate`: {what} of {assignment.id}, from its Keras config."""\n'
            "import keras\n\n"
            f"CONFIG = {config!r}\n\n\n"
            f"def {assignment.entry_point}():\n"
            "    return keras.models.model_from_json(CONFIG)\n")


