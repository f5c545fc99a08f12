"""Measuring a trained model on held-out data and judging it against the bar; the feedback students read."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.catalog import ModelAssignment, Recipe, Training
from harness.results import AssignmentResult, Check
from harness.sandbox import Limits, Outcome
from harness.training import bars
from harness.training.bars import WEIGHT
from harness.training.settings import TrainJob, judged_as_song, training_of

#: Every check a training run can be judged by (:func:`check_scores`), and those where lower is better.
TRAINING_CHECKS = ("test_accuracy", "test_mae", "test_loss", "train_accuracy", "full_song")
LOWER_IS_BETTER = frozenset({"test_mae", "test_loss"})

# -- measuring and judging ------------------------------------------------------------------------------------

def score_model(model: Any, x: np.ndarray, y: np.ndarray, metric: str) -> float:
    """Accuracy (binary: sigmoid > 0.5; else argmax) or MAE of ``model`` on ``(x, y)``, computed here."""
    return float(measure_model(model, x, y, metric)["score"])


def measure_model(model: Any, x: np.ndarray, y: np.ndarray, metric: str) -> dict[str, float]:
    """:func:`score_model`'s ``score``, and for a classifier ``loss``: the held-out cross-entropy of the true class
    (probabilities clipped at 1e-7, as Keras does), which sees how sure the model is, not only its first guess."""
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
        return {"score": float(np.mean(np.abs(pred.reshape(-1) - y.reshape(-1).astype(np.float64))))}
    truth = y.argmax(-1) if y.ndim == 2 else y.astype(np.int64)
    flat = pred.reshape(len(pred), -1).astype(np.float64)
    if flat.shape[1] == 1:
        guess = (flat[:, 0] > 0.5).astype(np.int64)
        sure = np.where(truth == 1, flat[:, 0], 1.0 - flat[:, 0])
    else:
        guess = flat.argmax(-1)
        sure = flat[np.arange(len(truth)), np.clip(truth, 0, flat.shape[1] - 1)] if len(truth) else flat[:, 0]
    loss = float(-np.mean(np.log(np.clip(sure, 1e-7, 1.0)))) if len(truth) else math.nan
    return {"score": float(np.mean(guess == truth)), "loss": loss}


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


def measure_trained(assignment: ModelAssignment, file: str, outcome: Outcome, limits: Limits,
                    load: Callable[[Path], Any], spec: dict[str, Any]) -> dict[str, Any]:
    """In the checker (:mod:`harness.checks.checker`), never in the grader: the trained model the job saved, read
    by ``load`` (the config gate, then Keras' safe mode, watched for process-wide changes), its structure checked
    when ``spec["structure"]``, and its figures on the held-out data ``spec`` carries (``x``, ``y``, ``metric``;
    ``song_kind`` for the song). A reply of plain data: ``base`` (the structure result or ``None``), then either
    ``refused``/``unloadable`` (why it could not be read) or ``params`` and ``measured``."""
    from harness.checks import evaluate
    from harness.checks.config_gate import ConfigRefused

    base = evaluate.evaluate_model(assignment, file, outcome, limits, load=load) if spec["structure"] else None
    if base is not None and base.status == "error":
        return {"base": base}
    assert outcome.out is not None  # the checker writes the files it was sent to a folder of its own
    try:
        model = load(outcome.out / "model.keras")
    except ConfigRefused as exc:
        return {"base": base, "refused": str(exc)}
    except Exception as exc:  # noqa: BLE001 - any refusal is the submission's problem, said plainly
        if evaluate.out_of_memory(exc):
            raise  # the checker's memory limit: it says so and is replaced
        return {"base": base, "unloadable": (str(exc).splitlines() or [type(exc).__name__])[0][:300]}
    if spec.get("song_kind") is not None:
        measured = measure_song(model, spec["song_kind"])
    else:
        started = time.monotonic()
        try:
            measured = {**measure_model(model, spec["x"], spec["y"], spec["metric"]),
                        "predict_s": round(time.monotonic() - started, 3)}
        except Exception as exc:  # noqa: BLE001 - a model that cannot take the test inputs scores nothing
            if evaluate.out_of_memory(exc):
                raise
            measured = {"score": None, "error": "the trained model cannot predict the test inputs: "
                                                f"{(str(exc).splitlines() or [type(exc).__name__])[0][:300]}"}
    return {"base": base, "params": int(model.count_params()), "measured": measured}


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
            message += f"; partial credit {bars.credit_percent(credit)}"
        else:
            floor_value = bar / floor if lower else bar * floor
            message += f"; no credit {'above' if lower else 'below'} {shown(floor_value)}"
    if detail:
        message += f"; {detail}"
    return Check(name, passed, message, weight=WEIGHT, credit=credit)


def check_scores(training: Training, recipe: Recipe, measured: dict[str, Any], profile: str) -> dict[str, float]:
    """The figure each training check judges, by check name: ``test_accuracy`` / ``test_mae``, plus ``test_loss``
    under a calibrated profile where the assignment asks for it (``Training.loss_check``); the song's
    ``train_accuracy``, plus ``full_song`` (notes right of 50) when the recipe is stateful. ``grader calibrate``
    stores a distribution per name, and grading judges the same names."""
    if measured.get("score") is None:
        return {}
    if not judged_as_song(training):
        scores = {f"test_{training.metric}": float(measured["score"])}
        if training.loss_check and profile == "quick" and measured.get("loss") is not None:
            scores["test_loss"] = float(measured["loss"])
        return scores
    scores = {"train_accuracy": float(measured["train_accuracy"])}
    if (recipe.data or {}).get("stateful"):
        scores["full_song"] = float(measured["full_song"])
    return scores


def judge_all(job: TrainJob, measured: dict[str, Any], bar: dict[str, Any],
              profile: str) -> tuple[list[Check], list[str]]:
    training = training_of(job.assignment)
    notes: list[str] = []
    scores = check_scores(training, job.recipe, measured, profile)
    if not scores:
        return [Check(f"test_{training.metric}", False, measured.get("error", "no score"), weight=WEIGHT,
                      credit=0.0)], notes
    song_data = judged_as_song(training)
    details = {f"test_{training.metric}": f"{measured.get('n_test', 0):,} held-out samples",
               "test_loss": "cross-entropy of the true class over the same samples: how sure the model is, which a "
                            "model that learnt only the largest topics cannot fake",
               "train_accuracy": f"{measured.get('one_step')}/50 windows right (one-step prediction)",
               "full_song": "the first 4 notes given, then its own notes fed back"}
    whats = {"test_accuracy": "test accuracy", "test_mae": "test MAE", "test_loss": "test loss",
             "train_accuracy": "train accuracy",
             "full_song": "full song (notes right of 50)"}
    formats = {"train_accuracy": "{:.2f}", "full_song": "{:.0f}"}
    lower = training.metric == "mae" and not song_data
    checks = []
    for name, score in scores.items():
        what, fmt, detail = whats[name], formats.get(name, "{:.4f}"), details[name]
        rule = (bar.get("checks") or {}).get(name) if bar.get("source") == "calibration" else None
        if rule is not None:
            checks.append(bars.judge(name, what, score, rule, name in LOWER_IS_BETTER, fmt, detail))
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


def error_result(job: TrainJob, reason: str, outcome: Outcome | None) -> AssignmentResult:
    return AssignmentResult.error(job.assignment, job.file, reason, check="trains",
                                  sandbox=outcome.summary() if outcome is not None else None)

