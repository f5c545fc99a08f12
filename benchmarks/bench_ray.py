"""The Ray executor on one machine against the local pool: same class, same ``--jobs``, same verdicts.

Workload: the class of ``bench_parallel.py`` (20 copies of alice, six assignments, structural checks).
``local``: ``grader run --jobs 2``; ``ray``: ``grader run --jobs 2 --executor ray --address ...`` against a Ray head
started here on loopback with 2 CPUs (``--address`` uses an existing one instead). Interleaved by round; the
verdicts must be identical and the Ray run should stay within 20% of the local pool's throughput.

    python benchmarks/bench_ray.py --rounds 1
    pytest benchmarks/bench_ray.py --benchmark-only
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_parallel import STUDENTS, grade, make_class, verdicts


@contextlib.contextmanager
def ray_head(cpus: int = 2) -> Iterator[str]:
    """``ray start --head --block`` on 127.0.0.1 with a free port; stopped (only this head) on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    temp = Path(tempfile.mkdtemp(prefix="grader-ray-"))
    ray_cli = str(Path(sys.executable).parent / "ray")
    process = subprocess.Popen([ray_cli, "start", "--head", "--block", "--port", str(port), "--node-ip-address",
                                "127.0.0.1", "--num-cpus", str(cpus), "--disable-usage-stats",
                                "--include-dashboard=false", "--temp-dir", str(temp)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while subprocess.run([ray_cli, "status", "--address", address], capture_output=True,
                             check=False).returncode != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Ray head did not start")
            time.sleep(1)
        yield address
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(temp, ignore_errors=True)


def measure(rounds: int, address: str | None = None, jobs: int = 2, students: int = STUDENTS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp, \
            (contextlib.nullcontext(address) if address else ray_head()) as head:
        folder = make_class(Path(tmp), students)
        times: dict[str, list[float]] = {"local": [], "ray": []}
        reports: dict[str, dict[str, Any]] = {}
        for _ in range(rounds):
            reports["local"] = grade(folder, jobs)
            reports["ray"] = grade(folder, jobs, "--executor", "ray", "--address", head)
            for name in times:
                times[name].append(reports[name]["wall_s"])
    local, remote = statistics.median(times["local"]), statistics.median(times["ray"])
    return {"local_s": local, "ray_s": remote, "throughput_ratio": local / remote, "rounds": rounds, "jobs": jobs,
            "students": students, "identical": verdicts(reports["local"]) == verdicts(reports["ray"]),
            "graded": {name: report["graded"] for name, report in reports.items()}}


def test_ray_throughput(benchmark) -> None:
    pytest = __import__("pytest")
    pytest.importorskip("ray")
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp, ray_head() as head:
        folder = make_class(Path(tmp))
        local = grade(folder, 2)
        holder: dict[str, Any] = {}

        def run() -> None:
            holder["report"] = grade(folder, 2, "--executor", "ray", "--address", head)

        benchmark.pedantic(run, rounds=1, warmup_rounds=0, iterations=1)
    ratio = local["wall_s"] / benchmark.stats.stats.median
    benchmark.extra_info.update({"local_s": local["wall_s"], "throughput_ratio": ratio,
                                 "identical": verdicts(local) == verdicts(holder["report"])})
    assert verdicts(local) == verdicts(holder["report"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--address", help="An existing Ray head (default: start one here on loopback).")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--students", type=int, default=STUDENTS)
    args = parser.parse_args()
    r = measure(args.rounds, args.address, args.jobs, args.students)
    print(f"{r['students']} submissions, --jobs {r['jobs']}, {r['rounds']} round(s) (median): local pool "
          f"{r['local_s']:.1f} s, Ray executor {r['ray_s']:.1f} s; Ray throughput {100 * r['throughput_ratio']:.0f}% "
          f"of local; verdicts identical: {r['identical']}; graded (local, ray): {r['graded']['local']}, "
          f"{r['graded']['ray']}")


if __name__ == "__main__":
    main()
