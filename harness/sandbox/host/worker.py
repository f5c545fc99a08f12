"""The trusted side's handle on one sandboxed zygote: start it, hand it jobs, read back what it produced.

Isolation, by mode (see ``docs/security.md``):

- ``bwrap`` (root): bubblewrap with new pid, net, ipc, uts and cgroup namespaces; the filesystem is the
  Python environment and system libraries read-only, a handful of ``/etc`` files, this worker's job folder
  and size-capped private ``/tmp`` and ``/dev/shm``. Each child drops to a uid claimed for this worker (so
  ``RLIMIT_NPROC`` holds and it can neither signal nor trace the zygote), sets ``no_new_privs`` and a
  seccomp filter. The zygote keeps only the capabilities it needs to drop privileges and clean up.
- ``bwrap-userns`` (not root): the same namespaces inside an unprivileged user namespace; the child keeps
  the zygote's uid (it can kill the zygote: the job is then an error and the worker restarts).
- ``fallback`` (no bubblewrap): a separate process with rlimits, a seccomp filter (no sockets, no ptrace)
  and, when the grader runs as root, a uid of its own. It does NOT hide the filesystem; the grader says so
  on every run and ``--require-sandbox`` refuses it.

Memory: where this machine lets the grader make a memory cgroup (``bwrap`` and ``fallback`` as root), every
job runs in the worker's own, limited to ``--memory``: shared memory, memfds and tmpfs files count. Without one
the zygote counts private and mapped memory, the sandbox's own tmpfs and System V segments, and refuses
``memfd_create`` (see ``docs/security.md``, "Memory").

The sandbox's private ``/tmp`` and ``/dev/shm`` are mounted before anything is bound into it, so a Python
environment or data folder under ``/tmp`` is bound on top of them rather than hidden (a checkout anywhere
works). A worker that cannot start says why: its zygote's stderr is kept, and quoted in the error.

Whatever mode, the files a job leaves are vetted here before anything else reads them (:func:`vet_outputs`).
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import pwd
import secrets
import selectors
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

import click

from harness.errors import SetupError
from harness.sandbox.host.cgroup import MemoryCgroup, create_memory_cgroup
from harness.sandbox.host.limits import Limits
from harness.sandbox.jail import protocol
from harness.sandbox.jail.protocol import ProtocolError, clean_text

#: What the sandbox gets of the harness: the ``jail`` package, as a whole, and nothing else.
JAIL = Path(__file__).resolve().parents[1] / "jail"
#: Where the worker's memory cgroup appears inside the sandbox.
CGROUP_TARGET = "/grader-cgroup"
#: Where a worker's zygote (and bubblewrap) write their stderr, in the worker's folder outside the sandbox.
STDERR_FILE = "zygote.stderr"
#: Children run as one uid of this range per worker, claimed with a lock file so that concurrent graders
#: on one machine never share one (a uid is what the fallback's clean-up kills and RLIMIT_NPROC counts).
BASE_UID = 61000
UID_RANGE = 4000
#: Machine-wide, whatever a grader's ``TMPDIR`` says: two graders that saw different lock folders would claim the
#: same uid and kill each other's jobs (a test's private ``TMPDIR`` did, beside a benchmark).
UID_LOCKS = Path("/run/lock/grader-uids") if Path("/run/lock").is_dir() else Path("/tmp/grader-uids")
#: Size caps of the sandbox's private tmpfs mounts (they are memory, outside RLIMIT_AS).
SCRATCH_BYTES = 2 * 1024**3
SHM_BYTES = 64 * 1024**2
#: What of the host's /etc the sandbox sees: enough for the dynamic linker, names, time zones, TLS roots.
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "host.conf", "hosts", "localtime",
               "timezone", "alternatives", "ssl", "ca-certificates", "fonts", "mime.types", "protocols", "services",
               "os-release", "debian_version", "lsb-release", "gai.conf", "python3", "matplotlibrc")
#: The files a job may leave (see zygote.OUTPUT_FILES); what each may hold is declared in protocol.py.
OUTPUT_FILES = protocol.OUTPUT_FILES
#: Seconds a task's preflight (the safe-mode load of its model, see zygote.py) may add to its wall limit.
PREFLIGHT_S = 60


class SandboxUnavailable(SetupError):
    """``--require-sandbox`` was given and bubblewrap cannot run here."""


class SandboxFailed(SandboxUnavailable, click.ClickException):
    """The sandbox worker did not start: one line quoting what it said, and the fix.

    A :class:`click.ClickException` so that any command that meets it prints that line and exits 2, with no
    traceback, wherever the first job happens to start the worker.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        SandboxUnavailable.__init__(self, message)
        click.ClickException.__init__(self, message)


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
    #: The job's processes together held more private memory than allowed, and were killed for it.
    memory_exceeded: bool = False
    #: The job ran more processes at once than ``Limits.nproc``, and was killed for it.
    nproc_exceeded: bool = False
    processes_peak: int = 0
    #: Largest address space of the main child, and largest private memory of the job, as sampled.
    vm_peak_kb: int = 0
    peak_memory_kb: int = 0
    #: The zygote's address space when it forked the job (shared, not the job's): RLIMIT_AS = this + memory.
    vm_base_kb: int = 0
    #: Files of the job that were not handed over, and why (links, FIFOs, bombs, unexpected names).
    refused: list[str] = field(default_factory=list)
    #: The sandboxed safe-mode load of ``model.keras`` in a fresh fork: ``{"ok": bool, "reason": str}``.
    preflight: dict[str, Any] = field(default_factory=dict)
    #: Threads of the zygote when it forked this job (1: fork-safe), and which zygote it was.
    fork_threads: int = 0
    zygote_id: str = ""
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
    bwrap = shutil.which("bwrap", path=os.environ.get("PATH", os.defpath))
    if bwrap:
        probe = [bwrap, "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/", "true"]
        if os.geteuid() != 0:
            probe.insert(1, "--unshare-user")
        if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            return "bwrap" if os.geteuid() == 0 else "bwrap-userns"
    if require_sandbox:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed or cannot create namespaces here: install it "
            "(apt-get install bubblewrap) or drop --require-sandbox to grade with the weaker fallback")
    return "fallback"


