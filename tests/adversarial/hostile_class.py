"""Hostile classes graded by the real CLI, and the outside observers the containment tests assert with.

A *class* is a folder of student folders built from the templates in ``submissions/`` (placeholders
filled per run: unique marker, listener ports, canary paths). One ``grader run`` grades the whole class;
the tests then check from the outside: marks absent, canaries intact, listeners silent, no process of the
class left, verdicts and scores. What a hostile student says about itself (``PROBE {...}`` in its reason)
is only shown in failure messages, never trusted.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.results.store import open_store
from harness.sandbox import detect_mode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "submissions"
#: The correct submission graded between hostile ones; its copies must always pass.
CONTROLS = ("control_a", "control_b", "control_c", "control_d")


def sandbox_mode() -> str:
    return detect_mode()


def bwrap_available() -> bool:
    env_forced = os.environ.pop("GRADER_SANDBOX", None)
    try:
        return detect_mode() in ("bwrap", "bwrap-userns")
    finally:
        if env_forced is not None:
            os.environ["GRADER_SANDBOX"] = env_forced


class Listeners:
    """TCP (IPv4 and IPv6), UDP and Unix-socket servers that record every connection or datagram."""

    def __init__(self, folder: Path, marker: str) -> None:
        self.events: list[str] = []
        self._stop = threading.Event()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("0.0.0.0", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.servers = [self.tcp]
        try:
            self.tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            self.tcp6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            self.tcp6.bind(("::1", self.port))
            self.tcp6.listen(16)
            self.servers.append(self.tcp6)
        except OSError:
            pass
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", 0))
        self.udp_port = self.udp.getsockname()[1]
        self.unix_path = str(folder / "grader.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen(16)
        self.abstract_name = f"grader-adversarial-{marker}"
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + self.abstract_name)
        self.abstract.listen(16)
        self.servers += [self.unix, self.abstract]
        for server in self.servers:
            server.settimeout(0.2)
            threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        self.udp.settimeout(0.2)
        threading.Thread(target=self._receive, daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                connection, peer = server.accept()
            except (TimeoutError, OSError):
                continue
            self.events.append(f"connection on {server.getsockname()!r} from {peer!r}")
            connection.close()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            self.events.append(f"datagram {data[:40]!r} from {peer!r}")

    def close(self) -> None:
        self._stop.set()
        time.sleep(0.3)
        for server in [*self.servers, self.udp]:
            server.close()


def host_address() -> str:
    """This machine's address on its main interface (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    return address


def survivors(marker: str) -> list[str]:
    """Processes whose command line or name carries the marker (pgrep never lists itself)."""
    found = []
    for flags, pattern in (("-af", marker), ("-a", ("s" + marker)[:15])):
        done = subprocess.run(["pgrep", *flags.split(), pattern], capture_output=True, text=True, check=False)
        found += [line for line in done.stdout.splitlines() if line.strip()]
    return found


def kill_survivors(marker: str) -> None:
    """Clean up after a failed containment: end exactly the processes that carry this run's marker."""
    for line in survivors(marker):
        try:
            os.kill(int(line.split()[0]), signal.SIGKILL)
        except (OSError, ValueError):
            pass


@dataclass
class Run:
    """One ``grader run`` over a class, and everything the tests look at afterwards."""

    mode: str
    folder: Path
    marker: str
    returncode: int
    report: dict
    stdout: str
    stderr: str
    duration_s: float
    listeners: Listeners
    values: dict[str, str]
    originals: dict[str, bytes] = field(default_factory=dict)

    def result(self, student: str, assignment: str = "simple_rnn") -> dict:
        submission = next(s for s in self.report["submissions"] if s["submission"] == student)
        return next(a for a in submission["assignments"] if a["id"] == assignment)

    def submission(self, student: str) -> dict:
        return next(s for s in self.report["submissions"] if s["submission"] == student)

    def probe(self, student: str) -> dict:
        """What a hostile student reported from the inside (``PROBE {json}`` in its reason), for messages."""
        reason = self.result(student)["reason"]
        if "PROBE " not in reason:
            return {}
        text = reason.split("PROBE ", 1)[1]
        try:
            return json.JSONDecoder().raw_decode(text)[0]
        except ValueError:
            return {"unparsed": text}


