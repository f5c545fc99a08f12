"""Parallel grading (``--jobs N``): the same verdicts, in the same order, whatever the number of workers.

Speed is measured by ``benchmarks/bench_parallel.py`` (20 submissions, ``--jobs 2`` against ``--jobs 1``), not
asserted here: a shared CI machine makes timings flaky.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.pipeline.grade import Grader, Options
from harness.sandbox import Worker
from harness.sandbox.executors import ExecutorError, create
from harness.sandbox.executors.local import LocalExecutor
from tests.conftest import ROOT, grade_json

IDS = ("simple_rnn", "reuters_lstm_100", "rnn_forward", "imdb_lstm")


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("class")
    for name, source in (("a1", "alice"), ("a2", "bob"), ("a3", "alice")):  # odd: one worker takes two
        shutil.copytree(ROOT / "submissions" / source, base / name, ignore=shutil.ignore_patterns("__pycache__"))
    return base


def _verdicts(report: dict) -> list[tuple]:
    return [(s["submission"], a["id"], a["status"], a["score"], a["params"], a["reason"],
             tuple((c["name"], c["passed"], c["message"]) for c in a["checks"]))
            for s in report["submissions"] for a in s["assignments"]]


def test_two_jobs_give_the_verdicts_of_one_in_the_same_order(klass: Path) -> None:
    args = [str(klass), *(x for i in IDS for x in ("-a", i)), "--force"]
    code_one, one = grade_json(*args, "--jobs", "1")
    code_two, two = grade_json(*args, "--jobs", "2")
    assert [s["submission"] for s in two["submissions"]] == ["a1", "a2", "a3"]
    assert (code_two, _verdicts(two)) == (code_one, _verdicts(one))
    assert {a["status"] for s in two["submissions"] for a in s["assignments"]} >= {"passed", "failed"}


def test_each_job_gets_its_share_of_the_cores() -> None:
    cores = os.cpu_count() or 1
    executor = LocalExecutor()
    assert executor.threads(1) == cores
    assert executor.threads(2) == max(1, cores // 2)
    assert executor.threads(10 * cores) == 1


def test_the_grader_takes_its_workers_from_the_executor() -> None:
    grader = Grader(Options(jobs=2))
    try:
        assert grader.executor.name == "local"
        assert len(grader.workers) == 2 and all(isinstance(w, Worker) for w in grader.workers)
        assert {w.threads for w in grader.workers} == {grader.executor.threads(2)}
    finally:
        grader.__exit__(None, None, None)


def test_unknown_executor_is_refused() -> None:
    with pytest.raises(ExecutorError, match="unknown executor"):
        create("slurm")
