"""What a training run is given: the profile and its options, and the trusted side's half of each job."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.catalog import ModelAssignment, Recipe, Training
from harness.sandbox import Limits

if TYPE_CHECKING:
    from harness.training.session import Session

PROFILES = ("quick", "full")
#: Seconds the sandbox job may run beyond the recipe's training budget (building, saving, the first trace).
MARGIN_S = 45.0
MARGIN_FRACTION = 0.2


# -- settings and the per-run data folder ------------------------------------------------------------------------

@dataclass
class TrainSettings:
    profile: str = "quick"
    data_dirs: list[Path] = field(default_factory=list)
    #: Folder for MIDI files (``<artifacts>/<submission>/<assignment>.mid``); ``None``: none written.
    artifacts: Path | None = None
    calibration: Path | None = None
    #: ``grader calibrate``: measure, do not judge.
    calibrating: bool = False
    #: Also run the structure checks on the same sandboxed build (``--checks all``).
    structure: bool = False
    seed: int = 0
    #: Show a live progress display on stderr (``grader run`` on a terminal, table output).
    show_progress: bool = False
    progress: Any = None


def settings_for(checks: str, profile: str, data_dirs: Sequence[Path], artifacts: Path | None, seed: int,
                 progress: bool = False) -> TrainSettings | None:
    """``grader run``'s options as :class:`TrainSettings` (``None`` for structure checks only)."""
    if checks not in ("train", "all"):
        return None
    from harness.datasets import data_dirs_from

    return TrainSettings(profile=profile, data_dirs=data_dirs_from(list(data_dirs)), artifacts=artifacts,
                         structure=checks == "all", seed=seed, show_progress=progress)


@dataclass
class Prepared:
    """One dataset as a recipe wants it: the training split on disk for the sandbox, the test split here."""

    key: str
    dataset: Any
    x_test: Any
    y_test: Any
    fingerprint: dict[str, Any]


@dataclass
class TrainJob:
    """The trusted side's half of one training job (what :func:`Session.evaluate` needs)."""

    assignment: ModelAssignment
    file: str
    submission: str
    recipe: Recipe
    mode: str
    limits: Limits
    task: dict[str, Any] | None = None
    prepared: Prepared | None = None
    #: Why training cannot run here (a dataset is missing, no calibration...): one line.
    skip: str = ""
    started_at: float = 0.0

    def started(self, session: Session) -> None:
        self.started_at = time.monotonic()
        progress = session.live_progress()
        if progress is not None:
            progress.start(self)


def training_of(assignment: ModelAssignment) -> Training:
    """The training half of an assignment that trains (every training job's; the others never get here)."""
    if assignment.training is None:
        raise ValueError(f"{assignment.id} declares no training recipe")
    return assignment.training


def judged_as_song(training: Training) -> bool:
    """Its dataset is the song: judged by train accuracy and the whole song (the dataset registry says so)."""
    from harness.datasets import DATASETS

    return DATASETS[training.dataset].song


def trains_from_generators(dataset_id: str) -> bool:
    """Its recipes train from generators over a series (the Jena windows), not from arrays."""
    from harness.datasets import DATASETS

    return DATASETS[dataset_id].generators
