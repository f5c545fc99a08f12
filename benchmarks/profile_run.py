"""Where the time of one ``grader run`` goes: a timeline of its phases, in the grader and in its checker.

Runs ``grader run ARGS`` in a child interpreter whose grading functions are wrapped with timers (wall and the
process's CPU seconds); the checker is forked from it, so its functions are timed too. The sandboxed worker is
another program: its TensorFlow import shows as the grader's wait for it (``Worker.wait_ready``), its jobs as
``Worker.run_batch``. A module or function the code no longer has is skipped. Prints one row per phase and the
whole run's wall and CPU seconds (every process, see ``cpu.py``):

    python benchmarks/profile_run.py submissions/alice --force --jobs 1
"""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cpu
from graded import ROOT

#: (module, attribute path, label): what is timed, in the order a run reaches it.
PHASES = [
    ("harness.pipeline.grade", "Grader.__init__", "grader: start-up (executor, catalog)"),
    ("harness.sandbox", "Worker.start", "grader: worker start"),
    ("harness.checks.checker", "Checker.start", "grader: checker start (fork)"),
    ("harness.checks.reference_cache", "load", "grader: reference cache reads"),
    ("harness.sandbox", "Worker.wait_ready", "grader waits: worker's TensorFlow import"),
    ("harness.checks.functions", "function_cases", "grader: hypothesis cases"),
    ("harness.sandbox", "Worker.run_batch", "grader waits: sandboxed jobs"),
    ("harness.checks.checker", "Checker.check", "grader waits: checker, per model"),
    ("harness.quiet", "import_keras", "TensorFlow import (this process)"),
    ("harness.checks.references", "compute", "checker: references computed (cache miss)"),
    ("harness.checks.references", "reference_builds", "checker: reference builds"),
    ("harness.checks.evaluate", "read_model", "checker: safe-mode loads"),
    ("harness.checks.functional", "check_functional", "checker: functional checks"),
    ("harness.checks.evaluate", "evaluate_model", "checker: all checks of a model"),
    ("harness.checks.evaluate", "evaluate_function", "grader: function checks"),
    ("harness.checks.reference_cache", "store", "grader: reference cache writes"),
    ("harness.results.store", "Store.record", "grader: store"),
]

CHILD = r"""
import functools, importlib, json, os, sys, time

LOG = os.open(os.environ["PROFILE_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
T0 = float(os.environ["PROFILE_T0"])


def timed(label, original):
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        wall, cpu = time.time(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            os.write(LOG, (json.dumps({"pid": os.getpid(), "label": label, "start": wall - T0,
                                       "end": time.time() - T0, "cpu": time.process_time() - cpu}) + "\n").encode())
    return wrapper


for module_name, path, label in json.loads(os.environ["PROFILE_PHASES"]):
    try:
        owner = importlib.import_module(module_name)
    except ImportError:
        continue
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent, None)
    original = getattr(owner, attribute, None) if owner is not None else None
    if original is not None:
        setattr(owner, attribute, timed(label, original))
from harness.cli import main

main(["run", *sys.argv[1:]], prog_name="grader")
"""


def profile(args: list[str]) -> tuple[list[dict], cpu.Measured]:
    with tempfile.TemporaryDirectory(prefix="grader-profile-") as tmp:
        log = Path(tmp) / "phases.jsonl"
        env = {**os.environ, "PROFILE_LOG": str(log), "PROFILE_T0": repr(time.time()),
               "PROFILE_PHASES": json.dumps(PHASES)}
        measured = cpu.run([sys.executable, "-c", CHILD, *args, "--db", str(Path(tmp) / "grader.sqlite"),
                            "--format", "json", "--output", str(Path(tmp) / "report.json")], cwd=ROOT, env=env)
        if measured.done.returncode not in (0, 1):
            raise RuntimeError(f"grader run failed ({measured.done.returncode}): {measured.done.stderr[-2000:]}")
        rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return rows, measured


def table(rows: list[dict], measured: cpu.Measured) -> str:
    processes = sorted({r["pid"] for r in rows}, key=lambda p: min(r["start"] for r in rows if r["pid"] == p))
    names = {pid: "grader" if n == 0 else f"checker{n}" for n, pid in enumerate(processes)}
    phases: dict[tuple[str, str], list[float]] = collections.OrderedDict()
    for row in sorted(rows, key=lambda r: r["start"]):
        entry = phases.setdefault((names[row["pid"]], row["label"]), [0, 0.0, 0.0, row["start"], row["end"]])
        entry[0] += 1
        entry[1] += row["end"] - row["start"]
        entry[2] += row["cpu"]
        entry[4] = max(entry[4], row["end"])
    lines = [f"{'process':<9} {'phase':<42} {'calls':>5} {'wall s':>7} {'cpu s':>6} {'from':>6} {'to':>6}"]
    for (process, label), (calls, wall, cpu_s, first, last) in phases.items():
        lines.append(f"{process:<9} {label:<42} {calls:>5} {wall:>7.2f} {cpu_s:>6.2f} {first:>6.2f} {last:>6.2f}")
    lines.append(f"whole run: {measured.wall_s:.2f} s wall, {measured.cpu_s:.2f} s CPU ({measured.cpu_source}); "
                 "nested phases overlap (a model's checks include its load)")
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:] or ["submissions/alice", "--force", "--jobs", "1"]
    rows, measured = profile(args)
    print(table(rows, measured))


if __name__ == "__main__":
    main()
