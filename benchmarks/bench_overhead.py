"""The harness's training overhead over a plain ``model.fit`` with the same recipe.

Workload: ``--students`` copies of ``submissions/alice`` (default 3), one assignment (default ``imdb_lstm``),
its quick recipe (same data, epochs, batch size, optimizer, seed, thread count).

- ``grader``: ``grader run CLASS -a ID --checks train --jobs 1``: a warm sandboxed zygote per batch, per student a
  forked child that builds the model, saves and reloads it in safe mode, reads ``train.npz``, compiles and fits
  under the time-budget callback (op determinism on), saves it; the trusted side prepares the data once, loads
  each model in safe mode and scores it on the held-out split.
- ``plain``: per student a fresh Python process that imports Keras, loads the same data, imports the student's
  ``build_model()`` directly (no sandbox), compiles, ``fit``s and scores the model the same way.

Two ratios, both measured in the same session (interleaved by round):

- end to end: the grader command's wall time over the plain processes' total wall time (process start and the
  TensorFlow import included on both sides);
- training phase: the sandbox's reported training time (data read + compile + fit) over the plain process's
  compile + fit time, per student (median).

    python benchmarks/bench_overhead.py --data-dir ../shared/datasets
    pytest benchmarks/bench_overhead.py --benchmark-only       # data from $GRADER_DATA or ../shared/datasets
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graded import ROOT, grader_run

DEFAULT_DATA = ROOT.parent / "shared" / "datasets"

PLAIN = r"""
import importlib, importlib.util, json, os, sys, time
started = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from harness import datasets, training
assignment_id, folder, seed, data_dirs, deterministic = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    json.loads(sys.argv[4]), sys.argv[5] == "1"
assignment = importlib.import_module(f"reference.{assignment_id}").ASSIGNMENT
recipe = assignment.training.quick
keras.utils.set_random_seed(seed)
if deterministic:
    import tensorflow as tf
    tf.config.experimental.enable_op_determinism()
sys.path.insert(0, folder)
spec = importlib.util.spec_from_file_location(assignment_id, os.path.join(folder, assignment_id + ".py"))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.build_model()
if not model.built:
    model.build(assignment.batch_shape)
data = datasets.load(assignment.training.dataset,
                     {k: v for k, v in recipe.data.items() if k not in datasets.RUNNER_KEYS}, data_dirs)
x = training.to_layout(data.x_train, assignment.batch_shape)
y = training.labels_for(data.y_train, recipe.loss, training.num_classes(data))
fit_started = time.perf_counter()
model.compile(optimizer=recipe.optimizer, loss=recipe.loss, metrics=list(recipe.metrics))
model.fit(x, y, epochs=recipe.epochs, batch_size=recipe.batch_size, validation_split=recipe.validation_split,
          verbose=0)
