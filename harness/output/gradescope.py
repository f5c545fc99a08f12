"""What a Gradescope autograder built by ``grader bundle gradescope`` does for each submission.

Gradescope extracts the bundle to ``/autograder/source``, runs its ``setup.sh`` once to build the image, then for
every submission runs ``run_autograder``, which calls ``python -m harness.output.gradescope``: grade
``/autograder/submission`` with ``grader run`` (the sandboxed path, as on the instructor's machine) and write
``/autograder/results/results.json`` with :func:`harness.output.export.gradescope` (the same document
``grader export --format gradescope`` writes). ``AUTOGRADER_ROOT`` replaces ``/autograder`` (tests, a dry run).

Gradescope shows "The autograder failed to execute correctly" when results.json is missing or malformed, which
tells the student nothing: every way this can go wrong (no Python files, several folders, the grader refusing)
still writes a results.json with score 0 and one line saying what to upload.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.output.escape import plain

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = Path("/autograder")
SOURCES = (".py", ".ipynb")


def submission_folder(folder: Path) -> Path:
    """The folder to grade: the submission itself, or the one folder it holds when the student uploaded a folder
    (or a zip of one) rather than the files."""
    if not folder.is_dir():
        return folder
    if any(p.suffix in SOURCES and p.is_file() for p in folder.iterdir()):
        return folder
    inner = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "_"))]
    return inner[0] if len(inner) == 1 else folder


def _trusted_time(root: Path, submission: Path) -> None:
    """Make Gradescope's own ``submission_metadata.json`` (beside the submission, where Gradescope writes it) the
    submission time the deadline is judged by. The student uploads the submission folder, so a ``timestamp.txt`` or
    ``submission_metadata.json`` inside it is theirs to forge: both are replaced (the container is thrown away after
    this run). Without Gradescope's file the newest file's time is used, as everywhere."""
    from harness.pipeline.scoring import METADATA_FILE, TIMESTAMP_FILE

    if not submission.is_dir():
        return
    for name in (TIMESTAMP_FILE, METADATA_FILE):
        forged = submission / name
        if forged.is_symlink() or forged.is_file():
            forged.unlink()
        elif forged.is_dir():
            shutil.rmtree(forged)
    trusted = root / METADATA_FILE
    if trusted.is_file() and not trusted.is_symlink():
        (submission / METADATA_FILE).write_bytes(trusted.read_bytes()[:64 * 1024])


def failed(message: str, visibility: str) -> dict[str, Any]:
    """results.json for a submission that could not be graded at all: 0 points and the reason."""
    return {"score": 0.0, "output": plain(message), "visibility": visibility, "stdout_visibility": "hidden",
            "tests": []}


def autograde(root: Path, course: Path | None, visibility: str = "visible", checks: str = "structure",
              require_sandbox: bool = False, assignments: tuple[str, ...] = ()) -> dict[str, Any]:
    """Grade ``root/submission`` (only ``assignments`` when given: those of this Gradescope assignment); returns the
    results.json document (also written to ``root/results``)."""
    from harness.output.export import gradescope
    from harness.pipeline.course import load_course
    from harness.results.store import open_store

    policy = load_course(course) if course else None
    submission = submission_folder(root / "submission")
    _trusted_time(root, submission)
    with tempfile.TemporaryDirectory(prefix="grader-autograder-") as work:
        db = Path(work) / "grader.sqlite"
        command = [sys.executable, "-m", "harness", "run", str(submission), "--db", str(db), "--checks", checks,
                   "--format", "json", "--output", str(Path(work) / "report.json"), "--jobs", "1"]
        if course:
            command += ["--course", str(course)]
        if require_sandbox:
            command.append("--require-sandbox")
        command += [arg for assignment_id in assignments for arg in ("-a", assignment_id)]
        done = subprocess.run(command, cwd=work, capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        results = []
        if db.is_file():
            with open_store(db, create=False) as store:
                results = store.latest()
    if done.returncode not in (0, 1) or not results:
        said = (done.stderr.strip().splitlines() or [f"grader run exited with status {done.returncode}"])[-1]
        doc = failed(f"Your submission could not be graded: {said.removeprefix('Error: ')}. Upload your .py or "
                     ".ipynb files (for example imdb_lstm.py), not a folder of several folders.", visibility)
    elif len(results) > 1:
        doc = failed("Your submission holds several folders of Python files ("
                     + ", ".join(sorted(r.submission for r in results)) + "); upload the files themselves, or one "
                     "folder of them.", visibility)
    else:
        doc = gradescope(results[0], policy, visibility)
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.output.gradescope", description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="the bundle's folder (default: $AUTOGRADER_ROOT/source)")
    parser.add_argument("--visibility", default="visible",
                        choices=("hidden", "after_due_date", "after_published", "visible"))
    parser.add_argument("--checks", default="structure", choices=("structure", "train", "all"))
    parser.add_argument("--require-sandbox", action="store_true")
    parser.add_argument("-a", "--assignment", action="append", default=[], help="grade only these (repeatable)")
    args = parser.parse_args(argv)
    root = Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
    source = args.source or root / "source"
    course = source / "course.toml"
    try:
        doc = autograde(root, course if course.is_file() else None, args.visibility, args.checks,
                        args.require_sandbox, tuple(args.assignment))
    except Exception as exc:  # the student still gets a results.json saying so
        doc = failed(f"The autograder failed ({type(exc).__name__}: {exc}); tell your instructor.", args.visibility)
        (root / "results").mkdir(parents=True, exist_ok=True)
        (root / "results" / "results.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"grader: the autograder failed: {exc}", file=sys.stderr)
        return 1
    print(f"grader: wrote {root / 'results' / 'results.json'} (score {doc['score']:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
