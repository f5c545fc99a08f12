"""A class of hostile students, graded in one ``grader run``; containment asserted from the outside.

Run once in the bubblewrap sandbox (all students) and once with ``GRADER_SANDBOX=fallback`` (only the
students whose attacks the fallback claims to contain: time, memory, processes, crashes, forged results,
and, on x86-64 where its seccomp filter applies, the network). Properties the fallback does not have
(filesystem isolation, protection of other processes of the grader's uid) are skipped there with the reason.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile_class import (
    CONTROLS,
    ROOT,
    SIGNAL_GAP,
    Run,
    bwrap_available,
    finish,
    grade_class,
    skip_in_fallback,
    survivors,
)

#: Everything; only the bubblewrap sandbox gets these.
SANDBOX_CLASS = [*CONTROLS, "write_outside", "delete_files", "tamper_other", "network", "infinite_loop",
                 "memory_hog", "memory_forks", "fork_storm", "daemon_escape", "forged_stdout", "forged_files",
                 "monkeypatch_params", "kill_parent", "kill_everything", "log_flood", "read_secrets",
                 "steal_reference", "symlink_escape", "segfault", "sigkill_self", "exit_early", "syscalls",
                 "keras_gadget"]
#: What the fallback claims to contain. Never give it the others: there they would reach the real machine.
FALLBACK_CLASS = [*CONTROLS, "infinite_loop", "memory_hog", "memory_forks", "fork_storm", "daemon_escape",
                  "forged_stdout", "forged_files", "monkeypatch_params", "kill_parent", "log_flood", "segfault",
                  "sigkill_self", "exit_early", "syscalls", "keras_gadget", "symlink_escape"]
SECCOMP = platform.machine() == "x86_64"
if SECCOMP:
    FALLBACK_CLASS.append("network")
GIB = 2**30


@pytest.fixture(scope="module", params=["sandbox", "fallback"])
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    if request.param == "sandbox" and os.environ.get("GRADER_SANDBOX") == "fallback":
        pytest.skip("GRADER_SANDBOX=fallback: only the fallback run")
    if request.param == "sandbox" and not bwrap_available():
        pytest.skip("bubblewrap cannot create namespaces here; the fallback run still covers what it can")
    tmp = tmp_path_factory.mktemp(f"hostile-{request.param}")
    students = SANDBOX_CLASS if request.param == "sandbox" else FALLBACK_CLASS
    run = grade_class(request.param, tmp / "class", students, tmp, "--timeout", "10", "--memory", "1G")
    yield run
    finish(run)


def students(run: Run) -> set[str]:
    return {s["submission"] for s in run.report.get("submissions", [])}


def in_class(run: Run, student: str) -> None:
    if student not in students(run):
        pytest.skip(f"{student} is not run in the {run.mode} class")


# -- the grader itself ------------------------------------------------------------------------------------

def test_the_grader_survives_the_class_and_grades_everyone(graded: Run) -> None:
    assert graded.returncode in (0, 1), graded.stderr[-3000:]
    assert graded.report["sandbox"] == ("fallback" if graded.mode == "fallback" else graded.report["sandbox"])
    expected = set(SANDBOX_CLASS if graded.mode == "sandbox" else FALLBACK_CLASS)
    assert students(graded) == expected
    for student in expected:
        assert graded.result(student)["status"] in ("passed", "failed", "error", "missing"), student
    assert graded.duration_s < 300, f"the class took {graded.duration_s:.0f} s"


def test_every_correct_submission_still_passes(graded: Run) -> None:
    for control in CONTROLS:
        result = graded.result(control)
        assert result["status"] == "passed", (control, result["reason"])
        assert result["score"] == result["max_score"]


def test_fallback_is_announced_in_every_result(graded: Run) -> None:
    for submission in graded.report["submissions"]:
        assert submission["sandbox"] == graded.report["sandbox"]
        if graded.mode == "fallback":
            assert any("UNSANDBOXED" in w for w in submission["warnings"])
        else:
            assert submission["warnings"] == []


# -- filesystem ---------------------------------------------------------------------------------------------

def test_writing_outside_its_sandbox_leaves_no_mark(graded: Run) -> None:
    skip_in_fallback(graded)
    mark = f"MARK_{graded.marker}"
    places = [ROOT / mark, Path(graded.values["MARKS"]) / mark, Path("/tmp") / mark, Path("/var/tmp") / mark,
              Path("/dev/shm") / mark, Path("/root") / mark, graded.folder / "write_outside" / mark,
              graded.folder / "control_b" / mark]
    assert [str(p) for p in places if p.exists()] == [], graded.probe("write_outside")
    assert graded.result("write_outside")["status"] == "error"
    # inside, only its private scratch space took writes (and that was wiped)
    assert all(p.startswith(("/tmp/", "/dev/shm/")) for p in graded.probe("write_outside").get("wrote", []))


def test_deleting_files_deletes_nothing_outside(graded: Run) -> None:
    skip_in_fallback(graded)
    assert Path(graded.values["CANARY"]).read_text() == "still here"
    assert Path(graded.values["DB"]).stat().st_ino == int(graded.values["DB_INODE"])  # not deleted and recreated
    assert Path(graded.values["MARKS"]).is_dir()
    assert (graded.folder / "control_b" / "simple_rnn.py").is_file()
    assert graded.probe("delete_files").get("deleted") == [], graded.probe("delete_files")


def test_another_students_folder_cannot_be_tampered_with(graded: Run) -> None:
    skip_in_fallback(graded)
    other = graded.folder / "control_b"
    assert (other / "simple_rnn.py").read_bytes() == graded.originals["control_b"]
    assert sorted(p.name for p in other.iterdir()) == ["simple_rnn.py"]
    assert graded.result("control_b")["status"] == "passed"
    assert graded.probe("tamper_other") == {"tampered": []}


def test_secrets_reference_and_other_students_are_unreadable(graded: Run) -> None:
    skip_in_fallback(graded)
    result = graded.result("read_secrets")
    probe = graded.probe("read_secrets")
    assert result["status"] == "error" and result["score"] == 0
    assert probe.get("imported") == [], probe
    read = probe.get("read")
    assert read is not None, result["reason"]
    # /jobs is visible but holds only this job's own folder; nothing else may be readable at all
    # and the repository's folder holds only the virtual environment the sandbox runs
    leaked = {k: v for k, v in read.items() if k not in ("jobs_of_others", "repo")}
    assert leaked == {}, probe
    assert set(read.get("repo", [])) <= {".venv"}, probe
    assert len(read.get("jobs_of_others", [])) <= 1
    # /root holds only the Python installation the sandbox needs (a pyenv under /root here), no dotfiles
    assert set(probe.get("root") or []) <= {".pyenv"}, probe


def test_the_reference_cannot_be_stolen_into_a_score(graded: Run) -> None:
    skip_in_fallback(graded)
    result = graded.result("steal_reference")
    assert result["status"] == "error" and result["score"] == 0, result["reason"]


def test_symlinks_out_of_a_submission_are_not_followed(graded: Run) -> None:
    result = graded.result("symlink_escape")
    assert result["status"] == "error" and result["score"] == 0, result["reason"]
    # the links were not even copied into its sandbox
    assert graded.probe("symlink_escape") == {"seen": {"helper.py": False, "secret.py": False, "lib": False}}


# -- network --------------------------------------------------------------------------------------------------

def test_no_network_not_even_the_graders_loopback(graded: Run) -> None:
    if graded.mode == "fallback" and not SECCOMP:
        pytest.skip("the fallback blocks sockets with a seccomp filter, which this grader builds for x86-64 only")
    in_class(graded, "network")
    probe = graded.probe("network")
    assert graded.listeners.events == [], graded.listeners.events
    assert probe and all(outcome != "ok" or name.startswith("udp") for name, outcome in probe.items()), probe
    assert graded.result("network")["status"] == "error"


# -- time, memory, processes ----------------------------------------------------------------------------------

def test_an_infinite_loop_times_out(graded: Run) -> None:
    result = graded.result("infinite_loop")
    assert result["status"] == "error"
    assert result["reason"] == "timed out after 10 s"
    assert result["sandbox"]["timed_out"] is True
    assert result["sandbox"]["wall_s"] < 20


def test_memory_exhaustion_is_reported_as_memory(graded: Run) -> None:
    result = graded.result("memory_hog")
    assert result["status"] == "error"
    assert result["reason"] == "used more than 1 GiB of memory, counting shared memory", result["reason"]


def test_memory_of_all_the_jobs_processes_counts_together(graded: Run) -> None:
    result = graded.result("memory_forks")
    assert result["status"] == "error"
    assert result["reason"] == "used more than 1 GiB of memory, counting shared memory", (result["reason"],
                                                                                          result["sandbox"])
    assert result["sandbox"]["memory_exceeded"] is True
    assert result["sandbox"]["peak_memory_kb"] * 1024 >= GIB


def test_a_fork_storm_is_stopped_and_nothing_survives(graded: Run) -> None:
    result = graded.result("fork_storm")
    assert result["status"] == "error"
    stopped_by = ["timed out after 10 s", "started more than 256 processes"]
    if graded.mode == "fallback":
        # no cgroup: memory is sampled process by process, and the pages the storm's parent holds beyond the
        # zygote's count once per fork (copy-on-write), so a loaded machine can see 1 GiB before 256 processes
        stopped_by.append("used more than 1 GiB of memory, counting shared memory")
    assert result["reason"] in stopped_by, (result["reason"], result["sandbox"])
    assert survivors(graded.marker) == []


def test_a_daemon_does_not_outlive_its_assignment(graded: Run) -> None:
    result = graded.result("daemon_escape")
    assert survivors(graded.marker) == []
    assert result["sandbox"]["strays_killed"] >= 1, result["sandbox"]
    assert result["status"] == "passed"  # its model was fine; only its daemon had to go


def test_no_process_of_the_class_is_left(graded: Run) -> None:
    assert survivors(graded.marker) == []
    strays = {s: graded.result(s)["sandbox"].get("strays_killed", 0) for s in students(graded)}
    assert strays["fork_storm"] > 0 and strays["memory_forks"] > 0, strays


# -- crashes and a dead parent --------------------------------------------------------------------------------

@pytest.mark.parametrize(("student", "reason"), [
    ("segfault", f"killed by signal {int(signal.SIGSEGV)} (SIGSEGV)"),
    ("sigkill_self", f"killed by signal {int(signal.SIGKILL)} (SIGKILL)"),
    ("exit_early", "exited (status 0) before the grader received its model"),
])
def test_a_crash_is_an_error_with_its_reason(graded: Run, student: str, reason: str) -> None:
    result = graded.result(student)
    assert (result["status"], result["reason"], result["score"]) == ("error", reason, 0)


def test_killing_its_parent_fails_or_only_costs_its_own_assignment(graded: Run) -> None:
    result = graded.result("kill_parent")
    assert result["status"] == "error" and result["score"] == 0
    if graded.mode == "fallback" or graded.report["sandbox"] == "bwrap-userns":
        # the child shares the worker's uid: it can kill it; the grader restarts the worker and goes on
        assert result["reason"].startswith(("the submission killed the grading worker", "PROBE")), result["reason"]
    else:
        assert graded.probe("kill_parent") == {"parent": "PermissionError"}, result["reason"]


def test_killing_every_visible_process_kills_none_of_the_graders(graded: Run) -> None:
    skip_in_fallback(graded, SIGNAL_GAP)
    result = graded.result("kill_everything")
    assert result["status"] == "error"
    if graded.report["sandbox"] == "bwrap":
        assert graded.probe("kill_everything") == {"killed": []}, result["reason"]


# -- forged results ---------------------------------------------------------------------------------------

def test_a_forged_result_on_stdout_and_in_files_is_not_the_score(graded: Run) -> None:
    result = graded.result("forged_stdout")
    assert (result["status"], result["score"]) == ("error", 0)
    assert result["reason"] == "exited (status 0) before the grader received its model"
    assert graded.submission("forged_stdout")["score"] == 0
    assert '"status": "passed"' in result["sandbox"]["output_head"]  # it did print the lie


def test_links_and_fifos_where_the_grader_reads_are_refused(graded: Run) -> None:
    result = graded.result("forged_files")
    assert (result["status"], result["score"]) == ("error", 0)
    assert result["reason"].startswith("the grader refused its output: model.keras (not a regular file)")
    refused = " ".join(result["sandbox"]["refused"])
    for name in ("model.keras", "error.json", "info.json", "outputs.json", "result.json"):
        assert name in refused


def test_a_model_archive_that_reconfigures_keras_while_loading_never_reaches_the_grader(graded: Run) -> None:
    # Keras 3.15.1 still runs keras.config.set_dtype_policy / set_floatx / keras.utils.set_random_seed named in a
    # crafted config.json during a safe-mode load. The config's allow-list (harness/checks/config_gate.py) refuses
    # the Lambda nodes before Keras sees them; behind it stands the checker's state watch
    # (tests/adversarial/test_config_gate.py).
    result = graded.result("keras_gadget")
    assert (result["status"], result["score"]) == ("error", 0)
    assert result["reason"] == ("layer 3 'gadget0' is a Lambda: layers that carry code are not graded (replace it "
                                "with built-in layers)"), result["reason"]
    assert graded.result("control_d")["status"] == "passed"


def test_monkeypatched_keras_cannot_lie_about_parameters(graded: Run) -> None:
    result = graded.result("monkeypatch_params")
    assert result["status"] == "failed"
    assert result["params"] == 320000 + 16 * (32 + 16) + 16  # SimpleRNN(16): the true count, not 322,080
    assert result["score"] < result["max_score"]
    assert "Total params: 322,080" in result["sandbox"]["output_head"]  # the lie it printed changed nothing


def test_a_log_flood_keeps_head_and_tail_only(graded: Run) -> None:
    result = graded.result("log_flood")
    sandbox = result["sandbox"]
    assert result["status"] == "passed", result["reason"]
    assert sandbox["output_bytes"] >= 20 * 2**20
    assert len(sandbox["output_head"]) <= 16 * 1024 and len(sandbox["output_tail"]) <= 16 * 1024
    assert sandbox["output_head"].startswith(f"flood {graded.marker}")
    assert f"END OF FLOOD {graded.marker}" in sandbox["output_tail"]
    assert len(graded.stdout) < 2 * 2**20


# -- the child's privileges ---------------------------------------------------------------------------------

def test_the_child_has_no_capabilities_no_new_privs_and_a_seccomp_filter(graded: Run) -> None:
    probe = graded.probe("syscalls")
    assert probe, graded.result("syscalls")["reason"]
    assert probe["CapEff"] == "0000000000000000"
    assert probe["NoNewPrivs"] == "1"
    if not SECCOMP:
        pytest.skip("the seccomp filter is built for x86-64 only")
    assert probe["Seccomp"] == "2"
    eperm, enosys = 1, 38
    for name in ("unshare_user", "ptrace_peek_parent", "add_key", "keyctl", "mount", "io_uring_setup",
                 "socket_inet", "bpf"):
        assert probe[name] == eperm, (name, probe)
    assert probe["clone3"] == enosys


def test_json_report_is_complete_and_parses(graded: Run) -> None:
    assert graded.report["submissions"]
    text = json.dumps(graded.report)
    assert "\x1b" not in text
    for student in students(graded):
        result = graded.result(student)
        assert isinstance(result["sandbox"], dict), student
    assert os.path.isdir(graded.folder)
