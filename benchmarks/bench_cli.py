"""How fast the commands that grade nothing answer, against a Python process that imports Click.

Commands: ``grader --help``, ``list``, ``leaderboard``, ``report alice``, ``export --format csv`` and a re-run of
``grader run submissions/alice`` where nothing changed (every result is reused from the store, no worker
starts). The store is made first by grading alice once (``--force``, a fresh store, checked by ``graded.py``);
the re-run is checked to have graded nothing (the store holds no new result). The baseline is
``python -c "import click"``: an interpreter start and the CLI library, the least any command costs.
Rounds are interleaved (each round times the baseline, then every command); medians and ratios are printed
as a table and as JSON.

    python benchmarks/bench_cli.py --rounds 5
    pytest benchmarks/bench_cli.py --benchmark-only
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graded import ROOT, grader_run

from harness.catalog import load_catalog

SUBMISSION = ROOT / "submissions" / "alice"
BASELINE = "python -c 'import click'"


def _grader() -> list[str]:
    """The console script a user types, else the module (a checkout without the venv's entry point)."""
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "harness"]


def commands(db: Path, out: Path) -> dict[str, list[str]]:
    grader, store = _grader(), ["--db", str(db)]
    return {
        BASELINE: [sys.executable, "-c", "import click"],
        "grader --help": [*grader, "--help"],
        "grader list": [*grader, "list"],
        "grader leaderboard": [*grader, "leaderboard", *store],
        "grader report alice": [*grader, "report", "alice", "--no-plots", *store],
        "grader export --format csv": [*grader, "export", "--format", "csv", "--output", str(out / "grades.csv"),
                                       *store],
        "grader run (unchanged)": [*grader, "run", str(SUBMISSION), "--format", "json", "--output",
                                   str(out / "rerun.json"), *store],
    }


def _results(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    finally:
        conn.close()


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def measure(rounds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="grader-bench-cli-") as tmp:
        out = Path(tmp)
        db = out / "grader.sqlite"
        # the store the commands read: alice graded once, checked to be graded (not reused)
        graded = grader_run([SUBMISSION], expect_assignments=len(load_catalog()), db=db)
        recorded = _results(db)
        times: dict[str, list[float]] = {name: [] for name in commands(db, out)}
        for _ in range(rounds):
            for name, command in commands(db, out).items():
                times[name].append(_time(command))
        if _results(db) != recorded:
            raise RuntimeError("the unchanged re-run recorded new results: it graded instead of reusing")
        rerun = json.loads((out / "rerun.json").read_text(encoding="utf-8"))
    base = statistics.median(times[BASELINE])
    rows = {name: {"median_s": round(statistics.median(values), 3), "ratio": round(statistics.median(values) / base, 2),
                   "rounds_s": [round(v, 3) for v in values]} for name, values in times.items()}
    return {"rounds": rounds, "commands": rows, "first_run": graded.summary(),
            "rerun_assignments": sum(len(s["assignments"]) for s in rerun["submissions"])}


def table(result: dict[str, object]) -> str:
    lines = [f"{'command':<30} {'median':>8} {'× baseline':>11}"]
    for name, row in result["commands"].items():  # type: ignore[union-attr]
        lines.append(f"{name:<30} {row['median_s']:>7.2f}s {row['ratio']:>10.2f}×")
    return "\n".join(lines)


def test_cli_commands(benchmark) -> None:
    holder: dict[str, object] = {}
    benchmark.pedantic(lambda: holder.update(measure(1)), rounds=3, warmup_rounds=0)
    benchmark.extra_info.update(holder)
    print("\n" + table(holder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    result = measure(parser.parse_args().rounds)
    print(f"{result['rounds']} rounds interleaved (median); first run graded {result['first_run']}; "
          f"the unchanged re-run showed {result['rerun_assignments']} stored assignments and graded none")
    print(table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
