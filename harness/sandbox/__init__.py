"""Running untrusted student code: a bubblewrap sandbox around a pre-warmed, forking worker."""

from harness.sandbox.limits import Limits
from harness.sandbox.worker import Outcome, SandboxUnavailable, Worker, detect_mode

__all__ = ["Limits", "Outcome", "SandboxUnavailable", "Worker", "detect_mode"]
