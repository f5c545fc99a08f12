"""One set of stand-ins for every assignment (``harness/sandbox/jail/scripts.py``): what a student's own ``fit``,
``evaluate`` and ``predict`` return while the grader checks structure has the types, keys, lengths and shapes real
Keras returns; data files are served wherever the code says they are; a function with the lecture's dictionary as a
third parameter is called with the file's own; a file with top-level code only is told what to define.

Unit tests compare the stand-ins with real Keras calls in-process; one ``grader run`` grades a folder written in
real student styles (Keras 2 book scripts, a Windows Jena path, private TensorFlow imports, a ``.hdf5`` checkpoint,
a misspelled loss, a stateful predict without ``batch_size``, a 3-argument ``seq2dataset``, a bare numpy RNN loop).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

from harness.checks.evaluate import function_contract
from harness.sandbox.jail import run_state, scripts, served
from tests.conftest import by_id, grade_json

JENA_HEADER = ('"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)","VPact (mbar)",'
               '"VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"')


def tiny_jena(rows: int) -> str:
    """A Jena-format CSV of ``rows`` rows (the real file is not in the repository)."""
    lines = [f"01.01.2009 {i // 6:02d}:{i % 6}0:00,996.{i % 10},{-8 + i / 10:.2f},265.40,-8.90,93.30,3.33,3.11,0.22,"
             "1.94,3.12,1307.75,1.03,1.75,152.30" for i in range(rows)]
    return JENA_HEADER + "\n" + "\n".join(lines)


# -- the stand-ins against real Keras, in-process --------------------------------------------------------------

@pytest.fixture
def stand_ins(tmp_path: Path) -> Iterator[None]:
    task = {"kind": "model", "file": "x.py"}
    scripts.prepare(task, tmp_path)
    try:
        with scripts.stand_ins(task, tmp_path):
            yield
    finally:
        scripts.undo()


def classifier(metrics: list, outputs: int = 3) -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(outputs, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=metrics)
    return model


CASES = [[], ["acc"], ["accuracy", "mae"], ["accuracy", lambda: keras.metrics.AUC(name="auc")]]


def real_results(metrics: list) -> tuple[dict, list, object, dict, tuple]:
    """What Keras itself returns, to compare with: history keys, evaluate, predict shape."""
    model = classifier([m() if callable(m) else m for m in metrics])
    x, y = np.zeros((6, 4), "float32"), keras.utils.to_categorical([0, 1, 2, 0, 1, 2], 3)
    history = model.fit(x, y, epochs=2, batch_size=4, validation_split=0.5, verbose=0)
    return (history.history, model.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0, return_dict=True),
            history.params, model.predict(x, verbose=0).shape)


@pytest.mark.parametrize("metrics", CASES, ids=["no metrics", "acc", "accuracy+mae", "accuracy+AUC"])
def test_results_have_the_keys_lengths_and_shapes_keras_gives(metrics: list, tmp_path: Path) -> None:
    real_history, real_scores, real_dict, real_params, real_shape = real_results(metrics)
    task = {"kind": "model", "file": "x.py"}
    scripts.prepare(task, tmp_path)
    try:
        with scripts.stand_ins(task, tmp_path):
            model = classifier([m() if callable(m) else m for m in metrics])
            x, y = np.zeros((6, 4), "float32"), keras.utils.to_categorical([0, 1, 2, 0, 1, 2], 3)
            history = model.fit(x, y, epochs=2, batch_size=4, validation_split=0.5, verbose=0)
            scores = model.evaluate(x, y, verbose=0)
            as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
            shape = model.predict(x, verbose=0).shape
    finally:
        scripts.undo()
    assert isinstance(history, keras.callbacks.History) and history.epoch == [0, 1]
    assert sorted(history.history) == sorted(real_history)
    assert all(len(v) == 2 and all(np.isfinite(v)) for v in history.history.values())
    assert type(scores) is type(real_scores) and np.shape(scores) == np.shape(real_scores)
    assert sorted(as_dict) == sorted(real_dict)
    assert history.params["epochs"] == real_params["epochs"] and shape == real_shape


def test_keras2_acc_stays_acc_and_validation_only_when_given(stand_ins: None) -> None:
    model = classifier(["acc"])
    history = model.fit(np.zeros((10, 4)), np.zeros((10, 3)), epochs=3)
    assert sorted(history.history) == ["acc", "loss"] and history.history["acc"] == [0.0, 0.0, 0.0]
    with pytest.raises(KeyError):
        history.history["val_loss"]  # no validation data: Keras has no val_ keys either
    history = classifier(["accuracy"]).fit(np.zeros((10, 4)), np.zeros((10, 3)), 5, 4, 0, None, 0.2)
    assert len(history.history["val_acc"]) == 4  # epochs=4 positionally; Keras 2's name answered by compat
    assert classifier([]).evaluate(np.zeros((10, 4)), np.zeros((10, 3))) == 0.0


def test_predict_shapes_batches_and_stateful_models(stand_ins: None) -> None:
    sequences = keras.Sequential([keras.Input((None, 3)), keras.layers.LSTM(5, return_sequences=True)])
    assert sequences.predict(np.zeros((7, 9, 3))).shape == (7, 9, 5)
    assert np.argmax(classifier(["acc"]).predict(np.zeros((4, 4))), axis=-1).shape == (4,)
    generator = ((np.zeros((8, 4)), np.zeros((8, 3))) for _ in range(100))
    assert classifier([]).predict(generator, steps=3).shape == (24, 3)
    stateful = keras.Sequential([keras.Input(batch_shape=(1, 4, 1)), keras.layers.LSTM(8, stateful=True),
                                 keras.layers.Dense(12, activation="softmax")])
    stateful.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    assert stateful.predict(np.zeros((1, 4, 1))).shape == (1, 12)  # one sample: one batch of 1, as in Keras
    assert stateful.predict(np.zeros((50, 4, 1)), batch_size=1).shape == (50, 12)
    with pytest.raises(ValueError, match="stateful with a fixed batch size of 1.*pass batch_size=1"):
        stateful.predict(np.zeros((50, 4, 1)))
    assert stateful.train_on_batch(np.zeros((1, 4, 1)), np.zeros((1, 12))) == [0.0, 0.0]


def test_keras2_generator_methods_and_on_batch_calls(stand_ins: None) -> None:
    model = classifier(["acc"])
    batches = ((np.zeros((8, 4)), np.zeros((8, 3))) for _ in range(100))
    history = model.fit_generator(batches, steps_per_epoch=5, epochs=2,
                                  validation_data=(np.zeros((4, 4)), np.zeros((4, 3))))
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"] and history.params["steps"] == 5
    assert model.evaluate_generator(batches, steps=2) == [0.0, 0.0]
    assert model.predict_generator(batches, steps=2).shape == (16, 3)
    assert model.test_on_batch(np.zeros((8, 4)), np.zeros((8, 3)), return_dict=True) == {"loss": 0.0, "acc": 0.0}
    assert model.predict_on_batch(np.zeros((8, 4))).shape == (8, 3)


def test_misspelled_loss_is_noted_with_the_likely_name(stand_ins: None) -> None:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentrpy", metrics=["accuarcy"])
    said = " ".join(run_state.NOTES.values())
    assert "'binary_crossentrpy' is not a Keras loss name (did you mean 'binary_crossentropy'?)" in said
    assert "'accuarcy' is not a Keras metric name (did you mean 'accuracy'?)" in said


# -- data files where the student's code says they are ---------------------------------------------------------

def test_served_names_are_matched_by_file_name_only(tmp_path: Path) -> None:
    for written in (r"C:\data\jena_climate\jena_climate_2009_2016.csv", r"..\jena_climate_2009_2016.csv",
                    "~/Downloads/jena_climate_2009_2016.csv", "jena_climate_2009_2016.csv",
                    Path("data") / "jena_climate_2009_2016.csv"):
        assert served.served_name(written) == "jena_climate_2009_2016.csv"
    assert served.served_name(r"D:\jena_climate_2009_2016.csv.zip") == "jena_climate_2009_2016.csv.zip"
    for other in ("jena_climate_2009_2016.csv.bak", r"C:\data\other.csv", "my_jena_climate_2009_2016.csv", 3, None):
        assert served.served_name(other) is None
    own = tmp_path / "jena_climate_2009_2016.csv"
    own.write_text(tiny_jena(3))
    assert served.served_name(own) is None  # a file the student ships is read as it is


def test_every_way_of_reading_gets_the_grader_copy(stand_ins: None, tmp_path: Path) -> None:
    import zipfile

    import pandas as pd

    windows = r"C:\Users\student\jena_climate\jena_climate_2009_2016.csv"
    assert os.path.exists(windows) and Path(windows).is_file()
    assert pd.read_csv(windows, nrows=4).shape == (4, 15)
    assert np.loadtxt(r"..\jena_climate_2009_2016.csv", delimiter=",", skiprows=1, usecols=range(1, 15),
                      max_rows=2).shape == (2, 14)
    assert np.genfromtxt("jena_climate_2009_2016.csv", delimiter=",", skip_header=1, max_rows=2).shape == (2, 15)
    assert Path("~/Downloads/jena_climate_2009_2016.csv").open().readline().startswith('"Date Time"')
    with zipfile.ZipFile(r"C:\Users\student\Downloads\jena_climate_2009_2016.csv.zip") as archive:
        assert archive.namelist() == ["jena_climate_2009_2016.csv"]
    assert pd.read_csv("jena_climate_2009_2016.csv.zip", compression="zip", nrows=2).shape == (2, 15)
    assert not os.path.exists(r"C:\data\other.csv")
    with pytest.raises(FileNotFoundError):
        open(tmp_path / "other.csv")
    assert any("C:\\\\Users\\\\student" in n and "served by file name" in n for n in run_state.NOTES.values())


def test_a_served_zip_answers_the_csv_and_the_zip(tmp_path: Path) -> None:
    import zipfile

    import pandas as pd

    served = tmp_path / "served" / "jena_climate_2009_2016.csv.zip"
    served.parent.mkdir()
    with zipfile.ZipFile(served, "w") as archive:
        archive.writestr("jena_climate_2009_2016.csv", tiny_jena(30))
    scripts.prepare({"kind": "model", "file": "x.py", "data": {"jena": str(served)}}, tmp_path)
    try:
        assert pd.read_csv(r"C:\data\jena_climate_2009_2016.csv").shape == (30, 15)
        assert pd.read_csv(r"..\jena_climate_2009_2016.csv.zip").shape == (30, 15)
    finally:
        scripts.undo()


# -- contracts of graded functions -----------------------------------------------------------------------------

def test_contract_wording_comes_from_the_reference() -> None:
    signature, returns = function_contract("rnn_forward")
    assert signature == "rnn_forward(inputs, W, U, b)" and returns.startswith("an array of shape (100, 64)")


# -- one grader run over a folder in real student styles -------------------------------------------------------

FILES = {
    "imdb_simple_rnn.py": """
        from keras.datasets import imdb
        from keras.preprocessing import sequence
        from keras.models import Sequential
        from keras.layers import Dense, SimpleRNN, Embedding
        import numpy as np
        import matplotlib.pyplot as plt

        (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)
        x_train = sequence.pad_sequences(x_train, maxlen=500)
        x_test = sequence.pad_sequences(x_test, maxlen=500)

        model = Sequential()
        model.add(Embedding(10000, 32))
        model.add(SimpleRNN(32))
        model.add(Dense(1, activation='sigmoid'))
        model.compile(optimizer='rmsprop', loss='binary_crossentrpy', metrics=['acc'])
        history = model.fit(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2)

        acc, val_acc = history.history['acc'], history.history['val_acc']
        loss, val_loss = history.history['loss'], history.history['val_loss']
        epochs = range(1, len(acc) + 1)
        plt.plot(epochs, acc, 'bo', label='Training acc')
        plt.plot(epochs, val_acc, 'b', label='Validation acc')
        plt.legend()
        plt.figure()
        for epoch, value in zip(history.epoch, loss):
            print('epoch', epoch + 1, 'loss', value)
        print("KEYS", sorted(history.history), history.params['epochs'])
        scores = model.evaluate(x_test, y_test)
        print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))
        print("ARGMAX", np.argmax(model.predict(x_test[:7]), axis=-1).shape)
        print("CLASSES", model.predict_classes(x_test[:3]).shape)
    """,
    "mnist_mlp.py": """
        from tensorflow.python.keras.applications import VGG16
        from keras.engine.topology import Layer
        from keras.wrappers.scikit_learn import KerasClassifier
        from keras.datasets import mnist
        from keras.utils import np_utils
        from keras.models import Sequential
        from keras.layers import Dense
        from keras.callbacks import ModelCheckpoint, EarlyStopping
        import numpy as np
        import matplotlib.pyplot as plt

        (X_train, Y_class_train), (X_test, Y_class_test) = mnist.load_data()
        X_train = X_train.reshape(X_train.shape[0], 784).astype('float32') / 255
        X_test = X_test.reshape(X_test.shape[0], 784).astype('float32') / 255
        Y_train = np_utils.to_categorical(Y_class_train, 10)
        Y_test = np_utils.to_categorical(Y_class_test, 10)

        model = Sequential()
        model.add(Dense(512, input_dim=784, activation='relu'))
        model.add(Dense(10, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
        checkpointer = ModelCheckpoint(filepath='{epoch:02d}-{val_loss:.4f}.hdf5', monitor='val_loss',
                                       save_best_only=True)
        history = model.fit(X_train, Y_train, validation_data=(X_test, Y_test), epochs=30, batch_size=200,
                            verbose=0, callbacks=[EarlyStopping(patience=10), checkpointer])
        print("\\n Test Accuracy: %.4f" % (model.evaluate(X_test, Y_test)[1]))
        y_vloss, y_loss = history.history['val_loss'], history.history['loss']
        plt.plot(np.arange(len(y_loss)), y_vloss, marker='.', c='red')
        print("LOSSES", len(y_vloss))
    """,
    "jena_gru.py": r"""
        import os
        import zipfile
        import numpy as np
        import pandas as pd
        from keras.models import Sequential
        from keras import layers
        from keras.optimizers import RMSprop

        df = pd.read_csv('C:\\Users\\student\\Documents\\jena_climate\\jena_climate_2009_2016.csv')
        float_data = df.values[:, 1:].astype('float32')
        print("ROWS", float_data.shape)
        with open(r'..\jena_climate_2009_2016.csv') as f:
            print("COMMAS", f.readline().count(','))
        with zipfile.ZipFile(os.path.expanduser('~/Downloads/jena_climate_2009_2016.csv.zip')) as z:
            print("ZIP", z.namelist())
        print("OWN", pd.read_csv('data/jena_climate_2009_2016.csv').shape)

        model = Sequential()
        model.add(layers.GRU(32, input_shape=(None, float_data.shape[-1])))
        model.add(layers.Dense(1))
        model.compile(optimizer=RMSprop(), loss='mae')
        history = model.fit_generator((b for b in [(np.zeros((8, 24, 14)), np.zeros(8))] * 500), steps_per_epoch=500,
                                      epochs=20, validation_data=(np.zeros((4, 24, 14)), np.zeros(4)))
        print("JKEYS", sorted(history.history), len(history.history['val_loss']))
    """,
    "song_stateful_lstm.py": """
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense, LSTM
        from keras.utils import np_utils

        x = np.zeros((50, 4, 1)); y = np_utils.to_categorical(np.arange(50) % 12, 12)
        model = Sequential()
        model.add(LSTM(128, batch_input_shape=(1, 4, 1), stateful=True))
        model.add(Dense(12, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
        for epoch_idx in range(2000):
            model.fit(x, y, epochs=1, batch_size=1, verbose=2, shuffle=False)
            model.reset_states()
        print("ONE", model.predict(x[:1]).shape, model.predict(x, batch_size=1).shape)
        pred = model.predict(x)
    """,
    "song_windows.py": """
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense, LSTM

        code2idx = {'c4': 0, 'd4': 1, 'e4': 2, 'f4': 3, 'g4': 4, 'a4': 5, 'b4': 6,
                    'c8': 7, 'd8': 8, 'e8': 9, 'f8': 10, 'g8': 11, 'a8': 12, 'b8': 13}
        idx2code = {v: k for k, v in code2idx.items()}
        seq = ['g8', 'e8', 'e4', 'f8', 'd8', 'd4', 'c8', 'd8', 'e8', 'f8', 'g8', 'g8', 'g4']

        def seq2dataset(seq, window_size, code2idx):
            dataset = []
            for i in range(len(seq) - window_size):
                dataset.append([code2idx[item] for item in seq[i:(i + window_size + 1)]])
            return np.array(dataset)

        dataset = seq2dataset(seq, 4, code2idx)
        x_train = np.reshape(dataset[:, 0:4] / 13.0, (len(dataset), 4, 1))
        model = Sequential()
        model.add(LSTM(128, batch_input_shape=(1, 4, 1), stateful=True))
        model.add(Dense(14, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
        scores = model.evaluate(x_train, np.zeros((len(x_train), 14)), batch_size=1)
        print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))
        seq_in = list(seq[:4])
        for i in range(10):
            sample_in = np.array([code2idx[c] / 13.0 for c in seq_in[-4:]]).reshape(1, 4, 1)
            seq_in.append(idx2code[int(np.argmax(model.predict(sample_in)))])
        print("SONG", len(seq_in))
    """,
    "rnn_forward.py": """
        import numpy as np

        timesteps, input_features, output_features = 100, 32, 64
        inputs = np.random.random((timesteps, input_features))
        state_t = np.zeros((output_features,))
        W = np.random.random((output_features, input_features))
        U = np.random.random((output_features, output_features))
        b = np.random.random((output_features,))
        successive_outputs = []
        for input_t in inputs:
            output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
            successive_outputs.append(output_t)
            state_t = output_t
        print(np.stack(successive_outputs, axis=0).shape)
    """,
    "one_hot_words.py": """
        import numpy as np

        samples = ['The cat sat on the mat.', 'The dog ate my homework.']
        token_index = {}
        for sample in samples:
            for word in sample.split():
                if word not in token_index:
                    token_index[word] = len(token_index) + 1
        results = np.zeros(shape=(len(samples), max_length, max(token_index.values()) + 1))
    """,
}


#: A second student: a correct seq2dataset in a file whose tutorial code then calls a stateful model's predict
#: without batch_size (real Keras fails there, and so does the stand-in: the function defined before still counts).
STATEFUL_TAIL = """
    import numpy as np
    from keras.models import Sequential
    from keras.layers import Dense, LSTM

    code2idx = {'c4': 0, 'd4': 1, 'e4': 2, 'f4': 3, 'g4': 4, 'a4': 5, 'b4': 6,
                'c8': 7, 'd8': 8, 'e8': 9, 'f8': 10, 'g8': 11, 'a8': 12, 'b8': 13}
    seq = ['g8', 'e8', 'e4', 'f8', 'd8', 'd4', 'c8', 'd8', 'e8', 'f8', 'g8', 'g8', 'g4'] * 5

    def seq2dataset(seq, window_size):
        dataset = []
        for i in range(len(seq) - window_size):
            dataset.append([code2idx[item] for item in seq[i:(i + window_size + 1)]])
        return np.array(dataset)

    dataset = seq2dataset(seq, 4)
    x_train = np.reshape(dataset[:, 0:4] / 13.0, (len(dataset), 4, 1))
    model = Sequential()
    model.add(LSTM(128, batch_input_shape=(1, 4, 1), stateful=True))
    model.add(Dense(14, activation='softmax'))
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    pred = model.predict(x_train)
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One grader run: dana (every file above) and eli (STATEFUL_TAIL)."""
    course = tmp_path_factory.mktemp("styles")
    dana, eli = course / "dana", course / "eli"
    (dana / "data").mkdir(parents=True)
    eli.mkdir()
    for name, text in FILES.items():
        (dana / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (dana / "data" / "jena_climate_2009_2016.csv").write_text(tiny_jena(30))
    (eli / "song_windows.py").write_text(textwrap.dedent(STATEFUL_TAIL).lstrip("\n"), encoding="utf-8")
    ids = [name[:-3] for name in FILES]
    _, graded = grade_json(str(dana), str(eli), *(a for i in ids for a in ("-a", i)), "--jobs", "1",
                           "--db", str(course / "grades.sqlite"))
    return graded


@pytest.fixture(scope="module")
def styles(report: dict) -> dict[str, dict]:
    return by_id(report, "dana")


def said(result: dict) -> str:
    return "\n".join(result.get("notes", []) + result.get("child_notes", []) + [result.get("reason") or ""])


def printed(result: dict) -> str:
    return result["sandbox"].get("output_head", "") + result["sandbox"].get("output_tail", "")


def test_book_script_prints_and_plots_like_keras(styles: dict[str, dict]) -> None:
    result = styles["imdb_simple_rnn"]
    assert result["status"] == "passed", said(result)
    out = printed(result)
    assert "KEYS ['acc', 'loss', 'val_acc', 'val_loss'] 10" in out and "epoch 10 loss 0.0" in out
    assert "compile_metrics: 0.00%" in out  # what Keras 3 itself prints for metrics_names[1]
    assert "ARGMAX (7,)" in out and "CLASSES (3, 1)" in out
    assert "did you mean 'binary_crossentropy'?" in said(result)


def test_private_tensorflow_imports_and_hdf5_checkpoint(styles: dict[str, dict]) -> None:
    result = styles["mnist_mlp"]
    assert result["status"] == "passed", said(result)
    assert "Test Accuracy: 0.0000" in printed(result) and "LOSSES 30" in printed(result)
    notes = said(result)
    assert "tensorflow.python.keras.applications.VGG16 → keras.applications.VGG16" in notes
    assert "keras.engine.topology.Layer → keras.layers.Layer" in notes
    assert "KerasClassifier has no Keras 3 equivalent" in notes and "fails only if used" in notes
    assert "Keras 3 refuses a .hdf5 name" in notes


def test_windows_jena_path_and_zip_are_served(styles: dict[str, dict]) -> None:
    result = styles["jena_gru"]
    assert result["status"] == "passed", said(result)
    out = printed(result)
    assert "ROWS (420551, 14)" in out and "COMMAS 14" in out and "ZIP ['jena_climate_2009_2016.csv']" in out
    assert "OWN (30, 15)" in out  # the student's own file under the served name is read as it is
    assert "JKEYS ['loss', 'val_loss'] 20" in out
    assert "served by file name" in said(result)


def test_stateful_predict_without_batch_size_stops_the_script_like_keras(styles: dict[str, dict]) -> None:
    result = styles["song_stateful_lstm"]
    assert result["status"] == "passed", said(result)
    assert "ONE (1, 12) (50, 12)" in printed(result)
    assert "stateful with a fixed batch size of 1" in said(result) and "pass batch_size=1" in said(result)


def test_function_file_with_tutorial_code_and_a_third_parameter(styles: dict[str, dict]) -> None:
    result = styles["song_windows"]
    assert result["status"] == "passed", said(result)
    assert "compile_metrics: 0.00%" in printed(result) and "SONG 14" in printed(result)
    assert "seq2dataset takes code2idx as a third parameter; called with your module-level code2idx" in \
        said(result)


def test_top_level_code_only_is_told_what_to_define(styles: dict[str, dict]) -> None:
    result = styles["rnn_forward"]
    assert result["status"] == "error"
    assert result["reason"].startswith("rnn_forward.py defines no function rnn_forward: its code runs at the top "
                                       "level")
    assert "define rnn_forward(inputs, W, U, b) returning an array of shape (100, 64)" in result["reason"]
    assert "LookupError" not in result["reason"] and "Feedback" not in result["reason"]


def test_inline_code_that_fails_gives_its_error_and_what_to_define(styles: dict[str, dict]) -> None:
    result = styles["one_hot_words"]
    assert result["status"] == "error"
    assert "NameError: name 'max_length' is not defined" in result["reason"]
    assert "define one_hot_words(samples, max_length=10) returning an array of shape (2, 10, 11)" in result["reason"]


def test_tutorial_code_failing_after_the_function_does_not_void_it(report: dict) -> None:
    result = by_id(report, "eli")["song_windows"]
    assert result["status"] == "passed", said(result)
    assert "stateful with a fixed batch size of 1" in said(result) and "pass batch_size=1" in said(result)
