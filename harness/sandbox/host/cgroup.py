"""A memory cgroup per worker: the one limit that sees *all* of a job's memory.

``RLIMIT_AS`` and the zygote's sampling of ``RssAnon``/``RssShmem`` miss memory no process maps: a ``memfd``
or a tmpfs file (``/tmp``, ``/dev/shm``) filled with ``write()``, System V segments nobody attached. The kernel
charges all of it to the memory cgroup of the process that allocated it, so a job that runs in a cgroup of its
own, limited to ``--memory``, cannot hold more than that however it allocates: the kernel's OOM killer ends it
inside that cgroup, and the zygote reads the kill from the cgroup's counters.

Which hierarchy (see docs/security.md, "Memory"):

- **v1** (a ``memory`` controller mounted on its own): a child of the grader's own memory cgroup; root can
  make one wherever the hierarchy is writable.
- **v2** (unified): a child of the grader's own cgroup, used only when the ``memory`` controller is already
  delegated to it (``cgroup.subtree_control``). A v2 cgroup that holds processes cannot delegate controllers
  (the "no internal processes" rule), so the grader never tries to rearrange the machine's cgroups.

Otherwise the worker runs without one and says so (``Worker.memory_accounting``); the zygote then refuses
``memfd_create`` and counts what it can see (docs/security.md). ``GRADER_MEMORY_CGROUP=off`` forces that.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class MemoryCgroup:
    """A cgroup of this worker's own; the zygote moves each job into it and sets its limit."""

    path: Path
    version: int

    def remove(self) -> None:
        """Delete it (the kernel refuses while a process is still in it: then it stays, empty of ours later)."""
        try:
            self.path.rmdir()
        except OSError:
            pass


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup per hierarchy: ``{"memory": "/a/b", "": "/c"}`` (``""``: the v2 hierarchy)."""
    found: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            found[controller] = path
    return found


def _v2_mount() -> Path | None:
    """Where the unified (v2) hierarchy is mounted, if anywhere."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "cgroup2":
            return Path(fields[1].replace("\\040", " "))
    return None


def _make(parent: Path, slot: int) -> Path | None:
    """A new child of ``parent``; first removes those a grader that was killed left behind (empty by now)."""
    for stale in parent.glob("grader-*-*-*"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            MemoryCgroup(stale, 0).remove()
    child = parent / f"grader-{os.getpid()}-{slot}-{secrets.token_hex(3)}"
    try:
        child.mkdir()
    except OSError:
        return None
    return child


def create_memory_cgroup(slot: int) -> MemoryCgroup | None:
    """A fresh memory cgroup for worker ``slot`` below this process's own, or ``None`` where there is none."""
    if os.environ.get("GRADER_MEMORY_CGROUP", "").lower() in ("off", "0", "no"):
        return None
    own = _own_cgroups()
    v1 = CGROUP_ROOT / "memory"
    if "memory" in own and (v1 / "memory.limit_in_bytes").exists():
        parent = v1 / own["memory"].lstrip("/")
        child = _make(parent, slot) if parent.is_dir() else None
        if child is not None and (child / "memory.limit_in_bytes").exists():
            return MemoryCgroup(child, 1)
        if child is not None:
            MemoryCgroup(child, 1).remove()
    mount = _v2_mount()
    if mount is not None and "" in own:
        parent = mount / own[""].lstrip("/")
        try:
            delegated = "memory" in (parent / "cgroup.subtree_control").read_text().split()
        except OSError:
            delegated = False
        child = _make(parent, slot) if delegated else None
        if child is not None and (child / "memory.max").exists():
            return MemoryCgroup(child, 2)
        if child is not None:
            MemoryCgroup(child, 2).remove()
    return None
