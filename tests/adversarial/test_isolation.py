"""Two students graded by the SAME warm worker cannot see each other.

The polluter changes every process-wide thing it can reach (global Keras dtype policy, floatx, epsilon, a
registered custom object, a module planted in ``sys.modules``, ``sys.path``, the environment) and, in the
sandbox, also leaves files in ``/tmp`` and ``/dev/shm``, a ``~/.keras/keras.json``, System V IPC objects and
a process that keeps writing. The victims, graded next by the same zygote (``-j 1``; the same
``zygote_id``), check for every one of them and only pass if they see none. The fallback shares the host's
``/tmp``, ``/dev/shm`` and IPC namespace, so there the polluter leaves no files and the victims look only at
process state (what the fork from a pristine zygote guarantees in every mode).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile_class import Run, bwrap_available, finish, grade_class

#: Graded in this order (alphabetical), one worker: a_ pollutes, b_ and c_ must not notice.
CLASS = ["a_polluter", "b_victim", "c_victim"]


@pytest.fixture(scope="module", params=["sandbox", "fallback"])
def isolated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    if request.param == "sandbox" and os.environ.get("GRADER_SANDBOX") == "fallback":
        pytest.skip("GRADER_SANDBOX=fallback: only the fallback run")
    if request.param == "sandbox" and not bwrap_available():
        pytest.skip("bubblewrap cannot create namespaces here")
    tmp = tmp_path_factory.mktemp(f"isolation-{request.param}")
    folder = tmp / "class"
    links = {"a_polluter": "polluter", "b_victim": "victim", "c_victim": "victim"}
    templates = Path(__file__).parent / "submissions"
    for name, template in links.items():  # the templates under the names that fix the grading order
        (tmp / "templates" / name).mkdir(parents=True)
        for source in (templates / template).iterdir():
            (tmp / "templates" / name / source.name).write_text(source.read_text())
    check_files = "True" if request.param == "sandbox" else "False"
    run = grade_class(request.param, folder, CLASS, tmp, "-j", "1", "--timeout", "30",
                      values={"CHECK_FILES": check_files}, templates=tmp / "templates")
    yield run
    finish(run)


def test_all_three_ran_on_the_same_warm_worker(isolated: Run) -> None:
    assert isolated.returncode in (0, 1), isolated.stderr[-2000:]
    zygotes = {isolated.result(s)["sandbox"]["zygote_id"] for s in CLASS}
    assert len(zygotes) == 1 and "" not in zygotes


def test_the_polluter_itself_was_graded(isolated: Run) -> None:
    assert isolated.result("a_polluter")["status"] in ("passed", "failed", "error")


@pytest.mark.parametrize("victim", ["b_victim", "c_victim"])
def test_the_next_students_see_nothing_of_it(isolated: Run, victim: str) -> None:
    result = isolated.result(victim)
    assert result["status"] == "passed", result["reason"]
    assert result["score"] == result["max_score"]


def test_its_lingering_process_was_killed_with_its_job(isolated: Run) -> None:
    if isolated.mode == "fallback":
        pytest.skip("the fallback polluter leaves no process (it would write to the host's /tmp)")
    assert isolated.result("a_polluter")["sandbox"]["strays_killed"] >= 1
    assert not list(Path("/tmp").glob(f"poison*{isolated.marker}*"))
