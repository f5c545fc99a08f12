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
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

from harness.sandbox.limits import Limits

HERE = Path(__file__).resolve().parent
#: Files of this folder the sandbox gets: the zygote and what it runs. Nothing else of the harness.
SANDBOX_FILES = ("zygote.py", "tasks.py", "compat.py", "scripts.py", "training_task.py")
#: Children run as one uid of this range per worker, claimed with a lock file so that concurrent graders
#: on one machine never share one (a uid is what the fallback's clean-up kills and RLIMIT_NPROC counts).
BASE_UID = 61000
UID_RANGE = 4000
UID_LOCKS = Path(tempfile.gettempdir()) / "grader-uids"
MAX_SUBMISSION_BYTES = 50 * 1024 * 1024
#: Size caps of the sandbox's private tmpfs mounts (they are memory, outside RLIMIT_AS).
SCRATCH_BYTES = 2 * 1024**3
SHM_BYTES = 64 * 1024**2
#: What of the host's /etc the sandbox sees: enough for the dynamic linker, names, time zones, TLS roots.
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "host.conf", "hosts", "localtime",
               "timezone", "alternatives", "ssl", "ca-certificates", "fonts", "mime.types", "protocols", "services",
               "os-release", "debian_version", "lsb-release", "gai.conf", "python3", "matplotlibrc")
#: The files a job may leave (see zygote.OUTPUT_FILES) and what each may hold once here.
OUTPUT_FILES = ("model.keras", "model.json", "info.json", "error.json", "outputs.npz", "outputs.json")
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 4096
MAX_UNPACKED_BYTES = 2 * 1024**3
#: Seconds a task's preflight (the safe-mode load of its model, see zygote.py) may add to its wall limit.
PREFLIGHT_S = 60


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


def _claim_uid(slot: int) -> tuple[int, int]:
    """A uid no account and no other grader on this machine uses, and the lock that keeps it ours."""
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
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


def _open_to_others(paths: list[Path]) -> bool:
    """Whether a process of another uid can reach and read ``paths`` (each ancestor searchable by others)."""
    for path in paths:
        for folder in (path, *path.parents):
            try:
                if not os.stat(folder).st_mode & stat.S_IXOTH:
                    return False
            except OSError:
                return False
    return True


def _python_roots() -> list[Path]:
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
             Path(sys.executable).resolve().parent.parent}
    return sorted(p for p in roots if p.exists())


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
        if mode == "bwrap" or (mode == "fallback" and os.geteuid() == 0 and _open_to_others([*_python_roots(), HERE])):
            self.uid, self._uid_lock = _claim_uid(slot)
        self.process: subprocess.Popen | None = None
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
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None
        shutil.rmtree(self.root, ignore_errors=True)

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
        (job / "task.pkl").write_bytes(pickle.dumps(list(tasks)))
        (job / "out").mkdir()  # only the zygote writes here, after the job: the child never can
        for path in (job, job / "out", job / "sub", *(job / "sub").rglob("*")):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        request = {"id": job_id, "dir": job_id, "count": len(tasks), "limits": limits.for_child(self.threads),
                   "uid": self.uid, "preflight": preflight}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
            # each task, its preflight, and the clean-up
            reply = self._read_message((limits.wall_s + PREFLIGHT_S) * len(tasks) + 120)
        except (BrokenPipeError, OSError, ValueError):
            reply = None
        results = reply.get("results") if isinstance(reply, dict) else None
        if not isinstance(results, list) or len(results) != len(tasks):
            # the zygote died: the submission killed it, or it crashed. Start afresh next time.
            self._restart()
            outs = [_fresh_out(job, i) for i in range(len(tasks))]
            return [Outcome(worker_died=True, out=out, refused=vet_outputs(out)) for out in outs]
        tainted = reply.get("tainted") or []
        if tainted:  # something of this job could not be wiped: no later job may see it
            self._restart()
        shared = {k: reply.get(k) for k in ("fork_threads", "vm_base_kb", "zygote_id")}
        outcomes = []
        for index, result in enumerate(results):
            values = {**result, **shared}
            fields = {k: v for k, v in values.items()
                      if k in Outcome.__dataclass_fields__ and k not in ("out", "extra")}
            outcome = Outcome(**fields, out=_fresh_out(job, index), extra={"tainted": tainted})
            outcome.refused = list(outcome.refused) + vet_outputs(outcome.out)
            outcomes.append(outcome)
        return outcomes

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
        """The zygote's next JSON line, or ``None`` if it died or said nothing within ``timeout`` seconds."""
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
        for name in SANDBOX_FILES:
            if (HERE / name).is_file():
                shutil.copy2(HERE / name, staged / name)
        mounts: list[tuple[str, Path | str, str]] = []
        for system in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/sbin"):
            if Path(system).exists():
                mounts.append(("--ro-bind", Path(system), system))
        for entry in ETC_ENTRIES:
            if os.path.lexists(f"/etc/{entry}"):
                mounts.append(("--ro-bind", Path(f"/etc/{entry}"), f"/etc/{entry}"))
        mounts += self._account_files(staged)
        for root in _python_roots():
            mounts.append(("--ro-bind", root, str(root)))
        mounts.append(("--ro-bind", staged, "/grader"))
        mounts.append(("--bind", self.jobs, "/jobs"))
        for index, data in enumerate(self.data_dirs):
            mounts.append(("--ro-bind", data, f"/data/{index}"))
        targets = {target for _, _, target in mounts}
        made: set[str] = set()
        for _, _, target in mounts:
            for parent in reversed(Path(target).parents):
                name = str(parent)
                if name == "/" or name in made or name in targets or any(name.startswith(t + "/") for t in targets):
                    continue
                made.add(name)
                command += ["--perms", "0755", "--dir", name]
        for flag, source, target in mounts:
            command += [flag, str(source), target]
        command += ["--proc", "/proc", "--dev", "/dev",
                    "--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
                    "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp",
                    "--remount-ro", "/", "--chdir", "/tmp"]
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


