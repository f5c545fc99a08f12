"""Function assignments: the student's function against the reference's, on fixed and hypothesis-drawn cases.

The sandboxed child returns plain arrays (``outputs.npz``, loaded without pickles) and a JSON layout;
the reference runs here, on the trusted side, and the assignment's ``compare`` says what differs.
"""

from __future__ import annotations

import functools
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from harness.catalog import Case, FunctionAssignment
from harness.checks import registry
from harness.results import Check

MAX_LISTED = 3


def _rebuild(layout: Any, arrays: Any) -> Any:
    if isinstance(layout, list):
        return tuple(_rebuild(item, arrays) for item in layout)
    return arrays[layout]


def read_outputs(out: Path) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """``({case key: value}, {case key: error})`` from what the child wrote. Raises ValueError if unreadable."""
    try:
        meta = json.loads((out / "outputs.json").read_text())
        with np.load(out / "outputs.npz", allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        values = {key: _rebuild(layout, arrays) for key, layout in meta["layout"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the function's results could not be read back ({type(exc).__name__})") from exc
    return values, meta.get("errors", {})


def expected_value(assignment: FunctionAssignment, case: Case) -> Any:
    value = assignment.reference(*case.args, **case.kwargs)
    if assignment.output.startswith("generator:"):
        value = tuple(itertools.islice(value, int(assignment.output.split(":")[1])))
    return value


def _grade(assignment: FunctionAssignment, name: str, cases: list[tuple[str, Case]], values: dict[str, Any],
           errors: dict[str, dict[str, str]]) -> Check:
    problems = []
    for key, case in cases:
        label = case.label or f"{assignment.function}({_short_args(case)})"
        if key in errors:
            error = errors[key]
            where = f" at {error['where']}" if error.get("where") else ""
            problems.append(f"{label}: raised {error['message']}{where}")
            continue
        if key not in values:
            problems.append(f"{label}: returned nothing the grader could read")
            continue
        difference = assignment.compare(case, expected_value(assignment, case), values[key])
        if difference:
            problems.append(f"{label}: {difference}")
    if not problems:
        return Check(name, True, f"{len(cases)} of {len(cases)} cases match the reference")
    more = len(problems) - MAX_LISTED
    listed = "; ".join(p.rstrip(".") for p in problems[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")
    return Check(name, False, f"{len(cases) - len(problems)} of {len(cases)} cases match: {listed}")


def _short_args(case: Case) -> str:
    parts = []
    for arg in case.args:
        if isinstance(arg, np.ndarray):
            parts.append(f"array{arg.shape}")
        elif isinstance(arg, (list, tuple)) and len(repr(arg)) > 40:
            parts.append(f"<{len(arg)} items>")
        else:
            parts.append(repr(arg))
    parts += [f"{k}={v!r}" for k, v in case.kwargs.items()]
    return ", ".join(parts)


@functools.cache
def _cases(assignment_id: str) -> tuple[list[Case], list[Case]]:
    from harness.catalog import load_catalog

    assignment = load_catalog()[assignment_id]
    assert isinstance(assignment, FunctionAssignment)  # only function assignments have cases
    return assignment.cases(), (assignment.examples() if assignment.examples else [])


def function_cases(assignment: FunctionAssignment) -> tuple[list[Case], list[Case]]:
    """Fixed and hypothesis-drawn cases; drawn deterministically, so computed once per process."""
    return _cases(assignment.id)


def check_function(assignment: FunctionAssignment, fixed: list[Case], drawn: list[Case], out: Path) -> list[Check]:
    values, errors = read_outputs(out)
    return check_values(assignment, fixed, drawn, values, errors)


def check_values(assignment: FunctionAssignment, fixed: list[Case], drawn: list[Case], values: dict[str, Any],
                 errors: dict[str, dict[str, str]]) -> list[Check]:
    """The registered checks of a function (:mod:`harness.checks.registry`) on its returns, keyed ``c0, c1, …``
    over ``[*fixed, *drawn]`` (``errors``: the cases that raised, ``{"message", "where"}``). Shared by the grader
    (returns read back from the sandbox) and ``harness.selfcheck`` (returns computed in the student's kernel)."""
    return registry.run("function", "returns", registry.ReturnsContext(assignment, fixed, drawn, values, errors))


@registry.check("fixed_cases", "property_cases", kind="function", phase="returns")
def _cases_checks(context: registry.ReturnsContext) -> list[Check]:
    """The fixed cases, and the cases hypothesis drew where the assignment draws any."""
    keyed = [(f"c{i}", case) for i, case in enumerate([*context.fixed, *context.drawn])]
    split = len(context.fixed)
    checks = [_grade(context.assignment, "fixed_cases", keyed[:split], context.values, context.errors)]
    if context.drawn:
        checks.append(_grade(context.assignment, "property_cases", keyed[split:], context.values, context.errors))
    return checks
