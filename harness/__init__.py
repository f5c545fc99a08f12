"""grader: grading and benchmarks for the Keras RNN/CNN course."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``from harness import check`` (the student's self-check), imported on first use so that ``import harness``
    (every ``grader`` command, the pytest plugin) stays cheap."""
    if name == "check":
        from harness.selfcheck import check

        return check
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
