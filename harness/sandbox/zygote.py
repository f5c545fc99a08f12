"""The pre-warmed worker: imports TensorFlow and Keras once, then forks one child per job.

Runs INSIDE the sandbox (bubblewrap) or, in the documented fallback, as a plain process. It imports only
the standard library, numpy, keras and its sibling ``tasks.py``. Importing TensorFlow costs ≈ 3 s; a fork
costs milliseconds, which is how a class is graded in seconds with each student in its own process.

Fork safety: importing TensorFlow does not create its thread pools or the eager context (they start on
the first op), so the zygote never runs an op; each child configures threads, seeds and runs its job
from a state no student code has touched.

Protocol: JSON lines on stdin (requests) and on the file descriptor ``GRADER_CONTROL_FD`` (replies).
A request names a job folder under ``GRADER_JOBS`` holding ``task.pkl``, ``sub/`` (the student's files)
and ``out/`` (the only place the child writes that outlives it). After each job every process the
child left is killed and the scratch space is wiped before the next job starts.
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
_libc = ctypes.CDLL(None, use_errno=True)

JOBS = Path(os.environ.get("GRADER_JOBS", "/jobs"))
SCRATCH = Path(os.environ.get("GRADER_SCRATCH", "/tmp"))
IN_PID_NAMESPACE = os.environ.get("GRADER_PIDNS") == "1"
KEEP_BYTES = 16 * 1024


def _reply(control: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(control, data):]


def _child(job: Path, request: dict, write_end: int) -> None:
    """In the forked child: confine, limit, run the task, exit. Never returns."""
    try:
        os.setsid()
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.closerange(3, 65536)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)

        workdir = SCRATCH / f"work-{request['id']}"
        shutil.copytree(job / "sub", workdir, symlinks=True)
        home = SCRATCH / f"home-{request['id']}"
        home.mkdir()
        uid = request.get("uid")
        if uid is not None:
            for path in (workdir, home, *workdir.rglob("*"), *home.rglob("*")):
                os.lchown(path, uid, uid)
        task = pickle.loads((job / "task.pkl").read_bytes())
        out = job / "out"
        os.chdir(workdir)
        os.environ.update({"HOME": str(home), "TMPDIR": str(home), "MPLBACKEND": "Agg", "KERAS_HOME": str(home / ".keras"),
                           "PYTHONDONTWRITEBYTECODE": "1"})
        tempfile.tempdir = str(home)
        for name in [n for n in os.environ if n.startswith("GRADER_")]:
            del os.environ[name]

        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        limits = request["limits"]
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"], limits["memory_bytes"]))
        resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"] + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
        if limits.get("nproc"):
            resource.setrlimit(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))

        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(limits.get("threads", 1))
        tf.config.threading.set_inter_op_parallelism_threads(limits.get("threads", 1))
        import keras

        keras.utils.set_random_seed(int(task.get("seed", 0)))
        if task.get("deterministic"):
            tf.config.experimental.enable_op_determinism()
        import tasks

        code = tasks.run(task, workdir, out)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    except BaseException as exc:  # noqa: BLE001 - a broken child must still exit, and say why
        try:
            os.write(2, f"grader child: {type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(70)


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


def _sweep(uid: int | None, child_pid: int) -> int:
    """Kill every process the job left behind. Returns how many were killed."""
    me = os.getpid()
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid in (me, 1):
            continue
        try:
            if IN_PID_NAMESPACE:
                doomed = True
            elif uid is not None:
                doomed = os.stat(f"/proc/{pid}").st_uid == uid
            else:
                doomed = os.getpgid(pid) == child_pid
        except OSError:
            continue
        if doomed:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    if not IN_PID_NAMESPACE and uid is None:
        try:
            os.killpg(child_pid, signal.SIGKILL)
        except OSError:
            pass
    return killed


def _reap_strays() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wipe_scratch() -> None:
    for base in (SCRATCH, Path("/dev/shm")) if IN_PID_NAMESPACE else (SCRATCH,):
        try:
            entries = list(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            if IN_PID_NAMESPACE or entry.name.startswith(("work-", "home-")):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def run_job(request: dict) -> dict:
    job = JOBS / request["dir"]
    limits = request["limits"]
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(job, request, write_end)
    os.close(write_end)
    output = _Output()
    timed_out = False
    status = rusage = None
    deadline = started + limits["wall_s"]
    open_pipe = True
    while True:
        if open_pipe:
            ready, _, _ = select.select([read_end], [], [], 0.05)
            if ready:
                data = os.read(read_end, 65536)
                if data:
                    output.add(data)
                else:
                    open_pipe = False
        else:
            time.sleep(0.01)
        waited, status, rusage = os.wait4(pid, os.WNOHANG)
        if waited == pid:
            break
        if time.monotonic() > deadline:
            timed_out = True
            _sweep(request.get("uid"), pid)
            os.kill(pid, signal.SIGKILL)
            _, status, rusage = os.wait4(pid, 0)
            break
    wall = time.monotonic() - started
    while open_pipe:  # what the child printed last, without waiting for grandchildren that hold the pipe
        ready, _, _ = select.select([read_end], [], [], 0)
        data = os.read(read_end, 65536) if ready else b""
        if not data:
            break
        output.add(data)
    os.close(read_end)
    strays = _sweep(request.get("uid"), pid)
    _reap_strays()
    _wipe_scratch()
    return {
        "id": request["id"],
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "wall_s": round(wall, 4),
        "cpu_s": round(rusage.ru_utime + rusage.ru_stime, 4),
        "max_rss_kb": rusage.ru_maxrss,
        "strays_killed": strays,
        **output.as_dict(),
    }


def main() -> None:
    control = int(os.environ["GRADER_CONTROL_FD"])
    os.set_inheritable(control, False)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # children of the same uid cannot ptrace or read our memory
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    started = time.monotonic()
    sys.path.insert(0, str(Path(__file__).parent))
    import keras
    import numpy  # noqa: F401
    import tensorflow as tf

    import tasks  # noqa: F401

    _reply(control, {"event": "ready", "import_s": round(time.monotonic() - started, 3), "pid": os.getpid(),
                     "versions": {"python": sys.version.split()[0], "tensorflow": tf.__version__,
                                  "keras": keras.__version__}})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            reply = run_job(request)
        except Exception as exc:  # noqa: BLE001 - report and keep serving
            reply = {"id": request.get("id"), "worker_error": f"{type(exc).__name__}: {exc}"}
        _reply(control, reply)


if __name__ == "__main__":
    main()
