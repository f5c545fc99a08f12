"""Batch throughput: a class of 20 graded with ``--jobs 2`` against the same class with ``--jobs 1``.

Workload: 20 copies of ``submissions/alice`` restricted to six assignments (simple_rnn, imdb_lstm, reuters_mlp,
song_lstm, mnist_cnn, rnn_forward), structural checks, ``--force`` so nothing is reused from the store.
The baseline is the same command with one job; both run in the same session, interleaved round by round,
and the verdicts of the two must be identical (same statuses, scores and checks).

    python benchmarks/bench_parallel.py --rounds 1            # prints both times, the speedup and the check
    pytest benchmarks/bench_parallel.py --benchmark-only
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from graded import ROOT, grader_run

IDS = ("simple_rnn", "imdb_lstm", "reuters_mlp", "song_lstm", "mnist_cnn", "rnn_forward")
STUDENTS = 20


def make_class(base: Path, students: int = STUDENTS) -> Path:
    """``base/class/s00`` … : copies of alice (all her files: some import siblings such as common.py)."""
    folder = base / "class"
    for number in range(students):
        shutil.copytree(ROOT / "submissions" / "alice", folder / f"s{number:02d}",
                        ignore=shutil.ignore_patterns("__pycache__", ".*"))
    return folder


def grade(folder: Path, jobs: int, *extra: str, ids: tuple[str, ...] = IDS) -> dict[str, Any]:
    """``grader run FOLDER --jobs N --force --format json`` into a fresh store, checked to grade every assignment;
    returns the report with ``wall_s`` and ``graded`` (what the store recorded) added."""
    students = sum(1 for p in folder.iterdir() if p.is_dir())
    graded = grader_run([folder], "--jobs", str(jobs), *extra, *[a for i in ids for a in ("-a", i)],
                        expect_assignments=students * len(ids))
    return {**graded.report, "wall_s": graded.wall_s, "graded": graded.summary()}


def verdicts(report: dict[str, Any]) -> list[tuple]:
    """What must not depend on how the work was spread: per submission and assignment, status, score, checks."""
    return [(s["submission"], a["id"], a["status"], a["score"], a["params"],
             tuple((c["name"], c["passed"], c["message"]) for c in a["checks"]))
            for s in report["submissions"] for a in s["assignments"]]


def measure(rounds: int, students: int = STUDENTS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        folder = make_class(Path(tmp), students)
        times: dict[int, list[float]] = {1: [], 2: []}
        reports: dict[int, dict[str, Any]] = {}
        for _ in range(rounds):  # interleaved: each round times both on the same machine state
            for jobs in (1, 2):
                reports[jobs] = grade(folder, jobs)
                times[jobs].append(reports[jobs]["wall_s"])
    one, two = statistics.median(times[1]), statistics.median(times[2])
    return {"jobs1_s": one, "jobs2_s": two, "speedup": one / two, "rounds": rounds, "students": students,
            "assignments": len(IDS), "identical": verdicts(reports[1]) == verdicts(reports[2]),
            "statuses": sorted({a["status"] for s in reports[2]["submissions"] for a in s["assignments"]}),
            "cores": os.cpu_count(), "graded": {jobs: reports[jobs]["graded"] for jobs in reports}}


def test_parallel_throughput(benchmark) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        folder = make_class(Path(tmp))
        one = grade(folder, 1)
        holder: dict[str, Any] = {}

        def two() -> None:
            holder["report"] = grade(folder, 2)

        benchmark.pedantic(two, rounds=1, warmup_rounds=0, iterations=1)
    speedup = one["wall_s"] / benchmark.stats.stats.median
    benchmark.extra_info.update({"jobs1_s": one["wall_s"], "speedup": speedup, "students": STUDENTS,
                                 "identical": verdicts(one) == verdicts(holder["report"])})
    print(f"\n--jobs 1 {one['wall_s']:.1f} s, --jobs 2 {benchmark.stats.stats.median:.1f} s, speedup {speedup:.2f}x")
    assert verdicts(one) == verdicts(holder["report"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--students", type=int, default=STUDENTS)
    args = parser.parse_args()
    r = measure(args.rounds, args.students)
    print(f"{r['students']} submissions x {r['assignments']} assignments on {r['cores']} cores, "
          f"{r['rounds']} round(s) (median): --jobs 1 {r['jobs1_s']:.1f} s, --jobs 2 {r['jobs2_s']:.1f} s, "
          f"speedup {r['speedup']:.2f}x; verdicts identical: {r['identical']} (statuses {', '.join(r['statuses'])}); "
          f"graded (--jobs 1, 2): {r['graded'][1]}, {r['graded'][2]}")


if __name__ == "__main__":
    main()
