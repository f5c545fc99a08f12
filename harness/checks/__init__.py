"""The trusted checks, one module per kind (structure, functional, functions), and the names they report.

The names are what students and tools see (``imdb_lstm::parameters`` in pytest, ``[selfcheck] hide`` in
course.toml): each check declares its own where it is registered (:mod:`harness.checks.registry`), and these are
read from there, in the order the checks run; ``tests/test_selfcheck.py`` grades a model and a function and
asserts that these are exactly the checks that come back.
"""

from harness.checks import registry

#: The checks of a model assignment under ``--checks structure``, in order.
MODEL_CHECKS = registry.names("model")
#: The checks of a function assignment; ``property_cases`` only where the assignment draws cases with hypothesis.
FUNCTION_CHECKS = registry.names("function")
