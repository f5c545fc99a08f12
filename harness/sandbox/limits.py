"""Resource limits for one sandboxed job, with defaults that suit the catalog's structural checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

GIB = 1024**3


@dataclass(frozen=True)
class Limits:
    """Per-job limits. TensorFlow needs ≈ 2.4 GiB of address space just to import, so memory starts at 4 GiB."""

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
