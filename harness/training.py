"""``--checks train``: train each student's model in the sandbox, judge it here on data the sandbox never saw.

Trust (see ``docs/security.md``): the trusted side loads the dataset (:mod:`harness.datasets`), keeps the test
split, and writes only the training split (``train.npz``) into a per-run folder that the sandbox mounts read-only
(``/data/0``). The child (:mod:`harness.sandbox.jail.training_task`) builds the student's model as a structure job
does, trains it with the assignment's recipe under a time budget and saves ``model.keras`` and ``outputs.json``
(the history, for the curves). Here that model is loaded in Keras' safe mode and evaluated on the held-out test
split (``model.predict`` in this process). What the child reports never decides anything. Function assignments
have nothing to train: under ``--checks train`` they are graded by their function checks (``Grader._job``).

Profiles (``--profile``):

- ``quick`` (default): each reference's ``Training.quick`` recipe, a budget that fits a class on a laptop and ends
  by epochs, not by the clock, so a verdict does not depend on the machine's load. The bar comes from
  ``grader calibrate``: the reference trained under N seeds and the catalog's known-broken variants under M seeds,
  exactly as a student's model is; :mod:`harness.calibration` turns the scores into a pass bar (a correct model
  reaches it 99% of the time), a floor (the broken variants' best) and linear credit between them, stored in
  ``reference/calibration.json``.
- ``full``: the seed's recipe on the full data; the bar is the figure the seed prints (``seed_figure``): pass at
  ``pass_fraction`` of it, credit linear from ``floor_fraction``.

The "나비야" song models are judged as the seeds judge them: train accuracy (the one-step prediction: each true
window in, the next note out, 50 windows), and the full song (the first 4 notes in, then the model's own output
fed back; stateful models are reset first), note by note against the real song. A stateless model can get at
most 46/50 (:func:`harness.song.best_stateless_score`); a stateful one plays all 50. The comparison and a MIDI
file of what the model plays are part of the feedback.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import math
import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness import calibration
from harness.calibration import WEIGHT
from harness.catalog import Broken, ModelAssignment, Recipe, Training
from harness.output import escape
from harness.results import AssignmentResult, Check
from harness.sandbox import Limits, Outcome

PROFILES = ("quick", "full")
#: Where ``grader calibrate`` stores the reference's scores (``$GRADER_CALIBRATION`` overrides).
CALIBRATION = Path(__file__).resolve().parents[1] / "reference" / "calibration.json"
ENV_CALIBRATION = "GRADER_CALIBRATION"
#: Seconds the sandbox job may run beyond the recipe's training budget (building, saving, the first trace).
MARGIN_S = 45.0
MARGIN_FRACTION = 0.2
SONG_DATASETS = ("song", "song_2f")


# -- settings and the per-run data folder ------------------------------------------------------------------------

@dataclass
class TrainSettings:
    profile: str = "quick"
    data_dirs: list[Path] = field(default_factory=list)
    #: Folder for MIDI files (``<artifacts>/<submission>/<assignment>.mid``); ``None``: none written.
    artifacts: Path | None = None
    calibration: Path | None = None
    #: ``grader calibrate``: measure, do not judge.
    calibrating: bool = False
    #: Also run the structure checks on the same sandboxed build (``--checks all``).
    structure: bool = False
    seed: int = 0
    #: Show a live progress display on stderr (``grader run`` on a terminal, table output).
    show_progress: bool = False
    progress: Any = None


def settings_for(checks: str, profile: str, data_dirs: Sequence[Path], artifacts: Path | None, seed: int,
                 progress: bool = False) -> TrainSettings | None:
    """``grader run``'s options as :class:`TrainSettings` (``None`` for structure checks only)."""
    if checks not in ("train", "all"):
        return None
    from harness.datasets import data_dirs_from

    return TrainSettings(profile=profile, data_dirs=data_dirs_from(list(data_dirs)), artifacts=artifacts,
                         structure=checks == "all", seed=seed, show_progress=progress)


@dataclass
class Prepared:
    """One dataset as a recipe wants it: the training split on disk for the sandbox, the test split here."""

    key: str
    dataset: Any
    x_test: Any
    y_test: Any
    fingerprint: dict[str, Any]


@dataclass
class TrainJob:
    """The trusted side's half of one training job (what :func:`Session.evaluate` needs)."""

    assignment: ModelAssignment
    file: str
    submission: str
    recipe: Recipe
    mode: str
    limits: Limits
    task: dict[str, Any] | None = None
    prepared: Prepared | None = None
    #: Why training cannot run here (a dataset is missing, no calibration...): one line.
    skip: str = ""
    started_at: float = 0.0

    def started(self, session: Session) -> None:
        self.started_at = time.monotonic()
        progress = session.live_progress()
        if progress is not None:
            progress.start(self)


