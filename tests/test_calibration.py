"""The calibrated training bars (harness/training/bars.py): the tolerance bound covers what it claims, the floor comes
from the broken variants, credit is linear between them, MAE is mirrored, and the feedback says which rule it applied
(and when a check cannot tell a correct model from a broken one). No training here: the scores are given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.catalog import ModelAssignment, load_catalog
from harness.training import bars


def test_the_tolerance_bound_has_its_coverage_at_its_confidence() -> None:
    """Simulated: for 10 normal runs, ``mean - k·sd`` is below the population's 1% quantile ~95% of the time."""
    n, trials = 10, 20_000
    k = bars.tolerance_k(n)
    runs = np.random.default_rng(0).normal(0.0, 1.0, size=(trials, n))
    bounds = runs.mean(axis=1) - k * runs.std(axis=1, ddof=1)
    quantile = -2.3263478740408408  # the standard normal's 1% quantile
    confidence = float(np.mean(bounds <= quantile))
    assert 0.935 < confidence < 0.965, confidence
    assert bars.tolerance_k(30) < k < bars.tolerance_k(5)  # more runs: a tighter bound
    with pytest.raises(ValueError):
        bars.tolerance_k(1)


def test_the_rule_comes_from_both_distributions() -> None:
    correct = [0.80, 0.82, 0.81, 0.79, 0.80]
    rule = bars.derive(correct, {"softmax_output": [0.50, 0.52], "one_unit": [0.55]}, lower_is_better=False)
    k = bars.tolerance_k(5)
    assert rule["bar"] == pytest.approx(np.mean(correct) - k * np.std(correct, ddof=1), abs=1e-5)
    assert rule["floor"] == 0.55 and rule["separated"] and rule["correct"]["scores"] == correct
    assert rule["broken"]["softmax_output"]["max"] == 0.52
    close = bars.derive(correct, {"weak": [0.79]}, lower_is_better=False)
    assert not close["separated"]
    alone = bars.derive(correct, {}, lower_is_better=False)
    assert alone["floor"] is None and not alone["separated"]
    assert bars.derive([0.8, 0.8], {}, lower_is_better=False)["bar"] is None  # fewer than MIN_RUNS


def test_from_299_runs_on_the_bar_holds_for_a_heavy_low_tail() -> None:
    """A distribution with a heavy low tail (97% normal, 3% a run that starts badly): the normal bound promises 99%
    and keeps far less; from 299 runs on the r-th lowest run bounds it whatever the shape, and the bar is the lower
    of the two. Simulated: the bar then lies below the population's 1% quantile in ~95% of calibrations or more."""
    assert bars.distribution_free_runs() == 299
    assert [bars.distribution_free_rank(n) for n in (10, 298, 299, 472, 473, 1000)] == [0, 0, 1, 1, 2, 5]
    rng = np.random.default_rng(1)

    def runs(n: int) -> np.ndarray:
        return np.where(rng.random(n) < 0.03, rng.normal(0.80, 0.02, n), rng.normal(0.91, 0.0025, n))

    quantile = float(np.quantile(runs(2_000_000), 0.01))
    trials = 400
    bars_at = {n: [bars.derive(runs(n).tolist(), {}, lower_is_better=False)["bar"] for _ in range(trials)]
               for n in (100, 300)}
    held = {n: float(np.mean(np.array(b) <= quantile)) for n, b in bars_at.items()}
    assert held[100] < 0.5 < 0.93 <= held[300], held  # the normal bound alone fails; with 300 runs it holds
    rule = bars.derive([0.5] * 298 + [2.0], {}, lower_is_better=True)  # mirrored: the highest run bounds MAE
    assert rule["rank"] == 1 and rule["bar"] == 2.0


def test_runs_that_never_vary_still_leave_a_step_of_room() -> None:
    """Ten perfect stateful songs (sd 0): the sd is taken as that of rounding to whole notes, so one note off still
    passes and a broken model does not; a spread wider than the step is used as it is."""
    perfect = bars.derive([50.0] * 10, {"not_stateful": [16.0]}, False, step=1.0)
    assert perfect["bar"] == pytest.approx(50 - bars.tolerance_k(10) / np.sqrt(12), abs=1e-6)
    assert 48 < perfect["bar"] < 49 and perfect["separated"]
    assert bars.judge("full_song", "full song", 49, perfect, False).passed
    assert not bars.judge("full_song", "full song", 48, perfect, False).passed
    wide = [0.80, 0.82, 0.81, 0.79, 0.80]
    assert bars.derive(wide, {}, False, step=0.001)["bar"] == bars.derive(wide, {}, False)["bar"]


