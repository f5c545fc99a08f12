"""``grader bench``: time a model's training and inference the way MLPerf times training, scaled to coursework.

For each assignment and device, ``runs`` fresh processes (:mod:`harness.bench.child`) each time every phase alone:
import, build, compile, the first epoch (tracing), steady-state epochs, training and inference samples/s,
single-sample latency (p50/p90), and time to accuracy with the assignment's quick recipe and data. Runs are
sequential (never two timings at once) and, when a submission is benchmarked, interleaved with the reference's,
so both see the same machine. Figures are summarised as the olympic mean (fastest and slowest run dropped),
the median and the spread (min-max); the seeds are chosen here and recorded.

Devices: each in its own process, ``CUDA_VISIBLE_DEVICES=-1`` for the CPU; where no GPU is visible the GPU
column says ``n/a (no GPU visible)``. On the GPU, reference runs set ``use_cudnn=True`` on every LSTM/GRU whose
settings cuDNN supports, so a fallback to the generic kernel fails visibly, and each run records which kernel
every recurrent layer got.

A submission's models are built in the sandbox (as ``grader run`` does) and timed here after a safe-mode load:
only the architecture and its initial weights leave the sandbox, no student code runs outside it.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.catalog import ModelAssignment, Training
from harness.errors import InputError

DEVICES = ("cpu", "gpu")
#: Per-run figures, in display order: (key, label, better).
PHASES: tuple[tuple[str, str, str], ...] = (
    ("import_s", "import (s)", "low"),
    ("build_s", "build (s)", "low"),
    ("compile_s", "compile (s)", "low"),
    ("first_epoch_s", "first epoch, tracing (s)", "low"),
    ("steady_epoch_s", "steady-state epoch (s)", "low"),
    ("train_samples_per_s", "training samples/s", "high"),
    ("inference_samples_per_s", "inference samples/s", "high"),
    ("latency_p50_ms", "latency p50, 1 sample (ms)", "low"),
    ("latency_p90_ms", "latency p90, 1 sample (ms)", "low"),
    ("tta_s", "time to accuracy (s)", "low"),
)
SYNTHETIC_NOTE = ("epochs, samples/s and latency use synthetic random data of the model's input shape and dtype "
                  "(speed, not learning); time to accuracy uses the real quick-recipe data")
#: Synthetic samples when the recipe names no ``train_limit`` and the dataset cannot be read for its size.
DEFAULT_SAMPLES = 1024
MAX_SAMPLES = 4096
CHILD_TIMEOUT_S = 1800.0


class BenchError(InputError):
    """An assignment cannot be benchmarked (no training recipe, not a model); the message says why."""


@dataclass
class Settings:
    runs: int = 5
    devices: tuple[str, ...] = ("cpu",)
    seed: int = 0
    data_dirs: list[Path] = field(default_factory=list)
    tta: bool = True
    #: ``{assignment_id: bar}`` overriding the computed time-to-accuracy bar.
    targets: dict[str, float] = field(default_factory=dict)
    steady_min_epochs: int = 2
    steady_min_s: float = 1.0
    latency_calls: int = 50


def seeds(base: int, runs: int) -> list[int]:
    """The seeds of ``runs`` runs, drawn from ``base`` (so ``--seed`` reproduces them) and recorded."""
    rng = random.Random(base)
    return [rng.randrange(1, 2**31 - 1) for _ in range(runs)]


def summarize(values: Sequence[float]) -> dict[str, float | int]:
    """Olympic mean (drop the fastest and the slowest run when there are at least 3), median, min, max."""
    ordered = sorted(float(v) for v in values if v is not None and math.isfinite(v))
    if not ordered:
        return {"n": 0}
    kept = ordered[1:-1] if len(ordered) >= 3 else ordered
    median = statistics.median(ordered)
    return {"n": len(ordered), "olympic": sum(kept) / len(kept), "median": median, "min": ordered[0],
            "max": ordered[-1], "spread_pct": 100.0 * (ordered[-1] - ordered[0]) / median if median else 0.0}


def target_for(assignment: ModelAssignment, override: float | None = None) -> dict[str, Any]:
    """The time-to-accuracy bar: ``--target``; else the calibrated quick bar of the first training check (what
    ``grader run --checks train`` passes at); else ``pass_fraction`` of the seed's printed figure."""
    training = assignment.training
    assert training is not None
    higher = training.metric != "mae"
    if override is not None:
        return {"value": override, "source": "--target", "metric": training.metric, "higher": higher}
    try:
        from harness.training import load_calibration

        stored = ((load_calibration() or {}).get(assignment.id) or {}).get("quick") or {}
    except ImportError:  # pragma: no cover - the training module is part of the package
        stored = {}
    rule: dict[str, Any] = next(iter((stored.get("checks") or {}).values()), {})
    if isinstance(rule.get("bar"), (int, float)):
        return {"value": rule["bar"], "source": f"the calibrated quick bar {rule['bar']:.4g} (a correct model reaches "
                f"it 99% of the time)", "metric": training.metric, "higher": higher}
    if training.seed_figure is not None:
        figure, fraction = training.seed_figure, training.pass_fraction
        value = figure * fraction if higher else figure / fraction
        return {"value": value, "source": f"{training.pass_fraction:g} x the seed's figure {training.seed_figure:g} "
                "(no calibrated quick score: `grader calibrate` measures one)", "metric": training.metric,
                "higher": higher}
    return {"value": None, "source": "no bar: the seed prints no figure and no calibrated quick score exists",
            "metric": training.metric, "higher": higher}


