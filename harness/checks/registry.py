"""The trusted checks, registered where they are written: a check is a function decorated with :func:`check`.

As scikit-learn picks its ``check_*`` functions per kind of estimator, each check here declares the kind of
assignment it applies to (``model``, ``function``), the phase it runs in (what it is given), and the names it
reports: what students, ``course.toml``'s ``[selfcheck] hide`` and ``grader pytest`` see. The runners
(:func:`harness.checks.evaluate.model_checks`, :func:`harness.checks.functions.check_values`) run whatever is
registered, in the order it was registered; nothing else lists the checks.

Adding a check: one decorated function in the module of its kind (``structure.py``, ``functional.py``,
``functions.py``). A check in a new module also names that module in :data:`MODULES`.

Phases:

- ``build`` (``model``): :class:`BuildContext`, once per accepted build of the reference; the build whose checks
  fail least is the one the student is graded against.
- ``model`` (``model``): :class:`ModelContext`, against that build; a check may add notes to ``context.notes``.
- ``returns`` (``function``): :class:`ReturnsContext`, the function's returns on the grader's cases.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from harness.results import Check

if TYPE_CHECKING:
    from harness.catalog import Case, FunctionAssignment, ModelAssignment
    from harness.checks.layers import LayerView
    from harness.checks.references import Reference

Kind = Literal["model", "function"]
Phase = Literal["build", "model", "returns"]
#: The phases of each kind, in the order they run.
PHASES: dict[Kind, tuple[Phase, ...]] = {"model": ("build", "model"), "function": ("returns",)}
#: The modules whose checks are registered when they are imported, in the order their checks run.
MODULES = ("harness.checks.structure", "harness.checks.functional", "harness.checks.functions")


@dataclass
class BuildContext:
    """One accepted build of the reference, and the student's layers paired with its layers."""

    student: list[LayerView]
    build: Reference
    pairs: list[tuple[LayerView, LayerView]]


@dataclass
class ModelContext:
    """The student's model (built here: a check may set its weights) and the reference build it is graded against."""

    assignment: ModelAssignment
    model: Any
    student: list[LayerView]
    total: int
    builds: tuple[Reference, ...]
    index: int
    #: Notes the checks add (an accepted variant's, say), shown with the result.
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> Reference:
        return self.builds[self.index]


@dataclass
class ReturnsContext:
    """A function's returns on the grader's cases, keyed ``c0, c1, …`` over ``[*fixed, *drawn]``; ``errors``: the
    cases that raised, ``{"message", "where"}``."""

    assignment: FunctionAssignment
    fixed: list[Case]
    drawn: list[Case]
    values: dict[str, Any]
    errors: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Registered:
    """One registered check: the names it may report, where it runs, and the function."""

    names: tuple[str, ...]
    kind: Kind
    phase: Phase
    run: Callable[[Any], Check | list[Check]]

    def __call__(self, context: Any) -> list[Check]:
        found = self.run(context)
        checks = [found] if isinstance(found, Check) else list(found)
        unknown = [c.name for c in checks if c.name not in self.names]
        if unknown:  # a name nobody declared could not be hidden in course.toml nor collected by grader pytest
            raise ValueError(f"the check {self.run.__qualname__} reported {unknown[0]!r}, which it does not "
                             f"declare: register it with @check({', '.join(map(repr, self.names + (unknown[0],)))})")
        return checks


_CHECKS: list[Registered] = []
_F = TypeVar("_F", bound=Callable[..., Any])


def check(*names: str, kind: Kind, phase: Phase) -> Callable[[_F], _F]:
    """Register the decorated function as a check of ``kind`` assignments, run in ``phase``, reporting ``names``."""
    if phase not in PHASES[kind]:
        raise ValueError(f"a {kind} check runs in one of the phases {PHASES[kind]}, not {phase!r}")
    taken = {name for registered in _CHECKS for name in registered.names}
    if not names or taken & set(names):
        raise ValueError(f"check names must be given and unique: {sorted(taken & set(names)) or 'none given'}")

    def register(function: _F) -> _F:
        _CHECKS.append(Registered(tuple(names), kind, phase, function))
        return function

    return register


def unregister(function: Callable[..., Any]) -> None:
    """Remove the check ``function`` was registered as (a test's temporary check)."""
    _CHECKS[:] = [registered for registered in _CHECKS if registered.run is not function]


def checks(kind: Kind, phase: Phase) -> list[Registered]:
    """The checks of ``kind`` that run in ``phase``, in registration order."""
    _load()
    return [registered for registered in _CHECKS if registered.kind == kind and registered.phase == phase]


def run(kind: Kind, phase: Phase, context: Any) -> list[Check]:
    """Every check of ``kind`` and ``phase`` on ``context``, their findings in order."""
    return [found for registered in checks(kind, phase) for found in registered(context)]


def names(kind: Kind) -> tuple[str, ...]:
    """The names the checks of ``kind`` may report, in the order they run."""
    return tuple(name for phase in PHASES[kind] for registered in checks(kind, phase) for name in registered.names)


def _load() -> None:
    for module in MODULES:
        importlib.import_module(module)
