"""One grading run, in the order it happens: find the submissions and their files, run each assignment's checks
(sandboxed work and trusted checks overlapping), score the results under the course's policy.

Why a package: ``grade`` (orchestration), ``scoring`` (the one scorer) and ``course`` (the instructor's policy it
reads) are the run's spine; the stages they call live in ``harness.sandbox``, ``harness.checks``,
``harness.results`` and ``harness.output``.
"""
