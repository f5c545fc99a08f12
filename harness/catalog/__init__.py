"""The course catalog: every assignment declared under ``reference/``, found by walking the package.

Like lm-evaluation-harness' task registry, nothing is wired by hand: a module ``reference/<id>.py``
with a module-level ``ASSIGNMENT`` is an assignment. Modules whose name starts with ``_`` hold shared
helpers and are skipped. Reading the catalog imports no Keras: references import it through
:mod:`harness.catalog.lazy`, on their first build, so commands that only read the declarations stay fast.

``$GRADER_REFERENCE_PATH`` (folders, separated like ``PATH``) adds a course's own reference modules without
editing the package: they join the ``reference`` package, so ``reference.<id>`` is theirs wherever the grader
imports the catalog (the checker reaches them through :func:`reference_dirs`).
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
from pathlib import Path

from harness.catalog.spec import (
    Assignment,
    Broken,
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
    "Assignment", "Broken", "Case", "FunctionAssignment", "LayerFigure", "ModelAssignment", "Recipe",
    "Training", "Variant", "load_catalog", "reference_dirs",
]


class CatalogError(GraderError):
    """A reference module is malformed; the message names the module."""


#: Extra folders of reference modules (``os.pathsep``-separated), read when the catalog is first loaded.
ENV_REFERENCE_PATH = "GRADER_REFERENCE_PATH"


def reference_dirs() -> list[Path]:
    """The folders the catalog's modules come from: ``reference/`` and each folder of ``$GRADER_REFERENCE_PATH``
    (joined to the ``reference`` package here, once). :class:`CatalogError` for one that is not a folder."""
    import reference

    for part in os.environ.get(ENV_REFERENCE_PATH, "").split(os.pathsep):
        if not part:
            continue
        folder = Path(part).expanduser().resolve()
        if not folder.is_dir():
            raise CatalogError(f"${ENV_REFERENCE_PATH}: {part} is not a folder; name folders of reference "
                               "modules (<id>.py each)")
        if str(folder) not in reference.__path__:
            reference.__path__.append(str(folder))
    return [Path(p) for p in reference.__path__]


@functools.cache
def load_catalog() -> dict[str, Assignment]:
    """Return ``{id: assignment}`` for every declared reference, models first, then functions, by id."""
    found: dict[str, Assignment] = {}
    for info in pkgutil.iter_modules([str(p) for p in reference_dirs()]):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"reference.{info.name}")
        entry = getattr(module, "ASSIGNMENT", None)
        if not isinstance(entry, (ModelAssignment, FunctionAssignment)):
            raise CatalogError(f"{_where(info)}: define ASSIGNMENT = ModelAssignment(...) "
                               "or FunctionAssignment(...)")
        if entry.id != info.name:
            raise CatalogError(f"{_where(info)}: ASSIGNMENT.id is {entry.id!r}; it must equal the file name")
        found[entry.id] = entry
    return dict(sorted(found.items(), key=lambda item: (item[1].kind != "model", item[0])))


def _where(info: pkgutil.ModuleInfo) -> str:
    """A reference module's file, as the user finds it (``reference/x.py``, or the extra folder's path)."""
    folder = Path(getattr(info.module_finder, "path", "reference"))
    return f"reference/{info.name}.py" if folder.name == "reference" else str(folder / f"{info.name}.py")
