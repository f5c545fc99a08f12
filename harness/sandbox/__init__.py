"""Running untrusted student code: a bubblewrap sandbox around a pre-warmed, forking worker.

The layout is the boundary: ``jail/`` is what runs inside the sandbox (mounted there as a whole), ``host/`` what
runs in the grader. ``jail/protocol.py`` declares every file and message that crosses, and both sides import it.
"""

from harness.sandbox.host.limits import Limits
from harness.sandbox.host.worker import Outcome, SandboxUnavailable, Worker, detect_mode

__all__ = ["Limits", "Outcome", "SandboxUnavailable", "Worker", "detect_mode"]
