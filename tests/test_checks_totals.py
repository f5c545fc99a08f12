"""``--checks structure``, ``train`` and ``all`` agree: a function assignment has nothing to train and is graded by
its function checks under each of them (not ``skipped``), and ``all`` grades every assignment on the union of the
checks ``structure`` and ``train`` run, so its score is the one scorer's figure over that union.

One function assignment and the cheapest model assignment (the song MLP: built-in data), the model trained for a few
epochs through the student's own ``TRAINING`` override: the totals are the point here, not the verdict."""

from __future__ import annotations

import shutil

import pytest

from harness import training
from harness.pipeline import scoring
from harness.results import Check
from tests.conftest import ROOT, by_id, grade_json

ALICE = ROOT / "submissions" / "alice"
FUNCTION, MODEL = "rnn_forward", "song_mlp"
#: The reference's song MLP, trained 20 epochs instead of the quick recipe's 300.
SHORT_SONG_MLP = """
import keras
from keras import layers

TRAINING = {"epochs": 20}

def build_model():
    return keras.Sequential([keras.Input((4,)), layers.Dense(128, activation="relu"),
                             layers.Dense(128, activation="relu"), layers.Dense(12, activation="softmax")])
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    student = tmp_path_factory.mktemp("class") / "alice"
    student.mkdir()
    shutil.copy(ALICE / f"{FUNCTION}.py", student)
    (student / f"{MODEL}.py").write_text(SHORT_SONG_MLP)
    found = {}
    for checks in ("structure", "train", "all"):
        _, report = grade_json(str(student), "--checks", checks, "-a", FUNCTION, "-a", MODEL, "-j", "1",
                               "--artifacts", str(student.parent / "artifacts"))
        found[checks] = by_id(report)
    return found


def _names(result: dict) -> list[str]:
    return [c["name"] for c in result["checks"]]


def test_a_function_assignment_is_graded_by_its_checks_under_train(runs: dict[str, dict[str, dict]]) -> None:
    under_train = runs["train"][FUNCTION]
    assert under_train["status"] == "passed" and under_train["score"] == under_train["max_score"] > 0
    assert under_train["checks"] == runs["structure"][FUNCTION]["checks"] == runs["all"][FUNCTION]["checks"]


def test_all_grades_the_union_of_structure_and_train(runs: dict[str, dict[str, dict]]) -> None:
    structure, trained, both = (runs[c][MODEL] for c in ("structure", "train", "all"))
    assert structure["status"] == "passed" and len(_names(trained)) >= 1
    assert _names(both) == _names(structure) + _names(trained)
    assert both["checks"] == structure["checks"] + trained["checks"]  # same seed, same machine: same verdicts
    union = [Check(c["name"], c["passed"], weight=training.WEIGHT if c["name"] in _names(trained) else 1.0,
                   credit=c.get("credit")) for c in both["checks"]]
    assert both["score"] == scoring.weighted_score(union, both["max_score"])
