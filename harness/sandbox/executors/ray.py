"""``--executor ray``: sandboxed jobs on the nodes of an existing Ray cluster; the checks stay here.

A :class:`RaySlot` per slot. It sends the submission's files (filtered and capped exactly as the local worker
copies them) and the task dict to a :class:`SandboxActor` on some node of the cluster; the actor runs a ``Worker``
(the same sandbox) there and returns the ``Outcome`` fields and the files the job left, as bytes. The slot writes
them to a local temporary folder and vets them again (:func:`~harness.sandbox.host.worker.vet_outputs`) before
the trusted side reads anything, so verdicts are computed exactly as for a local job.

Every node of the cluster needs this package installed (``pip install 'grader[ray]'``) and, for a sandboxed
(not ``fallback``) run, bubblewrap; the grader asks the cluster which sandbox mode it gets.
"""

from __future__ import annotations

import inspect
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, ClassVar

from harness.sandbox import Limits, Outcome, SandboxUnavailable, Worker, detect_mode
from harness.sandbox.executors import ExecutorError, register
from harness.sandbox.host.worker import OUTPUT_FILES, PREFLIGHT_S, copy_submission, vet_outputs

#: How long a slot waits for a Ray actor to be placed and its zygote to import TensorFlow.
RAY_READY_TIMEOUT_S = 300.0
#: Extra seconds on top of a job's wall limit before a remote job is given up (transfer, queueing, clean-up).
RAY_JOB_SLACK_S = 300.0


def pack_submission(submission: Path) -> dict[str, bytes]:
    """The submission's files as ``{relative path: bytes}``, filtered and capped as ``Worker.run`` copies them."""
    with tempfile.TemporaryDirectory(prefix="grader-pack-") as tmp:
        target = Path(tmp) / "sub"
        copy_submission(submission, target)
        return {str(p.relative_to(target)): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}


def unpack_files(files: dict[str, bytes], target: Path, flat: bool = False) -> None:
    """Write ``files`` under ``target``; names that would leave it (absolute, ``..``) are skipped.
    ``flat``: only plain names from :data:`OUTPUT_FILES` (what a job may leave)."""
    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts or not isinstance(data, bytes):
            continue
        if flat and (len(parts) != 1 or name not in OUTPUT_FILES):
            continue
        path = target.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _collect_outputs(out: Path | None) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    if out is None or not out.is_dir():
        return found
    for path in out.iterdir():
        if path.name in OUTPUT_FILES and path.is_file() and not path.is_symlink():
            found[path.name] = path.read_bytes()
    return found


def _worker_options(options: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments this node's ``Worker`` accepts."""
    accepted = inspect.signature(Worker.__init__).parameters
    chosen = {k: v for k, v in options.items() if k in accepted}
    if "data_dirs" in chosen:
        chosen["data_dirs"] = tuple(Path(d) for d in chosen["data_dirs"])
    return chosen


def _run_packed(worker: Worker, task: dict[str, Any], submission: Path, limits: Limits) -> dict[str, Any]:
    """Run one job on ``worker`` from an unpacked submission; return the outcome's fields and the files it left."""
    started = time.time()
    return _reply(worker.run(task, submission, limits), started)


def _reply(outcome: Outcome, started: float) -> dict[str, Any]:
    """What travels back to the grader of one job: the outcome's fields, its files, where and when it ran."""
    return {"outcome": outcome.summary(), "files": _collect_outputs(outcome.out), "started": started,
            "ended": time.time(), "node": _node(), "pid": os.getpid()}


def signature(submission: Path) -> tuple:
    """Cheap identity of a submission's current files (names, sizes, modification times): when it changes,
    the files are packed and sent again."""
    entries = []
    for path in sorted(submission.rglob("*")):
        try:
            info = path.lstat()
        except OSError:
            continue
        entries.append((str(path.relative_to(submission)), info.st_size, info.st_mtime_ns))
    return (str(submission.resolve()), tuple(entries))


def _node() -> str:
    try:
        import ray

        return ray.util.get_node_ip_address()
    except Exception:  # outside Ray, or an older Ray
        return os.uname().nodename


def _normal_priority() -> None:
    """Ray starts its workers at niceness 15; a sandboxed job should compete like a local one (and the zygote
    renices its children to 10, which a process already at 15 may not do without CAP_SYS_NICE)."""
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) > 0:
            os.setpriority(os.PRIO_PROCESS, 0, 0)
    except OSError:  # not permitted (not root): the jobs run at Ray's niceness
        pass


