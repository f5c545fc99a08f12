"""Live progress of training jobs on a terminal: time spent against each job's budget."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.training.settings import TrainJob

# -- live progress (trusted side: time spent against each job's budget) ------------------------------------------

class Progress:
    """A rich progress display on stderr: one line per training job, its time against its budget, then its
    result. The bar is wall time, not epochs: the sandbox reports nothing while it runs."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._progress = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      TimeElapsedColumn(), TextColumn("{task.fields[status]}"),
                                      console=Console(stderr=True), transient=False)
        self._tasks: dict[int, tuple[Any, float, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._progress.start()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._progress.stop()

    def start(self, job: TrainJob) -> None:
        budget = job.recipe.time_budget_s
        seed = (job.task or {}).get("seed")  # a second run's line differs from the first's by its seed
        label = f"{job.submission} · {job.assignment.id} ({job.mode}, ≤ {job.recipe.epochs} epochs" \
                f"{'' if seed is None else f', seed {seed}'})"
        with self._lock:
            task = self._progress.add_task(label, total=budget, status=f"training, budget {budget:g} s")
            self._tasks[id(job)] = (task, time.monotonic(), budget)

    def finish(self, job: TrainJob, text: str) -> None:
        with self._lock:
            entry = self._tasks.pop(id(job), None)
            if entry is None:  # never started (skipped): one finished line
                task, total = self._progress.add_task(f"{job.submission} · {job.assignment.id}", total=1,
                                                      status=""), 1.0
            else:
                task, total = entry[0], entry[2]
            self._progress.update(task, completed=total, status=text[:90])

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                for task, started, budget in self._tasks.values():
                    self._progress.update(task, completed=min(budget, time.monotonic() - started))
