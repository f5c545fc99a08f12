"""Collect ``bench_*.py`` as test modules, so ``pytest benchmarks --benchmark-only`` runs every benchmark.

Each benchmark is also a script (``python benchmarks/bench_X.py``) that prints its ratio against its baseline.
"""

from __future__ import annotations

import pytest


def pytest_collect_file(file_path, parent):  # pytest hook
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
