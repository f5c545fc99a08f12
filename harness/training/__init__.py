"""``--checks train``: train each student's model in the sandbox, judge it here on data the sandbox never saw.

Trust (see ``docs/security.md``): the trusted side loads the dataset (:mod:`harness.datasets`), keeps the test
split, and writes only the training split (``train.npz``) into a per-run folder that the sandbox mounts read-only
(``/data/0``). The child (:mod:`harness.sandbox.jail.training_task`) builds the student's model as a structure job
does, trains it with the assignment's recipe under a time budget and saves ``model.keras`` and ``outputs.json``
(the history, for the curves). Here that model is loaded in Keras' safe mode and evaluated on the held-out test
split (``model.predict`` in this process). What the child reports never decides anything. Function assignments
have nothing to train: under ``--checks train`` they are graded by their function checks (``Grader._job``).

Profiles (``--profile``):

- ``quick`` (default): each reference's ``Training.quick`` recipe, a budget that fits a class on a laptop and ends
  by epochs, not by the clock, so a verdict does not depend on the machine's load. The bar comes from
  ``grader calibrate``: the reference trained under N seeds and the catalog's known-broken variants under M seeds,
  exactly as a student's model is; :mod:`harness.training.bars` turns the scores into a pass bar (a correct model
  reaches it 99% of the time), a floor (the broken variants' best) and linear credit between them, stored in
  ``reference/calibration.json``. A model below its bar is trained once more under another seed and judged on the
  better run (:mod:`harness.training.second_run`).
- ``full``: the seed's recipe on the full data; the bar is the figure the seed prints (``seed_figure``): pass at
  ``pass_fraction`` of it, credit linear from ``floor_fraction``.

The "나비야" song models are judged as the seeds judge them: train accuracy (the one-step prediction: each true
window in, the next note out, 50 windows), and the full song (the first 4 notes in, then the model's own output
fed back; stateful models are reset first), note by note against the real song. A stateless model can get at
most 46/50 (:func:`harness.song.best_stateless_score`); a stateful one plays all 50. The comparison and a MIDI
file of what the model plays are part of the feedback.
"""


from __future__ import annotations

from harness.training.bars import WEIGHT
from harness.training.calibration import (
    CALIBRATION,
    ENV_CALIBRATION,
    Runs,
    calibration_entry,
    calibration_path,
    load_calibration,
    rederive,
    reference_source,
    save_calibration,
)
from harness.training.judge import feedback, judge, score_model
from harness.training.recipe import labels_for, num_classes, to_layout
from harness.training.session import Session
from harness.training.settings import PROFILES, TrainJob, TrainSettings, settings_for

__all__ = ["CALIBRATION", "ENV_CALIBRATION", "PROFILES", "WEIGHT", "Runs", "Session", "TrainJob", "TrainSettings",
           "calibration_entry", "calibration_path", "feedback", "judge", "labels_for", "load_calibration",
           "num_classes", "rederive", "reference_source", "save_calibration", "score_model", "settings_for",
           "to_layout"]
