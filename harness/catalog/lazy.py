"""``keras`` and ``keras.layers`` for reference modules, imported the first time a reference is built.

Why: the catalog is read by commands that never build a model (``grader list``, ``run`` deciding what is
unchanged, ``leaderboard``); importing a reference module must not cost the ≈ 3 s TensorFlow import. A
reference writes the course's Keras code as usual, with one different import line::

    from harness.catalog.lazy import keras, layers

    def build() -> keras.Model:          # (with ``from __future__ import annotations``)
        return keras.Sequential([keras.Input((500,), dtype="int32"), layers.LSTM(32)])

The first attribute read (``keras.Sequential``) imports Keras, silently (:func:`harness.quiet.import_keras`),
and from then on every read is the real module's.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for the module ``name`` until an attribute is read; then imports it and answers from it."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            from harness.quiet import import_keras

            import_keras()
            self._module = importlib.import_module(self._name)
        return self._module

    def __getattr__(self, attribute: str) -> Any:
        # only called for what the instance lacks: the module's own names
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return getattr(self._load(), attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


keras = LazyModule("keras")
layers = LazyModule("keras.layers")
