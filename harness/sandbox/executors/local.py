"""``--executor local``: a sandboxed :class:`~harness.sandbox.Worker` (zygote) per slot, on this machine."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from harness.sandbox import Worker, detect_mode
from harness.sandbox.executors import ExecutorError, register


@register
class LocalExecutor:
    """Sandboxed workers on this machine."""

    name: ClassVar[str] = "local"
    starts_threads: ClassVar[bool] = False

    def __init__(self, address: str | None = None, require_sandbox: bool = False) -> None:
        if address:
            raise ExecutorError(f"--address {address} is for a cluster executor (--executor ray), not a local run")
        self.mode = detect_mode(require_sandbox)

    @classmethod
    def default_jobs(cls, address: str | None) -> int:
        """One per two cores: a job keeps two processes busy (the sandbox runs one student while the checker
        checks the one before)."""
        return max(1, (os.cpu_count() or 1) // 2)

    def threads(self, jobs: int) -> int:
        """TensorFlow threads per sandboxed job: the cores shared between the jobs."""
        return max(1, (os.cpu_count() or 1) // max(1, jobs))

    def slots(self, count: int, threads: int, **worker_options: Any) -> list[Worker]:
        return [Worker(slot, self.mode, threads=threads, **worker_options) for slot in range(max(1, count))]

    def close(self) -> None:
        pass