def recipe_of(training: Training) -> dict[str, Any]:
    quick = training.quick
    return {"optimizer": quick.optimizer, "loss": quick.loss, "metrics": list(quick.metrics), "epochs": quick.epochs,
            "batch_size": quick.batch_size, "learning_rate": quick.learning_rate,
            "time_budget_s": quick.time_budget_s}


def workload(assignment: ModelAssignment, settings: Settings) -> dict[str, Any]:
    """What every run of ``assignment`` shares: recipe, synthetic sample count, the time-to-accuracy setup."""
    from harness import datasets  # numpy and every loader: only when something is timed

    training = assignment.training
    if training is None:
        raise BenchError(f"{assignment.id}: no training recipe in reference/{assignment.id}.py, nothing to time")
    data = dict(training.quick.data)
    samples = int(data.get("train_limit") or 0) or _dataset_size(training, settings) or DEFAULT_SAMPLES
    samples = min(samples, MAX_SAMPLES)
    target = target_for(assignment, settings.targets.get(assignment.id))
    tta: dict[str, Any] | None = None
    note = ""
    if not settings.tta:
        note = "time to accuracy not measured (--no-tta)"
    elif datasets.DATASETS[training.dataset].generators:
        note = (f"time to accuracy: the {training.dataset} recipes train from generators; grader bench does not "
                "time them")
    elif target["value"] is None:
        note = f"time to accuracy: {target['source']}"
    else:
        tta = {"dataset": training.dataset,
               "options": {k: v for k, v in data.items() if k not in datasets.RUNNER_KEYS},
               "data_dirs": [str(d) for d in settings.data_dirs], "metric": training.metric,
               "target": target["value"], "evaluate_on": data.get("evaluate_on", "test"),
               "batch_shape": list(assignment.batch_shape)}
    return {"recipe": recipe_of(training), "samples": samples, "target": target, "tta": tta, "tta_note": note,
            "sequence_length": int(data.get("maxlen") or 100)}


def _dataset_size(training: Training, settings: Settings) -> int | None:
    """Training-set size of small in-memory datasets (the song: 50 windows); ``None`` when not cheap to know."""
    from harness import datasets

    if not datasets.DATASETS[training.dataset].small:
        return None
    data = datasets.load(training.dataset, {k: v for k, v in training.quick.data.items()
                                            if k not in datasets.RUNNER_KEYS}, settings.data_dirs)
    return len(data.x_train)


def run_child(spec: dict[str, Any], device: str, timeout: float = CHILD_TIMEOUT_S) -> dict[str, Any]:
    """One timed run in a fresh process; the device is fixed by the environment before TensorFlow starts."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": str(spec["seed"])}
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        spec_path, result_path = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec = {**spec, "device": device, "spawned_at": time.time()}
        spec_path.write_text(json.dumps(spec))
        try:
            done = subprocess.run([sys.executable, "-m", "harness.bench.child", str(spec_path), str(result_path)],
                                  env=env, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"device": device, "seed": spec["seed"], "error": f"timed out after {timeout:g} s"}
        if not result_path.exists():
            tail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            return {"device": device, "seed": spec["seed"], "error": f"the run crashed: {tail[0][:300]}"}
        return json.loads(result_path.read_text())


@dataclass
class Subject:
    """What is timed: the reference (``model_path`` None) or a submission's model built in the sandbox."""

    label: str
    model_path: str | None = None
    error: str = ""


