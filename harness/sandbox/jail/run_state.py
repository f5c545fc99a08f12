"""What one task's run of the script layer keeps: its notes, what it patched, its state. Runs INSIDE the sandbox.

Shared by the modules of the script layer (``scripts``, ``cells``, ``served``, ``ipython_stub``); ``scripts.undo``
clears it between tasks run in one process (tests).
"""

from __future__ import annotations

from typing import Any

from . import compat

#: Notes of this run (data served, short-circuits, the model graded), in order; compat keeps its own.
NOTES: dict[str, str] = {}
#: What prepare()/run_script() patched, to undo in-process (tests): (owner, name, previous value or none).
SAVED: list[tuple[Any, str, Any]] = []
STATE: dict[str, Any] = {}


def note(key: str, text: str) -> None:
    NOTES.setdefault(key, text)


def patch(owner: Any, name: str, value: Any, saved: list | None = None) -> None:
    compat.patch(owner, name, value, SAVED if saved is None else saved)
