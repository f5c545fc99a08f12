"""The trusted side's handle on one sandboxed zygote: start it, hand it jobs, read back what it produced.

Isolation, by mode (see README, "Security"):

- ``bwrap`` (root): bubblewrap with new pid, net, ipc and uts namespaces; the filesystem is the Python
  environment and system libraries read-only, this worker's job folder, and a private ``/tmp``. Each child
  drops to a uid of its own slot (so ``RLIMIT_NPROC`` holds and it cannot signal or trace the zygote) and
  sets ``no_new_privs``.
- ``bwrap-userns`` (not root): the same namespaces inside an unprivileged user namespace; the child keeps
  the zygote's uid.
- ``fallback`` (no bubblewrap): a separate process with rlimits and a process group. It does NOT hide the
  filesystem or the network; the grader says so on every run and ``--require-sandbox`` refuses it.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.sandbox.limits import Limits

HERE = Path(__file__).resolve().parent
#: Files of this folder the sandbox gets: the zygote and what it runs. Nothing else of the harness.
SANDBOX_FILES = ("zygote.py", "tasks.py", "compat.py")
BASE_UID = 61000
MAX_SUBMISSION_BYTES = 50 * 1024 * 1024


class SandboxUnavailable(RuntimeError):
    """``--require-sandbox`` was given and bubblewrap cannot run here."""


@dataclass
class Outcome:
    """What happened to one job, as the zygote (trusted code) observed it, plus the files the child left."""

    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    max_rss_kb: int = 0
    output_head: str = ""
    output_tail: str = ""
    output_bytes: int = 0
    strays_killed: int = 0
    worker_died: bool = False
    worker_error: str = ""
    out: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("out")
        return data


def detect_mode(require_sandbox: bool = False) -> str:
    """``bwrap`` / ``bwrap-userns`` when bubblewrap works here, else ``fallback`` (or an error if required)."""
    forced = os.environ.get("GRADER_SANDBOX")
    if forced == "fallback" and not require_sandbox:
        return "fallback"
    bwrap = shutil.which("bwrap")
    if bwrap:
        probe = [bwrap, "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/", "true"]
        if os.geteuid() != 0:
            probe.insert(1, "--unshare-user")
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return "bwrap" if os.geteuid() == 0 else "bwrap-userns"
    if require_sandbox:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed or cannot create namespaces here: install it "
            "(apt-get install bubblewrap) or drop --require-sandbox to grade with the weaker fallback")
    return "fallback"


def _python_roots() -> list[Path]:
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.executable).resolve().parent.parent}
    return sorted(p for p in roots if p.exists())


class Worker:
    """One zygote in one sandbox; jobs run one at a time. Start it early: it imports TensorFlow (≈ 3 s)."""

    def __init__(self, slot: int = 0, mode: str = "fallback", data_dirs: tuple[Path, ...] = (), threads: int = 1) -> None:
        self.slot = slot
        self.mode = mode
        self.data_dirs = data_dirs
        self.threads = threads
        self.root = Path(tempfile.mkdtemp(prefix=f"grader-worker{slot}-"))
        self.jobs = self.root / "jobs"
        self.jobs.mkdir()
        os.chmod(self.root, 0o755)
        os.chmod(self.jobs, 0o755)
        self.uid = BASE_UID + slot if mode == "bwrap" else None
        self.process: subprocess.Popen | None = None
        self.ready: dict[str, Any] = {}
        self._control: int | None = None
        self._buffer = b""

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        read_end, write_end = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "random",
               "GRADER_CONTROL_FD": str(write_end), "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": "-1"}
        python = [sys.executable, "-s", "-B"]
        if self.mode.startswith("bwrap"):
            env.update({"GRADER_JOBS": "/jobs", "GRADER_SCRATCH": "/tmp", "GRADER_PIDNS": "1"})
            command = self._bwrap_command() + python + ["/grader/zygote.py"]
        else:
            env.update({"GRADER_JOBS": str(self.jobs), "GRADER_SCRATCH": str(self.root)})
            command = python + [str(HERE / "zygote.py")]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, pass_fds=(write_end,), env=env, cwd=self.root)
        os.close(write_end)
        self._control = read_end
        self._buffer = b""
        self.ready = {}

    def wait_ready(self, timeout: float = 120.0) -> dict[str, Any]:
        if not self.ready:
            message = self._read_message(timeout)
            if message is None or message.get("event") != "ready":
                raise RuntimeError(f"the sandbox worker did not start ({self.mode}); run with GRADER_SANDBOX=fallback "
                                   "to compare, and check that TensorFlow imports")
            self.ready = message
        return self.ready

    def close(self) -> None:
        if self.process is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._control is not None:
            os.close(self._control)
            self._control = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- jobs --------------------------------------------------------------------------------------
    def run(self, task: dict[str, Any], submission: Path, limits: Limits) -> Outcome:
        """Run ``task`` on a copy of ``submission``; the returned ``Outcome.out`` holds the child's files.

        The caller reads ``out`` (untrusted), then calls :meth:`discard`.
        """
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.wait_ready()
        job_id = secrets.token_hex(8)
        job = self.jobs / job_id
        for earlier in self.jobs.iterdir():  # nothing of an earlier job survives into this one
            shutil.rmtree(earlier, ignore_errors=True)
        copy_submission(submission, job / "sub")
        (job / "task.pkl").write_bytes(pickle.dumps(task))
        (job / "out").mkdir()
        os.chmod(job / "out", 0o777)
        for path in (job, job / "sub", *(job / "sub").rglob("*")):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        request = {"id": job_id, "dir": job_id, "limits": limits.for_child(self.threads), "uid": self.uid}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
            reply = self._read_message(limits.wall_s + 30)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None:  # the zygote died: the submission killed it, or it crashed. Start afresh next time.
            self._restart()
            return Outcome(worker_died=True, out=job / "out")
        reply.pop("id", None)
        outcome = Outcome(**{k: v for k, v in reply.items() if k in Outcome.__dataclass_fields__}, out=job / "out")
        return outcome

    def _restart(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        if self._control is not None:
            os.close(self._control)
            self._control = None
        self.start()

    def _read_message(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._control, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                data = os.read(self._control, 65536)
                if not data:
                    return None
                self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _bwrap_command(self) -> list[str]:
        command = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
                   "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
        if self.mode == "bwrap":
            command += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                        "--cap-add", "CAP_KILL", "--cap-add", "CAP_CHOWN", "--cap-add", "CAP_FOWNER"]
        else:
            command += ["--unshare-user"]
        mounts: list[tuple[str, Path, str]] = []
        for system in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin", "/etc"):
            if Path(system).exists():
                mounts.append(("--ro-bind", Path(system), system))
        for root in _python_roots():
            mounts.append(("--ro-bind", root, str(root)))
        staged = self.root / "grader"
        staged.mkdir(exist_ok=True)
        for name in SANDBOX_FILES:
            if (HERE / name).exists():
                shutil.copy2(HERE / name, staged / name)
        mounts.append(("--ro-bind", staged, "/grader"))
        mounts.append(("--bind", self.jobs, "/jobs"))
        for index, data in enumerate(self.data_dirs):
            mounts.append(("--ro-bind", data, f"/data/{index}"))
        made: set[str] = set()
        for _, _, target in mounts:
            for parent in reversed(Path(target).parents):
                if str(parent) not in ("/",) and str(parent) not in made and not str(parent).startswith(("/usr", "/etc")):
                    made.add(str(parent))
                    command += ["--perms", "0755", "--dir", str(parent)]
        for flag, source, target in mounts:
            command += [flag, str(source), target]
        command += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp"]
        return command


def copy_submission(source: Path, target: Path) -> None:
    """Copy a submission's regular files; symlinks and special files are left out, sizes are capped."""
    total = 0
    target.mkdir(parents=True)
    base = source.resolve()
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            continue
        if not path.resolve().is_relative_to(base):
            continue
        destination = target / relative
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        total += path.stat().st_size
        if total > MAX_SUBMISSION_BYTES:
            raise ValueError(f"{source}: submission is larger than {MAX_SUBMISSION_BYTES // 2**20} MiB; "
                             "remove data files and checkpoints from the folder")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