def claim_uid(slot: int) -> tuple[int, int]:
    """A uid no account and no other grader on this machine uses, and the lock that keeps it ours."""
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    found = UID_LOCKS.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid() or found.st_mode & 0o077:
        raise RuntimeError(f"{UID_LOCKS} is not a private folder of this user's (a link, another owner, or open to "
                           "others): remove it, and the grader makes it again")
    for offset in range(UID_RANGE):
        uid = BASE_UID + (slot + offset) % UID_RANGE
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        fd = os.open(UID_LOCKS / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise RuntimeError(f"no free sandbox uid in {BASE_UID}..{BASE_UID + UID_RANGE - 1}")


def closed_to_others(paths: Iterable[Path]) -> Path | None:
    """The first folder on the way to one of ``paths`` that other uids cannot search (``None``: a process of
    another uid reaches them all). Both the sandbox's uid and the checker's are such other uids."""
    for path in paths:
        for folder in (*reversed(path.parents), path):
            try:
                if not os.stat(folder).st_mode & stat.S_IXOTH:
                    return folder
            except OSError:
                return folder
    return None


def python_roots() -> list[Path]:
    """What the sandbox must see of this Python: its prefixes and every site-packages folder on ``sys.path``.

    Each both as named and resolved (a venv reached through a symlink is used by its name, its interpreter
    link by the real path). Site folders, never other ``sys.path`` entries: an editable install puts the
    checkout, with ``reference/``, on the path.
    """
    named = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
             Path(sys.executable).resolve().parent.parent]
    named += [Path(entry) for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages")]
    roots = {path for entry in named if entry.is_absolute() for path in (entry, entry.resolve())}
    return sorted(p for p in roots if p.is_dir())


class Worker:
    """One zygote in one sandbox; jobs run one at a time. Start it early: it imports TensorFlow (≈ 3 s)."""

    def __init__(self, slot: int = 0, mode: str = "fallback", data_dirs: tuple[Path, ...] = (),
                 threads: int = 1) -> None:
        self.slot = slot
        self.mode = mode
        self.data_dirs = data_dirs
        self.threads = threads
        self.root = Path(tempfile.mkdtemp(prefix=f"grader-worker{slot}-"))
        self.jobs = self.root / "jobs"
        self.jobs.mkdir()
        os.chmod(self.root, 0o755)
        os.chmod(self.jobs, 0o755)
        self.uid: int | None = None
        self._uid_lock: int | None = None
        # The fallback drops to a uid of its own only where one can still run this Python (a pyenv under a
        # private /root cannot): otherwise its children keep the grader's uid, which docs/security.md states.
        reachable = mode == "fallback" and os.geteuid() == 0 and closed_to_others([*python_roots(), JAIL]) is None
        if mode == "bwrap" or reachable:
            self.uid, self._uid_lock = claim_uid(slot)
        #: Where the kernel counts all of a job's memory, shared memory and tmpfs included (None: nowhere).
        self.cgroup: MemoryCgroup | None = create_memory_cgroup(slot) if mode in ("bwrap", "fallback") else None
        self.process: subprocess.Popen[bytes] | None = None
        self.ready: dict[str, Any] = {}
        self._control: int | None = None
        self._buffer = b""

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        read_end, write_end = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "random",
               "GRADER_CONTROL_FD": str(write_end), "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": "-1",
               # numpy's OpenBLAS would start a thread pool at import: the zygote must be single-threaded to fork
               "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        python = [sys.executable, "-s", "-B"]
        if self.cgroup is not None:
            env["GRADER_CGROUP_VERSION"] = str(self.cgroup.version)
            env["GRADER_CGROUP"] = CGROUP_TARGET if self.mode.startswith("bwrap") else str(self.cgroup.path)
        if self.mode.startswith("bwrap"):
            env.update({"GRADER_JOBS": "/jobs", "GRADER_SCRATCH": "/tmp", "GRADER_SCOPE": "pidns",
                        "HOME": "/tmp", "KERAS_HOME": "/tmp/.keras"})
            command = self._bwrap_command() + python + ["/grader/zygote.py"]
        else:
            home = self.root / "home"
            home.mkdir(exist_ok=True)
            env.update({"GRADER_JOBS": str(self.jobs), "GRADER_SCRATCH": str(self.root), "GRADER_DENY_UNIX": "1",
                        "GRADER_SCOPE": "uid" if self.uid is not None else "tree", "GRADER_UID": str(self.uid or ""),
                        "HOME": str(home),
                        "KERAS_HOME": str(home / ".keras")})
            command = python + [str(JAIL / "zygote.py")]
        # Only trusted code writes here (bwrap, the zygote; a child's stdio is its own pipe): a few lines,
        # kept in a file outside the sandbox so that a worker that cannot start can say why.
        with open(self.root / STDERR_FILE, "wb") as stderr:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                            stderr=stderr, pass_fds=(write_end,), env=env, cwd=self.root)
        os.close(write_end)
        self._control = read_end
        self._buffer = b""
        self.ready = {}

    def wait_ready(self, timeout: float = 120.0) -> dict[str, Any]:
        if not self.ready:
            message = self._read_message(timeout)
            if message is None or message.get("event") != "ready":
                raise SandboxFailed(self._start_failure(timeout))
            self.ready = message
        return self.ready

    def _start_failure(self, timeout: float) -> str:
        """One line: the worker did not start, the last lines it wrote on stderr, and what to do."""
        process = self._started()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        said = _tail_lines(self.root / STDERR_FILE)
        if process.poll() is None:
            said = said or f"no answer within {timeout:g} s"
        else:
            said = said or f"it exited with status {process.returncode} and said nothing"
        if "No module named" in said:
            fix = (f"install the grader's dependencies into the Python that runs it ({sys.prefix}): "
                   "run ./setup.sh")
        elif self.mode.startswith("bwrap"):
            fix = (f"check that bubblewrap can run {sys.executable} (`bwrap --ro-bind / / {sys.executable} -c "
                   "'import tensorflow'`); GRADER_SANDBOX=fallback grades without the sandbox, to compare")
        else:
            fix = f"check that `{sys.executable} -c 'import tensorflow'` works"
        return f"the sandbox worker did not start ({self.mode}): {said!r}. Fix: {fix}"

    def close(self) -> None:
        if self.process is not None:
            try:
                if self.process.stdin is not None:
                    self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self._close_control()
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None
        if self.cgroup is not None:
            self.cgroup.remove()
        shutil.rmtree(self.root, ignore_errors=True)

    def _started(self) -> subprocess.Popen[bytes]:
        """The zygote's process; calling this before :meth:`start` is the caller's bug, said as such."""
        if self.process is None:
            raise RuntimeError("the sandbox worker was not started: call start() first")
        return self.process

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs --------------------------------------------------------------------------------------
    def run(self, task: dict[str, Any], submission: Path, limits: Limits) -> Outcome:
        """Run ``task`` on a copy of ``submission``; the returned ``Outcome.out`` holds the child's files.

        Those files are still untrusted data, but vetted (:func:`vet_outputs`): whitelisted names, regular
        files, bounded JSON and archives. The next ``run`` deletes them.
        """
        return self.run_batch([task], submission, limits)[0]

    def run_batch(self, tasks: list[dict[str, Any]], submission: Path, limits: Limits,
                  preflight: bool = True) -> list[Outcome]:
        """Run one submission's ``tasks`` in one sandboxed child, one after the other, each under ``limits``.

        One child per student, not per assignment: TensorFlow's per-process start-up (its first ops, ≈ 0.1 s)
        is paid once. A task that kills its child (a limit, a crash) fails alone: the zygote runs the tasks
        after it in a fresh child. Each outcome's ``out`` is that task's own folder. ``preflight``: load each
        saved model in a fresh fork first (where the trusted side loads them itself, not in a checker).
        """
        for earlier in self.jobs.iterdir():  # nothing of an earlier job survives into this one
            shutil.rmtree(earlier, ignore_errors=True)
        outcomes = self._run_job(tasks, submission, limits, preflight)
        if len(tasks) > 1 and all(outcome.worker_died for outcome in outcomes):
            # the student killed the zygote (possible where its child keeps the zygote's uid): one task at a
            # time on a fresh zygote, so that only the task that does it fails
            outcomes = [self._run_job([task], submission, limits, preflight)[0] for task in tasks]
        return outcomes

    def _run_job(self, tasks: list[dict[str, Any]], submission: Path, limits: Limits,
                 preflight: bool) -> list[Outcome]:
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.wait_ready()
        job_id = secrets.token_hex(8)
        job = self.jobs / job_id
        copy_submission(submission, job / "sub")
        (job / "task.pkl").write_bytes(pickle.dumps([protocol.check_task(task) for task in tasks]))
        (job / "out").mkdir()  # only the zygote writes here, after the job: the child never can
        for path in (job, job / "out", job / "sub", *(job / "sub").rglob("*")):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        request = {"id": job_id, "dir": job_id, "count": len(tasks), "limits": limits.for_child(self.threads),
                   "uid": self.uid, "preflight": preflight}
        stdin = self._started().stdin
        assert stdin is not None  # start() opens it: stdin=PIPE
        try:
            stdin.write((json.dumps(request) + "\n").encode())
            stdin.flush()
            # each task, its preflight, and the clean-up
            reply = self._read_message((limits.wall_s + PREFLIGHT_S) * len(tasks) + 120)
        except (BrokenPipeError, OSError, ValueError):
            reply = None
        results = reply.get("results") if isinstance(reply, dict) else None
        if reply is None or not isinstance(results, list) or len(results) != len(tasks):
            # the zygote died: the submission killed it, or it crashed. Start afresh next time.
            self._restart()
            outs = [_fresh_out(job, i) for i in range(len(tasks))]
            return [Outcome(worker_died=True, out=out, refused=vet_outputs(out, task.get("kind")))
                    for out, task in zip(outs, tasks)]
        tainted = reply.get("tainted") or []
        if tainted:  # something of this job could not be wiped: no later job may see it
            self._restart()
        shared = {k: reply.get(k) for k in ("fork_threads", "vm_base_kb", "zygote_id")}
        outcomes = []
        for index, result in enumerate(results):
            values = {**result, **shared} if isinstance(result, dict) else {}
            fields = {k: v for k, v in values.items()
                      if k in Outcome.__dataclass_fields__ and k not in ("out", "extra")}
            try:
                protocol.check_outcome(fields)
            except ProtocolError as exc:  # a forged or broken reply: this task's error, with the reason
                fields = {"worker_error": clean_text(str(exc), 300)}
            out = _fresh_out(job, index)
            outcome = Outcome(**fields, out=out, extra={"tainted": tainted})
            outcome.refused = list(outcome.refused) + vet_outputs(out, tasks[index].get("kind"))
            outcomes.append(outcome)
        return outcomes

    def _restart(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        self._close_control()
        self.start()

    def _close_control(self) -> None:
        if self._control is not None:
            os.close(self._control)
            self._control = None

    def _read_message(self, timeout: float) -> dict[str, Any] | None:
        """The zygote's next JSON line, or ``None`` if it died or said nothing within ``timeout`` seconds."""
        control = self._control
        if control is None:
            raise RuntimeError("the sandbox worker was not started: call start() first")
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(control, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                data = os.read(control, 65536)
                if not data:
                    return None
                self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _bwrap_command(self) -> list[str]:
        bwrap = shutil.which("bwrap", path=os.environ.get("PATH", os.defpath)) or "bwrap"
        command = [bwrap, "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
                   "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
        if self.mode == "bwrap":
            # What the zygote needs, nothing more: drop to the job uid, kill its processes, hand files over
            # and wipe what the job left. The child loses all of them when it changes uid.
            command += ["--cap-drop", "ALL"]
            for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"):
                command += ["--cap-add", cap]
        else:
            command += ["--unshare-user"]
        staged = self.root / "grader"
        staged.mkdir(exist_ok=True)
        for module in JAIL.glob("*.py"):  # a copy readable by the job's uid, whatever the checkout's permissions
            shutil.copy2(module, staged / module.name)
        mounts: list[tuple[str, Path | str, str]] = []
        for system in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/sbin"):
            if Path(system).exists():
                mounts.append(("--ro-bind", Path(system), system))
        for entry in ETC_ENTRIES:
            if os.path.lexists(f"/etc/{entry}"):
                mounts.append(("--ro-bind", Path(f"/etc/{entry}"), f"/etc/{entry}"))
        mounts += self._account_files(staged)
        for root in python_roots():
            mounts.append(("--ro-bind", root, str(root)))
        mounts.append(("--ro-bind", staged, "/grader"))
        mounts.append(("--bind", self.jobs, "/jobs"))
        if self.cgroup is not None:  # root's files: a child that has changed uid can neither leave nor raise it
            mounts.append(("--bind", self.cgroup.path, CGROUP_TARGET))
        for index, data in enumerate(self.data_dirs):
            mounts.append(("--ro-bind", data, f"/data/{index}"))
        # The private filesystems first, every bind after them: a venv, interpreter or data folder under /tmp
        # (or /dev/shm) is then bound on top of the sandbox's own tmpfs instead of hidden by it. The zygote
        # wipes /tmp and /dev/shm after each job around those mount points (zygote._wipe_scratch).
        command += ["--proc", "/proc", "--dev", "/dev",
                    "--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
                    "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp"]
        targets = {target for _, _, target in mounts}
        made = {"/proc", "/dev", "/dev/shm", "/tmp"}  # mounted above: never remade
        for _, _, target in mounts:
            for parent in reversed(Path(target).parents):
                name = str(parent)
                if name == "/" or name in made or name in targets or any(name.startswith(t + "/") for t in targets):
                    continue
                made.add(name)
                command += ["--perms", "0755", "--dir", name]
        for flag, source, target in mounts:
            command += [flag, str(source), target]
        command += ["--remount-ro", "/", "--chdir", "/tmp"]
        return command

    def _account_files(self, staged: Path) -> list[tuple[str, Path, str]]:
        """/etc/passwd and /etc/group with the sandbox user added, so that ``getpass`` and friends work."""
        mounts = []
        uid, gid = (self.uid, self.uid) if self.uid is not None else (os.getuid(), os.getgid())
        entries = {"passwd": f"student:x:{uid}:{gid}:student:/tmp:/usr/sbin/nologin\n", "group": f"student:x:{gid}:\n"}
        for name, line in entries.items():
            try:
                text = Path(f"/etc/{name}").read_text()
            except OSError:
                text = ""
            if self.uid is not None:
                text = text.rstrip("\n") + "\n" + line
            (staged / name).write_text(text)
            mounts.append(("--ro-bind", staged / name, f"/etc/{name}"))
        return mounts


def _tail_lines(path: Path, lines: int = 3, limit: int = 600) -> str:
    """The last non-empty ``lines`` of a file (its last 8 KiB only), as one line safe to print."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 8192))
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return clean_text(" | ".join(kept), limit)


def _fresh_out(job: Path, index: int) -> Path:
    """Task ``index``'s output folder of ``job`` (made empty if the zygote left none)."""
    out = job / "out" / str(index)
    if not out.is_dir() or out.is_symlink():
        _unlink(out)
        out.mkdir(parents=True, exist_ok=True)
    return out


def _unlink(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _refusal(exc: ProtocolError) -> str:
    """How a refused file is listed in ``Outcome.refused``: ``NAME (why)``, ``malformed:`` when its content is."""
    detail = f"malformed: {exc.detail}" if exc.verb == "is malformed" else exc.detail
    return f"{exc.name} ({detail})"


def vet_outputs(out: Path, kind: str | None = None) -> list[str]:
    """Check what a job left before anything trusted reads it; whatever fails is deleted. Returns the reasons.

    Only the names of :data:`protocol.FILES`, only regular single-link files (no symlink, FIFO or device:
    reading one could block or leak a host file), JSON that parses within bounds and has the declared shape for
    a task of ``kind`` (its strings then cleaned of terminal escapes), and archives that are neither zip bombs
    nor ``.npy`` headers that promise more than they hold. Any refusal of these files fails the assignment
    (:func:`harness.checks.evaluate.failure_reason`).
    """
    refused: list[str] = []
    try:
        entries = list(out.iterdir())
    except OSError:
        return refused
    for entry in entries:
        info = entry.lstat()
        name = entry.name
        spec = protocol.FILES.get(name)
        try:
            if spec is None:
                raise ProtocolError(clean_text(name, 80), "not an output the grader reads", "is refused")
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                raise ProtocolError(name, "not a regular file", "is refused")
            if info.st_size > spec.max_bytes:
                raise ProtocolError(name, f"larger than {spec.max_bytes // 2**20} MiB", "is refused")
            if spec.format == "json":
                data = protocol.clean_json(protocol.load_json(entry, kind))
                entry.write_text(json.dumps(data))
            else:
                protocol.check_archive(entry, spec.format)
        except (ProtocolError, OSError) as exc:
            refused.append(_refusal(exc) if isinstance(exc, ProtocolError) else f"{name} (unreadable: {exc.strerror})")
            _unlink(entry)
    return refused


def copy_submission(source: Path, target: Path) -> None:
    """Copy a submission's regular files, streamed, within :mod:`protocol`'s caps on size, count and depth
    (the same walk as the grader's content hash); symlinks, special and hidden files are left out.
    Raises :class:`protocol.SubmissionRefused` (a ``ValueError``) naming the file and the cap."""
    target.mkdir(parents=True)
    for relative, path, size in protocol.walk_submission(source):
        destination = target / relative
        if size < 0:
            destination.mkdir(parents=True, exist_ok=True)
            continue
        with open(destination, "xb") as handle:
            for chunk in protocol.read_chunks(path, size):
                handle.write(chunk)
