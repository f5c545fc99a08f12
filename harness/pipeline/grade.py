"""Grading, end to end: discover → run in the sandbox → check against the reference → score.

:class:`Grader` owns the sandboxed workers for a whole batch, so TensorFlow is imported once per worker,
not once per student (see :mod:`harness.sandbox.jail.zygote`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import training
from harness.catalog import Assignment, Case, ModelAssignment, load_catalog
from harness.checks import evaluate, functions, reference_cache
from harness.checks.checker import Checker
from harness.errors import InputError
from harness.output import escape
from harness.pipeline import scoring
from harness.pipeline.course import Course
from harness.results import AssignmentResult, SubmissionResult
from harness.sandbox import Limits, Outcome
from harness.sandbox.executors import Executor, Slot, executor_class
from harness.sandbox.host.worker import SandboxFailed
from harness.sandbox.jail import protocol
from harness.training import TrainJob, TrainSettings, second_run
from harness.versions import installed_versions

SOURCE_SUFFIXES = (".py", ".ipynb")
#: Jobs per sandboxed child: the checks of one batch's models run while the sandbox runs the next batch (a
#: child costs ≈ 0.1 s to start, TensorFlow's first ops; a batch of a submission's 37 jobs left the checker
#: idle until the last model was built).
BATCH = 10


class SubmissionError(InputError):
    """A path that is not a submission or a folder of them; the message names it and says what to do."""


def discover(paths: list[Path], refused: list[str] | None = None) -> list[Path]:
    """Each PATH is a submission folder (it holds .py/.ipynb files) or a folder of submission folders.

    A student folder that is a symbolic link is never graded (it would be graded as whatever it points to, a
    classmate's folder included): inside a class folder it gets one line in ``refused``, like a folder that cannot
    be read, and the others are graded; given as PATH it is a :class:`SubmissionError`. A class folder given as
    PATH is the instructor's, link or not.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SubmissionError(f"{path}: no such file or folder; pass a submission folder or a folder of them")
        if not path.is_dir():
            raise SubmissionError(f"{path}: is a file; pass the student's folder that holds it")
        try:
            if is_submission(path):
                if path.is_symlink():
                    raise SubmissionError(f"{escape.terminal(path)}: a student folder that is a symbolic link is not "
                                          f"graded (it would be graded as {escape.terminal(os.readlink(path))}); "
                                          "pass the folder it points to")
                found.append(path)
                continue
            entries = sorted(path.iterdir())
        except OSError as exc:
            raise SubmissionError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
        children = []
        for child in entries:
            if child.name.startswith((".", "_")):
                continue
            if child.is_symlink():
                if child.is_dir() and refused is not None:
                    refused.append(f"{escape.terminal(child)}: a student folder that is a symbolic link (to "
                                   f"{escape.terminal(os.readlink(child))}) is not graded; copy the files into it")
                continue
            try:
                if child.is_dir() and is_submission(child):
                    children.append(child)
            except OSError as exc:
                if refused is not None:
                    refused.append(f"{escape.terminal(child)}: cannot be read ({exc.strerror}); not graded")
        if not children and not (refused and any(r.startswith(escape.terminal(path)) for r in refused)):
            raise SubmissionError(f"{path}: holds no .py or .ipynb files and no student folders; "
                                  "pass a submission folder or a folder of them")
        found.extend(children)
    return found


def is_submission(path: Path) -> bool:
    """Whether ``path`` (a folder) holds a student's own files: a ``.py`` or ``.ipynb`` directly in it; a class
    folder holds student folders instead."""
    return any(p.suffix in SOURCE_SUFFIXES and p.is_file() for p in path.iterdir())


def assignment_file(submission: Path, assignment_id: str, file_map: dict[str, str] | None = None) -> str | None:
    """The file graded for an assignment: ``<id>.py``, else ``<id>.ipynb``, else one mapped in course.toml."""
    for suffix in SOURCE_SUFFIXES:
        candidate = submission / f"{assignment_id}{suffix}"
        if candidate.is_file() and not candidate.is_symlink():
            return candidate.name
    for student_file, mapped in (file_map or {}).items():
        if mapped == assignment_id and (submission / student_file).is_file() and \
                not _through_link(submission, student_file):
            return student_file
    return None


def linked_file(submission: Path, assignment_id: str, file_map: dict[str, str] | None = None) -> str | None:
    """The file that would be graded for an assignment but is a symbolic link (or lies in a linked folder): it is
    refused by name, never followed, so the student learns why instead of reading "missing"."""
    names = [f"{assignment_id}{suffix}" for suffix in SOURCE_SUFFIXES]
    names += [name for name, mapped in (file_map or {}).items() if mapped == assignment_id]
    return next((name for name in names if _through_link(submission, name)), None)


def _through_link(submission: Path, name: str) -> bool:
    """Whether ``submission / name`` or a folder between the two is a symbolic link."""
    path = submission / name
    while path != submission and submission in path.parents:
        if path.is_symlink():
            return True
        path = path.parent
    return False


def content_hash(submission: Path) -> str:
    """sha256 over the relative paths and bytes of the files the sandbox gets (the same walk as its copy: no
    links, no hidden files), streamed. Raises :class:`~harness.sandbox.jail.protocol.SubmissionRefused` naming the
    file and the cap for a folder over :mod:`~harness.sandbox.jail.protocol`'s caps (size, files, depth)."""
    digest = hashlib.sha256()
    for relative, path, size in protocol.walk_submission(submission):
        if size < 0:
            continue
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        for chunk in protocol.read_chunks(path, size):
            digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class Options:
    checks: str = "structure"
    limits: Limits = field(default_factory=Limits)
    require_sandbox: bool = False
    jobs: int = 1
    seed: int = 0
    file_map: dict[str, str] = field(default_factory=dict)
    #: The instructor's course.toml, applied to every result (harness/pipeline/scoring.py); ``None``: the catalog's
    #: points, everything counts, no deadline.
    course: Course | None = None
    #: ``--checks train|all`` (see harness/training/): profile, data folders, MIDI folder, live progress.
    training: TrainSettings | None = None
    #: Where sandboxed jobs run (harness/sandbox/executors.py): ``local`` workers, or ``ray`` at ``address``.
    executor: str = "local"
    address: str | None = None


class Grader:
    """Grades submissions with ``options.jobs`` sandboxed workers; use as a context manager."""

    def __init__(self, options: Options, catalog: dict[str, Assignment] | None = None) -> None:
        self.options = options
        #: The class ``options.executor`` names (an unknown name is refused here), and once created, the executor.
        self._executor_class = executor_class(options.executor)
        self.executor: Executor | None = None
        self.training: training.Session | None = None
        self._workers: Sequence[Slot] = []
        self._started = False
        #: Checker processes, lent to one submission's checks at a time: one per worker, at most one per local
        #: core (Ray workers run elsewhere; their checks run here).
        self.checkers: list[Checker] = []
        self._idle_checkers: queue.Queue[Checker] = queue.Queue()
        #: Each submission's results folder until its checks are done; whatever is left is removed on exit.
        self._keeps: set[Path] = set()
        # Checkers are forked while this process is single-threaded (see harness/checks/checker.py). Local workers start
        # no thread: they start first, then the checkers are forked; each imports TensorFlow itself, in parallel.
        # An executor that starts threads (a Ray connection): the checkers are forked before it, while the cluster
        # starts the workers. Otherwise workers and checkers start when the first submission needs them
        # (:meth:`start`), so a re-run where every submission is unchanged starts no process; the catalog imports
        # no Keras (harness/catalog/lazy.py).
        self.catalog = catalog or load_catalog()
        if self._executor_class.starts_threads:
            self.start()
        else:
            self.executor = self._executor_class(options.address, options.require_sandbox)
            self.mode = self.executor.mode

    @property
    def workers(self) -> Sequence[Slot]:
        """The sandboxed workers, started on first use."""
        self.start()
        return self._workers

    def start(self) -> None:
        """Start the workers and the checkers, once."""
        if self._started:
            return
        self._started = True
        try:
            if self._executor_class.starts_threads:
                self._start_checkers()
                self._start_workers()
            else:
                self._start_workers()
                self._start_checkers()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _start_checkers(self) -> None:
        cores = os.cpu_count() or 1
        self.checkers = [Checker(max(1, cores // self.options.jobs)) for _ in range(min(self.options.jobs, cores))]
        for checker in self.checkers:
            checker.start()
            self._idle_checkers.put(checker)

    def _start_workers(self) -> None:
        options = self.options
        if self.executor is None:
            self.executor = self._executor_class(options.address, options.require_sandbox)
            self.mode = self.executor.mode
        threads = self.executor.threads(options.jobs)
        self.training = training.Session(options.training or TrainSettings(seed=options.seed), self.mode) \
            if options.checks in ("train", "all") else None
        data_dirs = self.training.sandbox_dirs if self.training else ()
        self._workers = self.executor.slots(options.jobs, threads, data_dirs=data_dirs)
        for worker in self._workers:
            worker.start()

    def _session(self) -> training.Session:
        """The training session of a run that trains (``--checks train|all``), where a training job needs one."""
        if self.training is None:
            raise RuntimeError("a training job in a run that does not train: the grader built it by mistake")
        return self.training

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        for checker in self.checkers:  # first: a forked checker holds copies of the workers' pipes
            checker.close()
        closing = [threading.Thread(target=worker.close) for worker in self._workers]  # ≈ 1 s each: at once
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join()
        if self.executor is not None:
            self.executor.close()
        if self.training is not None:
            self.training.close()
        for keep in list(self._keeps):  # an interrupted batch: the folders of submissions never checked
            shutil.rmtree(keep, ignore_errors=True)
            self._keeps.discard(keep)

    @property
    def warning(self) -> str:
        if self.mode == "fallback":
            return ("UNSANDBOXED: bubblewrap is unavailable, so student code runs as a plain process (rlimits, "
                    "seccomp, no network on x86-64) that can read and write the grader user's files and signal its "
                    "processes. Install bubblewrap, or use --require-sandbox to refuse.")
        return ""

    def versions(self) -> dict[str, str]:
        """Python, TensorFlow and Keras versions of the workers; local ones run this interpreter and packages, so
        before they start the installed versions answer (a run with nothing to grade starts none)."""
        if self._workers:
            return self._workers[0].wait_ready().get("versions", {})
        return installed_versions()

    def grade_all(self, submissions: list[Path], ids: list[str],
                  on_result: Callable[[SubmissionResult], None] | None = None) -> Iterator[SubmissionResult]:
        """Grade every submission, yielding results in the given order as they complete.

        Each worker's sandbox runs one student ahead of the trusted checks: while student k's models are
        checked here, student k+1's code already runs in the sandbox (two cores busy with one ``--jobs``).
        """
        if submissions:
            self.start()
            self._prepare_checkers(ids)
        todo: queue.Queue[tuple[int, Path]] = queue.Queue()
        for item in enumerate(submissions):
            todo.put(item)
        done: dict[int, SubmissionResult | BaseException] = {}
        ready = threading.Condition()
        stop = threading.Event()  # the caller stopped (Ctrl-C, a broken store): start no new submission

        def sandbox(worker: Slot, ran: queue.Queue) -> None:
            while not stop.is_set():
                try:
                    index, submission = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    sandboxed = self._begin(submission, ids)
                except Exception as exc:  # noqa: BLE001 - the grader's own fault on this submission: its error
                    ran.put((index, self._failed(submission, ids, exc)))
                    continue
                # handed over before it runs: its checks start as its first models come out of the sandbox
                ran.put((index, sandboxed))
                if sandboxed.refused:
                    continue
                sandboxed.second_runs = True
                try:
                    self._run(sandboxed, worker)
                    self._run_second(sandboxed, worker)
                except BaseException as exc:  # noqa: BLE001 - the checking thread says it (see _Sandboxed.wait)
                    sandboxed.finish(exc)
                else:
                    sandboxed.finish()
            ran.put(None)

        def work(worker: Slot) -> None:
            ran: queue.Queue = queue.Queue(maxsize=1)
            producer = threading.Thread(target=sandbox, args=(worker, ran), daemon=True)
            producer.start()
            while (item := ran.get()) is not None:
                index, sandboxed = item
                try:
                    if isinstance(sandboxed, _Sandboxed) and stop.is_set():
                        sandboxed.close_checks()  # no second runs: the sandbox must not wait for them
                        sandboxed.wait_finished()  # its folder is still being filled
                        self._discard(sandboxed)
                        continue
                    result = self._check(sandboxed) if isinstance(sandboxed, _Sandboxed) else sandboxed
                except _SandboxStopped as stopped:
                    if isinstance(stopped.cause, SandboxFailed) or not isinstance(stopped.cause, Exception):
                        result = stopped.cause  # no worker can start, or Ctrl-C: handed to the caller, in order
                    else:  # the grader's own fault on this submission: its error
                        result = self._failed(submissions[index], ids, stopped.cause)
                except Exception as exc:  # noqa: BLE001 - the grader's own fault on this submission: its error
                    result = self._failed(submissions[index], ids, exc)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, in order
                    result = exc
                with ready:
                    done[index] = result
                    ready.notify_all()
            producer.join()

        threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in self._workers]
        for thread in threads:
            thread.start()
        try:
            for index in range(len(submissions)):
                with ready:
                    ready.wait_for(functools.partial(done.__contains__, index))
                result = done.pop(index)
                if isinstance(result, BaseException):
                    raise result
                if on_result:
                    try:
                        on_result(result)
                    except Exception as exc:  # noqa: BLE001 - e.g. a result the store cannot hold: say so
                        result = self._failed(submissions[index], ids, exc, "its result could not be stored")
                        on_result(result)  # a store that cannot take even this is broken: the run stops
                yield result
        finally:
            stop.set()

    def _prepare_checkers(self, ids: list[str]) -> None:
        """Hand the checkers the references of the model assignments they will check, from the cache on disk
        (:mod:`harness.checks.reference_cache`), so they build none; those not cached they compute while the sandbox
        runs the first submission. Trained models are checked here, not by the checkers."""
        if self.training is not None:
            return
        found = {i: reference_cache.load(i) for i in ids if isinstance(self.catalog[i], ModelAssignment)}
        for checker in self.checkers:
            checker.prepare(found)

    def grade(self, submission: Path, ids: list[str], worker: Slot) -> SubmissionResult:
        """Grade one submission on ``worker``: its code in the sandbox, then the checks here."""
        return self._check(self._sandbox(submission, ids, worker))

    def _sandbox(self, submission: Path, ids: list[str], worker: Slot) -> _Sandboxed:
        """Run a submission's assignments in the sandbox (:meth:`_begin`, :meth:`_run`), all of them before
        returning."""
        sandboxed = self._begin(submission, ids)
        if sandboxed.refused:
            return sandboxed
        try:
            self._run(sandboxed, worker)
        except BaseException:
            self._discard(sandboxed)
            raise
        sandboxed.finish()
        return sandboxed

    def _begin(self, submission: Path, ids: list[str]) -> _Sandboxed:
        """A submission ready for the sandbox: its results folder, and its hash. The folder is hashed first, within
        the caps the copy into the sandbox has (protocol.walk_submission): a folder over one runs nothing, and each
        of its assignments is an ``error`` naming the file and the cap."""
        keep = Path(tempfile.mkdtemp(prefix="grader-results-"))
        self._keeps.add(keep)
        sandboxed = _Sandboxed(submission, [], keep, ids=list(ids))
        try:
            sandboxed.content_hash = content_hash(submission)
        except (protocol.SubmissionRefused, OSError) as exc:
            sandboxed.refused = protocol.clean_text(str(exc), 500)
            sandboxed.finish()
        return sandboxed

    def _run(self, sandboxed: _Sandboxed, worker: Slot) -> None:
        """One child runs the submission's structure and function jobs, :data:`BATCH` at a time, so that the
        checks of the first ones overlap the sandbox's work on the next; a training job runs on its own. Each
        job's outcome is handed to the checking thread as its batch ends (:meth:`_Sandboxed.deliver`)."""
        submission = sandboxed.submission
        sandboxed.set_jobs([self._job_or_error(submission, self.catalog[i]) for i in sandboxed.ids])
        pending: list[tuple[int, dict[str, Any]]] = []  # (job number, its task)

        def flush() -> None:
            outcomes: Sequence[Outcome | Exception]
            try:  # the checker does what the sandbox's preflight would (harness/checks/checker.py)
                outcomes = worker.run_batch([task for _, task in pending], submission, self.options.limits,
                                            preflight=False)
            except SandboxFailed:
                raise  # no worker can start: the run stops once, on the one line that says why
            except Exception as exc:  # noqa: BLE001 - e.g. an oversized submission: these assignments' error
                outcomes = [exc] * len(pending)
            for (number, _), outcome in zip(pending, outcomes):
                sandboxed.deliver(number, outcome)
            pending.clear()

        for number, job in enumerate(sandboxed.jobs):
            if job.task is None:
                continue
            if job.training is None:
                pending.append((number, job.task))
                if len(pending) == BATCH:
                    flush()
                continue
            flush()
            outcome: Outcome | Exception
            try:
                job.training.started(self._session())
                outcome = worker.run(job.task, submission, job.limits or self.options.limits)
            except Exception as exc:  # noqa: BLE001
                outcome = exc
            sandboxed.deliver(number, outcome)
        if pending:
            flush()

    def _run_second(self, sandboxed: _Sandboxed, worker: Slot) -> None:
        """The second runs the checking thread asks for (:mod:`harness.training.second_run`): for each training
        job, in order, wait for its verdict; a model that fell short is trained again on the same worker."""
        for number, job in enumerate(sandboxed.jobs):
            if job.training is None or job.training.skip or job.task is None:
                continue
            again = sandboxed.wait_decision(number)
            if again is None or again.task is None:
                continue
            outcome: Outcome | Exception
            try:
                again.started(self._session())
                outcome = worker.run(again.task, sandboxed.submission, again.limits or self.options.limits)
            except Exception as exc:  # noqa: BLE001
                outcome = exc
            sandboxed.deliver(number, outcome, second=True)

    def _check(self, sandboxed: _Sandboxed) -> SubmissionResult:
        """The trusted side: check what the sandbox left for each assignment, and score it. An exception while
        checking one assignment is that assignment's ``error``, with the reason; the others are still checked."""
        submission = sandboxed.submission
        if sandboxed.refused:
            self._discard(sandboxed)
            return self._failed(submission, sandboxed.ids, None, sandboxed.refused)
        result = SubmissionResult(submission=submission.name, path=str(submission),
                                  content_hash=sandboxed.content_hash, sandbox=self.mode,
                                  warnings=[self.warning] if self.warning else [])
        submitted = self._submitted(submission)
        checker = self._idle_checkers.get()
        try:
            for number, job in enumerate(sandboxed.wait_jobs()):
                outcome = sandboxed.wait(number)
                try:
                    checked = self._evaluate(job, outcome, checker)
                    checked = self._second_run(sandboxed, number, job, checked, checker)
                except _SandboxStopped:
                    raise
                except Exception as exc:  # noqa: BLE001 - the grader's fault on this assignment: its error, said
                    checked = AssignmentResult.error(job.assignment, job.file, _grader_fault(exc))
                finally:
                    sandboxed.decide(number, None)  # no second run (a no-op once one was asked for)
                result.assignments.append(self._scaled(checked, submitted))
        finally:
            sandboxed.close_checks()
            self._idle_checkers.put(checker)
            self._discard(sandboxed)
        return result

    def _second_run(self, sandboxed: _Sandboxed, number: int, job: _Job, first: AssignmentResult,
                    checker: Checker) -> AssignmentResult:
        """``first``, or the better of it and a second training run when it fell short of its bar
        (:mod:`harness.training.second_run`). The sandboxing thread runs it (:meth:`_run_second`)."""
        if job.training is None or not sandboxed.second_runs or not second_run.falls_short(first):
            return first
        session = self._session()
        again = session.second_job(job.training)
        if again is None:
            return first
        sandboxed.decide(number, again)
        return session.evaluate_second(job.training, first, again, sandboxed.wait(number, second=True),
                                       self.options.limits, checker)

    def _discard(self, sandboxed: _Sandboxed) -> None:
        shutil.rmtree(sandboxed.keep, ignore_errors=True)
        self._keeps.discard(sandboxed.keep)

    def _failed(self, submission: Path, ids: list[str], exc: BaseException | None,
                reason: str = "") -> SubmissionResult:
        """A submission the grader could not grade: each assignment it has is an ``error`` with the reason (the
        others are ``missing``, as usual), so the class goes on and the student sees why."""
        reason = reason + (f" ({_grader_fault(exc)})" if exc is not None and reason else
                           _grader_fault(exc) if exc is not None else "")
        result = SubmissionResult(submission=submission.name, path=str(submission), sandbox=self.mode,
                                  warnings=[self.warning] if self.warning else [])
        try:
            submitted = self._submitted(submission)
        except Exception:  # noqa: BLE001 - this must not fail: the batch waits for this result
            submitted = None
        for assignment_id in ids:
            assignment = self.catalog[assignment_id]
            try:
                file = assignment_file(submission, assignment_id, self.options.file_map)
            except Exception:  # noqa: BLE001 - this must not fail: the batch waits for this result
                file = assignment_id
            result.assignments.append(self._scaled(_missing(assignment) if file is None else
                                                   AssignmentResult.error(assignment, file, reason), submitted))
        return result

    def _submitted(self, submission: Path) -> scoring.SubmissionTime | None:
        """When the submission was handed in (timestamp.txt, submission_metadata.json, else the newest file), read
        only when the course has a deadline: without one nothing depends on it."""
        course = self.options.course
        if course is None or not (course.deadline or any(p.deadline for p in course.assignments.values())):
            return None
        return scoring.submission_time(submission)

    def _scaled(self, result: AssignmentResult, submitted: scoring.SubmissionTime | None) -> AssignmentResult:
        """Apply course.toml (points, weights, counts, deadline): :func:`harness.pipeline.scoring.apply_policy`."""
        if self.options.course is None:
            return result
        return scoring.apply_policy(result, self.options.course, submitted)

    def _job_or_error(self, submission: Path, assignment: Assignment) -> _Job:
        """:meth:`_job`, or a job that is that assignment's ``error`` when preparing it fails."""
        try:
            return self._job(submission, assignment)
        except Exception as exc:  # noqa: BLE001 - e.g. a file name the file system refuses: this assignment only
            return _Job(assignment, None, None, error=_grader_fault(exc))

    def _job(self, submission: Path, assignment: Assignment) -> _Job:
        """The sandbox job for one assignment. Under ``--checks train`` a model assignment is trained; a function
        assignment has nothing to train, and its function checks are its whole grade, so it is graded by them under
        every ``--checks`` (an instructor running ``train`` gets a complete grade, not a gap), and its checks under
        ``all`` are the same as under ``structure`` and ``train``: ``all`` grades each assignment on the union of
        the checks the other two run."""
        file = assignment_file(submission, assignment.id, self.options.file_map)
        if file is None:
            link = linked_file(submission, assignment.id, self.options.file_map)
            return _Job(assignment, link, None, error=f"{link} is a symbolic link; links are not followed: submit the "
                        "file itself") if link else _Job(assignment, None, None)
        seed = self.options.seed
        if isinstance(assignment, ModelAssignment) and self.training is not None:  # --checks train|all
            prepared = self.training.prepare(submission, assignment, file, evaluate.model_task(assignment, file, seed),
                                             self.options.limits)
            return _Job(assignment, file, prepared.task, limits=prepared.limits, training=prepared)
        if isinstance(assignment, ModelAssignment):
            return _Job(assignment, file, evaluate.model_task(assignment, file, seed, save="config"))
        fixed, drawn = functions.function_cases(assignment)
        return _Job(assignment, file, evaluate.function_task(assignment, file, [*fixed, *drawn], seed), fixed, drawn)

    def _evaluate(self, job: _Job, outcome: Outcome | Exception | None, checker: Checker) -> AssignmentResult:
        assignment, limits = job.assignment, self.options.limits
        if job.error:
            return AssignmentResult.error(assignment, job.file, job.error)
        if job.file is None:
            return _missing(assignment)
        if job.training is not None:
            return self._session().evaluate(job.training, outcome, limits, checker)
        if isinstance(outcome, Exception) or outcome is None:
            return AssignmentResult.error(assignment, job.file, str(outcome))
        if isinstance(assignment, ModelAssignment):
            return checker.check(assignment.id, job.file, outcome, limits)
        return evaluate.evaluate_function(assignment, job.file, job.fixed, job.drawn, outcome, limits)


def _missing(assignment: Assignment) -> AssignmentResult:
    return AssignmentResult(id=assignment.id, status="missing", max_score=assignment.points,
                            reason=f"no {assignment.id}.py or {assignment.id}.ipynb in the submission",
                            expected_params=getattr(assignment, "total_params", None))


def _grader_fault(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return protocol.clean_text(f"the grader failed on it: {type(exc).__name__}: {text}", 400)


@dataclass
class _Sandboxed:
    """One submission after the sandbox: its jobs, and what each left (moved to ``keep``, out of reach of the
    worker's next job). ``refused``: why nothing of it ran (a folder over the caps)."""

    submission: Path
    jobs: list[_Job]
    keep: Path
    outcomes: dict[int, Outcome | Exception | None] = field(default_factory=dict)
    content_hash: str = ""
    refused: str = ""
    ids: list[str] = field(default_factory=list)
    ready: threading.Condition = field(default_factory=threading.Condition)
    prepared: bool = False
    finished: bool = False
    failure: BaseException | None = None
    #: Second training runs (``grade_all``): the checking thread's decision per training job (the job to run
    #: again, or ``None``), their outcomes, and whether the checking thread is done with this submission.
    second_runs: bool = False
    decisions: dict[int, TrainJob | None] = field(default_factory=dict)
    seconds: dict[int, Outcome | Exception] = field(default_factory=dict)
    checks_closed: bool = False

    def keep_out(self, number: int, outcome: Outcome | Exception, second: bool = False) -> Outcome | Exception:
        if isinstance(outcome, Outcome) and outcome.out is not None and outcome.out.is_dir():
            outcome.out = Path(shutil.move(outcome.out, self.keep / f"{number}{'-2' if second else ''}"))
        return outcome

    # -- handing jobs from the sandboxing thread to the checking thread as they end ---------------------------

    def set_jobs(self, jobs: list[_Job]) -> None:
        """The submission's jobs; those with nothing to run (a missing file, an error) are ready at once."""
        with self.ready:
            self.jobs = jobs
            self.outcomes.update({number: None for number, job in enumerate(jobs) if job.task is None})
            self.prepared = True
            self.ready.notify_all()

    def deliver(self, number: int, outcome: Outcome | Exception, second: bool = False) -> None:
        """A job's outcome (``second``: its second run's), moved out of the worker's reach, for the checking
        thread."""
        outcome = self.keep_out(number, outcome, second)
        with self.ready:
            (self.seconds if second else self.outcomes)[number] = outcome
            self.ready.notify_all()

    def decide(self, number: int, again: TrainJob | None) -> None:
        """The checking thread's word on a training job: run ``again``, or nothing (the first word stands)."""
        with self.ready:
            self.decisions.setdefault(number, again)
            self.ready.notify_all()

    def wait_decision(self, number: int) -> TrainJob | None:
        with self.ready:
            self.ready.wait_for(lambda: number in self.decisions or self.checks_closed)
            return self.decisions.get(number)

    def close_checks(self) -> None:
        """The checking thread asks for nothing more of this submission."""
        with self.ready:
            self.checks_closed = True
            self.ready.notify_all()

    def finish(self, failure: BaseException | None = None) -> None:
        """The sandbox is done with this submission; ``failure``: why it stopped before every job ran."""
        with self.ready:
            self.finished = True
            self.failure = failure
            self.ready.notify_all()

    def wait_jobs(self) -> list[_Job]:
        self._wait(lambda: self.prepared)
        return self.jobs

    def wait(self, number: int, second: bool = False) -> Outcome | Exception | None:
        """The job's outcome once its batch has ended (``None``: the job had nothing to run); ``second``: the
        outcome of its second run."""
        outcomes = self.seconds if second else self.outcomes
        self._wait(lambda: number in outcomes)
        return outcomes.get(number)

    def wait_finished(self) -> None:
        with self.ready:
            self.ready.wait_for(lambda: self.finished)

    def _wait(self, until: Callable[[], bool]) -> None:
        """Wait for ``until``; :class:`_SandboxStopped` when the sandbox stopped on this submission first."""
        with self.ready:
            self.ready.wait_for(lambda: until() or self.finished)
            if not until() and self.failure is not None:
                raise _SandboxStopped(self.failure)


class _SandboxStopped(Exception):
    """The sandbox stopped on a submission (``cause``) before every job ran."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass
class _Job:
    """One assignment of one submission, ready for the sandbox (``task`` is None when the file is missing)."""

    assignment: Assignment
    file: str | None
    task: dict | None
    fixed: list[Case] = field(default_factory=list)
    drawn: list[Case] = field(default_factory=list)
    #: Training jobs (harness/training/): their own limits (the recipe's time budget) and trusted-side state.
    limits: Limits | None = None
    training: TrainJob | None = None
    #: Why this assignment could not even be prepared (it is then an ``error`` with this reason).
    error: str = ""