def build_class(folder: Path, students: list[str], values: dict[str, str],
                templates: Path = TEMPLATES) -> dict[str, bytes]:
    """Student folders from the templates; returns the original bytes of every control's file."""
    originals = {}
    for student in students:
        template = TEMPLATES / "control" if student in CONTROLS else templates / student
        target = folder / student
        target.mkdir(parents=True)
        own = {**values, "OWN": str(target)}
        for source in template.iterdir():
            text = source.read_text()
            for key, value in own.items():
                text = text.replace("{{" + key + "}}", value)
            (target / source.name).write_text(text)
        if student == "symlink_escape":
            os.symlink(ROOT / "reference" / "simple_rnn.py", target / "helper.py")
            os.symlink("/etc/shadow", target / "secret.py")
            os.symlink(ROOT / "reference", target / "lib")
        if student in CONTROLS:
            originals[student] = (target / "simple_rnn.py").read_bytes()
    return originals


def grade_class(mode: str, folder: Path, students: list[str], tmp: Path, *args: str,
                values: dict[str, str] | None = None, templates: Path = TEMPLATES) -> Run:
    marker = secrets.token_hex(5)
    marks = tmp / "marks"
    marks.mkdir()
    data = tmp / "data"
    data.mkdir()
    (data / "test_labels.csv").write_text("id,label\n1,positive\n")
    canary = tmp / "canary.txt"
    canary.write_text("still here")
    db = tmp / "grader.sqlite"
    open_store(db).close()  # a real results store (it holds the pseudonym secret), which must stay out of reach
    db_inode = db.stat().st_ino
    listeners = Listeners(tmp, marker)
    filled = {"MARKER": marker, "PORT": str(listeners.port), "UDP_PORT": str(listeners.udp_port),
              "HOST_IP": host_address(), "UNIX_SOCK": listeners.unix_path, "ABSTRACT": listeners.abstract_name,
              "CANARY": str(canary), "OTHER": str(folder / "control_b"), "MARKS": str(marks), "REPO": str(ROOT),
              "DB": str(db), "DB_INODE": str(db_inode), "DATA": str(data), "CHECK_FILES": "True", **(values or {})}
    originals = build_class(folder, students, filled, templates)
    env = {**os.environ, "GRADER_DB": str(db), "GRADER_DATA": str(data)}
    env.pop("GRADER_SANDBOX", None)
    if mode == "fallback":
        env["GRADER_SANDBOX"] = "fallback"
    started = time.monotonic()
    command = [sys.executable, "-m", "harness", "run", str(folder), "-a", "simple_rnn", "--format", "json", "--force",
               *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    duration = time.monotonic() - started
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = {}
    return Run(mode, folder, marker, done.returncode, report, done.stdout, done.stderr, duration, listeners, filled,
               originals)


def finish(run: Run) -> None:
    run.listeners.close()
    kill_survivors(run.marker)
    for leftover in ("/tmp", "/var/tmp", "/dev/shm"):
        for path in Path(leftover).glob(f"*{run.marker}*"):
            if path.is_file() or path.is_symlink():
                path.unlink(missing_ok=True)
    shutil.rmtree(run.folder, ignore_errors=True)


FILESYSTEM_GAP = ("the fallback does not isolate the filesystem: student code runs as a plain process that sees the "
                  "host's files with the grader's uid (see docs/security.md)")
SIGNAL_GAP = ("the fallback runs student code with the grader's uid (or uid 0 without capabilities, as root): it "
              "can signal every process of that uid, so this test would kill the test run (see docs/security.md)")


def skip_in_fallback(run: Run, reason: str = FILESYSTEM_GAP) -> None:
    if run.mode == "fallback":
        pytest.skip(reason)
