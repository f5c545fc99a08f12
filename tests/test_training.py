"""``--checks train`` on the project's real offline data (``../shared/datasets``; ``GRADER_SHARED_DATASETS``
overrides): the reference (alice) passes under ``--profile quick``, a crippled model fails and is told by how much,
a missing dataset is ``skipped`` with the file to put where, the song models are judged note by note, and the
sandbox never sees the test labels. Plus the scoring arithmetic and the recipe overrides, without a sandbox.

The trainings run under the quick budgets (seconds each); the whole module takes a few minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from harness import training
from harness.catalog import Recipe, Training
from harness.sandbox.jail.training_task import effective_recipe
from harness.training import bars, second_run
from harness.training.judge import LOWER_IS_BETTER
from tests.conftest import ROOT, by_id, grade_json, grader

SHARED = Path(os.environ.get("GRADER_SHARED_DATASETS")
              or Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared datasets not found at {SHARED}")
ALICE = ROOT / "submissions" / "alice"
BOB = ROOT / "submissions" / "bob"
#: One assignment per dataset: cheap under the quick budget, and clearly above chance for the reference.
IMDB, REUTERS, MNIST = "imdb_embedding_flatten", "reuters_mlp", "mnist_mlp"
#: Trained twice in the same run under the same seed (song_mlp: tests/test_checks_totals.py, under train and all).
DETERMINISTIC = (IMDB, MNIST)

CRIPPLED = {
    # the reference's layers, every kernel zero: h = 0 everywhere, so only the output bias learns (majority class)
    IMDB: """
import keras
from keras import layers