def bench_assignment(assignment: ModelAssignment, subjects: list[Subject], settings: Settings,
                     progress: Callable[[str], None] | None = None,
                     runner: Callable[[dict[str, Any], str], dict[str, Any]] = run_child) -> dict[str, Any]:
    """Time every subject on every device, ``settings.runs`` times, interleaved; return the summaries."""
    load = workload(assignment, settings)
    run_seeds = seeds(settings.seed, settings.runs)
    results: dict[str, dict[str, dict[str, Any]]] = {s.label: {} for s in subjects}
    for device in settings.devices:
        unavailable = ""
        for number, seed in enumerate(run_seeds, start=1):
            for subject in subjects:
                slot = results[subject.label].setdefault(device, {"runs": []})
                if subject.error or unavailable:
                    continue
                if progress:
                    progress(f"{assignment.id} {subject.label} {device} run {number}/{len(run_seeds)} (seed {seed})")
                spec = {"assignment": assignment.id, "model_path": subject.model_path, "seed": seed,
                        "reference": subject.model_path is None, "recipe": load["recipe"],
                        "samples": load["samples"], "sequence_length": load["sequence_length"],
                        "tta": load["tta"], "steady_min_epochs": settings.steady_min_epochs,
                        "steady_min_s": settings.steady_min_s, "latency_calls": settings.latency_calls}
                run = runner(spec, device)
                if run.get("available") is False:
                    unavailable = run.get("reason") or "not available"
                    break
                slot["runs"].append(run)
        for subject in subjects:
            slot = results[subject.label][device]
            if subject.error:
                slot.update(available=True, error=subject.error)
            elif unavailable:
                slot.update(available=False, reason=unavailable, runs=[])
            else:
                slot.update(available=True, **_summary(slot["runs"], device))
                if load["tta_note"]:
                    slot.setdefault("tta_note", load["tta_note"])
    out = {"id": assignment.id, "seeds": run_seeds, "recipe": load["recipe"], "target": load["target"],
           "samples": load["samples"], "tta_note": load["tta_note"], "subjects": results}
    if len(subjects) == 2 and not subjects[1].error:
        out["ratio"] = {d: _ratio(results[subjects[1].label][d], results[subjects[0].label][d])
                        for d in settings.devices}
    return out


def _summary(runs: list[dict[str, Any]], device: str) -> dict[str, Any]:
    good = [r for r in runs if "error" not in r]
    stats = {key: summarize([r.get("phases", {}).get(key) for r in good if key in r.get("phases", {})])
             for key, _, _ in PHASES}
    tta = [r["tta"] for r in good if r.get("tta")]
    reached = [t for t in tta if t.get("reached")]
    summary: dict[str, Any] = {"stats": stats, "errors": [r["error"] for r in runs if "error" in r],
                               "tta_reached": f"{len(reached)}/{len(tta)}" if tta else "",
                               "steady_epochs": [r.get("steady_epochs") for r in good],
                               "synthetic": good[0].get("synthetic") if good else None,
                               "versions": good[0].get("versions") if good else None}
    skipped = next((t["skipped"] for t in tta if t.get("skipped")), "")
    if skipped:
        summary["tta_note"] = f"time to accuracy skipped: {skipped}"
    elif tta and not reached:
        best = [t.get("best") for t in tta if t.get("best") is not None]
        epochs = max((t.get("epochs_run", 0) for t in tta), default=0)
        spent = any(t.get("budget_spent") for t in tta)
        best_text = f"best {max(best) if tta[0].get('metric') != 'mae' else min(best):.4g}" if best else "no score"
        summary["tta_note"] = (f"bar not reached in {epochs} epoch(s){' (time budget spent)' if spent else ''}; "
                               f"{best_text}")
    if device == "cpu":
        summary["cudnn"] = "n/a (CPU)"
    else:
        kernels: dict[str, set[str]] = {}
        for r in good:
            for layer, kernel in (r.get("cudnn") or {}).items():
                kernels.setdefault(layer, set()).add(kernel)
        summary["cudnn"] = {k: " / ".join(sorted(v)) for k, v in kernels.items()} or "no LSTM/GRU layers"
    return summary


