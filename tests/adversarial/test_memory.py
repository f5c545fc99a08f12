"""Memory means all memory: what a job holds outside every process's address space counts against ``--memory``.

Three students each try to hold 1.5 GiB under ``--memory 1G`` where no RSS shows it, then build the correct
model (so that, unless the grader counts that memory, the assignment passes): ``memory_memfd`` in memfds
filled with ``write()``, ``memory_shm`` in unlinked ``/dev/shm`` files kept open, ``memory_tmpfs`` in files
under ``/tmp``. Graded by the real CLI in each mode and with each kind of accounting (docs/security.md,
"Memory"): the kernel's memory cgroup where this machine gives the grader one, else the zygote's own
accounting (``GRADER_MEMORY_CGROUP=off``). Asserted from the outside: the verdicts, the controls still pass,
and the grader's own peak RSS (read from ``/proc`` while it runs) stays below what the students tried to hold.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile_class import CONTROLS, ROOT, build_class, bwrap_available, kill_survivors

from harness.sandbox.host.cgroup import create_memory_cgroup

HOARDERS = ["memory_memfd", "memory_shm", "memory_tmpfs"]
GIB = 2**30
MODES = ["sandbox", "sandbox-sampled", "fallback", "fallback-sampled"]


def _cgroup_here() -> bool:
    """Whether this machine lets the grader make a memory cgroup (the same probe the worker uses)."""
    cgroup = create_memory_cgroup(0)
    if cgroup is None:
        return False
    cgroup.remove()
    return True


def _tmpfs(path: str) -> bool:
    mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    best = max((m for m in mounts if path == m[1] or path.startswith(m[1].rstrip("/") + "/")),
               key=lambda m: len(m[1]), default=None)
    return best is not None and best[2] == "tmpfs"


@dataclass
class Graded:
    mode: str
    cgroup: bool
    returncode: int
    report: dict
    stderr: str
    grader_peak_kb: int

    def result(self, student: str) -> dict:
        submission = next(s for s in self.report["submissions"] if s["submission"] == student)
        return next(a for a in submission["assignments"] if a["id"] == "simple_rnn")


def _expected(mode: str, cgroup: bool, student: str) -> str | None:
    """``memory`` (an error for exceeding the limit), ``refused`` (the hoard failed, the student's own error),
    or ``None`` where the mode makes no promise (the test says why)."""
    sandboxed = mode.startswith("sandbox")
    if student == "memory_memfd":
        return "memory" if cgroup else "refused"  # no cgroup: memfd_create is refused by seccomp
    if student == "memory_shm":
        return "refused" if sandboxed else "memory" if cgroup else None  # the sandbox's /dev/shm holds 64 MiB
    if sandboxed:
        return "memory"
    return "memory" if cgroup and _tmpfs("/tmp") else None


def _students(mode: str, cgroup: bool) -> list[str]:
    """Never give a mode a hoarder it makes no promise about: it would hold the memory on the real machine."""
    return [*CONTROLS[:2], *(s for s in HOARDERS if _expected(mode, cgroup, s) is not None)]


@pytest.fixture(scope="module", params=MODES)
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    mode = request.param
    if mode.startswith("sandbox") and os.environ.get("GRADER_SANDBOX") == "fallback":
        pytest.skip("GRADER_SANDBOX=fallback: only the fallback runs")
    if mode.startswith("sandbox") and not bwrap_available():
        pytest.skip("bubblewrap cannot create namespaces here")
    sampled = mode.endswith("-sampled")
    cgroup = not sampled and _cgroup_here()
    if not sampled and not cgroup:
        pytest.skip("no memory cgroup for the grader here: the -sampled runs cover this machine")
    if sampled and platform.machine() != "x86_64":
        pytest.skip("without a cgroup, memfd_create is refused by the seccomp filter, which is x86-64 only")
    tmp = tmp_path_factory.mktemp(f"memory-{mode}")
    marker = secrets.token_hex(5)
    build_class(tmp / "class", _students(mode, cgroup), {"MARKER": marker})
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_SANDBOX", "GRADER_MEMORY_CGROUP")}
    if mode.startswith("fallback"):
        env["GRADER_SANDBOX"] = "fallback"
    if sampled:
        env["GRADER_MEMORY_CGROUP"] = "off"
    command = [sys.executable, "-m", "harness", "run", str(tmp / "class"), "-a", "simple_rnn", "--format", "json",
               "--force", "--jobs", "1", "--timeout", "30", "--memory", "1G", "--db", str(tmp / "grader.sqlite")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_kb = 0
    while process.poll() is None:  # VmHWM only grows: the last reading is the grader's own peak
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.1)
    stdout, stderr = process.communicate(timeout=600)
    kill_survivors(marker)
    for leftover in ("/tmp", "/dev/shm"):
        for path in Path(leftover).glob(f"hoard-{marker}-*"):
            path.unlink(missing_ok=True)
    shutil.rmtree(tmp / "class", ignore_errors=True)
    try:
        report = json.loads(stdout)
    except ValueError:
        report = {}
    return Graded(mode, cgroup, process.returncode, report, stderr.decode(errors="replace"), peak_kb)


def test_every_student_is_graded_and_the_controls_pass(graded: Graded) -> None:
    assert graded.returncode in (0, 1), graded.stderr[-3000:]
    assert {s["submission"] for s in graded.report["submissions"]} == set(_students(graded.mode, graded.cgroup))
    for control in CONTROLS[:2]:
        assert graded.result(control)["status"] == "passed", graded.result(control)["reason"]


@pytest.mark.parametrize("student", HOARDERS)
def test_memory_held_outside_the_address_space_never_passes(graded: Graded, student: str) -> None:
    expected = _expected(graded.mode, graded.cgroup, student)
    if expected is None:
        pytest.skip(f"{graded.mode}: {student} would hold host memory the fallback without a cgroup does not "
                    "count (or /tmp is a disk here): docs/security.md, 'Memory'")
    result = graded.result(student)
    assert result["status"] == "error", result
    if expected == "memory":
        assert "1 GiB" in result["reason"] and "memory" in result["reason"], result["reason"]
        assert result["sandbox"]["memory_exceeded"] is True
        assert result["sandbox"]["peak_memory_kb"] * 1024 >= GIB  # the kernel stops it at the limit, not before
    else:  # the hoard itself failed: the student's own error says how far it got
        assert "PROBE" in result["reason"], result["reason"]
        probe = json.JSONDecoder().raw_decode(result["reason"].split("PROBE ", 1)[1])[0]
        assert probe["held_mib"] * 2**20 < GIB, probe


def test_the_grader_itself_never_holds_the_hoard(graded: Graded) -> None:
    assert 0 < graded.grader_peak_kb * 1024 < GIB, f"the grader itself peaked at {graded.grader_peak_kb} kB"
