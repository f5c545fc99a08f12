"""Structural grading of one submission (all 28 model assignments) against a bare Keras script.

The baseline is what grading cannot beat: one process that imports Keras and builds the same reference
models. The grader does that and more: a sandboxed worker builds each student model, the trusted side loads
it in safe mode, compares it layer by layer and runs the functional check. Every grader round regrades
(``--force``) into a fresh store and is checked to have graded every assignment (``graded.py``).

Run either way (both time the two commands side by side, interleaved, in the same run):

    python benchmarks/bench_structure.py --rounds 3                 # the 28 model assignments of alice
    python benchmarks/bench_structure.py --rounds 3 -a imdb_lstm    # one assignment (the CI use)
    pytest benchmarks/bench_structure.py --benchmark-only
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from graded import ROOT, grader_run

#: Import Keras, build the references named in argv[1] (comma-separated) and count their parameters.
BARE = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from harness.catalog import load_catalog
catalog = load_catalog()
for assignment_id in sys.argv[1].split(","):
    catalog[assignment_id].build().count_params()
"""
SUBMISSION = ROOT / "submissions" / "alice"


def model_ids() -> list[str]:
    from harness.catalog import load_catalog

    return [i for i, a in load_catalog().items() if a.kind == "model"]


def bare(ids: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE, ",".join(ids)], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def grader(ids: list[str]) -> float:
    args = [arg for assignment_id in ids for arg in ("-a", assignment_id)]
    return grader_run([SUBMISSION], *args, expect_assignments=len(ids)).wall_s


def measure(ids: list[str], rounds: int) -> dict[str, object]:
    checked = grader_run([SUBMISSION], *[a for i in ids for a in ("-a", i)], expect_assignments=len(ids))
    bare_times, grader_times = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine state
        bare_times.append(bare(ids))
        grader_times.append(grader(ids))
    b, g = statistics.median(bare_times), statistics.median(grader_times)
    return {"assignments": len(ids), "rounds": rounds, "bare_s": [round(t, 3) for t in bare_times],
            "grader_s": [round(t, 3) for t in grader_times], "bare_median_s": round(b, 3),
            "grader_median_s": round(g, 3), "ratio": round(g / b, 3), "graded": checked.summary()}


def test_structure_grading(benchmark) -> None:
    ids = model_ids()
    bare_s = statistics.median(bare(ids) for _ in range(3))
    benchmark.pedantic(grader, args=(ids,), rounds=3, warmup_rounds=1)
    ratio = benchmark.stats.stats.median / bare_s
    benchmark.extra_info.update({"bare_median_s": bare_s, "ratio": ratio, "assignments": len(ids)})
    print(f"\ngrader {benchmark.stats.stats.median:.2f} s, bare {bare_s:.2f} s, ratio {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-a", "--assignment", action="append", metavar="ID",
                        help="only these model assignments (default: every one)")
    options = parser.parse_args()
    ids = options.assignment or model_ids()
    result = measure(ids, options.rounds)
    print(f"{result['assignments']} model assignment(s), {options.rounds} rounds interleaved (median): bare script "
          f"{result['bare_median_s']:.2f} s, grader run --force {result['grader_median_s']:.2f} s, "
          f"ratio {result['ratio']:.2f}x; graded {result['graded']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
