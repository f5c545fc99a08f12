"""``IPython`` for notebooks where the grader has none: do-nothing stand-ins. Runs INSIDE the sandbox."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import types
from typing import Any

from .cells import CODE_LINE_MAGICS, PYTHON_CELL_MAGICS, TIMEIT_OPTIONS
from .run_state import note


class Null:
    """Answers every call and attribute with itself: ``SVG(model_to_dot(model).create(...))`` does nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> Null:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __iter__(self) -> Any:
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return ""


class IPythonStub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: ``import IPython.display`` gets do-nothing stand-ins when IPython is absent."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == "IPython" or fullname.startswith("IPython."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name, "the grader's stand-in: IPython is not installed here")
        module.__path__ = []
        module.__dict__.update(get_ipython=lambda: None, display=display,
                               __getattr__=lambda name: _null_attribute(name))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        note("ipython", "IPython is not installed in the grader: IPython.display and friends do nothing")


def _null_attribute(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return Null()


def display(*args: Any, **kwargs: Any) -> None:
    return None


class Shell(Null):
    """What ``get_ipython()`` returns in a script: magics and shell commands do nothing, Python cells run."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def run_cell_magic(self, name: str, line: str, cell: str) -> Any:
        if name in PYTHON_CELL_MAGICS:
            exec(compile(cell, f"<%%{name}>", "exec"), self.namespace)
        return None

    def run_line_magic(self, name: str, line: str, *args: Any) -> Any:
        if name in CODE_LINE_MAGICS:
            return eval(compile(TIMEIT_OPTIONS.sub("", line.strip()), "<%magic>", "eval"), self.namespace)
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def system(self, *args: Any, **kwargs: Any) -> int:
        return 0
