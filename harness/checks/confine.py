"""Confinement of the grader's checker process (see harness/checks/checker.py and docs/security.md).

The checker builds student models from configs that passed the allow-list (harness/checks/config_gate.py), so
no student code should ever run in it. This module is the second line, should a Keras gadget slip through the
gate: once confined, the checker has

- no network: a network namespace of its own (only a loopback that is down) when the grader runs as root,
  else a seccomp filter (x86-64) that refuses every socket but AF_UNIX;
- a read-only view of the whole filesystem (root: a mount namespace in which every mount is bind-remounted
  read-only), with one writable, size-capped tmpfs as its working directory, ``HOME``, ``KERAS_HOME`` and
  ``TMPDIR``, so nothing can touch the instructor's ``~/.keras``; without root, only the environment and the
  working directory move there;
- a uid of its own (root: claimed by the grader like a sandbox job's, ``harness/sandbox/host/worker.py``), so it
  can neither signal the grader nor read what the grader keeps private, such as the jobs' output folders (the
  grader reads the validated files and sends them over the pipe). Where the Python or the checkout lies under a
  folder other uids cannot search (a pyenv under a private ``/root``), that folder is covered by an empty tmpfs in
  the checker's mount namespace into which only those paths are bound; where even that cannot be done, the
  checker keeps the grader's uid and :attr:`Confinement.problems` says why;
- no capabilities (root: bounding set and effective/permitted sets emptied) and ``no_new_privs``, so the
  read-only view, the namespaces and the uid cannot be undone;
- stdout pointed at stderr: whatever a load prints cannot break ``--format json``.

:func:`confine` is irreversible and must run before the checker reads any untrusted byte.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.sandbox.host.worker import closed_to_others
from harness.sandbox.jail import protocol

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_SECCOMP, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 22, 24, 38
SECCOMP_MODE_FILTER = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
#: Room in the scratch for a model check's files (a structure check's ``model.json``, an untrained ``model.keras``).
MODEL_SCRATCH_BYTES = 64 * 1024 * 1024
#: The checker's only writable place: Keras' config file, a model check's files, or a trained model's
#: ``model.keras`` as large as a job may leave it (a tmpfs takes memory only for what is written).
SCRATCH_BYTES = MODEL_SCRATCH_BYTES + protocol.FILES["model.keras"].max_bytes
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class Confinement:
    """What :func:`confine` achieved, for the checker's hello and the tests."""

    scratch: str = ""
    network: str = "none"  # "namespace", "seccomp" or "none"
    filesystem: str = "writable"  # "read-only" or "writable"
    capabilities: bool = False  # True when all were dropped
    uid: int = -1  # the uid it runs as in the end
    problems: list[str] = field(default_factory=list)


