"""Grading, end to end: discover → run in the sandbox → check against the reference → score.

:class:`Grader` owns the sandboxed workers for a whole batch, so TensorFlow is imported once per worker,
not once per student (see :mod:`harness.sandbox.zygote`).
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness import evaluate, training
from harness.checker import Checker
from harness.catalog import Assignment, Case, ModelAssignment, load_catalog
from harness.checks import functions
from harness.results import AssignmentResult, SubmissionResult
from harness.executors import LocalExecutor, RayExecutor
from harness.executors import create as create_executor
from harness.sandbox import Limits, Outcome, Worker
from harness.training import TrainJob, TrainSettings

SOURCE_SUFFIXES = (".py", ".ipynb")


class SubmissionError(ValueError):
    """A path that is not a submission or a folder of them; the message names it and says what to do."""


def discover(paths: list[Path]) -> list[Path]:
    """Each PATH is a submission folder (it holds .py/.ipynb files) or a folder of submission folders."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SubmissionError(f"{path}: no such file or folder; pass a submission folder or a folder of them")
        if not path.is_dir():
            raise SubmissionError(f"{path}: is a file; pass the student's folder that holds it")
        if _is_submission(path):
            found.append(path)
            continue
        children = sorted(p for p in path.iterdir()
                          if p.is_dir() and not p.name.startswith((".", "_")) and _is_submission(p))
        if not children:
            raise SubmissionError(f"{path}: holds no .py or .ipynb files and no student folders; "
                                  "pass a submission folder or a folder of them")
        found.extend(children)
    return found


def _is_submission(path: Path) -> bool:
    return any(p.suffix in SOURCE_SUFFIXES and p.is_file() for p in path.iterdir())


def assignment_file(submission: Path, assignment_id: str, file_map: dict[str, str] | None = None) -> str | None:
    """The file graded for an assignment: ``<id>.py``, else ``<id>.ipynb``, else one mapped in course.toml."""
    for suffix in SOURCE_SUFFIXES:
        candidate = submission / f"{assignment_id}{suffix}"
        if candidate.is_file() and not candidate.is_symlink():
            return candidate.name
    for student_file, mapped in (file_map or {}).items():
        if mapped == assignment_id and (submission / student_file).is_file():
            return student_file
    return None


def content_hash(submission: Path) -> str:
    """sha256 over the sorted relative paths and bytes of the submission's source files."""
    digest = hashlib.sha256()
    for path in sorted(submission.rglob("*")):
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(submission)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class Options:
    checks: str = "structure"
    limits: Limits = field(default_factory=Limits)
    require_sandbox: bool = False
    jobs: int = 1
    seed: int = 0
    file_map: dict[str, str] = field(default_factory=dict)
    #: Points per assignment from course.toml; ``None`` keeps the reference's.
    points: dict[str, float | None] = field(default_factory=dict)
    #: ``--checks train|all`` (see harness/training.py): profile, data folders, MIDI folder, live progress.
    training: TrainSettings | None = None
    #: Where sandboxed jobs run (harness/executors.py): ``local`` workers, or ``ray`` at ``address``.
    executor: str = "local"
    address: str | None = None