fit_s = time.perf_counter() - fit_started
x_test = training.to_layout(data.x_test, assignment.batch_shape)
score = training.score_model(model, x_test, data.y_test, assignment.training.metric)
print(json.dumps({"fit_s": fit_s, "score": score, "total_s": time.perf_counter() - started}))
"""


def make_class(base: Path, students: int) -> Path:
    folder = base / "class"
    for number in range(students):
        shutil.copytree(ROOT / "submissions" / "alice", folder / f"s{number:02d}",
                        ignore=shutil.ignore_patterns("__pycache__", ".*"))
    return folder


def grader(folder: Path, assignment: str, data_dir: Path) -> dict[str, Any]:
    students = sum(1 for p in folder.iterdir() if p.is_dir())
    graded = grader_run([folder], "-a", assignment, "--checks", "train", "--jobs", "1", "--data-dir", str(data_dir),
                        "--artifacts", str(folder.parent / "artifacts"), expect_assignments=students)
    wall, report = graded.wall_s, graded.report
    results = [a for s in report["submissions"] for a in s["assignments"]]
    bad = [a["reason"] for a in results if a["status"] == "error"]
    if bad:
        raise RuntimeError(f"training failed in the grader: {bad[0]}")
    return {"wall_s": wall, "train_s": [a["timings"].get("train_s") for a in results],
            "scores": [a["metrics"].get("training", {}).get("score") for a in results], "graded": graded.summary()}


def plain(folder: Path, assignment: str, data_dir: Path, seed: int = 0, deterministic: bool = False
          ) -> dict[str, Any]:
    walls, fits, scores = [], [], []
    for student in sorted(p for p in folder.iterdir() if p.is_dir()):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PLAIN, assignment, str(student), str(seed),
                               json.dumps([str(data_dir)]), "1" if deterministic else "0"],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"plain fit failed: {done.stderr[-2000:]}")
        line = json.loads(done.stdout.strip().splitlines()[-1])
        fits.append(line["fit_s"])
        scores.append(line["score"])
    return {"wall_s": sum(walls), "fit_s": fits, "scores": scores}


def measure(rounds: int, students: int, assignment: str, data_dir: Path, deterministic: bool = False
            ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        folder = make_class(Path(tmp), students)
        graded, plains = [], []
        for _ in range(rounds):  # interleaved: both see the same machine state
            graded.append(grader(folder, assignment, data_dir))
            plains.append(plain(folder, assignment, data_dir, deterministic=deterministic))
    g_wall = statistics.median(r["wall_s"] for r in graded)
    p_wall = statistics.median(r["wall_s"] for r in plains)
    g_train = statistics.median(t for r in graded for t in r["train_s"])
    p_train = statistics.median(t for r in plains for t in r["fit_s"])
    return {"grader_wall_s": g_wall, "plain_wall_s": p_wall, "end_to_end": g_wall / p_wall,
            "grader_train_s": g_train, "plain_fit_s": p_train, "training_phase": g_train / p_train,
            "grader_scores": graded[-1]["scores"], "plain_scores": plains[-1]["scores"], "rounds": rounds,
            "students": students, "assignment": assignment, "deterministic_plain": deterministic}


def _data_dir() -> Path:
    return Path(os.environ.get("GRADER_DATA") or DEFAULT_DATA)


def test_training_overhead(benchmark) -> None:
    data_dir = _data_dir()
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        folder = make_class(Path(tmp), 3)
        baseline = plain(folder, "imdb_lstm", data_dir)
        holder: dict[str, Any] = {}

        def run() -> None:
            holder["graded"] = grader(folder, "imdb_lstm", data_dir)

        benchmark.pedantic(run, rounds=1, warmup_rounds=0, iterations=1)
    train = statistics.median(holder["graded"]["train_s"]) / statistics.median(baseline["fit_s"])
    benchmark.extra_info.update({"plain_wall_s": baseline["wall_s"], "end_to_end": benchmark.stats.stats.median
                                 / baseline["wall_s"], "training_phase": train})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("-a", "--assignment", default="imdb_lstm")
    parser.add_argument("--data-dir", type=Path, default=_data_dir())
    parser.add_argument("--deterministic-plain", action="store_true",
                        help="Enable TensorFlow op determinism in the plain processes too (the grader always does).")
    args = parser.parse_args()
    r = measure(args.rounds, args.students, args.assignment, args.data_dir, args.deterministic_plain)
    print(f"{r['students']} x {r['assignment']} (quick recipe), {r['rounds']} round(s), median: "
          f"grader --checks train {r['grader_wall_s']:.1f} s vs plain fit processes {r['plain_wall_s']:.1f} s "
          f"(end to end {100 * (r['end_to_end'] - 1):+.1f}%); training phase {r['grader_train_s']:.2f} s vs "
          f"{r['plain_fit_s']:.2f} s per student ({100 * (r['training_phase'] - 1):+.1f}%); scores grader "
          f"{r['grader_scores']} plain {r['plain_scores']}")


if __name__ == "__main__":
    main()
