"""Structural grading of script-style submissions against the same models written as ``build_model()`` functions.

carol's files are tutorial scripts and notebooks (data loading, a 2000-epoch stateful loop, fit, evaluate,
predict, plots); alice's files define ``build_model()`` for the same assignments. Both are graded with
``grader run --checks structure`` end to end (fresh process, sandboxed workers, trusted-side checks); the ratio
is carol's time over alice's (goal: at most 1.2). CPU seconds are compared too, of every process of the run
(``cpu.py``): on a shared machine they barely move with the load, wall time does. The sum of the
sandboxed jobs' wall times isolates what running the scripts costs in the child.

Run either way (both time the two commands side by side, interleaved):

    python benchmarks/bench_scripts.py --rounds 3
    python benchmarks/bench_scripts.py --rounds 3 --with-jena
    pytest benchmarks/bench_scripts.py --benchmark-only
"""

from __future__ import annotations

import argparse
import resource
import statistics

from graded import ROOT, grader_run

COURSE = ROOT / "submissions" / "course.toml"
#: carol's assignments (all script or notebook files). jena_gru is left out by default: its script parses
#: the 420,551-row CSV in a Python loop before building the model, which no short-circuit can skip.
ASSIGNMENTS = ("song_stateful_lstm", "song_lstm", "song_mlp", "imdb_simple_rnn", "imdb_cnn_lstm",
               "reuters_lstm_100", "mnist_mlp", "mnist_cnn")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade(student: str, ids: tuple[str, ...], jobs: int = 1) -> tuple[float, float, float]:
    """``grader run submissions/STUDENT`` → (wall seconds, CPU seconds of every process of the run, sum of the
    sandboxed jobs' wall_s). Where no cgroup counts the CPU (``cpu.py``), the grader's waited-for children and each
    sandboxed job's own ``cpu_s`` are added instead."""
    cpu = _children_cpu()
    graded = grader_run([ROOT / "submissions" / student], "--course", str(COURSE), "-j", str(jobs),
                        *[a for i in ids for a in ("-a", i)], expect_assignments=len(ids))
    cpu = _children_cpu() - cpu
    assignments = graded.report["submissions"][0]["assignments"]
    failed = [a["id"] for a in assignments if a["status"] != "passed"]
    if failed:
        raise RuntimeError(f"{student}: {failed} did not pass; the comparison needs every model graded")
    if graded.cpu_source == "cgroup":
        cpu = graded.cpu_s
    else:
        cpu += sum(a.get("sandbox", {}).get("cpu_s", 0.0) for a in assignments)
    return graded.wall_s, cpu, sum(a.get("sandbox", {}).get("wall_s", 0.0) for a in assignments)


def test_script_grading(benchmark) -> None:
    alice = [grade("alice", ASSIGNMENTS) for _ in range(3)]
    carol: list[tuple[float, float, float]] = []
    benchmark.pedantic(lambda: carol.append(grade("carol", ASSIGNMENTS)), rounds=3, warmup_rounds=0)
    alice_s = statistics.median(a[0] for a in alice)
    ratio = benchmark.stats.stats.median / alice_s
    cpu_ratio = statistics.median(c[1] for c in carol) / statistics.median(a[1] for a in alice)
    benchmark.extra_info.update({"build_model_median_s": alice_s, "ratio": ratio, "cpu_ratio": cpu_ratio,
                                 "assignments": len(ASSIGNMENTS)})
    print(f"\nscripts {benchmark.stats.stats.median:.2f} s, build_model() {alice_s:.2f} s, ratio {ratio:.2f}x "
          f"(CPU {cpu_ratio:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with-jena", action="store_true", help="Add jena_gru (a CSV parse loop in the script).")
    options = parser.parse_args()
    ids = ASSIGNMENTS + (("jena_gru",) if options.with_jena else ())
    grade("alice", ids[:1])  # warm the file caches (TensorFlow, matplotlib) before timing either side
    scripts, functions = [], []
    for _ in range(options.rounds):  # interleaved, so both see the same machine state
        functions.append(grade("alice", ids))
        scripts.append(grade("carol", ids))

    def median(runs: list[tuple[float, float, float]], index: int) -> float:
        return statistics.median(run[index] for run in runs)

    (s, s_cpu, s_jobs), (f, f_cpu, f_jobs) = ([median(r, i) for i in range(3)] for r in (scripts, functions))
    print(f"{len(ids)} assignments, {options.rounds} rounds (median): scripts (carol) {s:.2f} s, "
          f"build_model() (alice) {f:.2f} s, ratio {s / f:.2f}x; CPU {s_cpu:.2f} s vs {f_cpu:.2f} s "
          f"({s_cpu / f_cpu:.2f}x); sandboxed jobs {s_jobs:.2f} s vs {f_jobs:.2f} s ({s_jobs / f_jobs:.2f}x)")


if __name__ == "__main__":
    main()
