"""Commands that grade nothing import no TensorFlow, and a re-run with nothing to grade starts no process.

Each command runs in a fresh interpreter that lists ``sys.modules`` when it exits: the assertions are on the
modules imported, never on times (the ratios live in ``benchmarks/bench_cli.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, grader
from conftest_results import class_results, populate

from harness.catalog import ModelAssignment, load_catalog

HEAVY = ("tensorflow", "keras")


#: ``grader ARGS`` as the console script runs it, writing every module the process imported to $MODULES at exit.
MAIN = ("import atexit, json, os, sys\n"
        "atexit.register(lambda: open(os.environ['MODULES'], 'w').write(json.dumps(sorted(sys.modules))))\n"
        "from harness.cli import main\n"
        "main(prog_name='grader')\n")


def imported(*args: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``grader ARGS`` in a fresh interpreter: the finished process and every module it imported."""
    listing = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", MAIN, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "MODULES": str(listing)}, timeout=120)
    return done, set(json.loads(listing.read_text()))


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return populate(tmp_path / "grader.sqlite", class_results())


def test_help_imports_no_tensorflow(tmp_path: Path) -> None:
    done, modules = imported("--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "list" in done.stdout and "run" in done.stdout
    assert modules and not heavy(modules)


def test_list_reads_the_declared_figures_without_keras(tmp_path: Path) -> None:
    done, modules = imported("list", "--format", "json", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not heavy(modules), ("reading the catalog imported Keras: a reference imports it at module level; "
                                "write `from harness.catalog.lazy import keras, layers` (see harness/catalog/lazy.py)")
    # only its own command module: the group imports a subcommand when it runs
    assert {m for m in modules if m.startswith("harness.commands.")} == {"harness.commands.list"}
    rows = {row["id"]: row for row in json.loads(done.stdout)["assignments"]}
    catalog = load_catalog()
    assert list(rows) == list(catalog)
    for assignment_id, assignment in catalog.items():
        if isinstance(assignment, ModelAssignment):  # tests/test_catalog.py builds each and asserts these figures
            assert rows[assignment_id]["expected_params"] == assignment.total_params
            assert rows[assignment_id]["accepted_params"] == [v.total_params for v in assignment.variants]
        else:
            assert rows[assignment_id]["function"] == assignment.function


def test_list_table_shows_seed_kind_and_parameters(tmp_path: Path) -> None:
    done, modules = imported("list", tmp_path=tmp_path)
    assert done.returncode == 0 and not heavy(modules)
    assert "328,353" in done.stdout  # imdb_lstm, as the README's tour says
    assert "rnn_forward" in done.stdout


@pytest.mark.parametrize("args", [
    ("leaderboard",),
    ("leaderboard", "--format", "html"),
    ("report", "alice", "--no-plots"),
    ("export", "--format", "csv"),
    ("export", "--format", "junit"),
])
def test_store_commands_import_no_tensorflow(args: tuple[str, ...], store: Path, tmp_path: Path) -> None:
    output = tmp_path / "exported"
    extra = ("--output", str(output)) if args[0] == "export" else ()
    done, modules = imported(*args, "--db", str(store), *extra, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not heavy(modules)
    assert done.stdout.strip() or output.exists()


#: ``grader ARGS`` in this process, noting each worker and checker start (and making it only with PROBE_START=1).
PROBE = """
import json, os, sys
from click.testing import CliRunner
from harness.checks import checker
from harness import sandbox

started = []

def noting(name, start):
    def wrapper(self):
        started.append(name)
        if os.environ.get("PROBE_START") == "1":
            start(self)
    return wrapper

sandbox.Worker.start = noting("worker", sandbox.Worker.start)
checker.Checker.start = noting("checker", checker.Checker.start)
from harness.cli import main

result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "started": started, "output": result.output,
                  "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))}))
"""


def probe(*args: str, start: bool) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PROBE_START": "1" if start else "0"}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["exit"] == 0, report["output"][-2000:]
    return report


def test_unchanged_rerun_starts_no_worker_and_imports_no_tensorflow(tmp_path: Path) -> None:
    args = ("run", "submissions/alice", "-a", "rnn_forward", "--jobs", "1", "--db", str(tmp_path / "grader.sqlite"))
    first = grader(*args)
    assert first.returncode == 0, first.stderr[-2000:]
    report = probe(*args, "--format", "json", start=False)
    assert report["started"] == [] and report["heavy"] == []
    stored = json.loads(report["output"])
    assert [a["status"] for s in stored["submissions"] for a in s["assignments"]] == ["passed"]
    assert stored["versions"]["tensorflow"] and stored["versions"]["keras"]


def test_a_run_with_work_starts_its_worker_and_checker(tmp_path: Path) -> None:
    """The deferred start does happen when there is something to grade (``--force``)."""
    report = probe("run", "submissions/alice", "-a", "rnn_forward", "--jobs", "1", "--force", "--format", "json",
                   "--db", str(tmp_path / "grader.sqlite"), start=True)
    assert report["started"] == ["worker", "checker"]
    graded = json.loads(report["output"])
    assert [a["status"] for s in graded["submissions"] for a in s["assignments"]] == ["passed"]


def test_a_training_run_reads_no_students_model_in_the_grader(tmp_path: Path) -> None:
    """``--checks all`` trains alice's MNIST MLP and song MLP: the checker reads each trained ``model.keras``,
    checks its structure and measures it on the held-out data; the grader only judges the figures, so its own
    process never imports TensorFlow (the student's weights are never parsed on the trusted side)."""
    from test_training import SHARED

    if not SHARED.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED}")
    report = probe("run", "submissions/alice", "-a", "mnist_mlp", "-a", "song_mlp", "--checks", "all", "--data-dir",
                   str(SHARED), "--force", "--format", "json", "--db", str(tmp_path / "grader.sqlite"),
                   "--artifacts", str(tmp_path / "artifacts"), start=True)
    graded = {a["id"]: a for s in json.loads(report["output"])["submissions"] for a in s["assignments"]}
    assert {i: a["status"] for i, a in graded.items()} == {"mnist_mlp": "passed", "song_mlp": "passed"}
    assert graded["mnist_mlp"]["metrics"]["training"]["score"] > 0.8 and graded["mnist_mlp"]["params"] == 407_050
    assert "layers" in {c["name"] for c in graded["mnist_mlp"]["checks"]}  # structure, checked with the training
    assert graded["song_mlp"]["metrics"]["song"]["full_song"]["total"] == 50
    assert report["heavy"] == []
