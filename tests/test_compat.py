"""The Keras 2 compatibility layer (``sandbox/jail/compat.py``): each shim gives the Keras 2 spelling its Keras 3
meaning and records a note naming the equivalence; what has no modern meaning gets a hint naming the modern spelling.

The layer runs in the sandboxed child; here it is installed in-process around each test and removed after it.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import tensorflow as tf

from harness.sandbox.jail import compat


@pytest.fixture(autouse=True)
def installed() -> Iterator[None]:
    compat.install()
    compat.clear_notes()
    yield
    compat.uninstall()
    compat.clear_notes()


def used(*fragments: str) -> bool:
    """Whether some recorded note contains every fragment."""
    return any(all(f in n for f in fragments) for n in compat.notes())


def tiny(units: int = 3) -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# -- removed modules ------------------------------------------------------------------------------------------

def test_np_utils_every_import_form() -> None:
    import keras.utils.np_utils as module
    from keras.utils import np_utils
    from keras.utils.np_utils import to_categorical

    expected = keras.utils.to_categorical([0, 2], 3)
    for function in (np_utils.to_categorical, to_categorical, module.to_categorical,
                     keras.utils.np_utils.to_categorical):
        np.testing.assert_array_equal(function([0, 2], 3), expected)
    assert used("np_utils.to_categorical", "keras.utils.to_categorical")


def test_np_utils_through_tensorflow_keras() -> None:
    from tensorflow.keras.utils import np_utils

    np.testing.assert_array_equal(np_utils.to_categorical([1], 2), [[0.0, 1.0]])


@pytest.mark.parametrize("module, name", [("keras.layers.recurrent", "LSTM"), ("keras.layers.core", "Dense"),
                                          ("keras.layers.convolutional", "Conv1D"),
                                          ("keras.layers.embeddings", "Embedding"),
                                          ("keras.layers.pooling", "MaxPooling1D"),
                                          ("keras.layers.wrappers", "Bidirectional"),
                                          ("tensorflow.keras.layers.recurrent", "GRU")])
def test_keras2_layer_modules(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is getattr(keras.layers, name)
    assert used(module.split("keras.")[-1].replace("layers.", "keras.layers."), "keras.layers")


def test_missing_name_in_an_alias_module_is_a_clear_import_error() -> None:
    with pytest.raises(ImportError, match="NoSuchLayer"):
        exec("from keras.layers.recurrent import NoSuchLayer", {})


def test_preprocessing_text_tokenizer_is_the_legacy_one() -> None:
    from keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(num_words=10)
    tokenizer.fit_on_texts(["the cat sat", "the dog"])
    assert tokenizer.texts_to_sequences(["the cat"]) == [[1, 2]]
    assert used("Tokenizer", "TextVectorization")


def test_pad_sequences_is_keras3s_own_and_timeseries_generator_is_the_legacy_one() -> None:
    from keras.preprocessing import sequence

    assert sequence.pad_sequences([[1, 2], [3]], maxlen=3).tolist() == [[0, 1, 2], [0, 0, 3]]
    generator = sequence.TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
    assert len(generator) > 0 and used("TimeseriesGenerator")


def test_cudnn_layers_become_the_keras3_layers() -> None:
    from keras.layers import CuDNNLSTM

    layer = CuDNNLSTM(4)
    assert type(layer) is keras.layers.LSTM and used("CuDNNLSTM", "keras.layers.LSTM")


# -- removed methods and arguments ----------------------------------------------------------------------------

def test_fit_generator_evaluate_generator_predict_generator() -> None:
    model = tiny()
    x, y = np.ones((8, 4), "float32"), keras.utils.to_categorical(np.arange(8) % 3, 3)

    def batches():
        while True:
            yield x, y

    history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0, workers=4,
                                  use_multiprocessing=True, max_queue_size=3)
    assert len(history.history["loss"]) == 2
    assert len(model.evaluate_generator(batches(), steps=1, verbose=0)) == 2
    assert model.predict_generator(iter([x]), steps=1, verbose=0).shape == (8, 3)
    assert used("fit_generator", "model.fit") and used("evaluate_generator") and used("predict_generator")


def test_fit_nb_epoch_is_epochs() -> None:
    model = tiny()
    history = model.fit(np.ones((4, 4)), keras.utils.to_categorical([0, 1, 2, 0], 3), nb_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 3 and used("nb_epoch", "epochs")


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "SGD", "Adagrad", "Nadam"])
def test_optimizer_lr_is_learning_rate(name: str) -> None:
    optimizer = getattr(keras.optimizers, name)(lr=0.0123)
    assert float(optimizer.learning_rate) == pytest.approx(0.0123)
    assert used(f"{name}(lr=0.0123)", f"{name}(learning_rate=0.0123)")


def test_optimizer_decay_is_keras2s_inverse_time_schedule() -> None:
    optimizer = keras.optimizers.SGD(lr=0.1, decay=0.5)
    schedule = optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.InverseTimeDecay)
    assert float(schedule(2)) == pytest.approx(0.1 / (1 + 0.5 * 2))
    assert used("decay=0.5", "InverseTimeDecay")


def test_tf_set_random_seed() -> None:
    tf.set_random_seed(42)
    first = tf.random.uniform((3,)).numpy()
    tf.random.set_seed(42)
    np.testing.assert_array_equal(first, tf.random.uniform((3,)).numpy())
    assert used("tf.set_random_seed", "tf.random.set_seed")


def test_batch_input_shape_on_the_first_layer_is_an_input_with_batch_shape() -> None:
    from keras.layers import LSTM, Dense
    from keras.models import Sequential

    model = Sequential()
    model.add(LSTM(128, batch_input_shape=(1, 4, 1), stateful=True))
    model.add(Dense(12, activation="softmax"))
    assert model.built and tuple(model.inputs[0].shape) == (1, 4, 1) and model.count_params() == 68_108
    assert used("batch_input_shape=(1, 4, 1)", "keras.Input(batch_shape=(1, 4, 1))")


def test_batch_size_with_input_shape_is_a_batch_shape_too() -> None:
    model = keras.Sequential([keras.layers.LSTM(8, batch_size=2, input_shape=(4, 1), stateful=True)])
    assert tuple(model.inputs[0].shape) == (2, 4, 1)


def test_model_reset_states_resets_each_stateful_layer() -> None:
    model = keras.Sequential([keras.Input(batch_shape=(1, 4, 1)), keras.layers.LSTM(3, stateful=True)])
    model.predict(np.ones((1, 4, 1)), verbose=0)
    lstm = model.layers[0]
    assert any(np.abs(keras.ops.convert_to_numpy(s)).sum() > 0 for s in lstm.states)
    model.reset_states()
    assert all(np.abs(keras.ops.convert_to_numpy(s)).sum() == 0 for s in lstm.states)
    assert used("model.reset_states()", "reset_states() of each stateful layer")


def test_predict_classes_and_predict_proba() -> None:
    softmax = tiny()
    x = np.random.default_rng(0).random((5, 4)).astype("float32")
    np.testing.assert_array_equal(softmax.predict_classes(x), softmax.predict(x, verbose=0).argmax(-1))
    np.testing.assert_allclose(softmax.predict_proba(x), softmax.predict(x, verbose=0))
    sigmoid = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    classes = sigmoid.predict_classes(x)
    assert classes.shape == (5, 1) and set(np.unique(classes)) <= {0, 1}
    assert used("predict_classes", "argmax") and used("predict_proba", "model.predict")


def test_history_answers_keras2_metric_names() -> None:
    model = tiny()
    history = model.fit(np.ones((4, 4)), keras.utils.to_categorical([0, 1, 2, 0], 3), epochs=2, verbose=0)
    assert history.history["acc"] == history.history["accuracy"]
    assert used("history.history['acc']", "['accuracy']")


def test_checkpoint_and_weights_files_with_keras2_names(tmp_path) -> None:
    model = tiny()
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.hdf5"), save_best_only=False)
    assert checkpoint.filepath.endswith("best.hdf5")
    weights = keras.callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)
    assert weights.filepath.endswith("w.weights.h5")
    model.save_weights(str(tmp_path / "saved.h5"))
    assert (tmp_path / "saved.weights.h5").is_file()
    model.load_weights(str(tmp_path / "saved.h5"))
    assert used("ModelCheckpoint", "legacy HDF5") and used("w.h5", "w.weights.h5")


def test_no_modern_meaning_gets_a_hint_naming_the_modern_spelling() -> None:
    assert "drop the session" in compat.hint("AttributeError: module 'tensorflow' has no attribute 'Session'")
    assert "concatenate" in compat.hint("ImportError: cannot import name 'Merge' from 'keras.layers'")
    assert "grader serves" in compat.hint("Exception: URL fetch failure on https://storage.googleapis.com/x.npz")
    assert compat.hint("ValueError: something else") == ""


def test_nothing_is_noted_when_nothing_old_is_used() -> None:
    tiny().fit(np.ones((2, 4)), np.eye(3)[:2], epochs=1, verbose=0)
    assert compat.notes() == []


def test_uninstall_leaves_keras3_as_it_was() -> None:
    compat.uninstall()
    assert not hasattr(keras.Model, "fit_generator") and not hasattr(keras.Model, "reset_states")
    assert not hasattr(tf, "set_random_seed")
    with pytest.raises(ImportError):
        importlib.import_module("keras.utils.np_utils")
    with pytest.raises(ValueError, match="lr"):
        keras.optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError, match="batch_input_shape"):
        keras.layers.LSTM(4, batch_input_shape=(1, 4, 1))
    assert "keras.utils.np_utils" not in sys.modules
    compat.install()  # the fixture uninstalls again


# -- private and removed modules -------------------------------------------------------------------------------

def test_removed_private_modules_map_to_keras3_or_stand_in() -> None:
    from keras.engine.topology import Layer
    from keras.layers.experimental.preprocessing import TextVectorization
    from keras.wrappers.scikit_learn import KerasClassifier
    from tensorflow.python.keras.applications import VGG16

    assert VGG16 is keras.applications.VGG16 and Layer is keras.layers.Layer
    assert TextVectorization is keras.layers.TextVectorization
    assert used("tensorflow.python.keras.applications.VGG16 → keras.applications.VGG16")
    assert used("KerasClassifier has no Keras 3 equivalent", "fails only if used")
    with pytest.raises(ImportError, match="KerasClassifier does not exist in Keras 3.*SKLearnClassifier"):
        KerasClassifier(build_fn=tiny)
    with pytest.raises(ImportError, match="cannot be used"):
        class Wrapped(KerasClassifier):  # noqa: F841 - subclassing is a use too
            pass


def test_a_layer_of_tensorflows_private_keras_gets_a_hint() -> None:
    from tensorflow.python.keras.layers import Dense

    with pytest.raises((TypeError, ValueError)) as raised:
        keras.Sequential([keras.Input((4,)), Dense(3)])
    assert "import the same names from keras" in compat.hint(str(raised.value))


def test_hdf5_checkpoint_writes_legacy_hdf5_and_h5_is_left_to_keras(tmp_path) -> None:
    model = tiny()
    x, y = np.ones((4, 4)), keras.utils.to_categorical([0, 1, 2, 0], 3)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "best.hdf5"))])
    assert (tmp_path / "best.hdf5").is_file() and used("Keras 3 refuses a .hdf5 name", "legacy HDF5")
    compat.clear_notes()
    assert keras.callbacks.ModelCheckpoint(str(tmp_path / "best.h5")).filepath.endswith("best.h5")
    assert not compat.notes()  # Keras 3 takes .h5 itself