class Session:
    """Training for one ``grader run``: the per-run data folder shared with the sandbox, the datasets prepared
    once per recipe, the calibration. Thread-safe (several workers prepare and evaluate at once)."""

    def __init__(self, settings: TrainSettings, sandbox_mode: str) -> None:
        if settings.profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {settings.profile!r}")
        self.settings = settings
        self.mode = sandbox_mode
        self.root = Path(tempfile.mkdtemp(prefix="grader-data-"))
        os.chmod(self.root, 0o755)  # the job's uid reads it (the fallback has no bind mount)
        self._lock = threading.Lock()
        self._prepared: dict[str, Prepared | str] = {}
        self.calibration = load_calibration(settings.calibration)
        # Evaluating many loaded models makes TensorFlow's Python logger warn about retracing: not the user's news
        logging.getLogger("tensorflow").setLevel(logging.ERROR)

    @property
    def sandbox_dirs(self) -> tuple[Path, ...]:
        """Bound read-only at ``/data/0`` in the sandbox."""
        return (self.root,)

    def close(self) -> None:
        if self.settings.progress is not None:
            self.settings.progress.__exit__(None, None, None)
            self.settings.progress = None
        shutil.rmtree(self.root, ignore_errors=True)

    def live_progress(self) -> Progress | None:
        """The progress display, started with the first training job (``None`` when not wanted)."""
        with self._lock:
            if self.settings.progress is None and self.settings.show_progress:
                self.settings.progress = Progress().__enter__()
            return self.settings.progress

    def _child_path(self, key: str) -> str:
        return f"/data/0/{key}" if self.mode.startswith("bwrap") else str(self.root / key)

    # -- preparing ------------------------------------------------------------------------------------------
    def prepare(self, submission: Path, assignment: ModelAssignment, file: str, base_task: dict[str, Any],
                limits: Limits) -> TrainJob:
        """The job for one assignment; ``skip`` says why it cannot train (then ``task`` is the structure task
        when structure checks were asked for, else ``None``)."""
        training = assignment.training
        profile = self.settings.profile
        if training is None:
            return TrainJob(assignment, file, submission.name, Recipe(), "fit", limits,
                            task=base_task if self.settings.structure else None,
                            skip=f"{assignment.id} declares no training recipe")
        recipe: Recipe = getattr(training, profile)
        mode = job_mode(training, recipe)
        job_limits = train_limits(limits, recipe)
        job = TrainJob(assignment, file, submission.name, recipe, mode, job_limits)
        prepared = self._dataset(assignment, recipe, training)
        if isinstance(prepared, str):
            job.skip = prepared
        else:
            job.prepared = prepared
        if not job.skip and not self.settings.calibrating:
            job.skip = self.bar(assignment)[1]
        if job.skip or job.prepared is None:
            job.task = base_task if self.settings.structure else None
            job.limits = limits
            return job
        data = recipe.data
        job.task = {**base_task, "kind": "train", "data_dir": self._child_path(job.prepared.key),
                    "recipe": recipe_dict(recipe), "mode": mode, "deterministic": True,
                    "stop_when_perfect": bool(profile == "quick" and mode == "stateful"
                                              and data.get("evaluate_on") == "train")}
        return job

    def _dataset(self, assignment: ModelAssignment, recipe: Recipe, training: Training) -> Prepared | str:
        from harness import datasets

        options = dict(recipe.data)
        layout = list(assignment.batch_shape)
        key_text = json.dumps([training.dataset, options, recipe.loss, layout], sort_keys=True, default=str)
        key = f"{training.dataset}-{hashlib.sha256(key_text.encode()).hexdigest()[:12]}"
        with self._lock:
            if key in self._prepared:
                return self._prepared[key]
            try:
                dataset = datasets.load(training.dataset, options, self.settings.data_dirs)
            except datasets.DatasetMissing as exc:
                self._prepared[key] = f"dataset missing: {exc}"
                return self._prepared[key]
            except (KeyError, ValueError) as exc:  # the recipe asks the loader for something it does not know
                self._prepared[key] = f"the recipe's data options cannot be loaded: {exc}"
                return self._prepared[key]
            prepared = self._write(key, dataset, recipe, assignment)
            self._prepared[key] = prepared
            return prepared

    def _write(self, key: str, dataset: Any, recipe: Recipe, assignment: ModelAssignment) -> Prepared:
        """``train.npz`` (training data only) for the sandbox; the test split stays in this process."""
        from harness.datasets import object_to_ragged

        generator = dataset.id == "jena"
        x_train = dataset.x_train.astype(np.float32) if generator else to_layout(dataset.x_train,
                                                                                  assignment.batch_shape)
        y_train = labels_for(dataset.y_train, recipe.loss, num_classes(dataset))
        arrays = {"x_train": x_train, "y_train": y_train}
        if dataset.x_val is not None and dataset.y_val is not None:
            arrays["x_val"] = to_layout(dataset.x_val, assignment.batch_shape)
            arrays["y_val"] = labels_for(dataset.y_val, recipe.loss, num_classes(dataset))
        plain: dict[str, np.ndarray] = {}
        for name, array in arrays.items():
            if array.dtype == object:
                plain[f"{name}__flat"], plain[f"{name}__offsets"] = object_to_ragged(array)
            else:
                plain[name] = array
        folder = self.root / key
        folder.mkdir()
        os.chmod(folder, 0o755)
        np.savez(folder / "train.npz", **plain)  # type: ignore[arg-type]  # numpy's stub types **kwds as bool
        os.chmod(folder / "train.npz", 0o644)
        x_test = to_layout(dataset.x_test, assignment.batch_shape)
        return Prepared(key, dataset, x_test, dataset.y_test, fingerprint(dataset, arrays))

    # -- judging ----------------------------------------------------------------------------------------------
    def bar(self, assignment: ModelAssignment) -> tuple[dict[str, Any] | None, str]:
        """The reference's scores to compare with, or why there are none."""
        training = assignment.training
        profile = self.settings.profile
        stored = (self.calibration.get(assignment.id) or {}).get(profile)
        if profile == "full" and training is not None and training.seed_figure is not None:
            bar = {"score": training.seed_figure, "source": "seed", "metric": training.metric}
            if training.dataset in SONG_DATASETS:
                bar["train_accuracy"] = training.seed_figure
                if (training.full.data or {}).get("stateful"):
                    bar["full_song"] = round(training.seed_figure * 50)
            return bar, ""
        checks = stored.get("checks") if isinstance(stored, dict) else None
        if isinstance(stored, dict) and isinstance(checks, dict) and checks \
                and all(calibration.usable(rule) for rule in checks.values()):
            return {**stored, "source": "calibration"}, ""
        hint = f"grader calibrate -a {assignment.id}" + (" --profile full" if profile == "full" else "")
        what = "the seed prints no figure and " if profile == "full" else ""
        return None, (f"{what}no calibrated distribution for {assignment.id} under the {profile} profile: "
                      f"run `{hint}` (stores it in reference/calibration.json)")

    def evaluate(self, job: TrainJob, outcome: Outcome | Exception | None, limits: Limits) -> AssignmentResult:
        from harness.checks import evaluate

        assignment = job.assignment
        started = time.monotonic()
        if job.skip:
            return self._skipped(job, outcome, limits)
        if isinstance(outcome, Exception) or outcome is None:
            return _error(job, str(outcome), None)
        reason = evaluate.failure_reason(outcome, job.limits)
        path = outcome.out / "model.keras" if outcome.out else None
        if reason is None and (path is None or not path.is_file()):
            reason = f"exited (status {outcome.exit_code}) before the grader received its model"
        if reason is not None or path is None:
            reason = reason or "no model"
            self._progress_done(job, f"error: {reason}")
            return _error(job, reason, outcome)
        base = evaluate.evaluate_model(assignment, job.file, outcome, job.limits) if self.settings.structure else None
        if base is not None and base.status == "error":
            self._progress_done(job, f"error: {base.reason}")
            return base
        from harness.checks.config_gate import ConfigRefused

        try:  # gated like every student model (harness/checks/config_gate.py) before Keras reads it
            model = evaluate.read_model(path)
        except ConfigRefused as exc:
            return _error(job, str(exc), outcome)
        except Exception as exc:  # any refusal is the submission's problem, said plainly
            reason = ("its trained model cannot be loaded safely (Lambda layers and custom classes are not gradable): "
                      f"{str(exc).splitlines()[0][:300]}")
            return _error(job, reason, outcome)
        report = child_report(outcome.out)
        measured = self.measure(job, model)
        notes = [*(base.notes if base else []), *report_notes(report)]
        child_notes = [*(base.child_notes if base else evaluate.child_info(outcome.out)),
                       *child_report_notes(report)]
        if self.settings.calibrating:
            checks = [Check("trained", bool(report.get("trained")), "reference measured", weight=WEIGHT)]
        else:
            bar, _ = self.bar(assignment)
            checks, more = judge_all(job, measured, bar or {})
            notes += more
            notes += self._data_notes(job, bar or {})
        song_metrics = measured.pop("song", None)
        metrics = {"training": self._training_metrics(job, measured, report)}
        if song_metrics is not None:
            song_metrics.update(self._song_files(job, song_metrics))
            metrics["song"] = song_metrics
        timings = {"sandbox_s": outcome.wall_s, "evaluate_s": round(time.monotonic() - started, 3)}
        if isinstance(report.get("train_seconds"), (int, float)):
            timings["train_s"] = float(report["train_seconds"])
        all_checks = [*(base.checks if base else []), *checks]
        result = AssignmentResult.from_checks(
            assignment.id, assignment.points, all_checks, file=job.file, notes=notes, child_notes=child_notes,
            metrics=metrics,
            timings=timings, sandbox=outcome.summary(),
            params=base.params if base else int(model.count_params()),
            expected_params=base.expected_params if base else assignment.total_params,
            architecture=base.architecture if base else [])
        self._progress_done(job, summary_line(result))
        return result

    def _skipped(self, job: TrainJob, outcome: Outcome | Exception | None, limits: Limits) -> AssignmentResult:
        from harness.checks import evaluate

        assignment = job.assignment
        self._progress_done(job, f"skipped: {job.skip}")
        if self.settings.structure and isinstance(outcome, Outcome):
            result = evaluate.evaluate_model(assignment, job.file, outcome, limits)
            result.notes.append(f"training not checked: {job.skip}")
            result.metrics["training"] = {"skipped": job.skip, "profile": self.settings.profile}
            if not result.reason:
                result.reason = f"training not checked: {job.skip}"
            return result
        return AssignmentResult(id=assignment.id, status="skipped", max_score=assignment.points, file=job.file,
                                reason=job.skip, expected_params=assignment.total_params,
                                metrics={"training": {"skipped": job.skip, "profile": self.settings.profile}})

    def _data_notes(self, job: TrainJob, bar: dict[str, Any]) -> list[str]:
        calibrated = bar.get("data") or {}
        current = job.prepared.fingerprint if job.prepared else {}
        if bar.get("source") == "calibration" and calibrated.get("sha256") and current.get("sha256") \
                and calibrated["sha256"] != current["sha256"]:
            where = calibrated.get("variant") or calibrated.get("source")
            return [f"the reference was calibrated on other data ({where}, sha256 {calibrated['sha256'][:12]}) than "
                    f"this run's ({current.get('variant')}, {current['sha256'][:12]}): rerun "
                    f"`grader calibrate -a {job.assignment.id}` to compare like "
                    "with like"]
        return []

    # -- measuring ----------------------------------------------------------------------------------------------
    def measure(self, job: TrainJob, model: Any) -> dict[str, Any]:
        """The trained model's scores on held-out data, computed here."""
        training = training_of(job.assignment)
        prepared = job.prepared
        if prepared is None:
            raise ValueError(f"{job.assignment.id}: measured before its data was prepared")
        if training.dataset in SONG_DATASETS:
            return measure_song(model, prepared.dataset.info.extra.get("kind", "1f"))
        started = time.monotonic()
        try:
            score = score_model(model, prepared.x_test, prepared.y_test, training.metric)
        except Exception as exc:  # a model that cannot take the test inputs scores nothing
            return {"metric": training.metric, "score": None, "n_test": len(prepared.y_test),
                    "error": f"the trained model cannot predict the test inputs: {str(exc).splitlines()[0][:300]}"}
        out = {"metric": training.metric, "score": score, "n_test": int(len(prepared.y_test)),
               "predict_s": round(time.monotonic() - started, 3)}
        baseline = trivial_baseline(prepared.y_test, training.metric, prepared.dataset)
        if baseline is not None:
            out["baseline"] = baseline
        return out

    def _training_metrics(self, job: TrainJob, measured: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
        import keras
        import tensorflow as tf

        training = training_of(job.assignment)
        bar, _ = self.bar(job.assignment) if not self.settings.calibrating else (None, "")
        return {
            "profile": self.settings.profile,
            "metric": training.metric,
            **measured,
            "reference": reference_summary(bar, training) if bar else None,
            "recipe": recipe_dict(job.recipe),
            "effective_recipe": report.get("recipe"),  # as the child applied it (the student's TRAINING)
            "epochs_run": report.get("epochs_run"),
            "stopped": report.get("stopped") or "",
            "history": report.get("history") or {},  # reported by the sandbox: for curves only
            "seed": self.settings.seed,
            "deterministic": True,
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__},
            "data": job.prepared.fingerprint if job.prepared else {},
        }

    def _song_files(self, job: TrainJob, song_metrics: dict[str, Any]) -> dict[str, Any]:
        from harness import song

        if self.settings.artifacts is None:
            return {}
        path = Path(self.settings.artifacts) / escape.distinct_file_name(job.submission) / f"{job.assignment.id}.mid"
        try:
            song.write_midi(song_metrics["full_song"]["notes"], path)
        except Exception as exc:  # feedback extras never fail a grade
            return {"midi_error": f"{type(exc).__name__}: {exc}"[:200]}
        return {"midi": str(path)}

    def _progress_done(self, job: TrainJob, text: str) -> None:
        if self.settings.progress is not None:
            self.settings.progress.finish(job, text)


