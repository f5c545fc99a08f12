# Calls what the seccomp filter refuses and reports the errno of each (EPERM = 1, ENOSYS = 38).
import ctypes
import json
import os

libc = ctypes.CDLL(None, use_errno=True)


def call(number, *args):
    result = libc.syscall(number, *args)
    return 0 if result >= 0 else ctypes.get_errno()


CLONE_NEWUSER = 0x10000000
results = {
    "unshare_user": call(272, CLONE_NEWUSER),
    "ptrace_peek_parent": call(101, 2, os.getppid(), 0, 0),  # PTRACE_PEEKDATA
    "add_key": call(248, b"user", b"{{MARKER}}", b"secret", 6, -4),  # KEY_SPEC_USER_KEYRING
    "keyctl": call(250, 0, -4, 0),  # KEYCTL_GET_KEYRING_ID
    "mount": call(165, b"none", b"/tmp", b"tmpfs", 0, 0),
    "io_uring_setup": call(425, 8, ctypes.create_string_buffer(120)),
    "socket_inet": call(41, 2, 1, 0),
    "bpf": call(321, 0, 0, 0),
    "clone3": call(435, 0, 0),
}
try:
    with open("/proc/self/status") as handle:
        status = dict(line.split(":", 1) for line in handle)
    results["CapEff"] = status["CapEff"].strip()
    results["NoNewPrivs"] = status["NoNewPrivs"].strip()
    results["Seccomp"] = status["Seccomp"].strip()
except (OSError, KeyError):
    pass
raise RuntimeError("PROBE " + json.dumps(results))
