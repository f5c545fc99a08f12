"""The checker process: models are loaded there, never in the grader, and a checker that a load touched is replaced.

The models here are written the way a sandboxed child hands them over (``model.json``, the Keras config), so
these tests need no sandbox; ``tests/adversarial`` drives the same path through the CLI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.catalog import load_catalog
from harness.checks.checker import Checker
from harness.sandbox import Limits, Outcome
from tests.conftest import by_id, grade_json

LIMITS = Limits(wall_s=60)


def _config() -> dict:
    import keras

    inputs = keras.Input((None,), dtype="int32")
    outputs = keras.layers.SimpleRNN(32)(keras.layers.Embedding(10000, 32)(inputs))
    return json.loads(keras.Model(inputs, outputs).to_json())


def _outcome(folder: Path, config: dict) -> Outcome:
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps(config))
    return Outcome(exit_code=0, out=folder)


def _gadget(config: dict) -> dict:
    """The archive trick of tests/adversarial/submissions/keras_gadget: a Keras function run during the load."""
    config["config"]["layers"].append({
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "gadget",
        "config": {"name": "gadget", "trainable": True, "arguments": {}, "output_shape": [1],
                   "function": {"module": "keras.config", "class_name": "function", "config": "set_floatx",
                                "registered_name": "function"}},
        "inbound_nodes": [{"args": [], "kwargs": {"inputs": "float16"}}]})
    return config


@pytest.fixture(scope="module")
def checker() -> Checker:
    load_catalog()
    checking = Checker()
    checking.start()
    yield checking
    checking.close()


def test_a_model_is_checked_in_the_checker(checker: Checker, tmp_path: Path) -> None:
    result = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "ok", _config()), LIMITS)
    assert (result.status, result.params) == ("passed", 322_080), result.reason


def test_a_config_that_names_keras_functions_is_refused_before_keras_sees_it(checker: Checker,
                                                                             tmp_path: Path) -> None:
    import keras

    restarts = checker.restarts
    result = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "gadget", _gadget(_config())), LIMITS)
    assert (result.status, result.reason) == ("error", "layer 3 'gadget' is a Lambda: layers that carry code are not "
                                                        "graded (replace it with built-in layers)")
    assert checker.restarts == restarts  # never loaded: the checker is as clean as before
    assert keras.config.floatx() == "float32"
    after = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "after", _config()), LIMITS)
    assert after.status == "passed", after.reason


def test_a_checker_that_died_between_checks_is_replaced_first(checker: Checker, tmp_path: Path) -> None:
    restarts = checker.restarts
    checker.process.kill()
    checker.process.join()
    result = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "next", _config()), LIMITS)
    assert result.status == "passed", result.reason  # not the next model's fault
    assert checker.restarts == restarts + 1


def test_a_check_past_the_runs_timeout_fails_that_model_and_the_checker_is_replaced(checker: Checker,
                                                                                    tmp_path: Path) -> None:
    restarts = checker.restarts
    result = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "slow", _config()), Limits(wall_s=0.001))
    assert (result.status, result.reason) == ("error", "checking its model took longer than 0.001 s (the run's "
                                                        "--timeout); the grader's checker was replaced")
    assert checker.restarts == restarts + 1
    after = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "after", _config()), LIMITS)
    assert after.status == "passed", after.reason


def test_a_check_past_the_runs_memory_fails_that_model_and_the_checker_is_replaced(checker: Checker,
                                                                                   tmp_path: Path) -> None:
    restarts = checker.restarts
    tiny = Limits(wall_s=60, memory_bytes=2**20)  # 1 MiB on top of what the checker holds
    big = _config()
    big["config"]["layers"][1]["config"]["input_dim"] = 200_000  # 51 MB of fresh weights: never fits in 1 MiB
    result = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "big", big), tiny)
    assert result.status == "error"
    assert result.reason.startswith(("checking its model needed more than 0.000976562 GiB of memory (the run's "
                                     "--memory); the grader's checker was replaced",
                                     "checking its model crashed the grader's checker")), result.reason
    assert checker.restarts == restarts + 1
    after = checker.check("simple_rnn", "simple_rnn.py", _outcome(tmp_path / "after", _config()), LIMITS)
    assert after.status == "passed", after.reason


def _status(pid: int) -> dict[str, list[str]]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.split() for key, _, value in (line.partition(":") for line in lines)}


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid of its own needs root (CAP_SETUID); else it keeps the grader's")
def test_the_checker_runs_under_a_uid_of_its_own_without_capabilities(checker: Checker, tmp_path: Path) -> None:
    outcome = _outcome(tmp_path / "ok", _config())
    outcome.out.chmod(0o700)  # private to the grader, like a job's output folder
    result = checker.check("simple_rnn", "simple_rnn.py", outcome, LIMITS)
    assert result.status == "passed", result.reason  # it graded the model.json the grader read and sent
    status = _status(checker.process.pid)
    real, effective, saved, _ = (int(uid) for uid in status["Uid"])
    assert real == effective == saved == checker.uid != os.getuid()
    assert {int(gid) for gid in status["Gid"]} == {checker.uid}
    assert status["Groups"] == []
    assert int(status["CapEff"][0], 16) == int(status["CapPrm"][0], 16) == int(status["CapBnd"][0], 16) == 0
    assert status["NoNewPrivs"] == ["1"]


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid of its own needs root (CAP_SETUID); else it keeps the grader's")
def test_the_class_is_graded_by_a_checker_of_another_uid(tmp_path: Path) -> None:
    """alice and bob through the CLI: the checker, under its own uid, reads no job folder yet grades as before."""
    _, report = grade_json("submissions/alice", "submissions/bob", "-a", "simple_rnn", "-a", "imdb_lstm", "--jobs",
                           "1", "--db", str(tmp_path / "grader.sqlite"))
    assert by_id(report, "alice")["simple_rnn"]["status"] == "passed", by_id(report, "alice")["simple_rnn"]
    bob = by_id(report, "bob")["imdb_lstm"]
    assert bob["status"] == "failed"
    assert any("layer 2 LSTM: 24,832 parameters, expected 8,320 (64 units instead of 32)" in check["message"]
               for check in bob["checks"] if not check["passed"]), bob["checks"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    return found


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_grader_killed_outright_leaves_no_checker_behind(tmp_path: Path) -> None:
    """A CI timeout's SIGTERM ends the grader without closing its checker's pipe; the checker (a fork, holding a
    copy of the grader's end of it) notices its parent is gone and exits instead of waiting forever."""
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    grader = subprocess.Popen([sys.executable, "-m", "harness", "run", "submissions/alice", "-a", "simple_rnn",
                               "--force", "--db", str(tmp_path / "db.sqlite")], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkers: list[int] = []
    deadline = time.monotonic() + 60
    while not checkers and time.monotonic() < deadline and grader.poll() is None:
        own = _cmdline(grader.pid)  # empty until the grader's exec is done
        checkers = [pid for pid in _children(grader.pid) if own and _cmdline(pid) == own]  # a fork: same command
        time.sleep(0.05)
    assert checkers, "the grader forked no checker"
    while os.getuid() == 0 and _uid(checkers[0]) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # as root, until it is confined under its own uid: serving, as when a CI job times out
    grader.send_signal(signal.SIGTERM)
    grader.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(map(_running, checkers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in checkers if _running(pid)]
    for pid in left:  # never leave one running past the test
        os.kill(pid, signal.SIGKILL)
    assert not left, "the checker outlived its grader"


def _uid(pid: int) -> int | None:
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return None
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""
