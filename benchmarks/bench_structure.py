"""Structural grading of one submission (all 28 model assignments) against a bare Keras script.

The baseline is what grading cannot beat: one process that imports Keras and builds the same 28
reference models. The grader does that and more: a sandboxed worker builds each student model, the
trusted side loads it in safe mode, compares it layer by layer and runs the functional check.

Run either way (both measure the two commands side by side, in the same run):

    python benchmarks/bench_structure.py --rounds 3
    pytest benchmarks/bench_structure.py --benchmark-only
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from harness.catalog import load_catalog
for assignment in load_catalog().values():
    if assignment.kind == "model":
        assignment.build().count_params()
"""


def model_ids() -> list[str]:
    from harness.catalog import load_catalog

    return [i for i, a in load_catalog().items() if a.kind == "model"]


def bare() -> None:
    subprocess.run([sys.executable, "-c", BARE], cwd=ROOT, check=True, capture_output=True)


def grader(ids: list[str]) -> None:
    args = [sys.executable, "-m", "harness", "run", "submissions/alice", "--format", "json", "--output", "/dev/null"]
    for assignment_id in ids:
        args += ["-a", assignment_id]
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)


def _time(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def test_structure_grading(benchmark) -> None:
    ids = model_ids()
    bare_s = statistics.median(_time(bare) for _ in range(3))
    benchmark.pedantic(grader, args=(ids,), rounds=3, warmup_rounds=1)
    ratio = benchmark.stats.stats.median / bare_s
    benchmark.extra_info.update({"bare_median_s": bare_s, "ratio": ratio, "assignments": len(ids)})
    print(f"\ngrader {benchmark.stats.stats.median:.2f} s, bare {bare_s:.2f} s, ratio {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    ids = model_ids()
    bare_times, grader_times = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine state
        bare_times.append(_time(bare))
        grader_times.append(_time(grader, ids))
    b, g = statistics.median(bare_times), statistics.median(grader_times)
    print(f"{len(ids)} model assignments, {rounds} rounds (median): bare script {b:.2f} s, "
          f"grader run {g:.2f} s, ratio {g / b:.2f}x")


if __name__ == "__main__":
    main()