class SandboxActor:
    """Runs on a Ray node: one warm sandboxed ``Worker`` (zygote) that runs the jobs a :class:`RaySlot` sends."""

    def __init__(self, slot: int, require_sandbox: bool, threads: int, worker_options: dict[str, Any]) -> None:
        _normal_priority()
        self.mode = detect_mode(require_sandbox)
        self.worker = Worker(slot, self.mode, threads=threads, **_worker_options(worker_options))
        self.worker.start()
        #: The submission of the previous job, unpacked (a submission's jobs come one after the other).
        self.unpacked: tuple[Any, Path] | None = None

    def ready(self) -> dict[str, Any]:
        return {**self.worker.wait_ready(), "mode": self.mode, "node": _node()}

    def run(self, task: dict[str, Any], key: Any, files: dict[str, bytes], limits: Limits) -> dict[str, Any]:
        return _run_packed(self.worker, task, self._unpack(key, files), limits)

    def run_batch(self, tasks: list[dict[str, Any]], key: Any, files: dict[str, bytes], limits: Limits,
                  preflight: bool) -> list[dict[str, Any]]:
        """One submission's tasks in one sandboxed child (``Worker.run_batch``)."""
        started = time.time()
        outcomes = self.worker.run_batch(tasks, self._unpack(key, files), limits, preflight=preflight)
        return [_reply(outcome, started) for outcome in outcomes]

    def _unpack(self, key: Any, files: dict[str, bytes]) -> Path:
        if self.unpacked is None or self.unpacked[0] != key:
            self._drop()
            folder = Path(tempfile.mkdtemp(prefix="grader-remote-"))
            unpack_files(files, folder / "sub")
            self.unpacked = (key, folder)
        return self.unpacked[1] / "sub"

    def _drop(self) -> None:
        if self.unpacked is not None:
            shutil.rmtree(self.unpacked[1], ignore_errors=True)
            self.unpacked = None

    def close(self) -> None:
        self._drop()
        self.worker.close()


def probe(require_sandbox: bool) -> dict[str, Any]:
    """The sandbox mode a node of the cluster gives (or why it cannot give the one required)."""
    try:
        return {"mode": detect_mode(require_sandbox), "node": _node()}
    except SandboxUnavailable as exc:
        return {"error": str(exc), "node": _node()}


