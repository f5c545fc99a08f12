"""The trusted model checks, in a process of their own beside each sandboxed worker: the structure and functional
checks of a saved model, and the measurement of a trained one on held-out data (``--checks train``).

A student's ``model.keras`` is untrusted data. Loading it, even in Keras' safe mode, can reach Keras
functions that change process-wide settings (``keras.config.set_floatx`` and friends), and a crafted file
can make the loader allocate or crash. So the grader never loads one in its own process:

- the checker hands Keras only configs that pass the allow-list of ``checks/config_gate.py`` (built-in layers
  and objects, bounded sizes: nothing that names code or files); it loads those in safe mode, notes Keras'
  process-wide state before and after, and when anything changed it fails that model, says what changed, and is
  replaced by a fresh checker, so the next student is checked by a process no model has touched;
- it is confined (harness/checks/confine.py): no network, a read-only view of the filesystem with a scratch tmpfs as
  its home, a uid of its own when the grader runs as root (so it can signal no process of the grader's, and
  cannot read the jobs' private output folders: the grader reads the files a check needs, validated by
  ``sandbox/jail/protocol.py``, and sends them over the pipe), no capabilities; and each check runs under the
  run's limits, ``--timeout`` (wall clock) and ``--memory`` (address space on top of what the checker holds
  when the check starts). A check that breaches one, crashes the checker or hangs fails that model with the
  reason, and the checker is replaced;
- it runs beside the sandbox: while it checks student k, the sandbox already runs student k+1, so a
  class uses two cores even with ``--jobs 1``, and with several workers the checks do not queue behind one
  interpreter lock.

The first checker is forked from the grader, which has read the catalog without importing TensorFlow
(``catalog/lazy.py``); the checker imports it itself. A grader that imported TensorFlow may still fork while it
has run no op and started no thread pool (see ``sandbox/jail/zygote.py``); replacements, or a grader that has
already run TensorFlow ops, start afresh.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import harness
from harness.checks import reference_cache
from harness.checks.confine import MODEL_SCRATCH_BYTES
from harness.checks.evaluate import StateChanged
from harness.checks.references import Reference
from harness.results import AssignmentResult
from harness.sandbox import Limits, Outcome
from harness.sandbox.host.worker import claim_uid, python_roots
from harness.sandbox.jail import protocol
from harness.sandbox.jail.zygote import kill_as

#: Seconds a checker may take to be ready for a model: its start-up (TensorFlow's import, when it is new) and the
#: reference's build (once per assignment). Neither is the student's doing, so the run's --timeout starts after.
PREPARE_TIMEOUT_S = 300.0
#: How often a checker looks whether its grader is still there (seconds).
PARENT_POLL_S = 0.5
#: The files of a job's output folder that a model check reads, and the most of each the grader sends: they are
#: written to the checker's scratch (``model.keras``, which a structure task does not ask for, gets half of it).
SENT_FILES = {name: min(protocol.FILES[name].max_bytes, MODEL_SCRATCH_BYTES // 2)
              for name in ("model.json", "model.keras", "info.json", "error.json")}
#: What a trained model's measurement reads: the whole ``model.keras`` (weights and all, as large as the protocol
#: lets a job leave it; the scratch has room for it).
TRAINED_FILES = {**SENT_FILES, "model.keras": protocol.FILES["model.keras"].max_bytes}


@dataclasses.dataclass
class Failure:
    """Why the checker gave no reply about a model (it hung, crashed or ran out of its limits): the checker was
    replaced, and the model gets this reason instead of a verdict."""

    reason: str


def _forkable() -> bool:
    """Whether this process may fork a checker: one thread, and TensorFlow imported but no op run yet."""
    if threading.active_count() > 1:
        return False
    if "tensorflow" not in sys.modules:
        return True
    from tensorflow.python.eager import context

    return context.context_safe() is None or not context.context()._initialized  # noqa: SLF001


class Checker:
    """One checker process; :meth:`check` is called from one thread at a time."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self.process: multiprocessing.process.BaseProcess | None = None
        self.connection: Connection | None = None
        self.restarts = 0
        #: The checker's home; inside its mount namespace a tmpfs covers it, so here it stays empty.
        self.scratch: Path | None = None
        #: The checker's own uid (root only), claimed like a sandbox job's so that no other grader's checker or
        #: job shares it, and kept across replacements; the lock file descriptor that keeps it ours.
        self.uid: int | None = None
        self._uid_lock: int | None = None
        #: The references' figures (harness/checks/references.py) of the assignments to check, ``None`` where the
        #: checker computes them; sent to every checker process this object starts (:meth:`prepare`).
        self.references: dict[str, tuple[Reference, ...] | None] = {}
        #: Whether the checker owes the reply to a ``prepare`` request.
        self._preparing = False
        #: Sends a ``prepare`` request: the pipe holds less than the figures, and the checker reads them only once
        #: it has imported TensorFlow, which the grader does not wait for.
        self._sending: threading.Thread | None = None

    def start(self) -> None:
        fork = self.restarts == 0 and _forkable()
        context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        if self.restarts == 0:
            _remove_stale_scratch()
        if self.uid is None and os.geteuid() == 0:
            self.uid, self._uid_lock = claim_uid(0)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"grader-checker-{os.getpid()}-"))
        self.process = context.Process(target=serve, args=(theirs, self.threads, str(self.scratch), self.uid),
                                       daemon=True, name="grader-checker")
        self.process.start()
        theirs.close()
        self.connection = ours
        self._preparing = False
        if self.references:
            self._send_prepare()

    def prepare(self, references: dict[str, tuple[Reference, ...] | None]) -> None:
        """Give the checker the references of the assignments it will check (from the grader's cache), or have it
        compute those that are ``None`` now, while it waits for the sandbox's first models, rather than on the first
        model of each. Figures a checker computes before it has loaded any student's model are kept on disk
        (:mod:`harness.checks.reference_cache`); the reply is read before the first check."""
        if self._preparing:
            self._prepared()
        self.references.update(references)
        if self.process is not None and self.process.is_alive():
            request = ("prepare", dict(self.references))
            self._sending = threading.Thread(target=_send_quietly, args=(self.connection, request), daemon=True)
            self._sending.start()
            self._preparing = True

    def _running(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        """The checker process and our end of its pipe; using them before :meth:`start` is the caller's bug."""
        if self.process is None or self.connection is None:
            raise RuntimeError("the checker was not started: call start() first")
        return self.process, self.connection

    def _send_prepare(self) -> None:
        self._running()[1].send(("prepare", self.references))
        self._preparing = True

    def _prepared(self) -> None:
        """Read the checker's reply to ``prepare``: the figures it computed, kept (and stored) when it computed
        them before loading any student's model."""
        self._preparing = False
        if self._sending is not None:
            self._sending.join()
            self._sending = None
        connection = self._running()[1]
        if not connection.poll(PREPARE_TIMEOUT_S):
            raise _NotReady
        computed, clean = connection.recv()
        for assignment_id, found in computed.items():
            if clean:
                self.references[assignment_id] = found
                reference_cache.store(assignment_id, found)

    def check(self, assignment_id: str, file: str, outcome: Outcome, limits: Limits) -> AssignmentResult:
        """Check one model (see :func:`harness.checks.evaluate.evaluate_model`) in the checker process, under the run's
        ``limits``: ``wall_s`` for loading and checking the model, ``memory_bytes`` for what that may allocate."""
        reply = self._ask("model", assignment_id, file, outcome, limits, {}, SENT_FILES)
        return _failed(assignment_id, file, outcome, reply.reason) if isinstance(reply, Failure) else reply

    def measure_trained(self, assignment_id: str, file: str, outcome: Outcome, limits: Limits,
                        spec: dict[str, Any]) -> dict[str, Any] | Failure:
        """Read a trained model (the job's ``model.keras``) in the checker and measure it on the held-out data
        ``spec`` carries (:func:`harness.training.judge.measure_trained`), under ``limits``: the grader never
        loads a student's model itself."""
        return self._ask("trained", assignment_id, file, outcome, limits, spec, TRAINED_FILES)

    def _ask(self, kind: str, assignment_id: str, file: str, outcome: Outcome, limits: Limits, spec: dict[str, Any],
             sizes: dict[str, int]) -> Any:
        """One request to the checker process: its reply, or a :class:`Failure` (then the checker was replaced)."""
        try:
            files = _read_files(outcome.out, sizes)
        except (OSError, protocol.ProtocolError) as exc:
            return Failure(protocol.clean_text(f"{exc}; the assignment is not graded", 400))
        if self.process is None or not self.process.is_alive():  # gone between two checks: not this model's doing
            self._restart()
        process, connection = self._running()
        try:
            if self._preparing:
                self._prepared()
            connection.send((kind, assignment_id, file, dataclasses.replace(outcome, out=None), limits, files, spec))
            if not connection.poll(PREPARE_TIMEOUT_S) or connection.recv() != "started":
                raise _NotReady
            if not connection.poll(limits.wall_s):
                raise TimeoutError
            reply, poisoned = connection.recv()
        except _NotReady:
            self._restart()
            return Failure(f"the grader's checker was not ready in {PREPARE_TIMEOUT_S:g} s (not this model's doing: "
                           "grade it again); the checker was replaced")
        except TimeoutError:
            self._restart()
            return Failure(f"checking its model took longer than {limits.wall_s:g} s (the run's --timeout); the "
                           "grader's checker was replaced")
        except (EOFError, OSError):
            process.join(timeout=2)
            code = process.exitcode
            self._restart()
            return Failure("checking its model crashed the grader's checker (status "
                           f"{code}, under the run's --memory of {limits.describe_memory()}); the checker was replaced")
        if poisoned:
            self._restart()
        return reply

    def _restart(self) -> None:
        if self.process is not None:
            self._stop()
            self.restarts += 1
        self.start()

    def close(self) -> None:
        """Stop the checker and give its uid back."""
        self._stop()
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None
            self.uid = None

    def _stop(self) -> None:
        """End the checker process and anything it left running under its uid (a breach may have forked)."""
        if self._sending is not None:  # one writer at a time on the pipe
            self._sending.join(timeout=PREPARE_TIMEOUT_S if self.process is not None and self.process.is_alive()
                               else 5)
            self._sending = None
        if self.connection is not None:
            try:
                self.connection.send(None)  # a forked checker holds a copy of our end: no EOF would come
            except OSError:
                pass
            self.connection.close()
            self.connection = None
        if self.process is not None:
            self.process.join(timeout=2)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.process = None
            if self.uid is not None:
                kill_as(self.uid)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def _send_quietly(connection: Connection, request: Any) -> None:
    """Send ``request``; a checker that died meanwhile is the next check's to report (it replaces the checker)."""
    try:
        connection.send(request)
    except OSError:
        pass


def _read_files(out: Path | None, sizes: dict[str, int]) -> dict[str, bytes]:
    """The files of ``sizes`` (:data:`SENT_FILES`, :data:`TRAINED_FILES`) that a job left, read by the grader (never
    following a link, each bounded), so the checker, under its own uid, never needs the job's folder."""
    if out is None:
        return {}
    return {name: protocol.read_bounded(out / name, limit) for name, limit in sizes.items()
            if (out / name).is_file() and not (out / name).is_symlink()}


def _remove_stale_scratch() -> None:
    """Scratch folders of graders that ended without closing their checkers (killed, say): named by their pid."""
    for folder in Path(tempfile.gettempdir()).glob("grader-checker-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # alive, under another uid


class _NotReady(Exception):
    """The checker did not start on a model within :data:`PREPARE_TIMEOUT_S`."""


def _failed(assignment_id: str, file: str, outcome: Outcome, reason: str) -> AssignmentResult:
    from harness.catalog import load_catalog
    from harness.checks import evaluate

    return evaluate.error_result(load_catalog()[assignment_id], file, reason, outcome)


def _end_with_parent(parent: int) -> None:
    """Exit once the grader is gone. A grader killed outright (SIGTERM from a CI timeout, SIGKILL) never closes
    the pipe, and a forked checker holds a copy of the grader's end, so ``recv`` would wait forever. Not
    ``PR_SET_PDEATHSIG``: it fires when the *thread* that started the checker ends, and checkers are restarted by
    grading threads and then lent to others."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(0)


def serve(connection: Connection, threads: int, scratch: str, uid: int | None = None) -> None:
    """The checker's loop: a request at a time, until the grader closes the pipe or a check breaches its limits
    or changes Keras' process-wide state (then the grader replaces it). ``uid``: the checker's own (root only)."""
    from harness.checks.confine import confine

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle: it closes us
    parent = os.getppid()
    from harness.catalog import reference_dirs

    needs = (*python_roots(), Path(harness.__file__).resolve().parent, *(p.resolve() for p in reference_dirs()))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"  # checks run on the CPU: no GPU memory taken from training
    from harness.quiet import import_keras

    # Imported before the confinement: Keras' import reaches matplotlib, whose config and cache folders the
    # confined uid cannot create; nothing a student sends has been read yet.
    import_keras()  # the grader itself imports no TensorFlow (harness/catalog/lazy.py): silence its start-up
    import tensorflow as tf

    confine(Path(scratch), uid, needs)
    # started confined: a thread keeps the capabilities and filters of the thread that made it
    threading.Thread(target=_end_with_parent, args=(parent,), daemon=True, name="grader-checker-parent").start()
    keras_config = sys.modules.get("keras.src.backend.config")
    if keras_config is not None and hasattr(keras_config, "_KERAS_DIR"):
        # Keras resolved its home (get_file's default) at import: point it at the scratch
        vars(keras_config)["_KERAS_DIR"] = scratch

    from harness.catalog import ModelAssignment, load_catalog
    from harness.checks import evaluate, references
    from harness.training.judge import measure_trained

    tf.get_logger().setLevel("ERROR")
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    catalog = load_catalog()
    # what exists now lives as long as the checker: full collections (≈ 0.2 s each with TensorFlow loaded,
    # triggered by the checks' many small objects) need not scan it again
    gc.collect()
    gc.freeze()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    touched = False  # whether a student's model has been loaded here: figures computed after it are not stored
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        if request[0] == "prepare":
            computed = {}
            for assignment_id, found in request[1].items():
                if found is not None:
                    references.install(assignment_id, found)
                elif not references.known(assignment_id):
                    computed[assignment_id] = references.references(assignment_id)
            connection.send((computed, not touched))
            continue
        kind, assignment_id, file, outcome, limits, files, spec = request
        outcome.out = _write_files(Path(scratch), files)
        if kind == "model" or spec.get("structure"):
            references.references(assignment_id)  # the grader's own work: before the student's clock starts
        touched = True
        connection.send("started")
        vm_kb = _vm_kb()
        if vm_kb:
            soft = vm_kb * 1024 + int(limits.memory_bytes)
            resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        guard = _LoadGuard()
        assignment = catalog[assignment_id]
        if not isinstance(assignment, ModelAssignment):  # the grader sends only model assignments here
            raise TypeError(f"{assignment_id} is not a model assignment: the checker checks models only")
        try:
            if kind == "trained":
                result: Any = measure_trained(assignment, file, outcome, limits, guard.load, spec)
            else:
                result = evaluate.evaluate_model(assignment, file, outcome, limits, load=guard.load)
        except Exception as exc:  # noqa: BLE001 - anything else is a crash of the checker, reported as one
            if not evaluate.out_of_memory(exc):
                raise
            guard.changed = True  # allocations failed somewhere inside Keras or TensorFlow: start afresh
            result = Failure(f"checking its model needed more than {limits.describe_memory()} of memory (the run's "
                             "--memory); the grader's checker was replaced")
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))  # sending the result may allocate
        connection.send((result, guard.changed))
        if guard.changed:
            return


def _write_files(scratch: Path, files: dict[str, bytes]) -> Path:
    """The job's files as the grader sent them, in a fresh folder of the scratch: what the checks read."""
    folder = scratch / "job"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


class _LoadGuard:
    """Loads a model in safe mode and fails it if the load changed process-wide Keras state."""

    def __init__(self) -> None:
        self.changed = False

    def load(self, path: Path) -> Any:
        from harness.checks.evaluate import read_model
        from harness.sandbox.jail.tasks import keras_state, state_changes

        before = keras_state()
        try:
            model = read_model(path)
        finally:
            changed = state_changes(before, keras_state())
            self.changed = bool(changed)
        if changed:
            raise StateChanged(f"loading it changes process-wide Keras state ({', '.join(changed)[:200]})")
        return model


def _vm_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
