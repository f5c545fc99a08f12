"""A class of 10 graded with isolation, against two bare baselines without it (the warm-worker issue).

Workload: 10 copies of ``submissions/alice`` graded on six assignments (simple_rnn, imdb_lstm,
imdb_cnn_lstm, reuters_mlp, song_lstm, mnist_cnn), structural checks, one job.

- ``grader``: ``grader run CLASS -a ... --jobs 1`` (a sandboxed child per assignment, forked from a warm zygote).
- ``fresh``: a bare script per student in a fresh Python process (imports Keras every time, no isolation
  between a student's assignments, no sandbox): what a grader that spawns an interpreter per student costs.
- ``single``: one bare process for the whole class (no isolation at all): the floor.

The bare scripts do the same structural comparison the seeds teach: build each student model, build the
reference, compare layer classes, output shapes and parameter counts.

    python benchmarks/bench_class.py --rounds 3
    pytest benchmarks/bench_class.py --benchmark-only
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graded import ROOT, Graded, grader_run

IDS = ("simple_rnn", "imdb_lstm", "imdb_cnn_lstm", "reuters_mlp", "song_lstm", "mnist_cnn")
STUDENTS = 10

BARE = r"""
import importlib.util, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from harness.catalog import load_catalog
from harness.checks.layers import views

catalog = load_catalog()
ids = sys.argv[1].split(",")
references = {}
for folder in sys.argv[2:]:
    sys.path.insert(0, folder)
    for assignment_id in ids:
        spec = importlib.util.spec_from_file_location(f"{os.path.basename(folder)}_{assignment_id}",
                                                      os.path.join(folder, assignment_id + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = module.build_model()
        assignment = catalog[assignment_id]
        if not model.built:
            model.build(assignment.batch_shape)
        if assignment_id not in references:
            references[assignment_id] = [(v.cls, v.output_shape, v.params) for v in views(assignment.build())]
        mine = [(v.cls, v.output_shape, v.params) for v in views(model)]
        assert [(c, p) for c, _, p in mine] == [(c, p) for c, _, p in references[assignment_id]], assignment_id
    sys.path.remove(folder)
"""


def make_class(base: Path) -> list[Path]:
    students = []
    for number in range(STUDENTS):
        folder = base / f"student{number:02d}"
        shutil.copytree(ROOT / "submissions" / "alice", folder)  # helpers included; six assignments graded
        students.append(folder)
    return students


def grader(base: Path) -> Graded:
    """``grader run CLASS --jobs 1 -a ...``, regraded into a fresh store and checked to grade every assignment."""
    ids = [arg for assignment_id in IDS for arg in ("-a", assignment_id)]
    return grader_run([base], "--jobs", "1", *ids, expect_assignments=STUDENTS * len(IDS))


def fresh(students: list[Path]) -> None:
    for student in students:
        subprocess.run([sys.executable, "-c", BARE, ",".join(IDS), str(student)], cwd=ROOT, check=True,
                       capture_output=True)


def single(students: list[Path]) -> None:
    subprocess.run([sys.executable, "-c", BARE, ",".join(IDS), *map(str, students)], cwd=ROOT, check=True,
                   capture_output=True)


def _time(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def measure(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "class"
        students = make_class(base)
        times: dict[str, list[float]] = {"grader": [], "fresh": [], "single": []}
        for _ in range(rounds):  # interleaved: each round times all three on the same machine state
            graded = grader(base)
            times["grader"].append(graded.wall_s)
            times["fresh"].append(_time(fresh, students))
            times["single"].append(_time(single, students))
    return {**{name: statistics.median(values) for name, values in times.items()}, "graded": graded.summary()}


def test_class_of_ten(benchmark) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "class"
        students = make_class(base)
        fresh_s = _time(fresh, students)
        single_s = _time(single, students)
        benchmark.pedantic(grader, args=(base,), rounds=3, warmup_rounds=1)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update({"fresh_s": fresh_s, "single_s": single_s, "vs_single": median / single_s,
                                 "vs_fresh": median / fresh_s})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    result = measure(parser.parse_args().rounds)
    g, f, s = result["grader"], result["fresh"], result["single"]
    print(f"class of {STUDENTS} x {len(IDS)} assignments (median): grader --jobs 1 {g:.2f} s, "
          f"fresh process per student {f:.2f} s, one process {s:.2f} s; grader/one-process {g / s:.2f}x, "
          f"grader/fresh {g / f:.2f}x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