def build_model():
    return keras.Sequential([keras.Input((20,), dtype="int32"),
                             layers.Embedding(10000, 8, embeddings_initializer="zeros"), layers.Flatten(),
                             layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")])
""",
    REUTERS: """
import keras
from keras import layers

def build_model():
    return keras.Sequential([keras.Input((100,), dtype="int32"),
                             layers.Embedding(1000, 128, embeddings_initializer="zeros"), layers.Flatten(),
                             layers.Dense(256, activation="relu", kernel_initializer="zeros"),
                             layers.Dense(46, activation="softmax", kernel_initializer="zeros")])
""",
    MNIST: """
import keras
from keras import layers

def build_model():
    return keras.Sequential([keras.Input((784,)),
                             layers.Dense(512, activation="relu", kernel_initializer="zeros"),
                             layers.Dense(10, activation="softmax", kernel_initializer="zeros")])
""",
}

#: Reads whatever the sandbox mounted for it and says so in its error: the test labels must not be there.
SNOOP = """
import glob
import numpy as np

def build_model():
    seen = sorted(glob.glob("/data/*/*/*"))
    keys = []
    for path in seen:
        if path.endswith(".npz"):
            with np.load(path) as archive:
                keys += archive.files
    raise RuntimeError("SEEN " + " ".join(seen + keys))
"""

#: alice's MNIST model, its weights zeroed when the grader seeded 0 (Python's first draw after the seed says which):
#: below its bar on the first run, fine on the second run's seed.
UNLUCKY = """
import random

import numpy as np

UNLUCKY = random.random() == random.Random(0).random()

""" + (ALICE / f"{MNIST}.py").read_text() + """

_build = build_model


def build_model():
    model = _build()
    if UNLUCKY:
        for layer in model.layers:
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    return model
"""

OVERRIDE = """
TRAINING = {"epochs": 1, "batch_size": 100, "optimizer": "bogus", "shuffle": False}
"""


# -- scoring and recipes (no sandbox) ----------------------------------------------------------------------------

def _training(metric: str = "accuracy") -> Training:
    return Training("imdb", full=Recipe(), quick=Recipe(), seed_figure=0.9, metric=metric,
                    pass_fraction=0.95, floor_fraction=0.8)


def test_against_the_seeds_figure_judge_passes_at_the_fraction_and_gives_linear_credit_below() -> None:
    t = _training()
    assert training.judge("x", "acc", 0.95, 1.0, "accuracy", t, "ref").passed
    half = training.judge("x", "acc", 0.875, 1.0, "accuracy", t, "ref")
    assert not half.passed and half.credit == pytest.approx(0.5)
    assert "0.0750 short" in half.message and "partial credit 50%" in half.message
    none = training.judge("x", "acc", 0.5, 1.0, "accuracy", t, "ref")
    assert none.credit == 0 and "no credit below 0.8000" in none.message


def test_judge_inverts_mae() -> None:
    t = _training("mae")
    assert training.judge("x", "mae", 0.30, 0.29, "mae", t, "ref").passed  # 0.29 / 0.30 = 96.7%
    worse = training.judge("x", "mae", 0.40, 0.29, "mae", t, "ref")
    assert not worse.passed and "too high" in worse.message and worse.credit == 0  # 72.5% < 80%
    assert training.judge("x", "mae", 0.34, 0.29, "mae", t, "ref").credit == pytest.approx((0.29 / 0.34 - 0.8) / 0.15)


def test_training_overrides_are_bounded_and_explained() -> None:
    recipe = {"epochs": 3, "batch_size": 128, "optimizer": "rmsprop", "learning_rate": None}
    applied, notes = effective_recipe(recipe, {"epochs": 1000, "batch_size": 64, "optimizer": "Adam",
                                               "learning_rate": 5, "validation_split": 0.5})
    assert applied["epochs"] == 30 and applied["batch_size"] == 64 and applied["optimizer"] == "adam"
    assert applied["learning_rate"] is None
    text = " ".join(notes)
    assert "capped at 30" in text and "learning_rate" in text and "'validation_split'] ignored" in text
    fixed, notes = effective_recipe({**recipe, "batch_size": 1}, {"batch_size": 14}, fixed_batch=1)
    assert fixed["batch_size"] == 1 and "fixed at 1" in notes[0]
    assert effective_recipe(recipe, ["epochs", 3])[0] == recipe


def test_labels_and_layout_follow_the_recipe() -> None:
    import numpy as np

    onehot = training.labels_for(np.array([0, 2, 1]), "categorical_crossentropy", 3)
    assert onehot.shape == (3, 3) and onehot.argmax(-1).tolist() == [0, 2, 1]
    assert training.labels_for(np.array([0, 1]), "binary_crossentropy", 2).shape == (2,)
    assert training.to_layout(np.zeros((50, 4, 1)), (None, 4)).shape == (50, 4)
    assert training.to_layout(np.zeros((50, 4, 1)), (1, 4, 1)).shape == (50, 4, 1)


def test_calibration_file_merges(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    training.save_calibration({"a": {"score": 0.5}}, "quick", path)
    training.save_calibration({"b": {"score": 0.7}}, "quick", path)
    training.save_calibration({"a": {"score": 0.9}}, "full", path)
    data = training.load_calibration(path)
    assert data == {"a": {"quick": {"score": 0.5}, "full": {"score": 0.9}}, "b": {"quick": {"score": 0.7}}}


def test_the_shipped_calibration_covers_every_trainable_assignment_with_data() -> None:
    """Every model assignment whose data is here has a quick distribution: N >= 10 correct runs, the broken
    variants it declares, the rule derived from them, and what the runs were made under."""
    from harness.catalog import load_catalog

    calibrated = training.load_calibration(training.CALIBRATION)
    trainable = {i: a for i, a in load_catalog().items() if getattr(a, "training", None)}
    missing = {i for i in trainable if "quick" not in calibrated.get(i, {}) and not i.startswith("jena_")}
    assert not missing
    for assignment_id, entry in ((i, calibrated[i]["quick"]) for i in trainable if i in calibrated):
        assert {"seeds", "broken_seeds", "versions", "date", "data", "recipe", "checks"} <= entry.keys()
        assert entry["data"]["sha256"] and entry["versions"]["keras"].startswith("3.")
        assert len(entry["seeds"]) >= 10 and entry["broken"].keys() == {b.name for b in trainable[assignment_id].broken}
        for name, rule in entry["checks"].items():
            assert bars.usable(rule) and rule["correct"]["n"] == len(rule["correct"]["scores"]) >= 10
            assert rule["separated"] == (rule["floor"] is not None and (
                rule["floor"] > rule["bar"] if name in LOWER_IS_BETTER else rule["floor"] < rule["bar"]))


# -- real training in the sandbox ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def class_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, Path]:
    """alice's IMDB, Reuters and MNIST files, crippled twins, a TRAINING override, a snoop, alice's IMDB and MNIST
    again (the same seed: the same verdict) and an MNIST model crippled under seed 0 only, in one quick run."""
    base = tmp_path_factory.mktemp("class")
    folders = {name: base / name for name in ("alice", "crippled", "override", "snoop", "twin", "unlucky")}
    for folder in folders.values():
        folder.mkdir()
    for assignment in (IMDB, REUTERS, MNIST):
        shutil.copy(ALICE / f"{assignment}.py", folders["alice"])
        (folders["crippled"] / f"{assignment}.py").write_text(CRIPPLED[assignment])
    for assignment in DETERMINISTIC:
        shutil.copy(ALICE / f"{assignment}.py", folders["twin"])
    (folders["override"] / f"{MNIST}.py").write_text((ALICE / f"{MNIST}.py").read_text() + OVERRIDE)
    (folders["snoop"] / f"{MNIST}.py").write_text(SNOOP)
    (folders["unlucky"] / f"{MNIST}.py").write_text(UNLUCKY)
    code, report = grade_json(str(base), "--checks", "train", "-a", IMDB, "-a", REUTERS, "-a", MNIST, "-j", "1",
                              "--data-dir", str(SHARED), "--artifacts", str(base / "artifacts"))
    return code, report, base


@needs_shared
def test_the_reference_passes_on_real_data(class_run: tuple[int, dict, Path]) -> None:
    _, report, _ = class_run
    alice = by_id(report, "alice")
    for assignment in (IMDB, REUTERS, MNIST):
        result = alice[assignment]
        assert result["status"] == "passed", (assignment, result["reason"], result["checks"])
        metrics = result["metrics"]["training"]
        assert metrics["profile"] == "quick" and metrics["reference"]["source"] == "calibration"
        assert metrics["score"] >= metrics["reference"]["checks"]["test_accuracy"]["bar"]
        check = next(c for c in result["checks"] if c["name"] == "test_accuracy")
        assert "passes (at least" in check["message"] and "99% of the time over" in check["message"]
        assert metrics["n_test"] > 0 and metrics["data"]["sha256"] and metrics["seed"] == 0
        assert metrics["versions"]["keras"].startswith("3.") and metrics["deterministic"]
        assert metrics["history"]["loss"], "the curves come back for plots"
        assert "runs" not in metrics, "a model that passes is trained once"
        assert result["timings"]["sandbox_s"] > 0


@needs_shared
def test_the_same_seed_gives_the_same_verdict(class_run: tuple[int, dict, Path]) -> None:
    """Same seed, same machine: the same scores to the last digit, so the same checks, messages and credit."""
    _, report, _ = class_run
    alice, twin = by_id(report, "alice"), by_id(report, "twin")
    for assignment in DETERMINISTIC:
        assert twin[assignment]["checks"] == alice[assignment]["checks"], assignment
        assert twin[assignment]["metrics"]["training"]["score"] == alice[assignment]["metrics"]["training"]["score"]


@needs_shared
def test_a_crippled_model_fails_and_is_told_by_how_much(class_run: tuple[int, dict, Path]) -> None:
    code, report, _ = class_run
    assert code == 1
    crippled = by_id(report, "crippled")
    for assignment in (IMDB, REUTERS, MNIST):
        result = crippled[assignment]
        assert result["status"] == "failed", (assignment, result["checks"])
        check = next(c for c in result["checks"] if c["name"] == "test_accuracy")
        assert "short" in check["message"] and "a correct model reaches" in check["message"]
        assert "known-broken variants score at most" in check["message"]
        assert result["score"] < result["max_score"]
        # below its bar: trained once more under another seed, and both runs are in the result
        runs = result["metrics"]["training"]["runs"]
        assert [run["seed"] for run in runs] == [0, second_run.second_seed(0)], runs
        assert all(not run["checks"]["test_accuracy"] for run in runs)
        assert f"trained again under seed {second_run.second_seed(0)}" in " ".join(result["notes"])
        assert result["timings"]["second_run_s"] > 0


@needs_shared
def test_a_model_below_its_bar_on_an_unlucky_seed_passes_on_its_second_run(class_run: tuple[int, dict, Path]) -> None:
    """A correct model that falls short under ``--seed 0`` is trained again under the second seed and judged on
    the better run; the result says so and keeps both runs."""
    _, report, _ = class_run
    result = by_id(report, "unlucky")[MNIST]
    assert result["status"] == "passed", (result["checks"], result["notes"])
    training_metrics = result["metrics"]["training"]
    first, second = training_metrics["runs"]
    assert first["seed"] == 0 and not first["checks"]["test_accuracy"], "zeroed weights under seed 0"
    assert second["seed"] == second_run.second_seed(0) and second["checks"]["test_accuracy"]
    assert training_metrics["judged_run"] == 2 and training_metrics["seed"] == second["seed"]
    assert training_metrics["score"] == second["measured"]["score"] > first["measured"]["score"]
    assert "the first training run (seed 0) fell short" in result["notes"][0]
    assert "judged on this second run" in result["notes"][0]


@needs_shared
def test_training_overrides_are_applied_and_reported(class_run: tuple[int, dict, Path]) -> None:
    _, report, _ = class_run
    result = by_id(report, "override")[MNIST]
    effective = result["metrics"]["training"]["effective_recipe"]
    assert effective["epochs"] == 1 and effective["batch_size"] == 100 and effective["optimizer"] == "adam"
    notes = " ".join(result["notes"] + result["child_notes"])
    assert "optimizer'] = 'bogus' ignored" in notes and "'shuffle'] ignored" in notes
    assert result["metrics"]["training"]["epochs_run"] == 1


@needs_shared
def test_the_sandbox_gets_training_data_only(class_run: tuple[int, dict, Path]) -> None:
    _, report, _ = class_run
    if report["sandbox"] == "fallback":
        pytest.skip("the fallback has no /data mount to look at")
    result = by_id(report, "snoop")[MNIST]
    assert result["status"] == "error"
    seen = result["reason"]
    assert "SEEN /data/0/" in seen and "train.npz" in seen and "x_train" in seen and "y_train" in seen
    assert "test" not in seen.removeprefix("RuntimeError: SEEN"), seen


@needs_shared
def test_a_missing_dataset_is_skipped_with_where_to_put_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"GRADER_DATA": str(empty), "HOME": str(tmp_path / "home"), "KERAS_HOME": str(tmp_path / "keras"),
           "GRADER_CACHE": str(tmp_path / "cache")}
    code, report = grade_json("submissions/alice", "--checks", "train", "-a", IMDB, "-a", "jena_dense", env=env)
    assert code == 0
    alice = by_id(report)
    for assignment, needed in ((IMDB, "imdb.npz"), ("jena_dense", "jena_climate_2009_2016.csv")):
        result = alice[assignment]
        assert result["status"] == "skipped" and result["score"] == 0
        reason = result["reason"]
        assert needed in reason and "~/.keras/datasets" in reason and "--data-dir" in reason
        assert "\n" not in result["reason"]


SONG_RUN = ("-a", "song_stateful_lstm", "-a", "song_stateful_lstm_2f", "-a", "song_lstm")


@pytest.fixture(scope="module")
def song_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, Path]:
    """alice's stateful song models and bob's stateless one (zero kernels), trained and checked in full."""
    base = tmp_path_factory.mktemp("song")
    (base / "alice").mkdir()
    (base / "bob").mkdir()
    for name in ("song_stateful_lstm", "song_stateful_lstm_2f"):
        shutil.copy(ALICE / f"{name}.py", base / "alice")
    for helper in ("common.py", "song_features.py"):  # sibling modules alice's files import
        shutil.copy(ALICE / helper, base / "alice")
    shutil.copy(BOB / "song_lstm.py", base / "bob")
    code, report = grade_json(str(base), "--checks", "all", *SONG_RUN, "-j", "1",
                              "--artifacts", str(base / "artifacts"), env={"GRADER_DB": str(base / "grader.sqlite")})
    return code, report, base


def test_stateful_song_models_play_the_whole_song(song_run: tuple[int, dict, Path]) -> None:
    _, report, base = song_run
    alice = by_id(report, "alice")
    for assignment in ("song_stateful_lstm", "song_stateful_lstm_2f"):
        result = alice[assignment]
        assert result["status"] == "passed", (result["reason"], result["checks"])
        names = {c["name"] for c in result["checks"]}
        assert {"layers", "train_accuracy", "full_song"} <= names  # --checks all: structure and training
        song = result["metrics"]["song"]
        assert song["full_song"]["correct"] == 50 and song["one_step"]["correct"] == 50 and song["stateful"]
        assert "50/50 notes right" in song["comparison"]
        midi = Path(song["midi"])
        assert midi == base / "artifacts" / "alice" / f"{assignment}.mid" and midi.stat().st_size > 100
        assert result["metrics"]["training"]["stopped"] == "perfect"


def test_a_stateless_song_model_with_zero_kernels_misses_its_bar(song_run: tuple[int, dict, Path]) -> None:
    _, report, _ = song_run
    result = by_id(report, "bob")["song_lstm"]
    assert result["status"] == "failed"
    structure = [c for c in result["checks"] if c["name"] not in ("train_accuracy", "full_song")]
    assert structure and all(c["passed"] for c in structure), "structurally right"
    check = next(c for c in result["checks"] if c["name"] == "train_accuracy")
    assert not check["passed"] and "short" in check["message"] and "a correct model reaches" in check["message"]
    song = result["metrics"]["song"]
    assert song["one_step"]["correct"] < 25 and song["full_song"]["wrong"] and not song["stateful"]
    assert "[" in song["comparison"] and "^" in song["comparison"]
    assert any("at most 46/50" in n for n in result["notes"])


def test_table_output_shows_the_song(song_run: tuple[int, dict, Path]) -> None:
    """The table a user reads, for the run above (read back from the store: the file is unchanged)."""
    _, _, base = song_run
    done = grader("run", str(base / "alice"), "--checks", "all", *SONG_RUN,
                  env={"GRADER_DB": str(base / "grader.sqlite")})
    assert "unchanged since they were graded" in done.stderr, done.stdout + done.stderr
    assert "50/50 notes right" in done.stdout and "listen:" in done.stdout and "real  g8" in done.stdout


def test_calibrate_stores_both_distributions_and_the_rule(tmp_path: Path) -> None:
    """Three seeds of the reference (the fewest a bar needs) and one of its non-stateful twin, in one pass."""
    out = tmp_path / "calibration.json"
    done = grader("calibrate", "-a", "song_stateful_lstm_2f", "--seeds", "3", "--broken-seeds", "1",
                  "--output", str(out), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    entry = json.loads(out.read_text())["assignments"]["song_stateful_lstm_2f"]["quick"]
    assert entry["seeds"] == [0, 1, 2] and entry["broken_seeds"] == [0] and entry["budget_stops"] == 0
    song = entry["checks"]["full_song"]
    assert song["correct"]["scores"] == [50.0, 50.0, 50.0] and song["step"] == 1.0
    # three perfect runs: the sd is that of rounding to whole notes, so a bar below 50, not perfection
    assert song["bar"] == pytest.approx(50 - bars.tolerance_k(3) / 12 ** 0.5, abs=1e-6) and song["bar"] < 50
    assert song["broken"]["not_stateful"]["max"] <= 46 and song["floor"] < song["bar"] and song["separated"]
    assert entry["checks"]["train_accuracy"]["correct"]["mean"] == 1.0
    assert {"python", "tensorflow", "keras"} <= entry["versions"].keys()
    assert entry["data"]["dataset"] == "song_2f" and len(entry["data"]["sha256"]) == 64 and entry["date"]
    assert max(json.loads(done.stdout)["calibrated"]["song_stateful_lstm_2f"]["epochs_run"]) <= 400


def test_the_jena_generator_recipe_trains_with_the_childs_code(tmp_path: Path) -> None:
    """The Jena path (the seeds' generators, validation steps) on a real hourly series in the Jena layout."""
    keras = pytest.importorskip("keras")
    from harness import datasets
    from harness.sandbox.jail import training_task
    from tests.test_datasets import _seattle_as_jena_csv

    _seattle_as_jena_csv(tmp_path)
    small = {"lookback": 120, "step": 1, "delay": 24, "train_rows": 5000, "val_end": 6500, "test_start": 6501,
             "test_stride": 24}
    ds = datasets.load("jena", small, [tmp_path])
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((120, 14)), keras.layers.Flatten(),
                              keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae")
    recipe = {"epochs": 2, "batch_size": 32, "time_budget_s": 60.0,
              "data": {"lookback": 120, "step": 1, "delay": 24, "steps_per_epoch": 10, "validation_steps": 3,
                       "train_range": [0, 5000], "val_range": [5001, 6500]}}
    notes: list[str] = []
    state: dict = {}
    history = training_task._fit(model, {"x_train": ds.x_train.astype("float32")}, recipe, "generator", 0, notes,
                                 state)
    assert len(history["loss"]) == 2 and len(history["val_loss"]) == 2 and state["epochs"] == 2
    mae = training.score_model(model, ds.x_test, ds.y_test, "mae")
    assert 0 < mae < 10 * ds.info.extra["naive_mae"]
