"""``python -m harness`` is ``grader``."""

from harness.cli import main

main()
