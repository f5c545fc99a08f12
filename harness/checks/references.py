"""What the model checks need of each reference: its layers as graded, its parameter count, and its run on the
functional check's shared weights and input (:class:`Reference`), one per accepted build.

Why: building the 28 references and running each once costs more CPU than everything else the checker does for a
submission. The figures depend only on the reference's source and the installed versions, so the grader computes
them once (in a checker that has loaded no student's model yet) and keeps them on disk
(:mod:`harness.checks.reference_cache`); a checker given them builds a reference only to name the first layer a wrong
model computes differently. Self-check (:mod:`harness.selfcheck`) computes them in the student's kernel.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.checks import functional
from harness.checks.layers import LayerView, views


@dataclass
class ReferenceBuild:
    """A reference model as built here, with fixed weights (seed 0), and its views and parameter count."""

    model: Any
    views: list[LayerView]
    total: int
    note: str = ""


@dataclass
class Reference:
    """What the checks compare a student's model against: one accepted build's views (without their Keras layers),
    parameter count, the note that accepts it, and its functional run (weight shapes, input, output)."""

    views: list[LayerView]
    total: int
    note: str
    weight_shapes: list[tuple[int, ...]]
    x: np.ndarray
    expected: np.ndarray
    #: What it computes, as a digest (:func:`harness.checks.functional.computation_signature`); ``None``: not known.
    signature: str | None = None

    def run(self) -> tuple[list[tuple[int, ...]], np.ndarray, np.ndarray]:
        """The functional check's ``reference`` argument."""
        return self.weight_shapes, self.x, self.expected


#: The references of each assignment this process knows: given by the grader (:func:`install`) or computed.
_KNOWN: dict[str, tuple[Reference, ...]] = {}
#: Held while the shared, cached reference models get weights or run (the checks of several threads share them).
MODEL_LOCK = threading.RLock()


@functools.cache
def reference_builds(assignment_id: str) -> tuple[ReferenceBuild, ...]:
    """The reference and its accepted variants, built once per process with fixed weights (seed 0)."""
    import keras

    from harness.catalog import ModelAssignment, load_catalog

    assignment = load_catalog()[assignment_id]
    assert isinstance(assignment, ModelAssignment), f"{assignment_id} has no reference model"
    builds = []
    for build, note in [(assignment.build, ""), *((v.build, v.note) for v in assignment.variants)]:
        keras.utils.set_random_seed(0)
        model = build()
        builds.append(ReferenceBuild(model, views(model), int(model.count_params()), note))
    return tuple(builds)


def compute(assignment_id: str) -> tuple[Reference, ...]:
    """Build the references of an assignment and run each on the shared weights: the slow way, once."""
    from harness.catalog import ModelAssignment, load_catalog

    assignment = load_catalog()[assignment_id]
    assert isinstance(assignment, ModelAssignment), f"{assignment_id} has no reference model"
    dtype = assignment.input_dtype
    found = []
    with MODEL_LOCK:
        for build in reference_builds(assignment_id):
            shapes, x, expected = functional.reference_run(build.model, dtype)
            bare = [LayerView(v.index, v.cls, v.output_shape, v.params, v.trainable, dict(v.settings))
                    for v in build.views]
            found.append(Reference(bare, build.total, build.note, shapes, x, expected,
                                   functional.computation_signature(build.model)))
    return tuple(found)


def references(assignment_id: str) -> tuple[Reference, ...]:
    """The assignment's references: as installed, else computed now (and kept for this process)."""
    if assignment_id not in _KNOWN:
        _KNOWN[assignment_id] = compute(assignment_id)
    return _KNOWN[assignment_id]


def known(assignment_id: str) -> bool:
    """Whether this process has the assignment's references without computing them."""
    return assignment_id in _KNOWN


def install(assignment_id: str, found: tuple[Reference, ...]) -> None:
    """Use ``found`` (from the grader's cache) for this assignment in this process."""
    _KNOWN[assignment_id] = tuple(found)


def model(assignment_id: str, index: int) -> Any:
    """Build ``index`` of the assignment's references (the reference, then its variants), with the shared weights
    of the functional check: what names the first layer a student's model computes differently. Use it under
    :data:`MODEL_LOCK`."""
    build = reference_builds(assignment_id)[index]
    build.model.set_weights(functional.shared_weights(references(assignment_id)[index].weight_shapes))
    return build.model
