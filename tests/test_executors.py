"""The executor registry (``harness/sandbox/executors/``): the grader asks the registered class, never a name.

A temporary executor is registered as a contributor would add one; the grader creates it from ``Options`` and
takes its slots from it. No worker is started here (``tests/test_parallel.py`` and ``tests/test_ray.py`` run jobs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from harness.pipeline.grade import Grader, Options
from harness.sandbox import Worker
from harness.sandbox.executors import EXECUTORS, ExecutorError, create, default_jobs, register
from harness.sandbox.executors.local import LocalExecutor


class HalfExecutor(LocalExecutor):
    """Local workers, one TensorFlow thread each, and half as many jobs by default."""

    name: ClassVar[str] = "half"
    created: ClassVar[list[HalfExecutor]] = []

    def __init__(self, address: str | None = None, require_sandbox: bool = False) -> None:
        super().__init__(address, require_sandbox)
        self.created.append(self)

    @classmethod
    def default_jobs(cls, address: str | None) -> int:
        return max(1, LocalExecutor.default_jobs(address) // 2)

    def threads(self, jobs: int) -> int:
        return 1

    def slots(self, count: int, threads: int, **worker_options: Any) -> list[Worker]:
        return super().slots(count, threads, **worker_options)


@pytest.fixture
def half() -> Iterator[type[HalfExecutor]]:
    register(HalfExecutor)
    try:
        yield HalfExecutor
    finally:
        EXECUTORS.pop(HalfExecutor.name)
        HalfExecutor.created.clear()


def test_the_built_in_executors_are_registered() -> None:
    assert list(EXECUTORS) == ["local", "ray"]
    assert all(cls.name == name for name, cls in EXECUTORS.items())


def test_a_registered_executor_is_what_the_grader_uses(half: type[HalfExecutor]) -> None:
    assert default_jobs("half") == max(1, LocalExecutor.default_jobs(None) // 2)
    grader = Grader(Options(jobs=3, executor="half"))
    try:
        assert half.created == [grader.executor]  # created once, before any worker starts (no threads)
        assert grader.mode == grader.executor.mode
        slots = grader.executor.slots(3, grader.executor.threads(3))
        assert len(slots) == 3 and all(isinstance(s, Worker) and s.threads == 1 for s in slots)
        for slot in slots:
            slot.close()
    finally:
        grader.__exit__(None, None, None)


def test_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ExecutorError, match="unknown executor 'half'; use one of local, ray"):
        create("half")
    with pytest.raises(ValueError, match="two executors"):
        register(LocalExecutor)
    with pytest.raises(ExecutorError, match="--address .* is for a cluster executor"):
        create("local", address="127.0.0.1:6379")