def confine(scratch: Path, uid: int | None = None, needs: tuple[Path, ...] = ()) -> Confinement:
    """Confine this process to the empty folder ``scratch`` (see the module docstring); returns what held. Never
    raises for a missing feature: each one the machine refuses is named in :attr:`Confinement.problems`.

    ``uid`` (root only): the uid (and gid) to end as; ``needs``: the folders it must still read as that uid (its
    Python, the checkout), made reachable in its mount namespace when other uids cannot search their way there.
    """
    done = Confinement(scratch=str(scratch))
    # Resolved before any mount: a covered folder hides the links (a ``.venv`` link) that led through it.
    needs = tuple(sorted({p.resolve() for p in needs if p.exists()}))
    os.dup2(2, 1)
    root = os.geteuid() == 0
    if not root:
        uid = None
    if root and _unshare(CLONE_NEWNET, done, "network namespace"):
        done.network = "namespace"
    if root and _unshare(CLONE_NEWNS, done, "mount namespace"):
        if _read_only_view(done.scratch, done, uid, needs):
            done.filesystem = "read-only"
    if uid is not None and (closed := closed_to_others(needs)) is not None:
        done.problems.append(f"the checker keeps the grader's uid: other uids cannot reach {closed}")
        uid = None
    folder = done.scratch
    if uid is None and root and os.stat(folder).st_uid != 0:  # a tmpfs made for the uid it no longer drops to
        os.chown(folder, 0, 0)
    if uid is not None and os.stat(folder).st_uid != uid:  # no tmpfs of its own: the folder itself is handed over
        try:
            os.chown(folder, uid, uid)
        except OSError as exc:
            done.problems.append(f"the checker keeps the grader's uid: its scratch: {exc.strerror}")
            uid = None
    for name in ("HOME", "KERAS_HOME", "TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        os.environ[name] = folder
    tempfile.tempdir = folder
    os.chdir(folder)
    if root:
        done.capabilities = _drop_capabilities(done, uid)
    done.uid = os.getuid()
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        done.problems.append(f"no_new_privs: {os.strerror(ctypes.get_errno())}")
    if done.network != "namespace":
        if _deny_sockets():
            done.network = "seccomp"
        else:
            done.problems.append("no socket filter for this architecture: the checker keeps the network")
    return done


def _unshare(flags: int, done: Confinement, what: str) -> bool:
    if _libc.unshare(flags) == 0:
        return True
    done.problems.append(f"{what}: {os.strerror(ctypes.get_errno())}")
    return False


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> int:
    def encode(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    if _libc.mount(encode(source), encode(target), encode(kind), ctypes.c_ulong(flags), encode(data)) == 0:
        return 0
    return ctypes.get_errno()


def _mount_points() -> list[str]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        # mountinfo escapes space, tab, newline and backslash as octal
        points.append(point.encode().decode("unicode_escape").encode("latin-1").decode(errors="replace"))
    return sorted(set(points), key=lambda p: p.count("/"))


def _read_only_view(scratch: str, done: Confinement, uid: int | None, needs: tuple[Path, ...]) -> bool:
    """Every mount read-only in this (new, private) mount namespace, then a tmpfs on ``scratch`` (owned by ``uid``
    when given, after ``needs`` were made reachable by it)."""
    failed = _mount(None, "/", None, MS_REC | MS_PRIVATE)
    if failed:
        done.problems.append(f"private mounts: {os.strerror(failed)}")
        return False
    if uid is not None:
        _make_reachable(needs, done)
    writable = []
    for point in _mount_points():
        try:
            kept = os.statvfs(point).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError:
            continue  # a mount point hidden under another mount: what covers it is remounted instead
        if _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept):
            writable.append(point)
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    failed = _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={SCRATCH_BYTES},mode=0700{owner}")
    if failed:
        done.problems.append(f"scratch tmpfs: {os.strerror(failed)}")
        return False
    if writable:
        done.problems.append(f"left writable: {', '.join(writable[:5])}")
    return not writable


def _make_reachable(needs: tuple[Path, ...], done: Confinement) -> None:
    """Cover each folder that blocks the way to one of ``needs`` with an empty tmpfs (searchable by all, hiding
    the rest of it: ``/root``, say) and bind only the needed paths back into it. Runs in the private mount
    namespace before the read-only remount, which then covers these mounts too."""
    while (blocked := closed_to_others(needs)) is not None:
        inside = sorted({p for p in needs if p.is_relative_to(blocked) and p != blocked})
        if not inside:
            done.problems.append(f"{blocked} itself cannot be read by other uids")
            return
        kept = [p for p in inside if not any(p != q and p.is_relative_to(q) for q in inside)]
        try:
            handles = [os.open(p, os.O_PATH | os.O_DIRECTORY) for p in kept]  # reachable once the tmpfs hides them
        except OSError as exc:
            done.problems.append(f"keeping {exc.filename} reachable: {exc.strerror}")
            return
        try:
            failed = _mount("tmpfs", str(blocked), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
            if failed:
                done.problems.append(f"cover of {blocked}: {os.strerror(failed)}")
                return
            for path, handle in zip(kept, handles):
                path.mkdir(parents=True, exist_ok=True)
                failed = _mount(f"/proc/self/fd/{handle}", str(path), None, MS_BIND | MS_REC)
                if failed:
                    done.problems.append(f"binding {path}: {os.strerror(failed)}")
                    return
        finally:
            for handle in handles:
                os.close(handle)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities(done: Confinement, uid: int | None) -> bool:
    """Empty the bounding set, become ``uid`` (and its gid, no other group) when given, then empty the rest."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    if uid is not None:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        except OSError as exc:
            done.problems.append(f"uid {uid}: {exc.strerror}")
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    if _libc.capset(ctypes.byref(header), (_CapData * 2)()) != 0:
        done.problems.append(f"capabilities: {os.strerror(ctypes.get_errno())}")
        return False
    return True


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def socket_filter() -> bytes | None:
    """Classic BPF for x86-64: ``socket()`` of any family but AF_UNIX fails with EPERM; foreign ABIs are killed.
    (The checker talks to the grader over a socketpair it already holds; it needs no new socket of another kind.)
    ``None`` on other architectures."""
    if platform.machine() != "x86_64":
        return None
    arch_x86_64, x32_bit, sys_socket, af_unix = 0xC000003E, 0x40000000, 41, 1
    allow, kill, eperm = 0x7FFF0000, 0x80000000, 0x00050000 | errno.EPERM
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    program = [(ld, 0, 0, 4), (jeq, 1, 0, arch_x86_64), (ret, 0, 0, kill),
               (ld, 0, 0, 0), (jge, 0, 1, x32_bit), (ret, 0, 0, kill),
               (jeq, 0, 3, sys_socket), (ld, 0, 0, 16), (jeq, 1, 0, af_unix), (ret, 0, 0, eperm),
               (ret, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *op) for op in program)


def _deny_sockets() -> bool:
    program = socket_filter()
    if program is None:
        return False
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    return _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0
