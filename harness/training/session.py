"""One ``--checks train`` run on the trusted side: prepares each job's data, hands the sandbox its task, judges
what comes back."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from harness.catalog import ModelAssignment, Recipe, Training
from harness.checks.checker import Checker, Failure
from harness.output import escape
from harness.results import AssignmentResult, Check
from harness.sandbox import Limits, Outcome
from harness.training import bars, second_run
from harness.training.bars import WEIGHT
from harness.training.calibration import load_calibration, recipe_changes
from harness.training.judge import (
    check_scores,
    child_report,
    child_report_notes,
    error_result,
    judge_all,
    reference_summary,
    report_notes,
    summary_line,
    trivial_baseline,
)
from harness.training.progress import Progress
from harness.training.recipe import fingerprint, job_mode, labels_for, num_classes, recipe_dict, to_layout, train_limits
from harness.training.settings import (
    PROFILES,
    Prepared,
    TrainJob,
    TrainSettings,
    judged_as_song,
    training_of,
    trains_from_generators,
)
from harness.versions import installed_versions


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

    def second_job(self, job: TrainJob) -> TrainJob | None:
        """The same job under :func:`second_run.second_seed` (``None`` where there is no second run: calibration
        measures single runs)."""
        if self.settings.calibrating or job.task is None or job.skip:
            return None
        seed = int(job.task.get("seed", self.settings.seed))
        return dataclasses.replace(job, task={**job.task, "seed": second_run.second_seed(seed)}, started_at=0.0)

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

        generator = trains_from_generators(dataset.id)
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
            if judged_as_song(training):
                bar["train_accuracy"] = training.seed_figure
                if (training.full.data or {}).get("stateful"):
                    bar["full_song"] = round(training.seed_figure * 50)
            return bar, ""
        checks = stored.get("checks") if isinstance(stored, dict) else None
        hint = f"grader calibrate -a {assignment.id}" + (" --profile full" if profile == "full" else "")
        if isinstance(stored, dict) and isinstance(checks, dict) and checks \
                and all(bars.usable(rule) for rule in checks.values()):
            changed = recipe_changes(stored.get("recipe"), getattr(training_of(assignment), profile))
            if not changed:
                return {**stored, "source": "calibration"}, ""
            return None, (f"the calibrated distribution for {assignment.id} ({profile}) was measured with another "
                          f"recipe ({'; '.join(changed)}): run `{hint}` (stores it in reference/calibration.json)")
        what = "the seed prints no figure and " if profile == "full" else ""
        return None, (f"{what}no calibrated distribution for {assignment.id} under the {profile} profile: "
                      f"run `{hint}` (stores it in reference/calibration.json)")

    def evaluate(self, job: TrainJob, outcome: Outcome | Exception | None, limits: Limits,
                 checker: Checker) -> AssignmentResult:
        """Judge a training job. The trained model is read, checked and measured by ``checker`` (a process of its
        own, :mod:`harness.checks.checker`), never here: this process only judges the figures it sends back."""
        from harness.checks import evaluate

        assignment = job.assignment
        started = time.monotonic()
        if job.skip:
            return self._skipped(job, outcome, limits, checker)
        if isinstance(outcome, Exception) or outcome is None:
            return error_result(job, str(outcome), None)
        reason = evaluate.failure_reason(outcome, job.limits)
        path = outcome.out / "model.keras" if outcome.out else None
        if reason is None and (path is None or not path.is_file()):
            reason = f"exited (status {outcome.exit_code}) before the grader received its model"
        if reason is not None or path is None:
            reason = reason or "no model"
            self._progress_done(job, f"error: {reason}")
            return error_result(job, reason, outcome)
        reply = checker.measure_trained(assignment.id, job.file, outcome, job.limits, self._spec(job))
        if isinstance(reply, Failure):
            self._progress_done(job, f"error: {reply.reason}")
            return error_result(job, reply.reason, outcome)
        base = reply["base"]
        if base is not None and base.status == "error":
            self._progress_done(job, f"error: {base.reason}")
            return base
        if "refused" in reply:  # gated like every student model (harness/checks/config_gate.py)
            return error_result(job, reply["refused"], outcome)
        if "unloadable" in reply:
            return error_result(job, "its trained model cannot be loaded safely (Lambda layers and custom classes are "
                                f"not gradable): {reply['unloadable']}", outcome)
        report = child_report(outcome.out)
        measured = self._measured(job, reply["measured"])
        notes = [*(base.notes if base else []), *report_notes(report)]
        child_notes = [*(base.child_notes if base else evaluate.child_info(outcome.out)),
                       *child_report_notes(report)]
        if self.settings.calibrating:
            checks = [Check("trained", bool(report.get("trained")), "reference measured", weight=WEIGHT)]
        else:
            bar, _ = self.bar(assignment)
            checks, more = judge_all(job, measured, bar or {}, self.settings.profile)
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
            params=base.params if base else reply["params"],
            expected_params=base.expected_params if base else assignment.total_params,
            architecture=base.architecture if base else [])
        self._progress_done(job, summary_line(result))
        return result

    def evaluate_second(self, first_job: TrainJob, first: AssignmentResult, again: TrainJob,
                        outcome: Outcome | Exception | None, limits: Limits, checker: Checker) -> AssignmentResult:
        """Judge the second run (:meth:`second_job`) and keep the better of the two (:func:`second_run.judged`)."""
        seeds = (int((first_job.task or {}).get("seed", 0)), int((again.task or {}).get("seed", 0)))
        return second_run.judged(first, self.evaluate(again, outcome, limits, checker), seeds)

    def _skipped(self, job: TrainJob, outcome: Outcome | Exception | None, limits: Limits,
                 checker: Checker) -> AssignmentResult:
        assignment = job.assignment
        self._progress_done(job, f"skipped: {job.skip}")
        if self.settings.structure and isinstance(outcome, Outcome):
            result = checker.check(assignment.id, job.file, outcome, limits)
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
    def _spec(self, job: TrainJob) -> dict[str, Any]:
        """What the checker needs to measure the job's trained model (:func:`judge.measure_trained`): the held-out
        data (the sandbox never sees it), or the song's kind."""
        training = training_of(job.assignment)
        prepared = job.prepared
        if prepared is None:
            raise ValueError(f"{job.assignment.id}: measured before its data was prepared")
        spec: dict[str, Any] = {"structure": self.settings.structure, "metric": training.metric}
        if judged_as_song(training):
            return {**spec, "song_kind": prepared.dataset.info.extra.get("kind", "1f")}
        return {**spec, "x": prepared.x_test, "y": prepared.y_test}

    def _measured(self, job: TrainJob, figures: dict[str, Any]) -> dict[str, Any]:
        """The checker's figures with what this side knows of the data: test size and the trivial baseline."""
        training = training_of(job.assignment)
        prepared = job.prepared
        assert prepared is not None  # _spec refused to measure without it
        if judged_as_song(training):
            return figures
        out = {"metric": training.metric, **figures, "n_test": int(len(prepared.y_test))}
        baseline = trivial_baseline(prepared.y_test, training.metric, prepared.dataset)
        if baseline is not None and figures.get("score") is not None:
            out["baseline"] = baseline
        return out

    def _training_metrics(self, job: TrainJob, measured: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
        training = training_of(job.assignment)
        bar, _ = self.bar(job.assignment) if not self.settings.calibrating else (None, "")
        return {
            "profile": self.settings.profile,
            "metric": training.metric,
            **measured,
            "reference": reference_summary(bar, training) if bar else None,
            "judged": check_scores(training, job.recipe, measured, self.settings.profile),
            "recipe": recipe_dict(job.recipe),
            "effective_recipe": report.get("recipe"),  # as the child applied it (the student's TRAINING)
            "epochs_run": report.get("epochs_run"),
            "stopped": report.get("stopped") or "",
            "history": report.get("history") or {},  # reported by the sandbox: for curves only
            "seed": int((job.task or {}).get("seed", self.settings.seed)),
            "deterministic": True,
            "versions": installed_versions(),  # read without importing TensorFlow: this process never does
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