def _ratio(student: dict[str, Any], reference: dict[str, Any]) -> float | None:
    try:
        return student["stats"]["steady_epoch_s"]["olympic"] / reference["stats"]["steady_epoch_s"]["olympic"]
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def figures(entry: dict[str, Any], label: str) -> dict[str, dict[str, float]]:
    """Per device, the figures stored for the leaderboard (``bench_cpu_s`` = olympic-mean steady-state epoch
    time of the quick recipe; ``_ratio`` against the reference measured in the same run; time to accuracy,
    p50 latency, training samples/s)."""
    out: dict[str, dict[str, float]] = {}
    for device, slot in entry["subjects"][label].items():
        if not slot.get("available") or "stats" not in slot:
            continue
        stats = slot["stats"]
        found: dict[str, float] = {}
        for key, name in (("steady_epoch_s", f"bench_{device}_s"), ("tta_s", f"bench_{device}_tta_s"),
                          ("latency_p50_ms", f"bench_{device}_latency_ms"),
                          ("train_samples_per_s", f"bench_{device}_samples_per_s")):
            if stats.get(key, {}).get("n"):
                found[name] = round(stats[key]["olympic"], 6)
        ratio = (entry.get("ratio") or {}).get(device)
        if ratio is not None and label != "reference":
            found[f"bench_{device}_ratio"] = round(ratio, 4)
        out[device] = found
    return out


# -- submissions ----------------------------------------------------------------------------------------------


def build_in_sandbox(submission: Path, assignments: list[ModelAssignment], keep: Path, seed: int = 0,
                     require_sandbox: bool = False) -> dict[str, Subject]:
    """Build each assignment's model from ``submission`` in the sandbox; ``model.keras`` files land in ``keep``."""
    from harness.checks import config_gate, evaluate
    from harness.pipeline.grade import assignment_file
    from harness.sandbox import Limits, Worker, detect_mode

    subjects: dict[str, Subject] = {}
    limits = Limits()
    with Worker(0, detect_mode(require_sandbox), threads=max(1, os.cpu_count() or 1)) as worker:
        for assignment in assignments:
            label = submission.name
            file = assignment_file(submission, assignment.id)
            if file is None:
                subjects[assignment.id] = Subject(label, error=f"no {assignment.id}.py or .ipynb in {submission}")
                continue
            try:
                outcome = worker.run(evaluate.model_task(assignment, file, seed), submission, limits)
            except ValueError as exc:
                subjects[assignment.id] = Subject(label, error=str(exc))
                continue
            reason = evaluate.failure_reason(outcome, limits)
            model = outcome.out / "model.keras" if outcome.out else None
            if reason is None and (model is None or not model.is_file()):
                reason = "the sandbox left no model.keras"
            # bench_child loads it outside the sandbox: the same gate as the checker's first
            if reason is None and model is not None:
                try:
                    config_gate.read_keras_config(model, config_gate.catalog_bounds(), evaluate.MAX_MODEL_BYTES)
                except config_gate.ConfigRefused as exc:
                    reason = str(exc)
            if reason is not None:
                subjects[assignment.id] = Subject(label, error=f"the model could not be built: {reason}")
                continue
            assert model is not None  # no reason: the sandbox left model.keras
            target = keep / f"{assignment.id}.keras"
            shutil.copyfile(model, target)
            subjects[assignment.id] = Subject(label, model_path=str(target))
    return subjects


def bench(assignments: list[ModelAssignment], settings: Settings, submission: Path | None = None,
          progress: Callable[[str], None] | None = None, require_sandbox: bool = False,
          runner: Callable[[dict[str, Any], str], dict[str, Any]] = run_child) -> dict[str, Any]:
    """The whole benchmark (the document ``--format json`` prints)."""
    started = time.time()
    entries = []
    with tempfile.TemporaryDirectory(prefix="grader-bench-models-") as tmp:
        built = build_in_sandbox(submission, assignments, Path(tmp), settings.seed, require_sandbox) \
            if submission else {}
        for assignment in assignments:
            subjects = [Subject("reference")]
            if submission is not None:
                subjects.append(built[assignment.id])
            entries.append(bench_assignment(assignment, subjects, settings, progress, runner))
    from harness import __version__

    return {"command": "bench", "grader": __version__, "submission": str(submission) if submission else None,
            "devices": list(settings.devices), "runs": settings.runs, "seed": settings.seed,
            "started_at": started, "duration_s": round(time.time() - started, 3), "note": SYNTHETIC_NOTE,
            "assignments": entries}


