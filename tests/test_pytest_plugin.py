"""``pytest --grader=PATH``: one pytest item per assignment × check, graded by ``grader run`` (README "In CI").

Driven with pytester in a fresh pytest process, as CI runs it: a correct and a broken submission give the item
ids, outcomes, failure texts, exit codes and a JUnit file that junitparser reads.
"""

from __future__ import annotations

import re
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from harness.checks import FUNCTION_CHECKS, MODEL_CHECKS
from harness.results.store import open_store

pytest_plugins = ["pytester"]

ALICE = Path(__file__).resolve().parents[1] / "submissions" / "alice"
BROKEN_MODEL = """\
import keras
from keras import layers


def build_model():
    return keras.Sequential([layers.Embedding(10000, 32), layers.SimpleRNN(64)])
"""
BROKEN_FUNCTION = """\
import numpy as np


def rnn_forward(inputs, W, U, b):
    state, outputs = np.zeros((W.shape[0],)), []
    for x in inputs:
        state = np.maximum(0, W @ x + U @ state + b)  # relu where the lecture uses tanh
        outputs.append(state)
    return np.stack(outputs)
"""
#: What the grader says about the broken submission: the checks that fail.
BROKEN_FAILS = {"simple_rnn::output_shapes", "simple_rnn::parameters", "simple_rnn::total_params",
                "simple_rnn::functional", "rnn_forward::fixed_cases", "rnn_forward::property_cases"}


@pytest.fixture()
def classroom(pytester: pytest.Pytester) -> Path:
    ok, broken = pytester.path / "ok", pytester.path / "broken"
    ok.mkdir()
    broken.mkdir()
    for name in ("simple_rnn.py", "rnn_forward.py"):
        shutil.copy(ALICE / name, ok / name)
    (broken / "simple_rnn.py").write_text(BROKEN_MODEL)
    (broken / "rnn_forward.py").write_text(BROKEN_FUNCTION)
    return pytester.path


def _outcomes(stdout: list[str]) -> dict[str, str]:
    """``{item id: PASSED|FAILED|…}`` from ``-v`` output."""
    found = {}
    for line in stdout:
        match = re.match(r"^(\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR)\b", line)
        if match:
            found[match[1]] = match[2]
    return found


def test_the_plugin_is_installed_with_the_package() -> None:
    plugins = {e.name: e.value for e in metadata.entry_points(group="pytest11")}
    assert plugins.get("grader") == "harness.pytest_plugin"


def test_correct_and_broken_submissions(pytester: pytest.Pytester, classroom: Path, tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    result = pytester.runpytest_subprocess("--grader=ok", "--grader=broken", f"--grader-db={tmp_path / 'g.sqlite'}",
                                           f"--junitxml={junit}", "-v", "-p", "no:cacheprovider")
    ids = [f"{a}::{c}" for a, checks in (("simple_rnn", MODEL_CHECKS), ("rnn_forward", FUNCTION_CHECKS))
           for c in checks]
    expected = {f"ok/{i}": "PASSED" for i in ids} | {f"broken/{i}": "FAILED" if i in BROKEN_FAILS else "PASSED"
                                                      for i in ids}
    assert _outcomes(result.outlines) == expected
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=len(ids) * 2 - len(BROKEN_FAILS), failed=len(BROKEN_FAILS))
    result.stdout.fnmatch_lines([f"*collected {len(expected)} items*", "*_ broken/simple_rnn::parameters _*",
                                 "layer 2 SimpleRNN: 6,208 parameters, expected 2,080 (64 units instead of 32)"])

    cases = {(case.classname, case.name): case for suite in JUnitXml.fromfile(str(junit)) for case in suite}
    assert set(cases) == {(i.rsplit("::", 1)[0].replace("/", "."), i.rsplit("::", 1)[1]) for i in expected}
    failure = cases[("broken.simple_rnn", "parameters")].result[0]
    assert isinstance(failure, Failure)
    assert failure.message == "layer 2 SimpleRNN: 6,208 parameters, expected 2,080 (64 units instead of 32)"
    assert cases[("ok.rnn_forward", "property_cases")].is_passed
    assert "cases match:" in cases[("broken.rnn_forward", "fixed_cases")].result[0].message


def test_k_and_x_select_and_stop_and_grade_only_what_is_selected(pytester: pytest.Pytester, classroom: Path,
                                                                tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    result = pytester.runpytest_subprocess("--grader=broken", f"--grader-db={db}", "-k", "simple_rnn", "-x", "-v",
                                           "-p", "no:cacheprovider")
    assert _outcomes(result.outlines) == {"simple_rnn::layers": "PASSED", "simple_rnn::output_shapes": "FAILED"}
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    with open_store(db) as store:
        (graded,) = store.latest()
    assert [a.id for a in graded.assignments] == ["simple_rnn"]

    passing = pytester.runpytest_subprocess("--grader=ok", f"--grader-db={db}", "-k", "rnn_forward",
                                            "-p", "no:cacheprovider")
    passing.assert_outcomes(passed=len(FUNCTION_CHECKS))
    assert passing.ret == pytest.ExitCode.OK


def test_a_bad_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--grader=nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--grader: nowhere: no such file or folder*"])


def test_a_students_pytest_ini_is_refused(pytester: pytest.Pytester, classroom: Path) -> None:
    """``--grader ok`` (a space) makes pytest look for its settings in the student's folder: refused, never graded."""
    (classroom / "ok" / "pytest.ini").write_text("[pytest]\naddopts = -q\n")
    result = pytester.runpytest_subprocess("--grader", "ok")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--grader: pytest read *ok/pytest.ini, inside the submission being graded*"])
