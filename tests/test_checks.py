"""Each structural and functional check on its own, with small models built in the test."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from harness.quiet import import_keras

import_keras()
import keras  # noqa: E402
from keras import layers  # noqa: E402

from harness.checks import functional, structure  # noqa: E402
from harness.checks.evaluate import failure_reason  # noqa: E402
from harness.checks.layers import views  # noqa: E402
from harness.sandbox import Limits, Outcome  # noqa: E402
from harness.sandbox.jail.tasks import strip_magics  # noqa: E402


def seq(*stack: keras.layers.Layer, shape: tuple = (None,), dtype: str = "int32") -> keras.Model:
    return keras.Sequential([keras.Input(shape, dtype=dtype), *stack])


def rnn(activation: str = "tanh", units: int = 32, head: str = "sigmoid") -> keras.Model:
    return seq(layers.Embedding(100, 8), layers.SimpleRNN(units, activation=activation),
               layers.Dense(1, activation=head))


def run_all(student: keras.Model, reference: keras.Model) -> dict[str, object]:
    s, r = views(student), views(reference)
    pairs, _ = structure.align(s, r)
    return {"layers": structure.check_layers(s, r), "shapes": structure.check_output_shapes(pairs),
            "params": structure.check_parameters(pairs), "settings": structure.check_settings(pairs, s, r),
            "functional": functional.check_functional(student, functional.reference_run(reference, "int32"), s, r,
                                                      "int32", lambda: reference)}


def test_identical_models_pass_every_check() -> None:
    checks = run_all(rnn(), rnn())
    assert all(c.passed for c in checks.values()), {k: c.message for k, c in checks.items()}


def test_dense_plus_activation_is_dense_with_activation() -> None:
    split = seq(layers.Embedding(100, 8), layers.SimpleRNN(32), layers.Dense(1), layers.Activation("sigmoid"))
    assert [v.cls for v in views(split)] == ["Embedding", "SimpleRNN", "Dense"]
    assert all(c.passed for c in run_all(split, rnn()).values())


def test_parameter_message_gives_the_reason() -> None:
    checks = run_all(rnn(units=64), rnn(units=32))
    assert "layer 2 SimpleRNN: 4,672 parameters, expected 1,312 (64 units instead of 32)" in checks["params"].message
    assert not checks["shapes"].passed and not checks["functional"].passed


def test_missing_activation_on_the_last_layer() -> None:
    checks = run_all(rnn(head="linear"), rnn())
    assert checks["settings"].message == "last layer uses no activation; the reference ends in sigmoid"


def test_functional_check_catches_equal_counts_with_another_activation() -> None:
    checks = run_all(rnn(activation="relu"), rnn())
    assert checks["params"].passed
    assert not checks["functional"].passed
    assert checks["functional"].message.startswith("layer 2 SimpleRNN: given the same weights")


def test_a_model_with_the_references_layers_and_settings_is_not_run() -> None:
    """Same layers, same settings (names, initializers and dropout seeds aside): it computes what the reference
    computes, so the functional check passes without running it. Any setting that is computed with (an activation,
    a dtype policy) or another kind of model (functional) is run as before."""
    reference = rnn()
    signature = functional.computation_signature(reference)
    assert signature is not None

    def check(student: keras.Model) -> object:
        return functional.check_functional(student, functional.reference_run(reference, "int32"), views(student),
                                           views(reference), "int32", lambda: reference, signature)

    renamed = seq(layers.Embedding(100, 8, name="words", embeddings_initializer="ones"),
                  layers.SimpleRNN(32, name="memory", recurrent_initializer="zeros", seed=7),
                  layers.Dense(1, activation="sigmoid", kernel_regularizer="l2"))
    before = [w.copy() for w in renamed.get_weights()]
    result = check(renamed)
    assert result.passed and result.message.startswith("its layers and their settings are the reference's")
    assert all((a == b).all() for a, b in zip(before, renamed.get_weights()))  # not given the shared weights: not run
    relu = check(rnn(activation="relu"))
    assert not relu.passed and relu.message.startswith("layer 2 SimpleRNN: given the same weights")
    half = seq(layers.Embedding(100, 8), layers.SimpleRNN(32, dtype="float16"), layers.Dense(1, activation="sigmoid"))
    assert functional.computation_signature(half) not in (None, signature)
    inputs = keras.Input((None,), dtype="int32")
    hidden = layers.SimpleRNN(32)(layers.Embedding(100, 8)(inputs))
    functional_api = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(hidden))
    assert functional.computation_signature(functional_api) is None
    ran = check(functional_api)
    assert ran.passed and ran.message.startswith("given the same weights as the reference")


def test_pooling_swap_is_named() -> None:
    def conv(pool: type) -> keras.Model:
        return seq(layers.Embedding(100, 8), layers.Conv1D(4, 3), pool(2), layers.Flatten(), layers.Dense(1),
                   shape=(20,))

    checks = run_all(conv(layers.AveragePooling1D), conv(layers.MaxPooling1D))
    assert "layer 3 AveragePooling1D: expected MaxPooling1D here (reference layer 3)" in checks["layers"].message


def test_missing_and_extra_layers_are_named() -> None:
    reference = seq(layers.Embedding(100, 8), layers.LSTM(4), layers.Dense(8), layers.Dense(1))
    student = seq(layers.Embedding(100, 8), layers.LSTM(4), layers.Dropout(0.5), layers.Dense(1))
    message = structure.check_layers(views(student), views(reference)).message
    assert "layer 3 Dropout: extra layer" in message or "missing Dense" in message


def test_unknown_length_matches_a_fixed_length() -> None:
    fixed = seq(layers.Embedding(100, 8), layers.LSTM(4), shape=(50,))
    assert all(c.passed for c in run_all(seq(layers.Embedding(100, 8), layers.LSTM(4)), fixed).values())


def test_total_accepts_a_declared_variant_with_its_note() -> None:
    check, notes = structure.check_total(6_336, 6_240, {6_336: "reset_after=True adds a second bias"})
    assert check.passed and notes == ["reset_after=True adds a second bias"]
    check, _ = structure.check_total(9_999, 6_240, {6_336: "note"})
    assert not check.passed and check.message == "9,999 parameters, expected 6,240"


@pytest.mark.parametrize(("outcome", "reason"), [
    (Outcome(timed_out=True), "timed out after 60 s"),
    (Outcome(signal=signal.SIGKILL, max_rss_kb=4 * 1024 * 1024),
     "used more than 4 GiB of memory, counting shared memory"),
    (Outcome(signal=signal.SIGKILL, max_rss_kb=1000), "killed by signal 9 (SIGKILL)"),
    (Outcome(worker_died=True), "the submission killed the grading worker"),
    (Outcome(exit_code=0), None),
])
def test_failure_reasons(outcome: Outcome, reason: str | None, tmp_path: Path) -> None:
    outcome.out = tmp_path
    found = failure_reason(outcome, Limits())
    assert found == reason or (reason is not None and found.startswith(reason))


def test_magics_are_skipped_keeping_line_numbers() -> None:
    source = "%matplotlib inline\n!pip install keras\nx = 1\n"
    cleaned = strip_magics(source)
    assert cleaned.count("\n") == source.count("\n") - 1 or len(cleaned.splitlines()) == 3
    namespace: dict = {}
    exec(cleaned, namespace)
    assert namespace["x"] == 1