def store_results(store: Any, report: dict[str, Any]) -> int:
    """Record every subject's figures and details in the results store; returns the rows written."""
    rows = 0
    submission = report.get("submission")
    for entry in report["assignments"]:
        for label, devices in entry["subjects"].items():
            path = "reference" if label == "reference" else str(submission)
            found = figures(entry, label)
            for device, slot in devices.items():
                detail = {"runs": slot.get("runs", []), "stats": slot.get("stats"), "seeds": entry["seeds"],
                          "recipe": entry["recipe"], "target": entry["target"], "available": slot.get("available"),
                          "reason": slot.get("reason") or slot.get("error") or "", "cudnn": slot.get("cudnn"),
                          "grader": report["grader"]}
                store.record_bench(path, label, entry["id"], device, found.get(device, {}), detail)
                rows += 1
    return rows


# -- rendering ------------------------------------------------------------------------------------------------


def _cell(slot: dict[str, Any], key: str) -> str:
    if not slot.get("available", True):
        return f"n/a ({slot.get('reason', 'not available')})"
    if slot.get("error"):
        return f"error: {slot['error'][:60]}"
    stat = (slot.get("stats") or {}).get(key) or {}
    if not stat.get("n"):
        if key == "tta_s":
            return slot.get("tta_note") or "—"
        return "—"
    digits = 0 if key.endswith("per_s") else 3 if stat["olympic"] < 10 else 1
    fmt = f"{{:,.{digits}f}}"
    text = f"{fmt.format(stat['olympic'])}  (median {fmt.format(stat['median'])}; " \
           f"{fmt.format(stat['min'])}–{fmt.format(stat['max'])})"
    if key == "tta_s" and slot.get("tta_reached"):
        text += f"  reached {slot['tta_reached']}"
    return text


def table(report: dict[str, Any]) -> str:
    from tabulate import tabulate

    blocks = []
    for entry in report["assignments"]:
        recipe = entry["recipe"]
        header = (f"{entry['id']}: quick recipe {recipe['optimizer']}, {recipe['loss']}, batch {recipe['batch_size']}, "
                  f"{recipe['epochs']} epoch(s); {report['runs']} run(s) per device, seeds "
                  f"{', '.join(map(str, entry['seeds']))}")
        target = entry["target"]
        bar = (f"time-to-accuracy bar: {target['metric']} {'≥' if target['higher'] else '≤'} {target['value']:.4g} "
               f"({target['source']})" if target.get("value") is not None else f"time-to-accuracy: {target['source']}")
        lines = [header, bar]
        if entry.get("tta_note"):
            lines.append(entry["tta_note"])
        for label, devices in entry["subjects"].items():
            columns = [d for d in report["devices"]]
            rows = [[name, *(_cell(devices[d], key) for d in columns)] for key, name, _ in PHASES]
            rows.append(["cuDNN kernel (LSTM/GRU)", *(_cudnn_cell(devices[d]) for d in columns)])
            synthetic = next((devices[d].get("synthetic") for d in columns if devices[d].get("synthetic")), None)
            title = f"{label}" + (f" (synthetic x {synthetic['x']}, y {synthetic['y']})" if synthetic else "")
            lines.append("")
            lines.append(title)
            lines.append(tabulate(rows, headers=["olympic mean (median; min–max)", *(d.upper() for d in columns)],
                                  disable_numparse=True))
            for d in columns:
                for error in devices[d].get("errors") or []:
                    lines.append(f"  {d.upper()} run failed: {error}")
        if entry.get("ratio"):
            parts = [f"{d.upper()} {r:.2f}x" for d, r in entry["ratio"].items() if r is not None]
            if parts:
                lines.append(f"steady-state epoch time, submission / reference: {', '.join(parts)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\nNote: {report['note']}."


def _cudnn_cell(slot: dict[str, Any]) -> str:
    if not slot.get("available", True):
        return f"n/a ({slot.get('reason', 'not available')})"
    value = slot.get("cudnn")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value or "—")
