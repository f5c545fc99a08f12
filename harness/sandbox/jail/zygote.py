"""The pre-warmed worker: imports TensorFlow and Keras once, then forks one child per job.

Runs INSIDE the sandbox (bubblewrap) or, in the documented fallback, as a plain process. It imports only
the standard library, numpy, keras and its sibling ``tasks.py``. Importing TensorFlow costs ≈ 3 s; a fork
costs milliseconds, which is how a class is graded in seconds with each student in its own process.

Fork safety: the zygote is single-threaded when it forks (``OPENBLAS_NUM_THREADS=1`` keeps numpy's BLAS
from starting its pool; importing TensorFlow starts no thread and no eager context, they start on the first
op), it never runs an op and never runs student code, so every child starts from the same pristine state.
``ready`` reports the thread count and every reply the count at the fork (``fork_threads``).

Per job (see ``docs/security.md``):

1. The child copies the submission into a private work folder, drops to the job's uid (when there is one),
   sets ``no_new_privs``, rlimits and a seccomp filter (x86-64), then runs ``tasks.run``.
2. The zygote supervises: wall clock, the memory of *all* the job's processes together, output volume
   (head and tail kept).
3. When the child ends, every process of the job is killed (the whole pid namespace in bubblewrap, the
   job's uid or the zygote's descendants in the fallback), SysV IPC objects are removed, and only
   whitelisted regular files are copied out of the child's private output folder into the job folder
   the trusted side reads. The child itself can never write there.
4. A model task's ``model.keras`` is then loaded in a *fresh* fork (no student code ever ran in it), under
   the same limits, to check that it loads in safe mode without side effects (``preflight``).
5. Scratch space is wiped; if anything cannot be wiped the zygote says so (``tainted``) and is replaced.

Protocol: JSON lines on stdin (requests) and on the file descriptor ``GRADER_CONTROL_FD`` (replies).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import gc
import importlib
import importlib.util
import json
import os
import pickle
import platform
import re
import resource
import select
import shutil
import signal
import stat
import struct
import sys
import tempfile
import time
import types
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SECBIT_NOROOT_LOCKED = 0x3  # SECBIT_NOROOT | SECBIT_NOROOT_LOCKED: uid 0 gains no capability on exec
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_libc = ctypes.CDLL(None, use_errno=True)

JOBS = Path(os.environ.get("GRADER_JOBS", "/jobs"))
SCRATCH = Path(os.environ.get("GRADER_SCRATCH", "/tmp"))
#: How the job's processes are found: ``pidns`` (everything in our pid namespace but us and its init),
#: ``uid`` (every process whose real uid is the job's), ``tree`` (our descendants; we are a subreaper).
SCOPE = os.environ.get("GRADER_SCOPE", "pidns")
#: The fallback also refuses Unix sockets (the host's are reachable there); the sandbox has none to reach.
DENY_UNIX_SOCKETS = os.environ.get("GRADER_DENY_UNIX") == "1"
#: The memory cgroup every job runs in (the worker made it; harness/sandbox/host/cgroup.py), and its version.
CGROUP = Path(os.environ["GRADER_CGROUP"]) if os.environ.get("GRADER_CGROUP") else None
CGROUP_VERSION = int(os.environ.get("GRADER_CGROUP_VERSION") or 0)
#: Names this zygote in every reply: two jobs with the same id ran on the same warm worker.
ZYGOTE_ID = os.urandom(8).hex()
KEEP_BYTES = 16 * 1024
POLL_S = 0.05
MEMORY_CHECK_S = 0.1
#: The only files of a child's output folder that leave the sandbox, and how large each may be.
OUTPUT_FILES = ("model.keras", "model.json", "info.json", "error.json", "outputs.npz", "outputs.json")
MAX_OUTPUT_BYTES = 512 * 1024 * 1024
PREFLIGHT_WALL_S = 60.0
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _reply(control: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(control, data):]


# -- confinement (runs in the forked child, before any untrusted byte is touched) ----------------------

def _seccomp_program(deny_unix: bool, deny_memfd: bool = False) -> bytes | None:
    """A classic-BPF seccomp filter for x86-64 (``None`` elsewhere: the filter is then not installed).

    Denied with EPERM: sockets other than AF_UNIX (and AF_UNIX too in the fallback), ptrace and
    process_vm_*, kernel keyrings (a per-uid store that outlives processes), new namespaces (unshare,
    setns, clone with CLONE_NEW*), mounts, bpf, perf, userfaultfd, io_uring, module and kexec calls.
    clone3 answers ENOSYS so that libc falls back to clone, whose flags the filter can see.
    ``deny_memfd`` (no memory cgroup counts for the job): memfd_create answers ENOSYS, as on a kernel
    without it, since its pages belong to no process the zygote can measure.
    Foreign syscall ABIs (i386 via int 0x80, x32) kill the process.
    """
    if platform.machine() != "x86_64":
        return None
    arch_x86_64, x32_bit = 0xC000003E, 0x40000000
    allow, kill = 0x7FFF0000, 0x80000000
    eperm, enosys = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    sys_socket, sys_clone, sys_clone3, sys_memfd_create = 41, 56, 435, 319
    af_unix = 1
    clone_new = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
    denied = (101, 310, 311,            # ptrace, process_vm_readv, process_vm_writev
              248, 249, 250,            # add_key, request_key, keyctl
              272, 308,                 # unshare, setns
              165, 166, 155, 161,       # mount, umount2, pivot_root, chroot
              428, 429, 430, 431, 432, 433,  # open_tree, move_mount, fsopen, fsconfig, fsmount, fspick
              298, 321, 323,            # perf_event_open, bpf, userfaultfd
              425, 426, 427,            # io_uring_setup, io_uring_enter, io_uring_register
              246, 320, 175, 313, 176,  # kexec_load, kexec_file_load, init_module, finit_module, delete_module
              303, 304, 312,            # name_to_handle_at, open_by_handle_at, kcmp
              163, 167, 168, 169)       # acct, swapon, swapoff, reboot
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch_x86_64), (ret, 0, 0, kill),
            (ld, 0, 0, 0), (jge, 0, 1, x32_bit), (ret, 0, 0, kill)]
    for number in denied:
        prog += [(jeq, 0, 1, number), (ret, 0, 0, eperm)]
    prog += [(jeq, 0, 1, sys_clone3), (ret, 0, 0, enosys)]
    if deny_memfd:
        prog += [(jeq, 0, 1, sys_memfd_create), (ret, 0, 0, enosys)]
    prog += [(jeq, 0, 3, sys_clone), (ld, 0, 0, 16), (jset, 0, 1, clone_new), (ret, 0, 0, eperm)]
    # socket(domain, ...): allow AF_UNIX unless denied, refuse everything else.
    prog += [(ld, 0, 0, 0), (jeq, 0, 3 if not deny_unix else 1, sys_socket)]
    if not deny_unix:
        prog += [(ld, 0, 0, 16), (jeq, 1, 0, af_unix)]
    prog += [(ret, 0, 0, eperm), (ret, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *op) for op in prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _install_seccomp(deny_unix: bool, deny_memfd: bool) -> bool:
    program = _seccomp_program(deny_unix, deny_memfd)
    if program is None:
        return False
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
    return True


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """For a child that must keep uid 0 (the fallback as root): no capability now, none after an exec.

    Without CAP_SYS_RESOURCE its rlimits bind; without CAP_DAC_OVERRIDE, CAP_KILL and the rest it is an
    ordinary process that happens to own root's files (see docs/security.md for what that still allows).
    """
    _libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT_LOCKED, 0, 0, 0)
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset refused")


def _confine(uid: int | None, limits: dict, nproc_base: int) -> None:
    """Drop to the job's uid, forbid privilege gain, set rlimits and the seccomp filter. Irreversible."""
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif os.geteuid() == 0:
        try:
            os.setgroups([])
        except PermissionError:
            pass  # uid 0 of a user namespace that bubblewrap left without capabilities: nothing to drop
        _drop_capabilities()
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs refused")
    memory = int(limits.get("address_space") or limits["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (int(limits["cpu_s"]), int(limits["cpu_s"]) + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limits["file_bytes"]), int(limits["file_bytes"])))
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    # the zygote, which supervises and kills, keeps the upper hand; never *raise* the priority (a grader started
    # under `nice -n 19` has no right to: every child died with EACCES, exit 70)
    os.setpriority(os.PRIO_PROCESS, 0, max(10, os.getpriority(os.PRIO_PROCESS, 0)))
    if limits.get("nproc"):
        nproc = nproc_base + int(limits["nproc"])
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    _install_seccomp(DENY_UNIX_SOCKETS, deny_memfd=CGROUP is None)


def _join_cgroup() -> None:
    """Move this fork into the job's memory cgroup, before it allocates anything and while it may still
    (the cgroup's files are root's: once the child changes uid it can neither leave nor raise the limit)."""
    if CGROUP is not None:
        (CGROUP / "cgroup.procs").write_text("0")


class _JobCgroup:
    """The zygote's side of the job's memory cgroup: the limit, the peak, the OOM kills (v1 or v2 files)."""

    def __init__(self, path: Path, version: int) -> None:
        self.path, self.version = path, version

    def _write(self, name: str, value: str) -> bool:
        try:
            (self.path / name).write_text(value)
            return True
        except OSError:
            return False

    def limit(self, memory_bytes: int) -> None:
        """Everything the job allocates, swap included, at most ``memory_bytes``."""
        value = str(memory_bytes)
        if self.version == 1:
            # memsw (memory + swap) may never be below the plain limit: set them in the order that keeps it so
            if not self._write("memory.limit_in_bytes", value):
                self._write("memory.memsw.limit_in_bytes", value)
                self._write("memory.limit_in_bytes", value)
            self._write("memory.memsw.limit_in_bytes", value)
        else:
            self._write("memory.max", value)
            self._write("memory.swap.max", "0")
            self._write("memory.oom.group", "1")  # an OOM kill takes the whole job, not one of its processes

    def reset_peak(self) -> None:
        self._write("memory.max_usage_in_bytes" if self.version == 1 else "memory.peak", "0")

    def peak_kb(self) -> int:
        """The most the cgroup held since :meth:`reset_peak` (page cache included, so only read after a kill)."""
        try:
            return int((self.path / ("memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"))
                       .read_text()) // 1024
        except (OSError, ValueError):
            return 0

    def oom_kills(self) -> int:
        """How many of the cgroup's processes the kernel has killed for its memory limit so far."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            for line in (self.path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0


JOB_CGROUP = _JobCgroup(CGROUP, CGROUP_VERSION) if CGROUP is not None else None


def _private_dir(path: Path, uid: int | None) -> None:
    path.mkdir(mode=0o700)
    if uid is not None:
        os.chown(path, uid, uid)


def _stdio(write_end: int, keep: tuple[int, ...]) -> None:
    """stdout and stderr to the supervised pipe; every other descriptor closed but ``keep`` (progress pipes)."""
    os.setsid()
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.dup2(write_end, 1)
    os.dup2(write_end, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)


def _environment(home: Path) -> None:
    for name in [n for n in os.environ if n.startswith("GRADER_")]:
        del os.environ[name]
    os.environ.update({"HOME": str(home), "TMPDIR": str(home), "MPLBACKEND": "Agg", "KERAS_HOME": str(home / ".keras"),
                       "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": str(home / ".matplotlib")})
    tempfile.tempdir = str(home)


def _child(job: Path, request: dict, write_end: int, paths: dict[str, Path], nproc_base: int, start: int,
           progress: int, ack: int) -> None:
    """In the forked child: confine, limit, run the tasks from ``start`` on, exit. Never returns."""
    try:
        _stdio(write_end, keep=(progress, ack))
        _join_cgroup()
        uid = request.get("uid")
        workdir, home, out = paths["work"], paths["home"], paths["out"]
        shutil.copytree(job / "sub", workdir, symlinks=True)
        for path in (workdir, *workdir.rglob("*")):
            if uid is not None:
                os.lchown(path, uid, uid)
        os.chmod(workdir, 0o700)
        _private_dir(home, uid)
        _private_dir(out, uid)
        batch = pickle.loads((job / "task.pkl").read_bytes())
        os.chdir(workdir)
        _environment(home)
        limits = dict(request["limits"])
        limits["cpu_s"] = float(limits["cpu_s"]) * (len(batch) - start)  # RLIMIT_CPU is per process, not per task
        _confine(uid, limits, nproc_base)

        import tensorflow as tf

        threads = request["limits"].get("threads", 1)
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        if any(task.get("deterministic") for task in batch):
            tf.config.experimental.enable_op_determinism()
        tasks = _jail_module("tasks")
        code = tasks.run_batch(batch, start, workdir, out, progress, ack)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    except BaseException as exc:  # a broken child must still exit, and say why
        try:
            os.write(2, f"grader child: {type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(70)


def _verifier(models: list[tuple[int, Path]], request: dict, write_end: int, home: Path, nproc_base: int,
              progress: int) -> None:
    """In a fresh fork (no student code ever ran here): load each exported model in safe mode, under limits.

    One verdict line per model goes to ``progress`` (never to stdout, which a crafted load could print to).
    """
    try:
        _stdio(write_end, keep=(progress,))
        _join_cgroup()
        uid = request.get("uid")
        _private_dir(home, uid)
        os.chdir(home)
        _environment(home)
        _confine(uid, request["limits"], nproc_base)
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tasks = _jail_module("tasks")
        code = tasks.preflight_batch(models, progress)
        sys.stdout.flush()
        os._exit(code)
    except BaseException as exc:  # a failed load must still exit, and say why
        try:
            os.write(1, f"preflight: {type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(70)


# -- supervision ------------------------------------------------------------------------------------------

class _Output:
    """Head and tail of what the child printed: a flood never fills memory."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = KEEP_BYTES - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail = (self.tail + data)[-KEEP_BYTES:]

    def as_dict(self) -> dict:
        return {"output_head": self.head.decode(errors="replace"), "output_tail": self.tail.decode(errors="replace"),
                "output_bytes": self.total}


def _status(pid: int | str) -> dict[str, int]:
    """The numeric fields of ``/proc/PID/status`` that supervision needs (kB, counts, real uid)."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                key, _, value = line.partition(b":")
                if key in (b"VmPeak", b"VmSize", b"RssAnon", b"RssShmem", b"Threads"):
                    fields[key.decode()] = int(value.split()[0])
                elif key == b"Uid":
                    fields["Uid"] = int(value.split()[0])
                elif key == b"State":
                    fields["zombie"] = int(value.split()[0] in (b"Z", b"X"))
                    fields["stopped"] = int(value.split()[0] in (b"T", b"t", b"Z", b"X"))
    except (OSError, ValueError, IndexError):
        return {}
    return fields


def _proc_pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _descendants() -> list[int]:
    me = os.getpid()
    parents: dict[int, int] = {}
    for pid in _proc_pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                data = handle.read()
            parents[pid] = int(data[data.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = set(), {me}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= frontier
    return sorted(found)


def _job_pids(uid: int | None) -> list[int]:
    """Every live process that belongs to the current job (never the zygote itself)."""
    me = os.getpid()
    if SCOPE == "pidns":
        return [pid for pid in _proc_pids() if pid not in (1, me)]
    if SCOPE == "uid" and uid is not None:
        return [pid for pid in _proc_pids() if pid != me and _status(pid).get("Uid") == uid]
    return _descendants()


def _user_tasks(uid: int) -> int:
    """Threads the user already runs: RLIMIT_NPROC counts them, so the fallback's limit adds to them."""
    return sum(s.get("Threads", 1) for s in map(_status, _proc_pids()) if s.get("Uid") == uid)


def _shared_kb() -> int:
    """Memory in the sandbox's own tmpfs mounts (``/tmp``, ``/dev/shm``) and System V segments, in kB.

    No process's RSS shows a tmpfs file filled with ``write()`` (even unlinked, while open) or a segment
    nobody attached. Counted only where both are the job's alone: bubblewrap's private mounts and IPC
    namespace (``pidns``); elsewhere they are the host's.
    """
    if SCOPE != "pidns":
        return 0
    total = 0
    for base in (SCRATCH, Path("/dev/shm")):
        try:
            info = os.statvfs(base)
        except OSError:
            continue
        total += (info.f_blocks - info.f_bfree) * info.f_frsize
    try:
        lines = Path("/proc/sysvipc/shm").read_text().splitlines()
    except OSError:
        lines = []
    header = lines[0].split() if lines else []
    if "rss" in header:
        column = header.index("rss")
        total += sum(int(line.split()[column]) for line in lines[1:] if len(line.split()) > column)
    return total // 1024


class _Memory:
    """Memory of all the job's processes together: private pages (forks of the zygote share its pages at
    first), mapped shared memory, and what the job holds in the sandbox's tmpfs mounts and System V segments."""

    def __init__(self, uid: int | None) -> None:
        me = _status("self")
        self.uid = uid
        self.baseline_anon = me.get("RssAnon", 0)
        self.zygote_vm = me.get("VmSize", 0)
        self.baseline_shared = _shared_kb()
        self.peak_kb = 0

    def sample(self, pids: list[int]) -> int:
        total = max(0, _shared_kb() - self.baseline_shared)
        for pid in pids:
            status = _status(pid)
            anon = status.get("RssAnon", 0) + status.get("RssShmem", 0)
            if status.get("VmSize", 0) >= self.zygote_vm // 2:  # a fork of ours: the zygote's pages are shared
                anon -= self.baseline_anon
            total += max(0, anon)
        self.peak_kb = max(self.peak_kb, total)
        return total


def _oom_killed(before: int) -> bool:
    """Whether the kernel killed a process of the job for the cgroup's memory limit since ``before``."""
    return JOB_CGROUP is not None and JOB_CGROUP.oom_kills() > before


def _kill_job(uid: int | None, spare: int | None = None) -> int:
    """SIGKILL every process of the job until none is left; returns how many there were.

    ``spare``: the job's main process, still running (between two of its tasks): everything else is killed,
    one by one, and nothing is reaped (the spared process must stay ours to wait for).
    """
    if spare is not None:
        return _kill_strays(uid, spare)
    killed: set[int] = {pid for pid in _job_pids(uid) if not _status(pid).get("zombie", 1)}
    if SCOPE == "tree":  # no atomic kill here: first freeze the job, so that nothing forks while we look
        for _ in range(100):
            running = [pid for pid in _job_pids(uid) if not _status(pid).get("stopped", 1)]
            if not running:
                break
            for pid in running:
                try:
                    os.kill(pid, signal.SIGSTOP)
                except OSError:
                    pass
    for _ in range(200):
        if SCOPE == "pidns":
            try:  # atomic with respect to fork: the kernel holds the task list while it signals
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        elif SCOPE == "uid" and uid is not None:
            kill_as(uid)
        live = [pid for pid in _job_pids(uid) if not _status(pid).get("zombie", 1)]
        for pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        _reap_strays()
        if not live:
            return len(killed)
        time.sleep(0.005)
    return len(killed)


def _kill_strays(uid: int | None, spare: int) -> int:
    """Every live process of the job but ``spare``, frozen then killed, until none is left."""
    killed: set[int] = set()
    for _ in range(200):
        live = [p for p in _job_pids(uid) if p != spare and not _status(p).get("zombie", 1)]
        if not live:
            break
        for sig in (signal.SIGSTOP, signal.SIGKILL):  # frozen first: none of them forks while we look
            for pid in live:
                try:
                    os.kill(pid, sig)
                    killed.add(pid)
                except OSError:
                    pass
        time.sleep(0.002)
    return len(killed)


def _ack(fd: int, count: int) -> None:
    """Let the child go on to its next task (one byte per line it wrote); never blocks the zygote."""
    try:
        os.set_blocking(fd, False)
        os.write(fd, b"k" * count)
    except OSError:
        pass


def _as_uid(uid: int | None, action) -> None:
    """Run ``action`` in a short-lived fork that has become ``uid`` (its owner rights, none of ours)."""
    pid = os.fork()
    if pid == 0:
        try:
            if uid is not None and uid != os.getuid():
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            action()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def kill_as(uid: int) -> None:
    """kill(-1, SIGKILL) as ``uid``: signals exactly that uid's processes, atomically, host-wide."""
    def action() -> None:
        for _ in range(3):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break

    _as_uid(uid, action)


def _reap_strays() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds ``pid`` has used so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return 0.0


def _jail_module(name: str) -> types.ModuleType:
    """``name`` from this folder, imported as ``_grader.<name>``: the folder is loaded as a package of its own.

    So the jail's modules import each other relatively (``from . import scripts``), under a name no file of a
    student's can take: their own ``scripts.py`` or ``tasks.py`` stays theirs. The zygote is the jail's entry
    point (run as a script, not as a package member), so this is the one place a sibling is loaded by path.
    """
    if "_grader" not in sys.modules:
        here = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location("_grader", here / "__init__.py",
                                                      submodule_search_locations=[str(here)])
        if spec is None or spec.loader is None:
            raise ImportError(f"the grader's jail package is not beside {__file__}")
        package = importlib.util.module_from_spec(spec)
        sys.modules["_grader"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"_grader.{name}")


_TICKS = os.sysconf("SC_CLK_TCK")


class _Progress:
    """Lines the job writes on its progress pipe, at most ``steps``; each one closes a step of the job.

    A step's output is what the job printed before the line, its wall and CPU time the span since the step
    before. A child can write on that pipe itself: lines are only taken in order, never more than ``steps``,
    and the last one starts no new wall-clock limit (see ``_supervise``), so it can at most end its own steps
    early, never stretch its time past ``steps`` limits.
    """

    def __init__(self, fd: int | None, steps: int, pid: int) -> None:
        self.fd, self.steps, self.pid = fd, steps, pid
        self.buffer = b""
        self.lines: list[str] = []
        self.marks: list[tuple[float, float]] = []
        self.outputs = [_Output()]
        #: Processes killed when each step ended.
        self.strays = [0]

    def read(self, now: float) -> bool:
        """Take what is on the pipe; True when a step ended."""
        if self.fd is None:  # closed at its end: nothing more can come
            return False
        data = os.read(self.fd, 65536)
        if not data:
            os.close(self.fd)
            self.fd = None
            return False
        self.buffer = (self.buffer + data)[-65536:]
        ended = False
        while b"\n" in self.buffer and len(self.lines) < self.steps:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.lines.append(line.decode(errors="replace")[:4096])
            self.marks.append((now, _cpu_s(self.pid)))
            self.outputs.append(_Output())
            self.strays.append(0)
            ended = True
        return ended

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _drain(read_end: int, output: _Output) -> None:
    """What the job printed so far, without blocking (it flushes before each progress line)."""
    while select.select([read_end], [], [], 0)[0]:
        data = os.read(read_end, 65536)
        if not data:
            return
        output.add(data)


def _supervise(pid: int, read_end: int, limits: dict, uid: int | None, wall_s: float | None = None,
               progress: int | None = None, steps: int = 1, ack: int | None = None) -> dict:
    """Wait for ``pid`` within the wall-clock limit, keeping its output's head and tail, and the memory and
    the number of processes of the whole job in check (rlimits are per process; these are per job, and the
    process count is the only fork-bomb brake for a child that keeps uid 0, which RLIMIT_NPROC exempts).

    With a ``progress`` pipe the job runs ``steps`` tasks one after the other: each line on it ends one, and
    gives the next a fresh wall-clock limit. With an ``ack`` pipe, every other process of the job is killed
    when a task ends, before the child (waiting for the ack) starts the next: what a task started never
    outlives it. ``steps`` in the reply: each ended task's line, time, output and processes killed."""
    started = time.monotonic()
    wall = wall_s if wall_s is not None else float(limits["wall_s"])
    deadline = started + wall
    marks = _Progress(progress, steps, pid)
    memory_bytes = int(limits["memory_bytes"])
    nproc = int(limits.get("nproc") or 0)
    memory = _Memory(uid)
    oom_kills = 0
    if JOB_CGROUP is not None:
        JOB_CGROUP.reset_peak()
        oom_kills = JOB_CGROUP.oom_kills()
    timed_out = memory_exceeded = nproc_exceeded = False
    processes_peak = 0
    vm_peak = 0
    next_check = 0.0
    status = rusage = None
    open_pipe = True
    while True:
        watched = ([read_end] if open_pipe else []) + ([marks.fd] if marks.fd is not None else [])
        if watched:
            ready, _, _ = select.select(watched, [], [], POLL_S)
            if read_end in ready:
                data = os.read(read_end, 65536)
                if data:
                    marks.outputs[-1].add(data)
                else:
                    open_pipe = False
            if marks.fd is not None and marks.fd in ready:
                if open_pipe:
                    _drain(read_end, marks.outputs[-1])
                before = len(marks.lines)
                if marks.read(time.monotonic()):
                    if ack is not None:
                        marks.strays[len(marks.lines) - 1] += _kill_job(uid, spare=pid)  # the task that ended
                        _ack(ack, len(marks.lines) - before)
                    if len(marks.lines) < steps:  # the next task's own limit
                        deadline = time.monotonic() + wall
        else:
            time.sleep(POLL_S / 5)
        waited, status, rusage = os.wait4(pid, os.WNOHANG)
        if waited == pid:
            break
        now = time.monotonic()
        if now >= next_check:
            next_check = now + MEMORY_CHECK_S
            vm_peak = max(vm_peak, _status(pid).get("VmPeak", 0))
            pids = _job_pids(uid)
            processes_peak = max(processes_peak, len(pids))
            nproc_exceeded = bool(nproc) and len(pids) > nproc
            memory_exceeded = memory.sample(pids) * 1024 > memory_bytes or _oom_killed(oom_kills)
        if memory_exceeded or nproc_exceeded or now > deadline:
            timed_out = not (memory_exceeded or nproc_exceeded)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            _, status, rusage = os.wait4(pid, 0)  # reap it here: _kill_job's reaping must not take it
            break
    ended = time.monotonic()
    # the kernel's kill in the job's cgroup (it may be what ended the job)
    if JOB_CGROUP is not None and _oom_killed(oom_kills):
        memory_exceeded = True
        memory.peak_kb = max(memory.peak_kb, JOB_CGROUP.peak_kb())
    strays = _kill_job(uid)  # before draining: a grandchild holding the pipe could flood it forever
    drain_until = time.monotonic() + 2.0
    while marks.fd is not None and select.select([marks.fd], [], [], 0)[0]:
        if open_pipe:
            _drain(read_end, marks.outputs[-1])
        marks.read(ended)
    marks.close()
    while open_pipe and time.monotonic() < drain_until:
        ready, _, _ = select.select([read_end], [], [], 0.2)
        data = os.read(read_end, 65536) if ready else b""
        if not data:
            break
        marks.outputs[-1].add(data)
    os.close(read_end)
    cpu = rusage.ru_utime + rusage.ru_stime
    spans = [(started, 0.0), *marks.marks, (ended, cpu)]
    step_list = [{"line": line, "wall_s": round(spans[i + 1][0] - spans[i][0], 4),
                  "cpu_s": round(max(0.0, spans[i + 1][1] - spans[i][1]), 4), "strays_killed": marks.strays[i],
                  **marks.outputs[i].as_dict()}
                 for i, line in enumerate(marks.lines)]
    if step_list and len(step_list) == steps:  # what the last task left is killed when the child ends
        step_list[-1]["strays_killed"] += strays
    last = len(marks.lines)
    return {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "memory_exceeded": memory_exceeded,
        "nproc_exceeded": nproc_exceeded,
        "processes_peak": processes_peak,
        # the step still running when the job ended (the whole job when it has no progress pipe)
        "wall_s": round(ended - spans[last][0], 4),
        "cpu_s": round(max(0.0, cpu - spans[last][1]), 4),
        "max_rss_kb": rusage.ru_maxrss,
        "vm_peak_kb": vm_peak,
        "peak_memory_kb": memory.peak_kb,
        "strays_killed": strays,
        "steps": step_list,
        **marks.outputs[last].as_dict(),
    }


# -- after the job: export, clean up ----------------------------------------------------------------------

def _export(source: Path, target: Path) -> list[str]:
    """Copy the whitelisted regular files of the child's output folder; never follows a link."""
    refused: list[str] = []
    target.mkdir(mode=0o755, exist_ok=True)
    try:
        folder = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return refused
    try:
        names = set(os.listdir(folder))
        refused += sorted(n for n in names if n not in OUTPUT_FILES)[:10]
        for name in OUTPUT_FILES:
            if name not in names:
                continue
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
            except OSError:
                refused.append(f"{name} (not a regular file)")
                continue
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    refused.append(f"{name} (not a regular file)")
                    continue
                if info.st_size > MAX_OUTPUT_BYTES:
                    refused.append(f"{name} (larger than {MAX_OUTPUT_BYTES // 2**20} MiB)")
                    continue
                out = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                try:
                    while chunk := os.read(fd, 1 << 20):
                        os.write(out, chunk)
                finally:
                    os.close(out)
            finally:
                os.close(fd)
    finally:
        os.close(folder)
    return refused


def _strays(folder: Path, expected: set[str]) -> list[str]:
    """What a child left in its output folder outside its tasks' own folders: never handed over, but named
    (it is charged to the task the child was on when it ended)."""
    try:
        names = sorted(set(os.listdir(folder)) - expected, key=lambda n: (n not in OUTPUT_FILES, n))
    except OSError:
        return []
    refused = []
    for name in names[:10]:
        regular = stat.S_ISREG(os.lstat(folder / name).st_mode)
        refused.append(f"{name} (not a regular file)" if not regular else
                       f"{name} (outside its task's folder)" if name in OUTPUT_FILES else
                       f"{name} (not an output the grader reads)")
    return refused


def _remove(path: Path) -> None:
    """Delete a file or tree the child may have made unreadable (chmod 000) or immutable to plain rmtree."""
    def retry(function, name, _exc_info) -> None:
        try:
            os.chmod(os.path.dirname(name), 0o700)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    try:
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o700)
            shutil.rmtree(path, onerror=retry)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _mount_points() -> set[str]:
    """Where something is mounted in this sandbox (``/proc/self/mountinfo``, its octal escapes undone)."""
    points: set[str] = set()
    try:
        lines = Path("/proc/self/mountinfo").read_bytes().splitlines()
    except OSError:
        return points
    for line in lines:
        fields = line.split(b" ")
        if len(fields) > 4:
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
            points.add(os.fsdecode(raw))
    return points


@functools.cache
def _kept_in_scratch() -> tuple[frozenset[str], frozenset[str]]:
    """Mount points inside the scratch tmpfs mounts (the Python environment bound there by the worker), and
    the folders that lead to them: the wipe keeps both and removes everything else."""
    bases = (str(SCRATCH), "/dev/shm")
    mounts = {p for p in _mount_points() if any(p.startswith(base + "/") for base in bases)}
    leading = {str(parent) for p in mounts for parent in Path(p).parents if parent != Path("/")}
    return frozenset(mounts), frozenset(leading - mounts)


def _clear(base: Path, left: list[str]) -> None:
    """Remove everything in ``base`` but the mount points the worker put there and the folders above them."""
    mounts, leading = _kept_in_scratch()
    try:
        entries = list(base.iterdir())
    except OSError:
        return
    for entry in entries:
        name = str(entry)
        if name in mounts:
            continue
        if name in leading and entry.is_dir() and not entry.is_symlink():
            _clear(entry, left)
            continue
        _remove(entry)
        if os.path.lexists(entry):
            left.append(name)


def _wipe_scratch(uid: int | None, job_paths: list[Path]) -> list[str]:
    """Remove what the job left in writable places; returns what could not be removed."""
    left: list[str] = []
    if SCOPE == "pidns":
        for base in (SCRATCH, Path("/dev/shm")):
            _clear(base, left)
        return left
    for path in job_paths:
        _remove(path)
        if os.path.lexists(path):
            left.append(str(path))
    if SCOPE == "uid" and uid is not None:  # the fallback: what the job's uid left in the host's shared folders
        for base in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), SCRATCH):
            try:
                entries = [e for e in base.iterdir() if e.lstat().st_uid == uid]
            except OSError:
                continue
            for entry in entries:
                _remove(entry)
                if os.path.lexists(entry):
                    left.append(str(entry))
    return left


