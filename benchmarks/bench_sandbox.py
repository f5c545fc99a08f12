"""Sandbox overhead per assignment: one model assignment (alice's ``simple_rnn``) three ways, same machine, same run.

``inprocess``  the baseline: in this process, with TensorFlow already imported, exec the student's file as a
               module, call ``build_model()``, build it and save ``model.keras``: the work a child does, with
               no isolation at all.
``fallback``   ``Worker(mode="fallback")``, warm: a forked child with rlimits and the seccomp filter, no
               namespaces, plus everything around it (copy of the submission, the sandboxed preflight load of
               the saved model, clean-up, vetting of the outputs).
``bwrap``      ``Worker(mode="bwrap")`` (or ``bwrap-userns``), warm: the same inside bubblewrap's namespaces.

Each is timed per assignment (one ``Worker.run`` round trip, as the grader does it), as the median of
``--rounds`` rounds after ``--warmup`` rounds; the script prints the medians, the ratios to the baseline and the
child's own wall time and the preflight's from the zygote's report. Workers start before timing (TensorFlow is
imported once per worker; that start-up is reported separately).

Run either way:

    python benchmarks/bench_sandbox.py --rounds 20
    pytest benchmarks/bench_sandbox.py --benchmark-only
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.catalog import load_catalog  # noqa: E402
from harness.checks import evaluate  # noqa: E402
from harness.sandbox import Limits, Worker, detect_mode  # noqa: E402

SUBMISSION = ROOT / "submissions" / "alice"
ASSIGNMENT = "simple_rnn"


def _task() -> dict:
    return evaluate.model_task(load_catalog()[ASSIGNMENT], f"{ASSIGNMENT}.py", seed=0)


class InProcess:
    """The baseline: what a child does, done here (TensorFlow is warm), with no process and no isolation."""

    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "harness" / "sandbox"))
        import tasks

        self.tasks = tasks
        self.task = _task()
        self.folder = Path(tempfile.mkdtemp(prefix="bench-inprocess-"))

    def run(self) -> None:
        workdir = self.folder / "work"
        out = self.folder / "out"
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(SUBMISSION, workdir)
        out.mkdir()
        sys.modules.pop(ASSIGNMENT, None)
        self.tasks.run_model(self.task, workdir, out)
        assert (out / "model.keras").is_file()
        if str(workdir) in sys.path:
            sys.path.remove(str(workdir))

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Sandboxed:
    """A warm worker of one mode; each round is one assignment, the way the grader runs it."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.task = _task()
        self.limits = Limits(wall_s=60)
        started = time.perf_counter()
        self.worker = Worker(0, mode)
        self.worker.start()
        self.ready = self.worker.wait_ready()
        self.start_s = time.perf_counter() - started
        self.child_s: list[float] = []
        self.preflight_s: list[float] = []

    def run(self) -> None:
        outcome = self.worker.run(self.task, SUBMISSION, self.limits)
        reason = evaluate.failure_reason(outcome, self.limits)
        assert reason is None and (outcome.out / "model.keras").is_file(), reason
        self.child_s.append(outcome.wall_s)
        self.preflight_s.append(outcome.preflight.get("wall_s", 0.0))

    def close(self) -> None:
        self.worker.close()


def sandbox_modes() -> list[str]:
    modes = ["fallback"]
    forced = os.environ.pop("GRADER_SANDBOX", None)
    try:
        mode = detect_mode()
    finally:
        if forced is not None:
            os.environ["GRADER_SANDBOX"] = forced
    if mode != "fallback":
        modes.append(mode)
    return modes


def measure(runners: dict[str, object], rounds: int, warmup: int) -> dict[str, list[float]]:
    """Round-robin over the runners (one assignment each per round), so that a busy machine slows all alike."""
    for runner in runners.values():
        for _ in range(warmup):
            runner.run()
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, runner in runners.items():
            started = time.perf_counter()
            runner.run()
            times[name].append(time.perf_counter() - started)
    return times


# -- pytest-benchmark ---------------------------------------------------------------------------------------------

def test_inprocess_baseline(benchmark) -> None:
    runner = InProcess()
    try:
        benchmark.pedantic(runner.run, rounds=15, warmup_rounds=3, iterations=1)
    finally:
        runner.close()


def test_fallback(benchmark) -> None:
    runner = Sandboxed("fallback")
    try:
        benchmark.pedantic(runner.run, rounds=15, warmup_rounds=3, iterations=1)
        benchmark.extra_info.update(start_s=runner.start_s, child_median_s=statistics.median(runner.child_s))
    finally:
        runner.close()


def test_bwrap(benchmark) -> None:
    import pytest

    modes = sandbox_modes()
    if len(modes) < 2:
        pytest.skip("bubblewrap cannot create namespaces here")
    runner = Sandboxed(modes[-1])
    try:
        benchmark.pedantic(runner.run, rounds=15, warmup_rounds=3, iterations=1)
        benchmark.extra_info.update(start_s=runner.start_s, child_median_s=statistics.median(runner.child_s))
    finally:
        runner.close()


# -- as a script ----------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    print(f"{ASSIGNMENT} of {SUBMISSION.name}: median of {args.rounds} interleaved rounds after {args.warmup} "
          f"warm-up; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before")
    runners: dict[str, object] = {"inprocess": InProcess()}
    try:
        for mode in sandbox_modes():
            runners[mode] = Sandboxed(mode)
        times = measure(runners, args.rounds, args.warmup)
    finally:
        for runner in runners.values():
            runner.close()
    base = statistics.median(times["inprocess"])
    print(f"  {'inprocess':14} {base * 1000:8.1f} ms   1.00x   (baseline: no process, no isolation)")
    for mode, runner in list(runners.items())[1:]:
        median = statistics.median(times[mode])
        child = statistics.median(runner.child_s)
        preflight = statistics.median(runner.preflight_s)
        print(f"  {mode:14} {median * 1000:8.1f} ms {median / base:6.2f}x   overhead {1000 * (median - base):+.0f} ms "
              f"per assignment (child {child * 1000:.0f} ms, preflight load {preflight * 1000:.0f} ms; worker start "
              f"{runner.start_s:.1f} s once)")
    if len(runners) == 3:
        fallback, sandbox = (statistics.median(times[m]) for m in list(runners)[1:])
        print(f"  {list(runners)[2]} / fallback: {sandbox / fallback:.2f}x")
    print(f"  load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
