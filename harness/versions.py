"""The Python, TensorFlow and Keras versions installed here, read without importing TensorFlow.

Why: reports name the versions that graded, and the reference cache (:mod:`harness.checks.reference_cache`) is keyed by
them, in runs that otherwise never import TensorFlow.
"""

from __future__ import annotations

import sys
from importlib import metadata


def installed_versions() -> dict[str, str]:
    """The versions the zygote reports (``sys.version``, ``tf.__version__``, ``keras.__version__``), read from the
    installed distributions."""
    found = {"python": sys.version.split()[0]}
    for key, distributions in (("tensorflow", ("tensorflow", "tensorflow-cpu")), ("keras", ("keras",))):
        for distribution in distributions:
            try:
                found[key] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return found