def training_of(assignment: ModelAssignment) -> Training:
    """The training half of an assignment that trains (every training job's; the others never get here)."""
    if assignment.training is None:
        raise ValueError(f"{assignment.id} declares no training recipe")
    return assignment.training


# -- the recipe ------------------------------------------------------------------------------------------------------

def job_mode(training: Training, recipe: Recipe) -> str:
    if training.dataset == "jena":
        return "generator"
    if recipe.data.get("stateful"):
        return "stateful"
    return "fit"


def recipe_dict(recipe: Recipe) -> dict[str, Any]:
    return {"optimizer": recipe.optimizer, "loss": recipe.loss, "metrics": list(recipe.metrics),
            "epochs": recipe.epochs, "batch_size": recipe.batch_size, "validation_split": recipe.validation_split,
            "learning_rate": recipe.learning_rate, "time_budget_s": recipe.time_budget_s,
            "data": json.loads(json.dumps(recipe.data, default=list))}


def train_limits(limits: Limits, recipe: Recipe) -> Limits:
    """The sandbox job's limits: wall clock = the training budget + a margin (never less than asked for)."""
    wall = max(limits.wall_s, recipe.time_budget_s * (1 + MARGIN_FRACTION) + MARGIN_S)
    cpu = max(limits.cpu_s, int(wall * max(1, os.cpu_count() or 1)) + 60)
    return limits.with_overrides(wall_s=wall, cpu_s=cpu)


