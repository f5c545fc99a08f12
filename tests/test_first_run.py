"""The README's first command works from a checkout anywhere, and a sandbox that cannot start says why.

The checkout is copied (tracked and untracked-but-not-ignored files, as a clone with the working tree's
changes) under ``/tmp/<folder with a space>/grader ü``, with a virtual environment of its own there (``.venv``,
a symlink to ``/tmp/<folder>/envs/grader venv``): its interpreter link, ``pyvenv.cfg`` and site-packages all
live under ``/tmp``, the place the sandbox mounts its private tmpfs on. Dependencies are not downloaded: a
``.pth`` file points at the site-packages of the Python running the tests, and the copy is installed into the
new environment as ``setup.sh`` does (``pip install -e``, no dependencies, no build isolation: nothing leaves
the machine).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from harness.catalog import load_catalog
from harness.sandbox import detect_mode

ROOT = Path(__file__).resolve().parents[1]


def _readme_first_run() -> list[str]:
    """The arguments of the README's first ``grader run`` command (``run submissions/alice``)."""
    match = re.search(r"\.venv/bin/grader (run \S+)", (ROOT / "README.md").read_text())
    assert match, "README.md has no `.venv/bin/grader run ...` command"
    return match.group(1).split()


def _two_assignments() -> list[str]:
    """One model and one function assignment of the catalog: both kinds of job, kept short."""
    catalog = load_catalog()
    kinds = {}
    for assignment_id, assignment in sorted(catalog.items()):
        kinds.setdefault(assignment.kind, assignment_id)
    return [kinds["model"], kinds["function"]]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


@pytest.fixture(scope="module")
def checkout() -> Path:
    """A copy of this checkout under ``/tmp/<space>/grader ü`` with its own venv, set up as ``setup.sh`` does."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout (the copy takes what `git ls-files` lists)")
    outer = Path(tempfile.mkdtemp(prefix="grader first run ", dir="/tmp"))
    copy = outer / "grader ü"
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name, follow_symlinks=False)
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    venv = outer / "envs" / "grader venv"  # reached through a symlink, as a shared environment often is
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
    (copy / ".venv").symlink_to(venv)
    python = copy / ".venv" / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "grader-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-e", "."], cwd=copy, env=_clean_env(), check=True,
                   capture_output=True)
    yield copy
    shutil.rmtree(outer, ignore_errors=True)


def test_the_readme_first_command_passes_from_a_checkout_under_tmp(checkout: Path) -> None:
    grader = checkout / ".venv" / "bin" / "grader"
    assert grader.is_file(), "pip did not install the grader command into the copy's venv"
    assignments = _two_assignments()
    command = [str(grader), *_readme_first_run(), "--format", "json", "--jobs", "1", "--force",
               "--db", str(checkout / "first.sqlite")]
    for assignment in assignments:
        command += ["-a", assignment]
    done = subprocess.run(command, cwd=checkout, env=_clean_env(), capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["sandbox"] == detect_mode()
    (submission,) = report["submissions"]
    graded = {a["id"]: a for a in submission["assignments"]}
    assert set(graded) == set(assignments)
    assert all(a["status"] == "passed" for a in graded.values()), graded


def test_one_worker_keeps_its_zygote_across_jobs_when_the_venv_is_under_tmp(checkout: Path) -> None:
    """The wipe after each job keeps the environment bound into the sandbox's /tmp: nothing is left over
    (no ``tainted``), so no job restarts the worker."""
    script = """
import json, sys
from pathlib import Path
from harness.checks import evaluate
from harness.catalog import load_catalog
from harness.sandbox import Limits, Worker, detect_mode
assignment = load_catalog()[sys.argv[1]]
task = evaluate.model_task(assignment, assignment.id + ".py", seed=0)
with Worker(0, detect_mode()) as worker:
    outcomes = [worker.run_batch([task], Path("submissions/alice"), Limits(wall_s=60), preflight=False)[0]
                for _ in range(2)]
    print(json.dumps([{"zygote": o.zygote_id, "tainted": o.extra.get("tainted"),
                       "reason": evaluate.failure_reason(o, Limits(wall_s=60))} for o in outcomes]))
"""
    model = _two_assignments()[0]
    done = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c", script, model], cwd=checkout,
                          env=_clean_env(), capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = json.loads(done.stdout.strip().splitlines()[-1])
    assert first["reason"] is None and second["reason"] is None, (first, second)
    assert first["tainted"] == [] and second["tainted"] == []
    assert first["zygote"] == second["zygote"]


def test_a_sandbox_that_cannot_start_says_why_in_one_line(tmp_path: Path) -> None:
    """A bubblewrap that answers the grader's probe but cannot build the sandbox: the grader quotes what it
    said and the fix in one line, exits non-zero, and prints no traceback.

    The line ends the run (``Error: ...``, exit 2), or, where the run records each student's failure on its
    own, it is the reason of every assignment (exit 1); either way it is the same line, whole.
    """
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    said = "bwrap: Can't mount tmpfs on /newroot/tmp: No space left on device"
    fake.write_text('#!/bin/sh\nfor last; do :; done\n[ "$last" = true ] && exit 0\n'
                    f'echo "{said}" >&2\nexit 1\n')
    fake.chmod(0o755)
    env = _clean_env(PATH=f"{fake.parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}")
    command = [str(Path(sys.executable).parent / "grader"), *_readme_first_run(), "--format", "json",
               "--jobs", "1", "--force", "--db", str(tmp_path / "grader.sqlite")]
    for assignment in _two_assignments():
        command += ["-a", assignment]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    if done.returncode == 2:
        (line,) = [line.removeprefix("Error: ") for line in done.stderr.splitlines() if line.startswith("Error:")]
        reasons = [line]
    else:
        assert done.returncode == 1, done.stderr[-3000:]
        (submission,) = json.loads(done.stdout)["submissions"]
        assert {a["status"] for a in submission["assignments"]} == {"error"}
        reasons = [a["reason"] for a in submission["assignments"]]
    for reason in reasons:
        assert "\n" not in reason
        assert reason.startswith("the sandbox worker did not start")
        assert said in reason
        assert "Fix:" in reason and "GRADER_SANDBOX=fallback" in reason
