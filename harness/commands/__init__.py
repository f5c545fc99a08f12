"""``grader`` subcommands, one module each (see :mod:`harness.cli`)."""