# -- data ------------------------------------------------------------------------------------------------------------

def num_classes(dataset: Any) -> int | None:
    value = dataset.info.extra.get("num_classes")
    return int(value) if value else None


def labels_for(y: np.ndarray, loss: str, classes: int | None) -> np.ndarray:
    """One-hot labels where the recipe's loss wants them (``categorical_crossentropy``: the seeds'
    ``to_categorical``); otherwise as they are."""
    y = np.asarray(y)
    if loss == "categorical_crossentropy" and y.ndim == 1:
        count = classes or int(y.max()) + 1
        out = np.zeros((len(y), count), dtype=np.float32)
        out[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return out
    return y


def to_layout(x: np.ndarray, batch_shape: Sequence[int | None]) -> np.ndarray:
    """``x`` reshaped to the reference's input layout when only the layout differs (the song for the MLP)."""
    want = tuple(batch_shape)[1:]
    if x is None or x.dtype == object or len(want) == x.ndim - 1 or any(d is None for d in want):
        return x
    if math.prod(d for d in want if d is not None) == int(np.prod(x.shape[1:])):
        return x.reshape((x.shape[0], *want))
    return x


def fingerprint(dataset: Any, train_arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Where the data came from, and a sha256 over exactly the arrays used (training and test)."""
    digest = hashlib.sha256()
    for array in (*train_arrays.values(), dataset.x_test, dataset.y_test):
        if array is None:
            continue
        if array.dtype == object:
            for row in array:
                digest.update(np.asarray(row).tobytes())
        else:
            digest.update(np.ascontiguousarray(array).tobytes())
    extra = dataset.info.extra
    source = str(dataset.info.source)
    return {"dataset": dataset.id, "source": Path(source).name if Path(source).exists() else source,
            "variant": extra.get("variant", ""), "file_sha256": extra.get("sha256", ""),
            "sha256": digest.hexdigest(), "n_train": int(len(dataset.x_train)), "n_test": int(len(dataset.x_test))}


# -- measuring and judging ------------------------------------------------------------------------------------

def score_model(model: Any, x: np.ndarray, y: np.ndarray, metric: str) -> float:
    """Accuracy (binary: sigmoid > 0.5; else argmax) or MAE of ``model`` on ``(x, y)``, computed here."""
    from harness.sandbox.jail.training_task import fit_inputs, fixed_batch_size

    x = fit_inputs(model, x, [])
    batch = fixed_batch_size(model)
    n = len(y)
    if batch:
        n = (len(x) // batch) * batch
        x, y = x[:n], y[:n]
    pred = np.asarray(model.predict(x, batch_size=batch or 256, verbose=0))
    y = np.asarray(y)
    if metric == "mae":
        if pred.reshape(len(pred), -1).shape[1] != 1:
            raise ValueError(f"expected one output per sample, got shape {pred.shape[1:]}")
        return float(np.mean(np.abs(pred.reshape(-1) - y.reshape(-1).astype(np.float64))))
    truth = y.argmax(-1) if y.ndim == 2 else y.astype(np.int64)
    flat = pred.reshape(len(pred), -1)
    guess = (flat[:, 0] > 0.5).astype(np.int64) if flat.shape[1] == 1 else flat.argmax(-1)
    return float(np.mean(guess == truth))


def measure_song(model: Any, kind: str) -> dict[str, Any]:
    from harness import song

    stateful = bool(song.stateful_layers(model))
    one = song.one_step(model, kind=kind, stateful=stateful)
    full = song.full_song(model, stateful=stateful, kind=kind)
    return {"metric": "accuracy", "score": one.accuracy, "train_accuracy": one.accuracy, "one_step": one.correct,
            "full_song": full.correct, "stateful": stateful,
            "song": {"stateful": stateful, "kind": kind, "best_stateless": song.best_stateless_score(),
                     "one_step": {"correct": one.correct, "total": one.total, "notes": list(one.notes),
                                  "wrong": list(one.wrong)},
                     "full_song": {"correct": full.correct, "total": full.total, "notes": list(full.notes),
                                   "wrong": list(full.wrong)},
                     "comparison": song.render_comparison(full.notes),
                     "one_step_comparison": song.render_comparison(one.notes)}}


def trivial_baseline(y: np.ndarray, metric: str, dataset: Any) -> float | None:
    """What a model that learnt nothing scores: the majority class's share (accuracy) or the naive MAE (Jena)."""
    if metric == "mae":
        naive = dataset.info.extra.get("naive_mae")
        return float(naive) if naive is not None else None
    y = np.asarray(y)
    truth = y.argmax(-1) if y.ndim == 2 else y.astype(np.int64)
    return round(float(np.bincount(truth).max() / len(truth)), 6) if len(truth) else None


def ratio_of(score: float, bar: float, metric: str) -> float:
    """How the score compares with the bar, 1.0 = as good; lower-is-better metrics (MAE) are inverted."""
    if metric == "mae":
        return bar / score if score > 0 else math.inf
    return score / bar if bar > 0 else math.inf


def judge(name: str, what: str, score: float, bar: float, metric: str, training: Training, basis: str,
          fmt: str = "{:.4f}", detail: str = "") -> Check:
    """Against the seed's printed figure (``full``): pass at ``pass_fraction`` of it; credit linear from
    ``floor_fraction`` to ``pass_fraction``. A calibrated distribution is judged by :func:`calibration.judge`.

    The message leads with the verdict and the gap (the table shows its start), e.g. ``train accuracy 0.34:
    0.23 short of the 0.57 needed (95% of the seed's 0.60)``.
    """
    ratio = ratio_of(score, bar, metric)
    passing, floor = training.pass_fraction, training.floor_fraction
    credit = 1.0 if ratio >= passing else max(0.0, min(1.0, (ratio - floor) / (passing - floor)))
    passed = ratio >= passing - 1e-9
    lower = metric == "mae"
    need = bar / passing if lower else bar * passing
    shown = fmt.format
    rule = (f"{basis} {shown(bar)} ÷ {passing:g}" if lower else f"{100 * passing:.0f}% of {basis} {shown(bar)}")
    if passed:
        message = f"{what} {shown(score)}: passes ({'at most' if lower else 'at least'} {shown(need)} needed: {rule})"
    else:
        gap = score - need if lower else need - score
        message = (f"{what} {shown(score)}: {shown(gap)} {'too high' if lower else 'short'} — "
                   f"{'at most' if lower else 'at least'} {shown(need)} needed ({rule})")
        if credit > 0:
            message += f"; partial credit {100 * credit:.0f}%"
        else:
            floor_value = bar / floor if lower else bar * floor
            message += f"; no credit {'above' if lower else 'below'} {shown(floor_value)}"
    if detail:
        message += f"; {detail}"
    return Check(name, passed, message, weight=WEIGHT, credit=credit)


def check_scores(training: Training, recipe: Recipe, measured: dict[str, Any]) -> dict[str, float]:
    """The figure each training check judges, by check name: ``test_accuracy`` / ``test_mae``; the song's
    ``train_accuracy``, plus ``full_song`` (notes right of 50) when the recipe is stateful. ``grader calibrate``
    stores a distribution per name, and grading judges the same names."""
    if measured.get("score") is None:
        return {}
    if training.dataset not in SONG_DATASETS:
        return {f"test_{training.metric}": float(measured["score"])}
    scores = {"train_accuracy": float(measured["train_accuracy"])}
    if (recipe.data or {}).get("stateful"):
        scores["full_song"] = float(measured["full_song"])
    return scores


def judge_all(job: TrainJob, measured: dict[str, Any], bar: dict[str, Any]) -> tuple[list[Check], list[str]]:
    training = training_of(job.assignment)
    notes: list[str] = []
    scores = check_scores(training, job.recipe, measured)
    if not scores:
        return [Check(f"test_{training.metric}", False, measured.get("error", "no score"), weight=WEIGHT,
                      credit=0.0)], notes
    song_data = training.dataset in SONG_DATASETS
    details = {f"test_{training.metric}": f"{measured.get('n_test', 0):,} held-out samples",
               "train_accuracy": f"{measured.get('one_step')}/50 windows right (one-step prediction)",
               "full_song": "the first 4 notes given, then its own notes fed back"}
    whats = {"test_accuracy": "test accuracy", "test_mae": "test MAE", "train_accuracy": "train accuracy",
             "full_song": "full song (notes right of 50)"}
    formats = {"train_accuracy": "{:.2f}", "full_song": "{:.0f}"}
    lower = training.metric == "mae" and not song_data
    checks = []
    for name, score in scores.items():
        what, fmt, detail = whats[name], formats.get(name, "{:.4f}"), details[name]
        rule = (bar.get("checks") or {}).get(name) if bar.get("source") == "calibration" else None
        if rule is not None:
            checks.append(calibration.judge(name, what, score, rule, lower, fmt, detail))
            continue
        figure = float(bar.get(name, bar["score"]))
        checks.append(judge(name, what, score, figure, "mae" if lower else "accuracy", training, "the seed's",
                            fmt, detail=f"{detail}; bar: the figure the seed prints"))
    baseline = measured.get("baseline")
    if not song_data and baseline is not None:
        trivial = ("the naive forecast (the last temperature seen) scores MAE" if training.metric == "mae" else
                   "always answering the most frequent class scores")
        notes.append(f"{trivial} {baseline:.4f} on the same test data")
    if song_data and "full_song" in scores and not measured["stateful"]:
        notes.append("the model is not stateful: it sees only the last 4 notes, so it cannot tell apart the "
                     "places where the same 4 notes are followed by different ones (at most 46/50)")
    elif song_data and "full_song" not in scores:
        from harness import song

        notes.append(f"full song {measured['full_song']}/50 (4 notes given, then its own notes fed back); a model "
                     f"that sees only the last 4 notes can get at most {song.best_stateless_score()}/50 of the "
                     "one-step predictions right: only a stateful model plays the whole song")
    return checks, notes


def reference_summary(bar: dict[str, Any], training: Training) -> dict[str, Any]:
    """What the result records about the bar it was judged by (stored with every training result)."""
    if bar.get("source") != "calibration":
        return {**{k: bar[k] for k in ("score", "train_accuracy", "full_song", "source") if k in bar},
                "pass_fraction": training.pass_fraction, "floor_fraction": training.floor_fraction}
    rules = bar.get("checks") or {}
    return {"source": "calibration", "date": bar.get("date"), "seeds": bar.get("seeds"),
            "checks": {name: {"bar": rule.get("bar"), "floor": rule.get("floor"), "separated": rule.get("separated"),
                              "n": rule["correct"]["n"], "mean": rule["correct"]["mean"],
                              "sd": rule["correct"]["sd"]} for name, rule in rules.items()}}


# -- the child's report (untrusted: words and curves only) --------------------------------------------------------

def child_report(out: Path | None) -> dict[str, Any]:
    if out is None:
        return {}
    try:
        data = json.loads((out / "outputs.json").read_text()[:4_000_000])
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, TypeError):
        return {}


def child_report_notes(report: dict[str, Any]) -> list[str]:
    """The notes the training run wrote itself: the student's code could have written them (``child_notes``)."""
    from harness.sandbox.host.worker import clean_text

    notes = report.get("notes")
    return [clean_text(str(n), 300) for n in notes][:10] if isinstance(notes, list) else []


def report_notes(report: dict[str, Any]) -> list[str]:
    from harness.sandbox.host.worker import clean_text

    notes: list[str] = []
    error = report.get("training_error")
    if isinstance(error, dict):
        where = f" ({error.get('where')})" if error.get("where") else ""
        notes.append(clean_text(f"training failed: {error.get('message', 'error')}{where}; the model was "
                                "evaluated as it was built", 500))
    if report.get("stopped") == "budget":
        notes.append(f"training stopped at the time budget after {report.get('epochs_run')} of "
                     f"{report.get('epochs_planned')} epochs")
    elif report.get("stopped") == "perfect":
        notes.append(f"training stopped after {report.get('epochs_run')} epochs: every window right and the whole "
                     "song played back (checked in the sandbox, judged again here)")
    return notes


def feedback(results: Sequence[Any]) -> str:
    """What the table leaves out of the training checks: each song model's playback against the real song (wrong
    notes marked) and where its MIDI file is."""
    blocks = []
    for submission in results:
        for result in submission.assignments:
            song_metrics = result.metrics.get("song") if isinstance(result.metrics, dict) else None
            if not song_metrics or "comparison" not in song_metrics:
                continue
            kind = "stateful" if song_metrics.get("stateful") else "stateless"
            lines = [f"{submission.submission} · {result.id}: the full song as the model plays it ({kind}; the first "
                     "4 notes given, then its own notes fed back), under the real one:", song_metrics["comparison"]]
            if song_metrics.get("midi"):
                lines.append(f"listen: {song_metrics['midi']}")
            blocks.append("\n".join(lines))
    return "".join("\n\n" + block for block in blocks)


def summary_line(result: AssignmentResult) -> str:
    training = result.metrics.get("training", {})
    score = training.get("score")
    if score is None:
        return result.status
    text = f"{result.status}: {training.get('metric')} {score:.4f}"
    if training.get("full_song") is not None:
        text += f", full song {training['full_song']}/50"
    if training.get("epochs_run") is not None:
        text += f" after {training['epochs_run']} epochs"
    return text


def _error(job: TrainJob, reason: str, outcome: Outcome | None) -> AssignmentResult:
    return AssignmentResult.error(job.assignment, job.file, reason, check="trains",
                                  sandbox=outcome.summary() if outcome is not None else None)


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
    return check_scores(training, Recipe(data=recipe.get("data") or {}), metrics)


def calibration_entry(assignment: ModelAssignment, runs: Runs, threads: int) -> dict[str, Any]:
    """What ``grader calibrate`` stores for one assignment and profile: per check, the correct and broken
    distributions and the rule derived from them (:func:`calibration.derive`), with what the runs were made
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
    lower = training.metric == "mae" and training.dataset not in SONG_DATASETS
    checks = {name: calibration.derive(values, broken.get(name, {}), lower) for name, values in correct.items()}
    everything = [*trained, *(r for by_seed in runs.broken.values() for r in by_seed.values())]
    first = (trained[0].metrics.get("training") or {}) if trained else {}
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
                     "one-sided lower tolerance bound (99% of correct runs above it, 90% confidence; MAE mirrored); "
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


# -- live progress (trusted side: time spent against each job's budget) ------------------------------------------

class Progress:
    """A rich progress display on stderr: one line per training job, its time against its budget, then its
    result. The bar is wall time, not epochs: the sandbox reports nothing while it runs."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      TimeElapsedColumn(), TextColumn("{task.fields[status]}"),
                                      console=Console(stderr=True), transient=False)
        self._tasks: dict[int, tuple[Any, float, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._progress.start()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._progress.stop()

    def start(self, job: TrainJob) -> None:
        budget = job.recipe.time_budget_s
        label = f"{job.submission} · {job.assignment.id} ({job.mode}, ≤ {job.recipe.epochs} epochs)"
        with self._lock:
            task = self._progress.add_task(label, total=budget, status=f"training, budget {budget:g} s")
            self._tasks[id(job)] = (task, time.monotonic(), budget)

    def finish(self, job: TrainJob, text: str) -> None:
        with self._lock:
            entry = self._tasks.pop(id(job), None)
            if entry is None:  # never started (skipped): one finished line
                task, total = self._progress.add_task(f"{job.submission} · {job.assignment.id}", total=1,
                                                      status=""), 1.0
            else:
                task, total = entry[0], entry[2]
            self._progress.update(task, completed=total, status=text[:90])

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                for task, started, budget in self._tasks.values():
                    self._progress.update(task, completed=min(budget, time.monotonic() - started))