@register
class RayExecutor:
    """Sandboxed jobs on an existing Ray cluster; the trusted side and the results store stay here."""

    name: ClassVar[str] = "ray"
    starts_threads: ClassVar[bool] = True
    _connected: str | None = None
    _lock = threading.Lock()

    def __init__(self, address: str | None, require_sandbox: bool = False) -> None:
        self.ray = self.connect(address).ray
        self.address = address
        self.require_sandbox = require_sandbox
        found = self.ray.get(self.ray.remote(num_cpus=0)(probe).remote(require_sandbox), timeout=RAY_READY_TIMEOUT_S)
        if "error" in found:
            raise SandboxUnavailable(f"Ray node {found['node']}: {found['error']}")
        self.mode = found["mode"]
        self.node = found["node"]

    @classmethod
    def default_jobs(cls, address: str | None) -> int:
        """The cluster's CPUs (the checks stay here)."""
        return cls.connect(address).total_cpus()

    @classmethod
    def connect(cls, address: str | None) -> _Connection:
        """Connect this process to the cluster at ``address`` once (``ray.init``); errors say what to do."""
        try:
            import ray
        except ImportError as exc:
            raise ExecutorError("--executor ray needs Ray on this machine and every node: "
                                "pip install 'grader[ray]' (or pip install 'ray[default]')") from exc
        if not address:
            raise ExecutorError("--executor ray needs --address HOST:PORT of a running Ray head "
                                "(start one with: ray start --head --port 6379)")
        with cls._lock:
            if cls._connected is None:
                try:
                    ray.init(address=address, namespace="grader", log_to_driver=False, logging_level=logging.ERROR)
                except Exception as exc:  # ConnectionError, RuntimeError, ValueError by version
                    raise ExecutorError(f"cannot connect to the Ray cluster at {address} ({exc}); start it with "
                                        f"`ray start --head --port PORT` and pass --address HOST:PORT") from exc
                cls._connected = address
            elif cls._connected != address:
                raise ExecutorError(f"this process is already connected to the Ray cluster at {cls._connected}")
        return _Connection(ray)

    def threads(self, jobs: int) -> int:
        """TensorFlow threads per job: the cluster's CPUs shared between the jobs, at most one node's CPUs."""
        largest = max((n.get("Resources", {}).get("CPU", 1) for n in self.ray.nodes() if n.get("Alive")), default=1)
        return max(1, int(min(largest, self.ray.cluster_resources().get("CPU", 1) // max(1, jobs))))

    def slots(self, count: int, threads: int, **worker_options: Any) -> list[RaySlot]:
        return [RaySlot(self, slot, threads, worker_options) for slot in range(max(1, count))]

    def close(self) -> None:
        pass


class _Connection:
    def __init__(self, ray: Any) -> None:
        self.ray = ray

    def total_cpus(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))


class RaySlot:
    """One job at a time on a :class:`SandboxActor` somewhere in the cluster (the ``Worker`` interface)."""

    def __init__(self, executor: RayExecutor, slot: int, threads: int, worker_options: dict[str, Any]) -> None:
        self.executor = executor
        self.ray = executor.ray
        self.slot = slot
        self.mode = executor.mode
        self.threads = threads
        #: Passed to the remote ``Worker`` where it accepts them (paths must exist on the nodes).
        self.worker_options = {k: ([str(p) for p in v] if k == "data_dirs" else v) for k, v in worker_options.items()}
        self.actor: Any = None
        self.ready: dict[str, Any] = {}
        #: The last submission sent: its signature and its files in Ray's object store (sent once, not per job).
        self._packed: tuple[tuple, Any] | None = None
        #: Where the last job ran (node, pid, start and end), for tests and diagnostics.
        self.last: dict[str, Any] = {}

    def start(self) -> None:
        actor_class = self.ray.remote(num_cpus=1, max_restarts=0)(SandboxActor)
        self.actor = actor_class.remote(self.slot, self.executor.require_sandbox, self.threads, self.worker_options)
        self.ready = {}

    def wait_ready(self, timeout: float = RAY_READY_TIMEOUT_S) -> dict[str, Any]:
        if self.actor is None:
            self.start()
        if not self.ready:
            try:
                self.ready = self.ray.get(self.actor.ready.remote(), timeout=timeout)
            except Exception as exc:  # placement timeout, actor died on start
                raise RuntimeError(f"the Ray sandbox actor did not start ({type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0][:300] if str(exc) else ''})") from exc
        return self.ready

    def run(self, task: dict[str, Any], submission: Path, limits: Limits) -> Outcome:
        files = self._files(submission)
        timeout = limits.wall_s + RAY_JOB_SLACK_S
        try:
            self.wait_ready()
            reply = self.ray.get(self.actor.run.remote(task, *files, limits), timeout=timeout)
        except Exception as exc:  # the node or actor died, the cluster went away
            raise self._lost(exc) from exc
        return self._outcome(reply)

    def run_batch(self, tasks: list[dict[str, Any]], submission: Path, limits: Limits,
                  preflight: bool = True) -> list[Outcome]:
        """One submission's tasks in one sandboxed child on the slot's actor."""
        files = self._files(submission)
        timeout = (limits.wall_s + PREFLIGHT_S) * len(tasks) + RAY_JOB_SLACK_S
        try:
            self.wait_ready()
            replies = self.ray.get(self.actor.run_batch.remote(tasks, *files, limits, preflight), timeout=timeout)
        except Exception as exc:  # the node or actor died, the cluster went away
            raise self._lost(exc) from exc
        return [self._outcome(reply) for reply in replies]

    def _files(self, submission: Path) -> tuple[tuple, Any]:
        """The submission's signature and its packed files in Ray's object store (sent once, not per job)."""
        key = signature(submission)
        if self._packed is None or self._packed[0] != key:
            # raises ValueError for an oversized submission, as locally
            self._packed = (key, self.ray.put(pack_submission(submission)))
        return self._packed

    def _lost(self, exc: Exception) -> RuntimeError:
        self._restart()
        return RuntimeError(f"the job was lost on the Ray cluster ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0][:300] if str(exc) else ''}); the worker was restarted")

    def _outcome(self, reply: dict[str, Any]) -> Outcome:
        self.last = {k: reply.get(k) for k in ("node", "pid", "started", "ended")}
        known = {f.name for f in dataclass_fields(Outcome)}
        values = {k: v for k, v in reply["outcome"].items() if k in known and k != "out"}
        out = Path(tempfile.mkdtemp(prefix="grader-ray-out-"))
        unpack_files(reply["files"], out, flat=True)
        outcome = Outcome(**values, out=out)
        outcome.refused = list(outcome.refused) + vet_outputs(out)  # vetted again, here, before anything reads them
        return outcome

    def _restart(self) -> None:
        actor, self.actor, self.ready = self.actor, None, {}
        if actor is not None:
            try:
                self.ray.kill(actor)
            except Exception:  # already gone
                pass

    def close(self) -> None:
        if self.actor is not None:
            try:
                self.ray.get(self.actor.close.remote(), timeout=30)
            except Exception:  # best effort: the actor is killed below anyway
                pass
            self._restart()

