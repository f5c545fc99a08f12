"""Resource limits for one sandboxed job, with defaults that suit the catalog's structural checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

GIB = 1024**3


@dataclass(frozen=True)
class Limits:
    """Per-job limits.

    ``memory_bytes`` is what the submission may use on top of the warm worker, which has already imported
    TensorFlow (≈ 1.5 GiB of address space that every job shares): each process of the job may map at most
    the worker's address space plus ``memory_bytes`` (``RLIMIT_AS``), and the job as a whole may hold at most
    ``memory_bytes``, shared memory included: memfds, tmpfs files, System V segments. Where the grader has
    a memory cgroup (``harness/sandbox/host/cgroup.py``) the kernel enforces that; elsewhere the zygote counts
    what it can see and refuses what it cannot (docs/security.md, "Memory"). ``nproc`` caps the processes
    (threads count too, for ``RLIMIT_NPROC``), ``file_bytes`` any one file, ``cpu_s`` the CPU time of each.
    """

    wall_s: float = 60.0
    cpu_s: int = 120
    memory_bytes: int = 4 * GIB
    nproc: int = 256
    file_bytes: int = 256 * 1024 * 1024

    def for_child(self, threads: int) -> dict[str, Any]:
        return {"wall_s": self.wall_s, "cpu_s": int(self.cpu_s), "memory_bytes": int(self.memory_bytes),
                "nproc": self.nproc, "file_bytes": int(self.file_bytes), "threads": threads}

    def with_overrides(self, **changes: Any) -> Limits:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def describe_memory(self) -> str:
        return f"{self.memory_bytes / GIB:g} GiB"


def parse_size(text: str) -> int:
    """``4G``, ``512M``, ``4GiB`` or a number of bytes → bytes. Raises ValueError with the accepted forms."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size: use e.g. 4G, 512M or a number of bytes")
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** " KMGT".index(unit or " "))