class Grader:
    """Grades submissions with ``options.jobs`` sandboxed workers; use as a context manager."""

    def __init__(self, options: Options, catalog: dict[str, Assignment] | None = None) -> None:
        self.options = options
        self.executor: LocalExecutor | RayExecutor | None = None
        self.training: training.Session | None = None
        self.workers: list[Worker] = []
        #: Checker processes, lent to one submission's checks at a time: one per worker, at most one per local
        #: core (Ray workers run elsewhere; their checks run here).
        self.checkers: list[Checker] = []
        self._idle_checkers: queue.Queue[Checker] = queue.Queue()
        # Checkers are forked while this process is single-threaded (see harness/checker.py). Local workers start
        # no thread: they start first and import TensorFlow while this process imports the catalog, and the
        # checkers are forked after it, sharing its imports. A Ray connection starts threads: the checkers are
        # forked before it and import TensorFlow themselves, while the cluster starts the workers.
        try:
            if options.executor == "local":
                self._start_workers()
                self.catalog = catalog or load_catalog()
                self._start_checkers()
            else:
                self._start_checkers()
                self._start_workers()
                self.catalog = catalog or load_catalog()
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
        self.executor = create_executor(options.executor, options.address, options.require_sandbox)
        self.mode = self.executor.mode
        threads = self.executor.threads(options.jobs)
        self.training = training.Session(options.training or TrainSettings(seed=options.seed), self.mode) \
            if options.checks in ("train", "all") else None
        data_dirs = self.training.sandbox_dirs if self.training else ()
        self.workers = self.executor.slots(options.jobs, threads, data_dirs=data_dirs)
        for worker in self.workers:
            worker.start()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        for checker in self.checkers:  # first: a forked checker holds copies of the workers' pipes
            checker.close()
        closing = [threading.Thread(target=worker.close) for worker in self.workers]  # ≈ 1 s each: at once
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join()
        if self.executor is not None:
            self.executor.close()
        if self.training is not None:
            self.training.close()

    @property
    def warning(self) -> str:
        if self.mode == "fallback":
            return ("UNSANDBOXED: bubblewrap is unavailable, so student code runs as a plain process (rlimits, "
                    "seccomp, no network on x86-64) that can read and write the grader user's files and signal its "
                    "processes. Install bubblewrap, or use --require-sandbox to refuse.")
        return ""

    def versions(self) -> dict[str, str]:
        return self.workers[0].wait_ready().get("versions", {})

    def grade_all(self, submissions: list[Path], ids: list[str],
                  on_result: Callable[[SubmissionResult], None] | None = None) -> Iterator[SubmissionResult]:
        """Grade every submission, yielding results in the given order as they complete.

        Each worker's sandbox runs one student ahead of the trusted checks: while student k's models are
        checked here, student k+1's code already runs in the sandbox (two cores busy with one ``--jobs``).
        """
        todo: queue.Queue[tuple[int, Path]] = queue.Queue()
        for item in enumerate(submissions):
            todo.put(item)
        done: dict[int, SubmissionResult | BaseException] = {}
        ready = threading.Condition()

        def sandbox(worker: Worker, ran: queue.Queue) -> None:
            while True:
                try:
                    index, submission = todo.get_nowait()
                except queue.Empty:
                    ran.put(None)
                    return
                try:
                    ran.put((index, self._sandbox(submission, ids, worker)))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, in order
                    ran.put((index, exc))

        def work(worker: Worker) -> None:
            ran: queue.Queue = queue.Queue(maxsize=1)
            producer = threading.Thread(target=sandbox, args=(worker, ran), daemon=True)
            producer.start()
            while (item := ran.get()) is not None:
                index, sandboxed = item
                try:
                    result = sandboxed if isinstance(sandboxed, BaseException) else self._check(sandboxed)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, in order
                    result = exc
                with ready:
                    done[index] = result
                    ready.notify_all()
            producer.join()

        threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in self.workers]
        for thread in threads:
            thread.start()
        for index in range(len(submissions)):
            with ready:
                ready.wait_for(lambda index=index: index in done)
            result = done.pop(index)
            if isinstance(result, BaseException):
                raise result
            if on_result:
                on_result(result)
            yield result

    def grade(self, submission: Path, ids: list[str], worker: Worker) -> SubmissionResult:
        """Grade one submission on ``worker``: its code in the sandbox, then the checks here."""
        return self._check(self._sandbox(submission, ids, worker))

    def _sandbox(self, submission: Path, ids: list[str], worker: Worker) -> _Sandboxed:
        """Run a submission's assignments in the sandbox: one child for all of them, training jobs on their own."""
        sandboxed = _Sandboxed(submission, [self._job(submission, self.catalog[i]) for i in ids],
                               Path(tempfile.mkdtemp(prefix="grader-results-")))
        pending: list[int] = []

        def flush() -> None:
            runs = [sandboxed.jobs[n] for n in pending]
            try:  # the checker does what the sandbox's preflight would (harness/checker.py)
                outcomes = worker.run_batch([job.task for job in runs], submission, self.options.limits,
                                            preflight=False)
            except Exception as exc:  # noqa: BLE001 - e.g. an oversized submission: these assignments' error
                outcomes = [exc] * len(runs)
            for number, outcome in zip(pending, outcomes):
                sandboxed.outcomes[number] = sandboxed.keep_out(number, outcome)
            pending.clear()

        for number, job in enumerate(sandboxed.jobs):
            if job.task is None:
                continue
            if job.training is None:
                pending.append(number)
                continue
            flush()
            try:
                job.training.started(self.training)
                outcome = worker.run(job.task, submission, job.limits or self.options.limits)
            except Exception as exc:  # noqa: BLE001
                outcome = exc
            sandboxed.outcomes[number] = sandboxed.keep_out(number, outcome)
        if pending:
            flush()
        return sandboxed

    def _check(self, sandboxed: _Sandboxed) -> SubmissionResult:
        """The trusted side: check what the sandbox left for each assignment, and score it."""
        submission = sandboxed.submission
        result = SubmissionResult(submission=submission.name, path=str(submission),
                                  content_hash=content_hash(submission), sandbox=self.mode,
                                  warnings=[self.warning] if self.warning else [])
        checker = self._idle_checkers.get()
        try:
            for number, job in enumerate(sandboxed.jobs):
                outcome = sandboxed.outcomes.get(number)
                result.assignments.append(self._scaled(self._evaluate(job, outcome, checker)))
        finally:
            self._idle_checkers.put(checker)
            shutil.rmtree(sandboxed.keep, ignore_errors=True)
        return result

    def _scaled(self, result: AssignmentResult) -> AssignmentResult:
        """Apply course.toml's points: the same share of the checks, out of the course's maximum."""
        points = self.options.points.get(result.id)
        if points is not None and result.max_score:
            result.score = round(result.score * points / result.max_score, 2)
            result.max_score = points
        return result

    def _job(self, submission: Path, assignment: Assignment) -> _Job:
        file = assignment_file(submission, assignment.id, self.options.file_map)
        if file is None:
            return _Job(assignment, None, None)
        seed = self.options.seed
        if isinstance(assignment, ModelAssignment) and self.training is not None:  # --checks train|all
            prepared = self.training.prepare(submission, assignment, file, evaluate.model_task(assignment, file, seed),
                                             self.options.limits)
            return _Job(assignment, file, prepared.task, limits=prepared.limits, training=prepared)
        if self.options.checks == "train":  # a function assignment: nothing to train
            return _Job(assignment, file, None, skip="a function assignment: nothing to train (--checks structure)")
        if isinstance(assignment, ModelAssignment):
            return _Job(assignment, file, evaluate.model_task(assignment, file, seed, save="config"))
        fixed, drawn = functions.function_cases(assignment)
        return _Job(assignment, file, evaluate.function_task(assignment, file, [*fixed, *drawn], seed), fixed, drawn)

    def _evaluate(self, job: _Job, outcome: Outcome | Exception | None, checker: Checker) -> AssignmentResult:
        assignment, limits = job.assignment, self.options.limits
        if job.file is None:
            return AssignmentResult(id=assignment.id, status="missing", max_score=assignment.points,
                                    reason=f"no {assignment.id}.py or {assignment.id}.ipynb in the submission",
                                    expected_params=getattr(assignment, "total_params", None))
        if job.training is not None:
            return self.training.evaluate(job.training, outcome, limits)
        if job.skip:
            return AssignmentResult(id=assignment.id, status="skipped", max_score=assignment.points, file=job.file,
                                    reason=job.skip)
        if isinstance(outcome, Exception) or outcome is None:
            return AssignmentResult(id=assignment.id, status="error", max_score=assignment.points, file=job.file,
                                    reason=str(outcome), expected_params=getattr(assignment, "total_params", None))
        if isinstance(assignment, ModelAssignment):
            return checker.check(assignment.id, job.file, outcome, limits)
        return evaluate.evaluate_function(assignment, job.file, job.fixed, job.drawn, outcome, limits)


@dataclass
class _Sandboxed:
    """One submission after the sandbox: its jobs, and what each left (moved to ``keep``, out of reach of the
    worker's next job)."""

    submission: Path
    jobs: list[_Job]
    keep: Path
    outcomes: dict[int, Outcome | Exception] = field(default_factory=dict)

    def keep_out(self, number: int, outcome: Outcome | Exception) -> Outcome | Exception:
        if isinstance(outcome, Outcome) and outcome.out is not None and outcome.out.is_dir():
            outcome.out = Path(shutil.move(outcome.out, self.keep / str(number)))
        return outcome


@dataclass
class _Job:
    """One assignment of one submission, ready for the sandbox (``task`` is None when the file is missing)."""

    assignment: Assignment
    file: str | None
    task: dict | None
    fixed: list[Case] = field(default_factory=list)
    drawn: list[Case] = field(default_factory=list)
    #: Training jobs (harness/training.py): their own limits (the recipe's time budget) and trusted-side state.
    limits: Limits | None = None
    training: TrainJob | None = None
    skip: str = ""
