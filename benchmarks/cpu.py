"""Wall and CPU seconds of a command and of every process it starts, orphans included.

Why: on a shared machine wall time moves with everybody's load, CPU seconds barely do. But ``getrusage`` of
waited-for children misses processes that were re-parented (a sandbox's zygote outlives the ``bwrap`` that
started it), so the grader's CPU would be under-counted. Where this process may make a cgroup-v1 ``cpuacct``
group (root, the hierarchy mounted), the command runs in one of its own and its ``cpuacct.usage`` is read;
elsewhere the rusage figure is returned and labelled as such.
"""

from __future__ import annotations

import itertools
import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CPUACCT = Path("/sys/fs/cgroup/cpuacct")
_numbers = itertools.count()


@dataclass
class Measured:
    done: subprocess.CompletedProcess
    wall_s: float
    cpu_s: float
    #: ``cgroup`` (every process the command started) or ``rusage`` (waited-for children only).
    cpu_source: str


def _group() -> Path | None:
    if not (CPUACCT / "tasks").is_file() or os.geteuid() != 0:
        return None
    group = CPUACCT / f"grader-bench-{os.getpid()}-{next(_numbers)}"
    try:
        group.mkdir()
    except OSError:
        return None
    return group


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], **kwargs: Any) -> Measured:
    """``subprocess.run(command, capture_output=True, text=True, **kwargs)``, measured."""
    group = _group()
    tasks = str(group / "tasks") if group else None

    def join() -> None:  # in the child, before exec: everything it starts inherits the group
        with open(tasks, "w") as handle:
            handle.write(str(os.getpid()))

    rusage, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=join if tasks else None, **kwargs)
    wall_s = time.perf_counter() - started
    if group is None:
        return Measured(done, wall_s, _children_cpu() - rusage, "rusage")
    try:
        deadline = time.monotonic() + 10  # a worker's processes may take a moment to exit after the grader
        while (group / "tasks").read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.05)
        cpu_s = int((group / "cpuacct.usage").read_text()) / 1e9
    finally:
        try:
            group.rmdir()
        except OSError:
            pass  # a process of the command still runs in it: the empty group is removable later, by hand
    return Measured(done, wall_s, cpu_s, "cgroup")
