"""Structural grading of one submission (all 28 model assignments) against a bare Keras script.

The baseline is what grading cannot beat: one process that imports Keras and builds the same reference
models (with ``--all``, also calls each function reference once). The grader does that and more: a sandboxed
worker builds each student model, the trusted side loads it in safe mode, compares it layer by layer and runs
the functional check. Every grader round regrades (``--force``) into a fresh store and is checked to have graded
every assignment (``graded.py``). Wall and CPU seconds (all processes) are both reported: on a shared machine
CPU seconds barely move with the load, wall time does.

The references' figures (built and run once, ``harness/checks/reference_cache.py``) live in a cache folder of the
benchmark's own: by default the checked run before the rounds fills it and every round finds it full, as every
run after an installation's first does; ``--cold-references`` gives each round an empty one (the first run
after an installation or an upgrade). The output says how many assignments' figures each round found cached.

Run either way (both time the two commands side by side, interleaved, in the same run):

    python benchmarks/bench_structure.py --rounds 3                 # the 28 model assignments of alice
    python benchmarks/bench_structure.py --rounds 3 -a imdb_lstm    # one assignment (the CI use)
    python benchmarks/bench_structure.py --rounds 3 --all           # all 37: the README's first command
    python benchmarks/bench_structure.py --rounds 3 --cold-references   # references computed in every round
    pytest benchmarks/bench_structure.py --benchmark-only

Last measured (2 idle cores, 2026-12-03, medians; README's table has the spread): the 28 models wall 1.30× (5 rounds,
CPU 2.17×; 1.59× the day before, until the functional check stopped running models whose layers and settings are
the reference's); ``-a imdb_lstm`` wall 1.00×, CPU 1.72× (the checker's TensorFlow import beside the sandbox
worker's); ``--all`` wall 1.35×, CPU 2.23×.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import cpu
from graded import ROOT, grader_run

#: Import Keras; build each model reference named in argv[1] (comma-separated) and count its parameters, call each
#: function reference once on its first case.
BARE = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from harness.catalog import load_catalog
catalog = load_catalog()
for assignment_id in sys.argv[1].split(","):
    assignment = catalog[assignment_id]
    if assignment.kind == "model":
        assignment.build().count_params()
    else:
        case = assignment.cases()[0]
        assignment.reference(*case.args, **case.kwargs)
"""
SUBMISSION = ROOT / "submissions" / "alice"


def model_ids(functions: bool = False) -> list[str]:
    """The model assignments (with ``functions``, every assignment: the README's first command)."""
    from harness.catalog import load_catalog

    return [i for i, a in load_catalog().items() if functions or a.kind == "model"]


def bare(ids: list[str]) -> tuple[float, float, str]:
    """(wall, CPU seconds, how the CPU was counted) of the bare script."""
    measured = cpu.run([sys.executable, "-c", BARE, ",".join(ids)], cwd=ROOT, check=True)
    return measured.wall_s, measured.cpu_s, measured.cpu_source


def grader(ids: list[str], cache: Path | None = None, cached: list[int] | None = None) -> tuple[float, float, str]:
    """(wall, CPU seconds, source) of ``grader run --force``: the grader, its workers, checkers and sandboxed jobs.
    ``cache``: the reference cache folder (None: an empty one); ``cached`` gets how many it held."""
    graded = grader_run([SUBMISSION], *[a for i in ids for a in ("-a", i)], expect_assignments=len(ids), cache=cache)
    if cached is not None:
        cached.append(graded.references_cached)
    return graded.wall_s, graded.cpu_s, graded.cpu_source


def measure(ids: list[str], rounds: int, cold_references: bool = False) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="grader-bench-cache-") as tmp:
        cache = None if cold_references else Path(tmp)
        checked = grader_run([SUBMISSION], *[a for i in ids for a in ("-a", i)], expect_assignments=len(ids),
                             cache=cache)
        runs: dict[str, list[tuple[float, float, str]]] = {"bare": [], "grader": []}
        cached: list[int] = []
        for _ in range(rounds):  # interleaved, so both see the same machine state
            runs["bare"].append(bare(ids))
            runs["grader"].append(grader(ids, cache, cached))
    models = sum(1 for i in ids if i in model_ids())
    if cached != [0 if cold_references else models] * rounds:
        raise RuntimeError(f"the rounds found {cached} assignments' references cached, expected "
                           f"{0 if cold_references else models} each")
    result: dict[str, object] = {"assignments": len(ids), "rounds": rounds, "graded": checked.summary(),
                                 "references_cached_per_round": cached, "cpu_source": runs["grader"][0][2]}
    for name, values in runs.items():
        result[f"{name}_s"] = [round(wall, 3) for wall, _, _ in values]
        result[f"{name}_cpu_s"] = [round(cpu_s, 3) for _, cpu_s, _ in values]
        result[f"{name}_median_s"] = round(statistics.median(wall for wall, _, _ in values), 3)
        result[f"{name}_cpu_median_s"] = round(statistics.median(cpu_s for _, cpu_s, _ in values), 3)
    result["ratio"] = round(result["grader_median_s"] / result["bare_median_s"], 3)
    # CPU seconds barely move with other processes' load, wall time does: both are reported
    result["cpu_ratio"] = round(result["grader_cpu_median_s"] / result["bare_cpu_median_s"], 3)
    return result


def test_structure_grading(benchmark, tmp_path: Path) -> None:
    ids = model_ids()
    bare_s = statistics.median(bare(ids)[0] for _ in range(3))
    benchmark.pedantic(grader, args=(ids, tmp_path), rounds=3, warmup_rounds=1)  # the warm-up fills the cache
    ratio = benchmark.stats.stats.median / bare_s
    benchmark.extra_info.update({"bare_median_s": bare_s, "ratio": ratio, "assignments": len(ids)})
    print(f"\ngrader {benchmark.stats.stats.median:.2f} s, bare {bare_s:.2f} s, ratio {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-a", "--assignment", action="append", metavar="ID",
                        help="only these assignments (default: every model assignment)")
    parser.add_argument("--all", action="store_true", help="every assignment, the function ones too")
    parser.add_argument("--cold-references", action="store_true",
                        help="an empty reference cache in every round (default: filled by the checked run)")
    options = parser.parse_args()
    ids = options.assignment or model_ids(functions=options.all)
    result = measure(ids, options.rounds, options.cold_references)
    print(f"{result['assignments']} assignment(s), {options.rounds} rounds interleaved (median): bare script "
          f"{result['bare_median_s']:.2f} s, grader run --force {result['grader_median_s']:.2f} s, "
          f"ratio {result['ratio']:.2f}x (CPU {result['bare_cpu_median_s']:.2f} s vs "
          f"{result['grader_cpu_median_s']:.2f} s: {result['cpu_ratio']:.2f}x, {result['cpu_source']}); "
          f"graded {result['graded']}; references cached per round {result['references_cached_per_round']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
