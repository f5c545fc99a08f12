"""What a reference entry declares.

An assignment is *declared*, never wired into the harness: a module under ``reference/`` defines a
module-level ``ASSIGNMENT`` (a :class:`ModelAssignment` or :class:`FunctionAssignment`) and the registry
(:mod:`harness.catalog`) picks it up. The harness reads nothing else from the module.

Example (``reference/simple_rnn.py``; Keras comes from :mod:`harness.catalog.lazy`, imported on the first build)::

    from harness.catalog.lazy import keras, layers

    def build() -> keras.Model:
        model = keras.Sequential([keras.Input((None,), dtype="int32"),
                                  layers.Embedding(10000, 32), layers.SimpleRNN(32)])
        return model

    ASSIGNMENT = ModelAssignment(
        id="simple_rnn", title="Embedding + SimpleRNN, last output only",
        seed="000_328bd1a058887ce7.txt", build=build, batch_shape=(None, None),
        figures=(LayerFigure("Embedding", (None, None, 32), 320_000),
                 LayerFigure("SimpleRNN", (None, 32), 2_080)),
        total_params=322_080)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class LayerFigure:
    """One row of a seed's ``model.summary()``: the figure a test asserts against the reference."""

    cls: str
    output_shape: tuple[int | None, ...]
    params: int


@dataclass(frozen=True)
class Variant:
    """Another build the course accepts, with the sentence that tells the student why.

    Example: the seeds print GRU figures of Keras 2 (``reset_after=False``); today's default
    (``reset_after=True``) adds a second bias. Both are right, and the feedback says so.
    """

    build: Callable[[], Any]
    note: str
    total_params: int | None = None


@dataclass(frozen=True)
class Broken:
    """A typical wrong answer to a model assignment, trained by ``grader calibrate`` beside the reference.

    Why: a bar means something only if a wrong model misses it. The broken variants' scores set the floor (no
    credit at or below it) and show whether the quick budget separates right from wrong at all. ``build`` returns
    a plain Keras model (no Lambda, no custom class): it goes through the same config gate as a student's model.
    """

    name: str
    #: What it gets wrong, one line for people, e.g. "relu output instead of sigmoid".
    mistake: str
    build: Callable[[], Any]


@dataclass(frozen=True)
class Recipe:
    """How a model is trained: the seed's recipe (``full``) or the grading budget (``quick``)."""

    optimizer: str = "rmsprop"
    loss: str = "binary_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    epochs: int = 10
    batch_size: int = 128
    validation_split: float = 0.0
    learning_rate: float | None = None
    #: Dataset options: ``num_words``, ``maxlen``, ``train_limit`` (first N training samples) ...
    data: dict[str, Any] = field(default_factory=dict)
    time_budget_s: float = 120.0


@dataclass(frozen=True)
class Training:
    """The training half of a model assignment (used by ``--checks train``)."""

    dataset: str
    full: Recipe
    quick: Recipe
    #: The figure the seed reports, e.g. test accuracy 0.8818 for the IMDB LSTM.
    seed_figure: float | None
    #: ``accuracy`` (higher is better) or ``mae`` (lower is better).
    metric: str = "accuracy"
    #: Judging against the seed's printed figure (``full``; no calibrated distribution): pass at >=
    #: ``pass_fraction`` of it, credit linear from ``floor_fraction``. A calibrated distribution replaces both.
    pass_fraction: float = 0.95
    floor_fraction: float = 0.8
    #: Also judge the held-out loss (``test_loss``, calibrated profiles only: the seeds print no loss), for an
    #: assignment whose quick accuracy cannot tell a correct model from a known-broken one: a one-unit bottleneck
    #: can learn the largest topic or two as well as the reference does under a small budget, but not how sure to be.
    loss_check: bool = False


@dataclass(frozen=True)
class ModelAssignment:
    """The student's module defines ``build_model()`` returning a Keras model."""

    id: str
    title: str
    seed: str
    build: Callable[[], Any]
    #: Batch shape the model is built with when the student leaves it unbuilt (``None`` = any).
    batch_shape: tuple[int | None, ...]
    input_dtype: str = "float32"
    figures: tuple[LayerFigure, ...] = ()
    total_params: int | None = None
    variants: tuple[Variant, ...] = ()
    training: Training | None = None
    #: Known-broken variants (typical mistakes) that ``grader calibrate`` trains to place the floor.
    broken: tuple[Broken, ...] = ()
    #: Where the seed prints the figures, e.g. "000 p. 'IMDB 데이터셋 적용하기'" (free text for people).
    where: str = ""
    entry_point: str = "build_model"
    points: float = 10.0
    kind: Literal["model"] = "model"


@dataclass(frozen=True)
class Case:
    """One call of a student's function: positional and keyword arguments, and a label for feedback."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class FunctionAssignment:
    """The student's module defines a named function, graded against the reference function.

    ``compare(case, expected, actual)`` returns ``None`` when ``actual`` is right, otherwise one
    sentence saying what differs (shape, dtype, values, where). ``examples()`` returns extra cases
    drawn with hypothesis (deterministically), checked the same way.
    """

    id: str
    title: str
    seed: str
    function: str
    reference: Callable[..., Any]
    cases: Callable[[], list[Case]]
    compare: Callable[[Case, Any, Any], str | None]
    examples: Callable[[], list[Case]] | None = None
    #: ``array``: the return value as a numpy array; ``generator:N``: the first N items a generator yields.
    output: str = "array"
    where: str = ""
    points: float = 10.0
    kind: Literal["function"] = "function"


Assignment = ModelAssignment | FunctionAssignment
