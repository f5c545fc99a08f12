"""The course catalog: every assignment declared under ``reference/``, found by walking the package.

Like lm-evaluation-harness' task registry, nothing is wired by hand: a module ``reference/<id>.py``
with a module-level ``ASSIGNMENT`` is an assignment. Modules whose name starts with ``_`` hold shared
helpers and are skipped. Reading the catalog imports no Keras: references import it through
:mod:`harness.catalog.lazy`, on their first build, so commands that only read the declarations stay fast.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from harness.catalog.spec import (
    Assignment,
    Case,
    FunctionAssignment,
    LayerFigure,
    ModelAssignment,
    Recipe,
    Training,
    Variant,
)
from harness.errors import GraderError

__all__ = [
    "Assignment", "Case", "FunctionAssignment", "LayerFigure", "ModelAssignment", "Recipe",
    "Training", "Variant", "load_catalog",
]


class CatalogError(GraderError):
    """A reference module is malformed; the message names the module."""


@functools.cache
def load_catalog() -> dict[str, Assignment]:
    """Return ``{id: assignment}`` for every declared reference, models first, then functions, by id."""
    import reference

    found: dict[str, Assignment] = {}
    for info in pkgutil.iter_modules(reference.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"reference.{info.name}")
        entry = getattr(module, "ASSIGNMENT", None)
        if not isinstance(entry, (ModelAssignment, FunctionAssignment)):
            raise CatalogError(f"reference/{info.name}.py: define ASSIGNMENT = ModelAssignment(...) "
                               "or FunctionAssignment(...)")
        if entry.id != info.name:
            raise CatalogError(f"reference/{info.name}.py: ASSIGNMENT.id is {entry.id!r}; it must equal the file name")
        found[entry.id] = entry
    return dict(sorted(found.items(), key=lambda item: (item[1].kind != "model", item[0])))
