"""``grader bundle gradescope``: a Gradescope autograder zip that grades each submission with this grader.

Why: instructors who collect work on Gradescope should not have to write its ``setup.sh`` / ``run_autograder`` pair
themselves. The zip holds:

- ``setup.sh``: run once by Gradescope, as root, on its Ubuntu base image: apt installs bubblewrap (the sandbox) and
  Python ≥ 3.11, creates ``/autograder/grader-venv`` and pip installs the grader from the copy of this project in
  ``grader/`` (pip fetches only the dependencies), then loads the catalog so a broken image fails its build, not
  every student.
- ``run_autograder``: run for each submission; grades ``/autograder/submission`` (``$AUTOGRADER_ROOT`` replaces
  ``/autograder``; ``$GRADER_PYTHON`` the venv's python) and writes ``/autograder/results/results.json``
  (:mod:`harness.output.gradescope`).
- ``course.toml``: the course's policy (points, counts, file names), validated now rather than on Gradescope.

The zip is reproducible: entries are sorted and dated 1980-01-01, so the same sources give the same bytes.
"""

from __future__ import annotations

import shlex
import zipfile
from pathlib import Path

import click

from harness.output.export import VISIBILITIES
from harness.pipeline.course import COURSE_FILE, CourseError, load_course

#: What of the project the zip carries: the package, the catalog, and what pip needs to install them.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")
PROJECT_FOLDERS = ("harness", "reference")
EPOCH = (1980, 1, 1, 0, 0, 0)

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source (the zip's contents), to build the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
root="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends bubblewrap python3 python3-venv python3-pip ca-certificates >/dev/null
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # Ubuntu 22.04's python3 is 3.10; its python3.11 package is enough
    apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv >/dev/null
    python=python3.11
fi
"$python" -m venv "$root/grader-venv"
"$root/grader-venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
"$root/grader-venv/bin/pip" install -q --disable-pip-version-check -e ./grader
"$root/grader-venv/bin/grader" list >/dev/null  # the catalog loads here, or the image build fails
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission (as /autograder/run_autograder): grade /autograder/submission and
# write /autograder/results/results.json. AUTOGRADER_ROOT replaces /autograder; GRADER_PYTHON the python to use.
set -euo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
python="${{GRADER_PYTHON:-$root/grader-venv/bin/python}}"
export AUTOGRADER_ROOT="$root"
exec "$python" -m harness.output.gradescope --source "$root/source" {options}
"""


def project_root() -> Path:
    """The grader's source tree (this package's parent), which the zip carries for ``pip install``."""
    import harness

    root = Path(harness.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "reference").is_dir():
        raise click.UsageError(f"grader bundle needs the grader's source tree (pyproject.toml beside harness/ in "
                               f"{root}); install it with `pip install -e` from a checkout")
    return root


def project_files(root: Path) -> list[tuple[str, Path]]:
    """``(name in the zip, file)`` for the project copy under ``grader/``: no caches, no links, sorted."""
    found = [(f"grader/{name}", root / name) for name in PROJECT_FILES if (root / name).is_file()]
    for folder in PROJECT_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if path.is_symlink() or not path.is_file() or "__pycache__" in relative.parts or \
                    path.suffix in (".pyc", ".pyo") or any(part.startswith(".") for part in relative.parts):
                continue
            found.append((f"grader/{relative.as_posix()}", path))
    return found


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    archive.writestr(info, data)


def write_bundle(output: Path, course_file: Path | None, visibility: str, checks: str,
                 require_sandbox: bool, assignments: tuple[str, ...] = ()) -> int:
    """Write the zip; returns the number of entries."""
    options = ["--visibility", visibility, "--checks", checks, *(["--require-sandbox"] if require_sandbox else []),
               *(arg for assignment_id in assignments for arg in ("-a", assignment_id))]
    entries: list[tuple[str, bytes, bool]] = [
        ("setup.sh", SETUP_SH.encode(), True),
        ("run_autograder", RUN_AUTOGRADER.format(options=shlex.join(options)).encode(), True),
    ]
    if course_file is not None:
        entries.append((COURSE_FILE, course_file.read_bytes(), False))
    entries += [(name, path.read_bytes(), False) for name, path in project_files(project_root())]
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w") as archive:
        for name, data, executable in entries:
            _add(archive, name, data, executable)
    return len(entries)


@click.command("bundle")
@click.argument("target", type=click.Choice(["gradescope"]))
@click.option("--course", "course_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="course.toml (or its folder) to grade with [default: ./course.toml if there is one].")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="The zip to write.")
@click.option("--visibility", type=click.Choice(VISIBILITIES), default="visible", show_default=True,
              help="When students see the tests on Gradescope.")
@click.option("--checks", type=click.Choice(["structure", "train", "all"]), default="structure", show_default=True,
              help="What run_autograder checks (train/all need the datasets on the image: $GRADER_DATA).")
@click.option("--require-sandbox", is_flag=True, help="Refuse to grade without bubblewrap on Gradescope.")
@click.option("-a", "--assignment", "assignments", multiple=True, metavar="ID",
              help="Grade only these (repeatable): the assignments of this Gradescope assignment [default: all].")
def command(target: str, course_path: Path | None, output: Path, visibility: str, checks: str,
            require_sandbox: bool, assignments: tuple[str, ...]) -> None:
    """Write an autograder zip for TARGET (gradescope): setup.sh, run_autograder, course.toml and the grader."""
    from harness.catalog import load_catalog

    unknown = [a for a in assignments if a not in load_catalog()]
    if unknown:
        raise click.BadParameter(f"unknown assignment {unknown[0]!r}; `grader list` shows the ids",
                                 param_hint="-a/--assignment")
    base = course_path if course_path is not None else Path.cwd()
    course_file = base if base.is_file() else base / COURSE_FILE
    if course_path is not None and not course_file.is_file():
        raise click.UsageError(f"{course_path}: holds no {COURSE_FILE}; pass the course file")
    try:
        load_course(course_file if course_file.is_file() else None)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    count = write_bundle(output, course_file if course_file.is_file() else None, visibility, checks,
                         require_sandbox, tuple(dict.fromkeys(assignments)))
    click.echo(f"wrote {output} ({count} files; course: {course_file if course_file.is_file() else 'defaults'}); "
               "upload it as the assignment's autograder on Gradescope", err=True)
