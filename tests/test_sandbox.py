"""The sandbox's own guarantees, driven through :class:`harness.sandbox.Worker` and the CLI.

- forking after importing TensorFlow is safe: the zygote is single-threaded when it forks, and 30 sequential
  jobs on one warm worker produce identical results;
- one child runs all of a student's assignments, yet each fails alone (a killed child, a timeout, a killed
  zygote), starts from undone state and leaves no process behind for the next;
- a worker whose zygote is killed is replaced and the next job runs normally;
- whatever a job leaves is vetted before the trusted side reads it (links, FIFOs, bombs, escapes);
- ``failure_reason`` words every way a job can end;
- ``--require-sandbox`` refuses to grade where bubblewrap is unavailable (exit status 2).

The hostile-submission suite is ``tests/adversarial``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from harness.catalog import load_catalog
from harness.checks import evaluate, functions
from harness.sandbox import Limits, Outcome, SandboxUnavailable, Worker, detect_mode
from harness.sandbox.host.worker import clean_text, vet_outputs

ROOT = Path(__file__).resolve().parents[1]
ALICE = ROOT / "submissions" / "alice"


def _mode() -> str:
    return detect_mode()


@pytest.fixture(scope="module")
def worker() -> Worker:
    with Worker(0, _mode()) as warm:
        warm.wait_ready()
        yield warm


# -- fork safety ------------------------------------------------------------------------------------------------

def test_the_zygote_is_single_threaded_when_it_forks(worker: Worker) -> None:
    ready = worker.wait_ready()
    assert ready["threads"] == 1, "a thread in the zygote at fork time could leave a lock held in every child"
    assert ready["versions"]["keras"].startswith("3.")


def test_twelve_sequential_forks_give_identical_results(worker: Worker, tmp_path: Path) -> None:
    import keras

    catalog = load_catalog()
    model_assignment, function_assignment = catalog["simple_rnn"], catalog["rnn_forward"]
    fixed, drawn = functions.function_cases(function_assignment)
    model_task = evaluate.model_task(model_assignment, "simple_rnn.py", seed=0)
    function_task = evaluate.function_task(function_assignment, "rnn_forward.py", [*fixed, *drawn], seed=0)
    limits = Limits(wall_s=60)
    first_weights: list[np.ndarray] | None = None
    first_outputs: dict[str, np.ndarray] | None = None
    zygotes = set()
    for index in range(12):  # six of each kind: enough to show nothing drifts from fork to fork
        model_job = index % 2 == 0
        outcome = worker.run(model_task if model_job else function_task, ALICE, limits)
        zygotes.add(outcome.zygote_id)
        assert evaluate.failure_reason(outcome, limits) is None, (index, outcome.summary())
        assert outcome.fork_threads == 1
        assert outcome.strays_killed == 0 and outcome.refused == []
        if model_job:
            assert outcome.preflight == {"ok": True, "wall_s": outcome.preflight["wall_s"], "reason": ""}
            copy = tmp_path / f"model{index}.keras"
            shutil.copy(outcome.out / "model.keras", copy)
            weights = keras.saving.load_model(copy, safe_mode=True, compile=False).get_weights()
            if first_weights is None:
                first_weights = weights
            assert len(weights) == len(first_weights)
            for got, want in zip(weights, first_weights, strict=True):
                np.testing.assert_array_equal(got, want)
        else:
            with np.load(outcome.out / "outputs.npz", allow_pickle=False) as data:
                outputs = {key: data[key] for key in data.files}
            if first_outputs is None:
                first_outputs = outputs
            assert outputs.keys() == first_outputs.keys()
            for key in outputs:
                np.testing.assert_array_equal(outputs[key], first_outputs[key])
    assert len(zygotes) == 1, "every job must have been forked from the same warm zygote"


# -- one child per student: its assignments one after the other -----------------------------------------------

def _student(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    for name, source in files.items():
        (folder / name).write_text(source)
    return folder


RNN = ("import keras\nfrom keras import layers\n\n\ndef build_model():\n"
       "    return keras.Sequential([keras.Input((None,), dtype='int32'), layers.Embedding(10000, 32), "
       "layers.SimpleRNN(32)])\n")


def _model_tasks(files: list[str]) -> list[dict]:
    assignment = load_catalog()["simple_rnn"]
    return [evaluate.model_task(assignment, file, seed=0, save="config") for file in files]


def test_an_assignment_that_kills_its_child_fails_alone(worker: Worker, tmp_path: Path) -> None:
    folder = _student(tmp_path, {"a.py": RNN, "b.py": "import os\nos.kill(os.getpid(), 9)\n", "c.py": RNN,
                                 "d.py": "while True:\n    pass\n", "e.py": RNN})
    limits = Limits(wall_s=5)
    outcomes = worker.run_batch(_model_tasks(["a.py", "b.py", "c.py", "d.py", "e.py"]), folder, limits,
                                preflight=False)
    reasons = [evaluate.failure_reason(o, limits) for o in outcomes]
    assert reasons == [None, f"killed by signal {int(signal.SIGKILL)} (SIGKILL)", None, "timed out after 5 s", None]
    assert [(o.out / "model.json").is_file() for o in outcomes] == [True, False, True, False, True]
    assert outcomes[3].wall_s >= 5 and outcomes[4].wall_s < 5  # each assignment has its own wall clock
    assert len({o.zygote_id for o in outcomes}) == 1


def test_an_assignment_cannot_change_how_the_next_one_of_its_student_is_built(worker: Worker, tmp_path: Path) -> None:
    polluter = ("import keras, sys\nsys.path.insert(0, '/nowhere')\nkeras.config.set_floatx('float16')\n"
                "keras.config.set_dtype_policy('mixed_float16')\nimport helper\nhelper.VALUE = 'polluted'\n"
                "keras.saving.get_custom_objects()['Stray'] = object\n" + RNN)
    reader = ("import keras, sys, json, helper\nassert helper.VALUE == 'clean', helper.VALUE\n"
              "assert keras.config.floatx() == 'float32' and keras.config.dtype_policy().name == 'float32'\n"
              "assert '/nowhere' not in sys.path and not keras.saving.get_custom_objects()\n" + RNN)
    folder = _student(tmp_path, {"a.py": polluter, "b.py": reader, "helper.py": "VALUE = 'clean'\n"})
    outcomes = worker.run_batch(_model_tasks(["a.py", "b.py"]), folder, Limits(wall_s=30), preflight=False)
    assert [evaluate.failure_reason(o, Limits(wall_s=30)) for o in outcomes] == [None, None], outcomes[1].summary()
    config = json.loads((outcomes[1].out / "model.json").read_text())
    assert config["config"]["dtype"]["config"]["name"] == "float32"


def test_what_an_assignment_started_is_gone_before_the_next_one_starts(worker: Worker, tmp_path: Path) -> None:
    starter = ("import subprocess, sys\nsleeper = [sys.executable, '-c', 'import time; time.sleep(600)']\n"
               "open('pid', 'w').write(str(subprocess.Popen(sleeper, start_new_session=True).pid))\n" + RNN)
    checker = ("import os\npid = int(open('pid').read())\nstat = f'/proc/{pid}/stat'\n"
               "state = open(stat).read().rsplit(')', 1)[1].split()[0] if os.path.exists(stat) else 'gone'\n"
               "assert state in ('gone', 'Z'), f'process {pid} still {state}'\n" + RNN)
    folder = _student(tmp_path, {"a.py": starter, "b.py": checker})
    limits = Limits(wall_s=30)
    outcomes = worker.run_batch(_model_tasks(["a.py", "b.py"]), folder, limits, preflight=False)
    assert [evaluate.failure_reason(o, limits) for o in outcomes] == [None, None], outcomes[1].summary()
    assert (outcomes[0].strays_killed, outcomes[1].strays_killed) == (1, 0)


def test_forged_progress_lines_do_not_buy_time(worker: Worker, tmp_path: Path) -> None:
    forger = ("import os\nfor fd in map(int, os.listdir('/proc/self/fd')):\n    try:\n"
              "        os.write(fd, b'done 0 0\\ndone 1 0\\ndone 2 0\\n')\n    except OSError:\n        pass\n"
              "while True:\n    pass\n")
    folder = _student(tmp_path, {"a.py": forger})
    limits = Limits(wall_s=4)
    started = time.monotonic()
    outcomes = worker.run_batch(_model_tasks(["a.py"]), folder, limits, preflight=False)
    assert time.monotonic() - started < limits.wall_s + 3  # its one line starts no new limit
    result = evaluate.evaluate_model(load_catalog()["simple_rnn"], "a.py", outcomes[0], limits)
    assert (result.status, result.reason) == ("error", "exited (status 0) before the grader received its model")


# -- a zygote that dies is replaced --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def killable() -> Worker:
    """A fallback worker whose children keep its uid, and so may kill its zygote: shared by the tests that do,
    each of which shows the zygote replaced and grading going on (so a later one starts from a replaced one)."""
    fallback = Worker(1, "fallback")
    fallback.uid = None  # before start(): as where the child keeps the worker's uid, and so may kill it
    try:
        fallback.start()
        yield fallback
    finally:
        fallback.close()


def test_a_killed_zygote_is_replaced_and_grading_goes_on(killable: Worker, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "simple_rnn.py").write_text("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
    task = evaluate.model_task(load_catalog()["simple_rnn"], "simple_rnn.py", seed=0)
    limits = Limits(wall_s=30)
    first = killable.wait_ready()["zygote_id"]
    outcome = killable.run(task, hostile, limits)
    assert outcome.worker_died
    assert evaluate.failure_reason(outcome, limits).startswith("the submission killed the grading worker")
    after = killable.run(task, ALICE, limits)
    assert evaluate.failure_reason(after, limits) is None, after.summary()
    assert after.zygote_id and after.zygote_id != first


def test_a_student_that_kills_the_zygote_loses_only_that_assignment(killable: Worker, tmp_path: Path) -> None:
    folder = _student(tmp_path, {"a.py": RNN, "b.py": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
                                 "c.py": RNN})
    limits = Limits(wall_s=30)
    outcomes = killable.run_batch(_model_tasks(["a.py", "b.py", "c.py"]), folder, limits, preflight=False)
    assert [o.worker_died for o in outcomes] == [False, True, False]
    assert [evaluate.failure_reason(o, limits) for o in (outcomes[0], outcomes[2])] == [None, None]
    assert all((o.out / "model.json").is_file() for o in (outcomes[0], outcomes[2]))


# -- what a job leaves is vetted before anything reads it ---------------------------------------------------

def _keras_archive(path: Path, extra: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("metadata.json", "{}")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)


def _forge_size(path: Path, member: str, size: int) -> None:
    """Rewrite the central directory's uncompressed size of ``member`` (what zipfile and Keras believe)."""
    data = bytearray(path.read_bytes())
    start = data.find(b"PK\x01\x02")
    while start != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        name = bytes(data[start + 46:start + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", data, start + 24, size)
        start = data.find(b"PK\x01\x02", start + 4)
    path.write_bytes(bytes(data))


def _npy(header_shape: tuple[int, ...], payload: bytes = b"", dtype: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": header_shape})
    return buffer.getvalue() + payload


def test_links_fifos_and_strays_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.symlink("/etc/passwd", out / "model.keras")
    os.mkfifo(out / "error.json")
    (tmp_path / "elsewhere.json").write_text("{}")
    os.link(tmp_path / "elsewhere.json", out / "info.json")  # a hard link: another file's content, not the job's
    (out / "result.json").write_text('{"score": 10}')
    refused = vet_outputs(out)
    for name in ("model.keras", "error.json", "info.json"):
        assert f"{name} (not a regular file)" in refused
    assert any(r.startswith("result.json") for r in refused)
    assert list(out.iterdir()) == []


def test_json_is_bounded_parsed_and_cleaned_of_terminal_escapes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "error.json").write_text(json.dumps({"type": "X", "message": "\x1b[2J\x1b[32m✔ passed 10/10\u202e\x07"}))
    (out / "info.json").write_text("[" * 100_000 + "]" * 100_000)
    (out / "outputs.json").write_text("not json")
    refused = vet_outputs(out)
    assert json.loads((out / "error.json").read_text())["message"] == "[2J[32m✔ passed 10/10"
    assert {r.split(" ")[0] for r in refused} == {"info.json", "outputs.json"}
    assert clean_text("a\x1b]0;title\x07b\nc") == "a]0;titleb\nc"


def test_archive_bombs_and_escapes_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    model = out / "model.keras"
    _keras_archive(model, {"model.weights.h5": b"\0" * 1024})
    assert vet_outputs(out) == [] and model.exists()  # an honest-looking archive passes
    _forge_size(model, "model.weights.h5", 3 * 2**30)
    assert vet_outputs(out)[0].startswith("model.keras (it unpacks to more than")
    assert not model.exists()
    _keras_archive(model, {"../../etc/cron.d/x": b"x"})
    assert "leaves the archive" in vet_outputs(out)[0]
    with zipfile.ZipFile(model, "w") as archive:
        archive.writestr("weights.h5", b"x")
    assert "not a Keras archive" in vet_outputs(out)[0]
    model.write_bytes(b"not a zip")
    assert "not a readable archive" in vet_outputs(out)[0]


def test_npz_headers_may_not_promise_more_than_they_hold(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    npz = out / "outputs.npz"
    np.savez(npz, c0=np.arange(6.0))
    assert vet_outputs(out) == []
    with zipfile.ZipFile(npz, "w") as archive:
        archive.writestr("c0.npy", _npy((10**6, 10**6), b"\0" * 64))  # np.load would allocate 8 TB
    assert vet_outputs(out) == ["outputs.npz (c0.npy declares more data than it holds)"]
    with zipfile.ZipFile(npz, "w") as archive:
        archive.writestr("c0.npy", _npy((1,), b"\0" * 64, dtype="|O"))
    assert vet_outputs(out) == ["outputs.npz (c0.npy holds Python objects)"]


# -- every ending, in words ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "reason"), [
    (Outcome(timed_out=True, signal=9), "timed out after 60 s"),
    (Outcome(memory_exceeded=True, signal=9), "used more than 4 GiB of memory, counting shared memory"),
    (Outcome(signal=int(signal.SIGABRT), output_tail="terminate called after throwing an instance of "
             "'std::bad_alloc'"), "used more than 4 GiB of memory, counting shared memory"),
    (Outcome(signal=9, vm_base_kb=1_500_000, vm_peak_kb=1_500_000 + 4 * 2**20 - 10),
     "used more than 4 GiB of memory, counting shared memory"),
    (Outcome(nproc_exceeded=True, signal=9), "started more than 256 processes"),
    (Outcome(signal=9), "killed by signal 9 (SIGKILL)"),
    (Outcome(signal=int(signal.SIGSEGV)), "killed by signal 11 (SIGSEGV)"),
    (Outcome(signal=int(signal.SIGXCPU)), "exceeded 120 s of CPU time"),
    (Outcome(signal=int(signal.SIGXFSZ)), "wrote a file larger than 256 MiB"),
    (Outcome(worker_died=True), "the submission killed the grading worker (its parent process); the worker was "
                                "restarted"),
    (Outcome(exit_code=0, refused=["model.keras (not a regular file)"]),
     "the grader refused its output: model.keras (not a regular file)"),
    (Outcome(exit_code=0, preflight={"ok": False, "reason": "loading it changes process-wide Keras state (floatx)"}),
     "its saved model failed the sandboxed safe-mode load: loading it changes process-wide Keras state (floatx)"),
    (Outcome(exit_code=70), "exited with status 70 before finishing"),
    (Outcome(exit_code=0), None),
])
def test_failure_reasons(outcome: Outcome, reason: str | None) -> None:
    assert evaluate.failure_reason(outcome, Limits()) == reason


# -- bubblewrap required, or not there --------------------------------------------------------------------------

def _env_without_bwrap() -> dict[str, str]:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # the virtual environment's bin: no bwrap
    env.pop("GRADER_SANDBOX", None)
    return env


def test_without_bwrap_the_mode_is_the_fallback_and_required_is_an_error(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _env_without_bwrap()["PATH"])
    monkeypatch.delenv("GRADER_SANDBOX", raising=False)
    assert detect_mode() == "fallback"
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        detect_mode(require_sandbox=True)


def test_require_sandbox_exits_2_when_bwrap_is_unavailable(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "harness", "run", str(ALICE), "-a", "simple_rnn",
                           "--require-sandbox", "--db", str(tmp_path / "grader.sqlite")], cwd=ROOT,
                          env=_env_without_bwrap(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stderr
    assert "bubblewrap" in done.stderr and "--require-sandbox" in done.stderr


def test_forcing_the_fallback_cannot_defeat_require_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SANDBOX", "fallback")
    try:
        assert detect_mode(require_sandbox=True) in ("bwrap", "bwrap-userns")
    except SandboxUnavailable:
        pass  # no bubblewrap here at all: refusing is right too


def test_a_grader_started_under_nice_19_still_grades(tmp_path: Path) -> None:
    """The child lowers its own priority to 10 at most: under ``nice -n 19`` it must keep 19, not try to raise it
    (it has no right to; every child used to die with exit status 70)."""
    (tmp_path / "simple_rnn.py").write_text((Path(__file__).resolve().parents[1] / "submissions" / "alice" /
                                             "simple_rnn.py").read_text())
    done = subprocess.run(["nice", "-n", "19", sys.executable, "-m", "harness", "run", str(tmp_path), "-a",
                           "simple_rnn", "--format", "json", "--force", "--db", str(tmp_path / "db.sqlite")],
                          capture_output=True, text=True, timeout=300)
    result = json.loads(done.stdout)["submissions"][0]["assignments"][0]
    assert result["status"] == "passed", (result["reason"], done.stderr[-500:])


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are claimed only as root")
def test_graders_with_different_temp_folders_never_share_a_sandbox_uid(tmp_path: Path) -> None:
    """A uid is what a grader's clean-up kills: a grader run with another ``TMPDIR`` (a test's private one) must
    still see this one's claim, or it kills this grader's jobs."""
    from harness.sandbox.host.worker import claim_uid

    uid, lock = claim_uid(7)
    try:
        other = subprocess.run([sys.executable, "-c", "from harness.sandbox.host.worker import claim_uid; "
                                "print(claim_uid(7)[0])"], env={**os.environ, "TMPDIR": str(tmp_path)},
                               capture_output=True, text=True, timeout=60, check=True)
        assert int(other.stdout) != uid
        assert not (tmp_path / "grader-uids").exists()
    finally:
        os.close(lock)
