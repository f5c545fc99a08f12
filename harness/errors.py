"""The grader's own errors: one base, :class:`GraderError`, so a command turns every one of them into the same
one-line message and exit status (``click.UsageError``, exit 2) with one ``except``.

Why so few classes: a user acts on two kinds of problem, and the class says which.

- :class:`InputError`: something the user passed is wrong (a path that is no submission, a malformed
  ``course.toml``, an assignment that cannot be benchmarked); fix the input.
- :class:`SetupError`: this machine lacks what was asked for (bubblewrap for ``--require-sandbox``, a Ray cluster,
  a data file); fix the setup.

The modules keep their specific subclasses (``CourseError``, ``SubmissionError``, ``StoreError``,
``CatalogError``, ``SandboxUnavailable``, ``ExecutorError``, ``DatasetMissing``, ``BenchError``) so that a caller
that handles one of them (training turns a missing data file into a skipped assignment) still can. Each message is
one line naming the file or option and what to do.

Not here: what is wrong with a student's files (a refused config, an unusable ``timestamp.txt``, a protocol
violation) is a verdict or a note in the results, never a ``GraderError``; and the modules under
``harness/sandbox/jail/`` import nothing from ``harness`` (they run inside the sandbox), so their errors stay
their own.
"""

from __future__ import annotations


class GraderError(Exception):
    """A problem the user can fix; the message is one line saying what and how."""


class InputError(GraderError, ValueError):
    """What the user passed (a path, a file, an option) cannot be used as it is."""


class SetupError(GraderError, RuntimeError):
    """This machine lacks what was asked for (a sandbox, a cluster, a data file)."""