def _clean_ipc(uid: int | None) -> None:
    """Remove the System V shared memory, semaphores and queues the job made (they outlive processes).

    Only an owner may remove one (or CAP_SYS_ADMIN, which the zygote does not hold), so a fork that has
    become the job's uid removes them. The fallback without a uid of its own cannot tell the job's
    objects from the user's and leaves them.
    """
    if SCOPE == "tree":
        return
    targets: list[tuple[str, int]] = []
    for kind in ("shm", "sem", "msg"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        header = lines[0].split() if lines else []
        for line in lines[1:]:
            row = dict(zip(header, line.split()))
            ident = int(row.get("shmid") or row.get("semid") or row.get("msqid") or -1)
            if SCOPE == "pidns" or uid in (int(row.get("uid", -1)), int(row.get("cuid", -1))):
                targets.append((kind, ident))
    if not targets:
        return

    def action() -> None:
        for kind, ident in targets:
            if kind == "shm":
                _libc.shmctl(ident, 0, None)
            elif kind == "sem":
                _libc.semctl(ident, 0, 0)
            else:
                _libc.msgctl(ident, 0, None)

    _as_uid(uid, action)


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


def _fork_job(target) -> tuple[int, int]:
    """Fork ``target(write_end)`` (it never returns) with its stdout and stderr on a pipe we read."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        target(write_end)
    os.close(write_end)
    return pid, read_end


def run_job(request: dict) -> dict:
    """Run the job's tasks (``task.pkl`` holds a list) in one child, then check its models in one fresh fork.

    A child that dies on a task (limit, crash, exit) takes only that task with it: the tasks after it run in
    a new child, forked from this same pristine zygote.
    """
    job = JOBS / request["dir"]
    vm_base_kb = _status("self").get("VmSize", 0)
    # the job's memory comes on top of what it shares with us: TensorFlow, already imported
    limits = {**request["limits"], "address_space": vm_base_kb * 1024 + int(request["limits"]["memory_bytes"])}
    if JOB_CGROUP is not None:
        JOB_CGROUP.limit(int(limits["memory_bytes"]))
    request = {**request, "limits": limits}
    uid = request.get("uid")
    job_id = request["id"]
    count = int(request.get("count", 1))
    nproc_base = _user_tasks(os.getuid()) if (uid is None and SCOPE != "pidns") else 0
    fork_threads = _threads()
    results: list[dict] = []
    scratch: list[Path] = []
    left: list[str] = []
    while len(results) < count:
        start = len(results)
        paths = {name: SCRATCH / f"{name}-{job_id}-{start}" for name in ("work", "home", "out")}
        scratch += paths.values()
        progress, progress_end = os.pipe()
        ack_end, ack = os.pipe()
        child = functools.partial(_child, job, request, paths=paths, nproc_base=nproc_base, start=start,
                                  progress=progress_end, ack=ack_end)
        pid, read_end = _fork_job(child)
        os.close(progress_end)
        os.close(ack_end)
        reply = _supervise(pid, read_end, limits, uid, progress=progress, steps=count - start, ack=ack)
        os.close(ack)
        shared = {k: reply[k] for k in ("max_rss_kb", "vm_peak_kb", "peak_memory_kb", "processes_peak")}
        for step in reply.pop("steps"):
            line = step.pop("line").split()
            code = int(line[2]) if len(line) == 3 and line[0] == "done" and line[2].isdigit() else 3
            results.append({**_CLEAN_END, **shared, **step, "exit_code": code})
        if len(results) < count:
            results.append(reply)  # the task the child was on when it ended
        for index in range(start, len(results)):
            results[index]["refused"] = _export(paths["out"] / str(index), job / "out" / str(index))
        results[-1]["refused"] += _strays(paths["out"], {str(i) for i in range(start, len(results))})
        _kill_job(uid)
        _clean_ipc(uid)
        left += _wipe_scratch(uid, list(paths.values()))

    if request.get("preflight", True):
        models = [(i, job / "out" / str(i) / "model.keras") for i in range(count)]
        verdicts = _preflight([(i, m) for i, m in models if m.is_file() and not m.is_symlink()], request,
                              nproc_base, scratch)
        for index, verdict in verdicts.items():
            results[index]["preflight"] = verdict
    _kill_job(uid)
    _clean_ipc(uid)
    left += _wipe_scratch(uid, scratch)
    return {"id": job_id, "results": results, "fork_threads": fork_threads, "vm_base_kb": vm_base_kb,
            "zygote_id": ZYGOTE_ID, "tainted": left[:5]}


#: What a task that ended on its own (its line on the progress pipe) reports besides its own figures.
_CLEAN_END = {"signal": None, "timed_out": False, "memory_exceeded": False, "nproc_exceeded": False}


def _preflight(models: list[tuple[int, Path]], request: dict, nproc_base: int, scratch: list[Path]) -> dict[int, dict]:
    """Load each model in a fresh fork; a load that changes Keras state ends that fork, the rest go on in another."""
    limits, uid = request["limits"], request.get("uid")
    verdicts: dict[int, dict] = {}
    while models:
        home = SCRATCH / f"verify-{request['id']}-{models[0][0]}"
        scratch.append(home)
        progress, progress_end = os.pipe()
        vpid, vread = _fork_job(functools.partial(_verifier, models, request, home=home, nproc_base=nproc_base,
                                                   progress=progress_end))
        os.close(progress_end)
        wall_s = min(PREFLIGHT_WALL_S, float(limits["wall_s"]) + 30)
        checked = _supervise(vpid, vread, limits, uid, wall_s=wall_s, progress=progress, steps=len(models))
        for (index, _), step in zip(models, checked["steps"]):
            try:
                verdict = json.loads(step["line"])
                verdicts[index] = {"ok": verdict.get("ok") is True, "reason": str(verdict.get("reason", ""))[:300],
                                   "wall_s": step["wall_s"]}
            except (ValueError, AttributeError):
                verdicts[index] = {"ok": False, "reason": "the check of the model said nothing readable",
                                   "wall_s": step["wall_s"]}
        done = len(checked["steps"])
        if done < len(models) and checked["exit_code"] != 4:  # it died on this model
            said = (checked["output_tail"] or checked["output_head"]).strip().splitlines()
            verdicts[models[done][0]] = {"ok": False, "reason": _preflight_reason(checked, said),
                                         "wall_s": checked["wall_s"]}
            done += 1
        models = models[done:]
    return verdicts


def _preflight_reason(checked: dict, said: list[str]) -> str:
    if checked["timed_out"]:
        return "loading the model took too long"
    if checked["memory_exceeded"] or checked["nproc_exceeded"] or checked["signal"] in (signal.SIGKILL, signal.SIGABRT):
        return f"loading the model was killed (signal {checked['signal']}, memory {checked['peak_memory_kb']} kB)"
    if checked["signal"] is not None:
        return f"loading the model crashed (signal {checked['signal']})"
    last = next((line for line in reversed(said) if line.startswith("preflight:")), said[-1] if said else "")
    return last.removeprefix("preflight:").strip()[:300] or f"loading the model failed (status {checked['exit_code']})"


def main() -> None:
    control = int(os.environ["GRADER_CONTROL_FD"])
    os.set_inheritable(control, False)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # children of the same uid cannot ptrace or read our memory
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of a job come back to us, to be killed
    started = time.monotonic()
    import keras
    import numpy  # noqa: F401
    import tensorflow as tf

    _jail_module("tasks")  # with scripts and compat: each child starts with them imported

    # What the imports made is never collected: every child's collections skip it (≈ 0.17 s each
    # otherwise) and its pages stay shared with the children instead of being dirtied by the collector.
    gc.collect()
    gc.freeze()
    _reply(control, {"event": "ready", "import_s": round(time.monotonic() - started, 3), "pid": os.getpid(),
                     "zygote_id": ZYGOTE_ID,
                     "threads": _threads(), "scope": SCOPE, "seccomp": _seccomp_program(False) is not None,
                     "memory": f"cgroup v{CGROUP_VERSION}" if CGROUP is not None else "sampled",
                     "versions": {"python": sys.version.split()[0], "tensorflow": tf.__version__,
                                  "keras": keras.__version__}})
    owned = int(os.environ["GRADER_UID"]) if os.environ.get("GRADER_UID") else None
    if SCOPE == "uid" and owned is not None:
        kill_as(owned)  # whatever a grader that crashed while holding this uid left running
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            reply = run_job(request)
        except Exception as exc:  # report and keep serving; the worker restarts this zygote
            reply = {"id": request.get("id"), "worker_error": f"{type(exc).__name__}: {exc}", "tainted": ["error"]}
        _reply(control, reply)
    if SCOPE == "uid" and owned is not None:
        kill_as(owned)


if __name__ == "__main__":
    main()