_INVISIBLE = {0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def clean_text(text: str, limit: int = 2000) -> str:
    """A string from the sandbox made safe to print: no control characters (terminal escapes), no bidi tricks."""
    kept = [ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ord(ch) not in _INVISIBLE)]
    return "".join(kept)[:limit]


def _clean_json(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k), 200): _clean_json(v, depth + 1) for k, v in value.items()}
    return value


def _vet_archive(path: Path, members: str) -> str:
    """Why a zip from the sandbox may not be opened by the trusted side, or ``""``: bombs, odd names, links."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                return f"{len(infos)} archive members"
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                return f"it unpacks to more than {MAX_UNPACKED_BYTES // 2**30} GiB"
            for info in infos:
                name = info.filename
                is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
                if name.startswith("/") or ".." in name.split("/") or "\\" in name or is_link:
                    return f"archive member {clean_text(name, 80)!r} is a link or leaves the archive"
            if members == "keras" and "config.json" not in {i.filename for i in infos}:
                return "it is not a Keras archive (no config.json)"
            if members == "npz":
                return _vet_npz(archive, infos)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        return f"it is not a readable archive ({clean_text(str(exc), 120)})"
    return ""


def _vet_npz(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str:
    """Every array's header must describe no more data than its member holds (np.load allocates by header)."""
    import numpy as np

    for info in infos:
        if not info.filename.endswith(".npy"):
            return f"unexpected member {clean_text(info.filename, 80)!r}"
        with archive.open(info) as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        if dtype.hasobject:
            return f"{clean_text(info.filename, 80)} holds Python objects"
        if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > info.file_size:
            return f"{clean_text(info.filename, 80)} declares more data than it holds"
    return ""


def vet_outputs(out: Path) -> list[str]:
    """Check what a job left before anything trusted reads it; whatever fails is deleted. Returns the reasons.

    Only whitelisted names, only regular single-link files (no symlink, FIFO or device: reading one could
    block or leak a host file), JSON that parses within bounds (its strings cleaned of terminal escapes),
    and archives that are neither zip bombs nor ``.npy`` headers that promise more than they hold.
    """
    refused: list[str] = []
    try:
        entries = list(out.iterdir())
    except OSError:
        return refused
    for entry in entries:
        info = entry.lstat()
        name = entry.name
        if name not in OUTPUT_FILES:
            refused.append(f"{clean_text(name, 80)} (not an output the grader reads)")
            _unlink(entry)
        elif not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            refused.append(f"{name} (not a regular file)")
            _unlink(entry)
        elif name.endswith(".json"):
            why = ""
            try:
                if info.st_size > MAX_JSON_BYTES:
                    why = f"larger than {MAX_JSON_BYTES // 2**20} MiB"
                else:
                    data = _clean_json(json.loads(entry.read_bytes()))
                    entry.write_text(json.dumps(data))
            except (ValueError, RecursionError, UnicodeDecodeError, OSError) as exc:
                why = f"not valid JSON ({type(exc).__name__})"
            if why:
                refused.append(f"{name} ({why})")
                _unlink(entry)
        else:
            why = _vet_archive(entry, "keras" if name == "model.keras" else "npz")
            if why:
                refused.append(f"{name} ({why})")
                _unlink(entry)
    return refused


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
