"""``grader run --executor ray``: the same sandboxed jobs on a real Ray cluster (a head started here, on loopback).

The head is a real ``ray start --head`` (2 CPUs and one *logical* GPU, so that the scheduling of GPU jobs can be
checked on a machine without one). It is started with ``--block`` and stopped by signalling that process, which
takes down exactly the processes it started (``ray stop`` would stop every Ray cluster of the user on the machine).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, grade_json, grader

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'grader[ray]' (or the dev extra)")

IDS = ("simple_rnn", "reuters_lstm_100", "rnn_forward")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    """A Ray head on 127.0.0.1 for this module; yields its address, stops it (and only it) afterwards."""
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="grader-ray-"))  # short: Ray's socket paths must fit in 107 bytes
    ray_cli = Path(sys.executable).parent / "ray"
    process = subprocess.Popen(
        [str(ray_cli), "start", "--head", "--block", "--port", str(port), "--node-ip-address", "127.0.0.1",
         "--num-cpus", "2", "--num-gpus", "1", "--disable-usage-stats", "--include-dashboard=false",
         "--temp-dir", str(temp)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            status = subprocess.run([str(ray_cli), "status", "--address", address], capture_output=True, text=True,
                                    check=False)
            if status.returncode == 0 and "CPU" in status.stdout:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Ray head did not start: {status.stdout[-500:]} {status.stderr[-500:]}")
            time.sleep(1)
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two copies of alice and bob's typical mistakes."""
    base = tmp_path_factory.mktemp("class")
    for name, source in (("alice1", "alice"), ("alice2", "alice"), ("bob", "bob")):
        shutil.copytree(ROOT / "submissions" / source, base / name, ignore=shutil.ignore_patterns("__pycache__"))
    return base


def _verdicts(report: dict) -> list[tuple]:
    return [(s["submission"], a["id"], a["status"], a["score"], a["params"],
             tuple((c["name"], c["passed"], c["message"]) for c in a["checks"]))
            for s in report["submissions"] for a in s["assignments"]]


def test_ray_gives_the_local_verdicts(head: str, klass: Path) -> None:
    args = [str(klass), *(x for i in IDS for x in ("-a", i)), "--jobs", "2", "--force"]
    local_code, local = grade_json(*args)
    ray_code, remote = grade_json(*args, "--executor", "ray", "--address", head)
    assert (ray_code, _verdicts(remote)) == (local_code, _verdicts(local))
    assert remote["executor"] == "ray" and remote["sandbox"] == local["sandbox"]
    statuses = {a["status"] for s in remote["submissions"] for a in s["assignments"]}
    assert "passed" in statuses and "failed" in statuses  # bob's mistakes are found remotely too


def test_ray_needs_an_address() -> None:
    done = grader("run", str(ROOT / "submissions" / "alice"), "-a", "simple_rnn", "--executor", "ray")
    assert done.returncode == 2
    assert "--address HOST:PORT" in done.stderr


def test_ray_job_files_are_vetted_again_here(tmp_path: Path) -> None:
    """What comes back from a node is written only under plain output names, then vetted like a local job's."""
    from harness.sandbox.executors.ray import unpack_files

    unpack_files({"../escape": b"x", "/abs": b"x", "model.keras": b"not a zip", "notes.txt": b"x",
                  "sub/info.json": b"{}"}, tmp_path / "out", flat=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["model.keras"]
    assert not (tmp_path / "escape").exists()
    from harness.sandbox.host.worker import vet_outputs

    assert any("model.keras" in r for r in vet_outputs(tmp_path / "out"))
