"""Where sandboxed jobs run: a registry of executors, chosen by ``grader run --executor NAME``.

The trusted side (checks, scores, the results store) always stays in the grader's process. An executor only
hands out *slots*: objects with the :class:`Slot` interface (the local :class:`~harness.sandbox.Worker`'s) that
:class:`harness.pipeline.grade.Grader` drives one thread per slot.

- ``local`` (:mod:`.local`): a sandboxed zygote per slot on this machine.
- ``ray`` (:mod:`.ray`): the same sandbox on the nodes of an existing Ray cluster.

Adding one is one module in this folder: a class with the :class:`Executor` interface, decorated with
:func:`register` (every module here is imported below, so it registers itself; keep heavy imports, such as ray,
inside its methods). Nothing else compares executor names: the grader asks the class.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

from harness.errors import SetupError
from harness.sandbox import Limits, Outcome


class ExecutorError(SetupError):
    """The executor cannot be used as asked (Ray missing, no address, cluster unreachable); says what to do."""


class Slot(Protocol):
    """One sandboxed job at a time, wherever it runs (a local ``Worker``, a Ray actor)."""

    #: TensorFlow threads each job gets (recorded with a calibration: scores depend on it).
    threads: int

    def start(self) -> None: ...

    def wait_ready(self, timeout: float = ...) -> dict[str, Any]: ...

    def run(self, task: dict[str, Any], submission: Path, limits: Limits) -> Outcome: ...

    def run_batch(self, tasks: list[dict[str, Any]], submission: Path, limits: Limits,
                  preflight: bool = True) -> list[Outcome]: ...

    def close(self) -> None: ...


class Executor(Protocol):
    """What the grader needs of an executor; the class itself is what the registry holds."""

    name: ClassVar[str]
    #: Creating one starts threads (a cluster connection): the grader then forks its checkers before creating
    #: it, and starts everything at once; otherwise workers start first, when the first submission needs them.
    starts_threads: ClassVar[bool]
    #: The sandbox mode its slots run in (``bwrap``, ``bwrap-userns``, ``fallback``).
    mode: str

    def __init__(self, address: str | None, require_sandbox: bool = False) -> None: ...

    @classmethod
    def default_jobs(cls, address: str | None) -> int:
        """``--jobs`` when not given."""
        ...

    def threads(self, jobs: int) -> int:
        """TensorFlow threads per sandboxed job when ``jobs`` run at once."""
        ...

    def slots(self, count: int, threads: int, **worker_options: Any) -> Sequence[Slot]: ...

    def close(self) -> None: ...


#: Every executor, by the name ``--executor`` takes.
EXECUTORS: dict[str, type[Executor]] = {}


def register(cls: type[Executor]) -> type[Executor]:
    """Class decorator: make ``cls`` available as ``--executor cls.name``."""
    if cls.name in EXECUTORS:
        raise ValueError(f"two executors are named {cls.name!r}")
    EXECUTORS[cls.name] = cls
    return cls


def executor_class(name: str) -> type[Executor]:
    """The executor class ``--executor name`` means; an unknown name is refused with the known ones."""
    try:
        return EXECUTORS[name]
    except KeyError:
        raise ExecutorError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}") from None


def create(executor: str = "local", address: str | None = None, require_sandbox: bool = False) -> Executor:
    """The executor named by ``grader run --executor``."""
    return executor_class(executor)(address, require_sandbox)


def default_jobs(executor: str = "local", address: str | None = None) -> int:
    """``--jobs`` when not given, as the executor counts it."""
    return executor_class(executor).default_jobs(address)


def _import_all() -> None:
    """Import every module of this package: each registers its executors (local first: the default)."""
    names = sorted((m.name for m in pkgutil.iter_modules(__path__)), key=lambda name: (name != "local", name))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")


_import_all()