def test_the_shipped_bars_follow_the_rule_and_rederive_rewrites_them(tmp_path: Path) -> None:
    """Every bar in reference/calibration.json is what :func:`bars.derive` gives for its stored scores; after a
    change to the rule, ``grader calibrate --rederive`` rewrites them from the scores, training nothing."""
    import json

    from harness.training import CALIBRATION, load_calibration, rederive
    from tests.conftest import grader

    shipped = load_calibration(CALIBRATION)
    for assignment_id, by_profile in shipped.items():
        for profile, entry in by_profile.items():
            assert rederive(entry) == entry, f"{assignment_id} ({profile}): run `grader calibrate --rederive`"
    data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    rule = data["assignments"]["mnist_cnn"]["quick"]["checks"]["test_accuracy"]
    rule["bar"], rule["k"] = 0.99, 1.0  # as an older rule would have stored it
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(data))
    done = grader("calibrate", "--rederive", "-a", "mnist_cnn", "--output", str(path))
    assert done.returncode == 0, done.stderr
    assert "1 bars derived anew" in done.stdout and "mnist_cnn" in done.stdout
    assert load_calibration(path) == shipped
    done = grader("calibrate", "--rederive", "-a", "jena_gru", "--output", str(path))
    assert done.returncode == 2 and "jena_gru: nothing stored for profile 'quick'" in done.stderr
    del data["assignments"]["mnist_cnn"]["quick"]["checks"]  # hand-edited: one line naming the file and the fix
    path.write_text(json.dumps(data))
    done = grader("calibrate", "--rederive", "-a", "mnist_cnn", "--output", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{path}: the stored scores of mnist_cnn (quick) cannot be read" in done.stderr
    assert "run `grader calibrate -a mnist_cnn`" in done.stderr


def test_mae_is_mirrored() -> None:
    rule = bars.derive([0.30, 0.31, 0.29, 0.30], {"relu_output": [0.45, 0.50]}, lower_is_better=True)
    assert rule["bar"] > 0.31 and rule["floor"] == 0.45 and rule["separated"]
    check = bars.judge("test_mae", "test MAE", 0.40, rule, lower_is_better=True)
    assert not check.passed and "too high" in check.message and "at most" in check.message
    assert check.credit == pytest.approx((0.40 - 0.45) / (rule["bar"] - 0.45))
    assert bars.judge("test_mae", "test MAE", 0.30, rule, lower_is_better=True).passed


def test_feedback_states_the_rule_and_gives_linear_credit() -> None:
    rule = bars.derive([0.80, 0.82, 0.81, 0.79, 0.80, 0.81], {"softmax_output": [0.50, 0.52]}, False)
    bar = rule["bar"]
    passed = bars.judge("test_accuracy", "test accuracy", 0.81, rule, False)
    assert passed.passed and passed.credit == 1.0
    assert passed.message == (f"test accuracy 0.8100: passes (at least {bar:.4f} — a correct model reaches this 99% "
                              "of the time over 6 calibration seeds)")
    middle = (bar + 0.52) / 2
    half = bars.judge("test_accuracy", "test accuracy", middle, rule, False)
    assert not half.passed and half.credit == pytest.approx(0.5)
    assert f"{bar - middle:.4f} short" in half.message and "broken variants score at most 0.5200" in half.message
    assert "partial credit 50%" in half.message
    assert bars.credit_percent(0.995) == "99%" and bars.credit_percent(0.5) == "50%"  # a fail never reads 100%
    none = bars.judge("test_accuracy", "test accuracy", 0.50, rule, False)
    assert none.credit == 0.0 and "no credit" in none.message


def test_a_check_that_does_not_separate_says_so() -> None:
    rule = bars.derive([0.60, 0.62, 0.61], {"one_unit": [0.61]}, False)
    assert not rule["separated"]
    check = bars.judge("test_accuracy", "test accuracy", 0.40, rule, False)
    assert check.credit == 0.0 and "cannot tell them apart" in check.message
    passed = bars.judge("test_accuracy", "test accuracy", 0.62, rule, False)
    assert passed.passed and "cannot tell them apart" in passed.message


def test_a_stored_rule_is_checked_before_use() -> None:
    rule = bars.derive([0.8, 0.81, 0.82], {}, False)
    assert bars.usable(rule)
    assert not bars.usable({"bar": "0.8"}) and not bars.usable({"bar": 0.8, "correct": {}})
    assert not bars.usable(None)


def test_every_trainable_assignment_declares_a_broken_variant_that_builds() -> None:
    """Plain Keras models, built from the reference's own config (what ``grader calibrate`` trains)."""
    for assignment in load_catalog().values():
        if not isinstance(assignment, ModelAssignment) or assignment.training is None:
            continue
        assert assignment.broken, f"{assignment.id} declares no known-broken variant"
        reference = assignment.build()
        for broken in assignment.broken:
            model = broken.build()
            assert broken.name and broken.mistake
            assert model.to_json() != reference.to_json(), (assignment.id, broken.name)
            assert model.output_shape == reference.output_shape, (assignment.id, broken.name)


def test_a_calibration_measured_under_another_recipe_is_not_used(tmp_path: Path) -> None:
    """Changing a quick recipe without ``grader calibrate`` leaves the old bar unusable, and the reason names the
    change and the command; the shipped file matches the catalog's recipes."""
    import dataclasses
    import json

    from harness.training import CALIBRATION, Session, TrainSettings, load_calibration
    from harness.training.calibration import recipe_changes

    catalog = load_catalog()
    shipped = load_calibration(CALIBRATION)
    stale = [(i, recipe_changes(shipped[i]["quick"].get("recipe"), a.training.quick))
             for i, a in catalog.items() if isinstance(a, ModelAssignment) and a.training and i in shipped]
    assert not [entry for entry in stale if entry[1]]

    assignment = catalog["mnist_mlp"]
    quick = dataclasses.replace(assignment.training.quick, epochs=assignment.training.quick.epochs + 1,
                                data={**assignment.training.quick.data, "train_limit": 7})
    changed = dataclasses.replace(assignment, training=dataclasses.replace(assignment.training, quick=quick))
    assert recipe_changes(shipped["mnist_mlp"]["quick"]["recipe"], quick) == [
        "data.train_limit 10000 → 7", f"epochs {quick.epochs - 1} → {quick.epochs}"]
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"assignments": {"mnist_mlp": shipped["mnist_mlp"]}}))
    session = Session(TrainSettings(calibration=path), "fallback")
    try:
        assert session.bar(assignment)[0]["source"] == "calibration"
        bar, why = session.bar(changed)
        assert bar is None and "measured with another recipe (data.train_limit 10000 → 7" in why
        assert "grader calibrate -a mnist_mlp" in why
    finally:
        session.close()
