"""Scripts and notebooks graded as students write them (``harness/sandbox/jail/scripts.py``).

A file for a model assignment without ``build_model()`` runs as a script in the sandbox; the model it builds is
graded. These tests grade real submission folders through the sandboxed worker, as ``grader run`` does: carol
(every file a tutorial-style script or notebook), each short-circuit, notebooks with magics, several models in one
file, a broken script whose model is still graded, and data served without the test labels.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

from harness.catalog import load_catalog
from harness.checks import evaluate
from harness.pipeline.course import load_course
from harness.pipeline.grade import Grader, Options
from harness.results import AssignmentResult
from harness.sandbox import Limits, Worker
from harness.sandbox.jail.cells import strip_magics
from harness.sandbox.jail.scripts import is_script

ROOT = Path(__file__).resolve().parents[1]
CAROL = ROOT / "submissions" / "carol"
COURSE = ROOT / "submissions" / "course.toml"
#: carol's files and the assignment each one answers (one through course.toml's [files]).
CAROL_FILES = {"song_stateful_lstm": "song_stateful_lstm.py", "song_lstm": "song_lstm.py",
               "song_mlp": "song_mlp.ipynb", "imdb_simple_rnn": "imdb_simple_rnn.py",
               "imdb_cnn_lstm": "imdb_cnn_lstm.py", "reuters_lstm_100": "week5/17_RNN1_Reuters.py",
               "mnist_mlp": "mnist_mlp.py", "mnist_cnn": "mnist_cnn.py", "jena_gru": "jena_gru.py"}


@pytest.fixture(scope="module")
def grader() -> Iterator[Grader]:
    with Grader(Options(file_map=load_course(COURSE).file_map)) as grading:
        yield grading


def grade(grader: Grader, folder: Path, *ids: str) -> dict[str, AssignmentResult]:
    result = grader.grade(folder, list(ids), grader.workers[0])
    return {a.id: a for a in result.assignments}


def student(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "student"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def notes(result: AssignmentResult) -> str:
    return "\n".join(result.notes + result.child_notes)  # the sandboxed script's notes are child_notes


def output(result: AssignmentResult) -> str:
    return result.sandbox.get("output_head", "") + result.sandbox.get("output_tail", "")


REUTERS_SCRIPT = """
    from keras.datasets import reuters
    from keras.models import Sequential
    from keras.layers import Dense, LSTM, Embedding
    from keras.preprocessing import sequence
    from keras.utils import np_utils

    (X_train, Y_train), (X_test, Y_test) = reuters.load_data(num_words={words}, test_split=0.2)
    x_train = sequence.pad_sequences(X_train, maxlen=100)
    y_train = np_utils.to_categorical(Y_train)

    model = Sequential()
    model.add(Embedding({embedding}, 100))
    model.add(LSTM(100, activation='tanh'))
    model.add(Dense(46, activation='softmax'))
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    history = model.fit(x_train, {labels}, batch_size=100, epochs=20)
    print("done")
"""


# -- carol: every file a script or a notebook ---------------------------------------------------------------

@pytest.fixture(scope="module")
def carol(grader: Grader) -> dict[str, AssignmentResult]:
    return grade(grader, CAROL, *CAROL_FILES)


@pytest.mark.parametrize("assignment_id", list(CAROL_FILES))
def test_carol_scripts_grade_like_build_model(carol: dict[str, AssignmentResult], assignment_id: str) -> None:
    result = carol[assignment_id]
    assert result.status == "passed", (result.reason, [c.message for c in result.checks if not c.passed])
    assert result.file == CAROL_FILES[assignment_id]
    assert f"ran {CAROL_FILES[assignment_id]} as a script" in notes(result)
    assert f"graded the model built at {CAROL_FILES[assignment_id]}" in notes(result)
    assert result.params == load_catalog()[assignment_id].total_params or "reset_after" in notes(result)


def test_carol_keras2_equivalences_are_reported(carol: dict[str, AssignmentResult]) -> None:
    stateful = notes(carol["song_stateful_lstm"])
    assert "np_utils.to_categorical → keras.utils.to_categorical" in stateful
    assert "keras.Input(batch_shape=(1, 4, 1))" in stateful and "model.reset_states()" in stateful
    assert "Adam(lr=0.001) → Adam(learning_rate=0.001)" in notes(carol["song_mlp"])
    assert "fit_generator" in notes(carol["jena_gru"]) and "RMSprop(lr=0.001)" in notes(carol["jena_gru"])
    assert "predict_classes" in notes(carol["mnist_cnn"]) and "tf.set_random_seed" in notes(carol["imdb_cnn_lstm"])


def test_carol_notebook_cell_is_named(carol: dict[str, AssignmentResult]) -> None:
    assert "graded the model built at song_mlp.ipynb, cell 7, line 1" in notes(carol["song_mlp"])  # 7th code cell


def test_script_costs_about_what_build_model_costs(carol: dict[str, AssignmentResult]) -> None:
    """2000 epochs of fit + reset_states, a 2000-epoch notebook: short-circuited, each a second or two at most."""
    for assignment_id in ("song_stateful_lstm", "song_mlp", "song_lstm"):
        assert carol[assignment_id].sandbox["wall_s"] < 15, carol[assignment_id].sandbox["wall_s"]


def test_course_toml_maps_an_odd_file_name(carol: dict[str, AssignmentResult]) -> None:
    assert load_course(COURSE).assignment_for("week5/17_RNN1_Reuters.py") == "reuters_lstm_100"
    assert "graded the model built at week5/17_RNN1_Reuters.py:" in notes(carol["reuters_lstm_100"])


def test_bob_batch_input_shape_now_grades_with_a_note(grader: Grader) -> None:
    result = grade(grader, ROOT / "submissions" / "bob", "song_stateful_lstm")["song_stateful_lstm"]
    assert result.status == "passed" and "batch_shape" in notes(result)
    assert "as a script" not in notes(result)  # bob's file has build_model(): module mode, as before


# -- short-circuits -----------------------------------------------------------------------------------------

def test_every_short_circuit(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"song_lstm.py": """
        import time
        import numpy as np
        import keras
        from keras.models import Sequential, load_model
        from keras.layers import Dense, LSTM
        from keras.utils import plot_model
        import matplotlib.pyplot as plt

        x = np.zeros((50, 4, 1)); y = keras.utils.to_categorical(np.arange(50) % 12, 12)
        model = Sequential([LSTM(128, input_shape=(4, 1)), Dense(12, activation='softmax')])
        model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
        started = time.time()
        history = model.fit(x, y, epochs=10**9, batch_size=1, validation_split=0.2)
        print("fit", len(history.history['loss']), history.history['val_acc'][-1], max(history.history['acc']))
        print("evaluate", model.evaluate(x, y))
        print("predict", model.predict(x).shape)
        print("train_on_batch", model.train_on_batch(x, y))
        model.save('song.h5'); model.save_weights('song.weights.h5')
        again = load_model('song.h5')
        print("load_model gives the same model:", again is model)
        model.load_weights('best_checkpoint.weights.h5')
        plot_model(model, to_file='model.png', show_shapes=True)
        plt.plot(history.history['loss']); plt.savefig('loss.png'); plt.show(); plt.pause(100)
        time.sleep(10**6)
        print("seconds", round(time.time() - started, 1))
    """})
    result = grade(grader, folder, "song_lstm")["song_lstm"]
    assert result.status == "passed", result.reason
    said = output(result)
    assert "fit 10000 0.0 0.0" in said and "evaluate [0.0, 0.0]" in said and "predict (50, 12)" in said
    assert "load_model gives the same model: True" in said and "seconds 0." in said
    assert "returned at once with placeholder results" in notes(result)
    assert "load_weights('best_checkpoint.weights.h5') did nothing" in notes(result)
    assert result.sandbox["wall_s"] < 20


def test_stateful_loop_of_2000_fits_is_short(grader: Grader, carol: dict[str, AssignmentResult]) -> None:
    assert "epochs : 1999" in output(carol["song_stateful_lstm"])
    assert carol["song_stateful_lstm"].sandbox["cpu_s"] < 10


def test_file_with_build_model_is_not_a_script(tmp_path: Path) -> None:
    def task(text: str, name: str = "x.py") -> bool:
        folder = student(tmp_path / name.replace(".", "_") / str(abs(hash(text))), {name: text})
        return is_script({"kind": "model", "file": name, "entry": "build_model"}, folder)

    assert task("import keras\nmodel = keras.Sequential()\n")
    assert not task("def build_model():\n    pass\n")
    assert not task("from helpers import build_model\n")
    assert not task("build_model = lambda: None\n")
    assert not task("try:\n    def build_model():\n        pass\nexcept ImportError:\n    pass\n")
    assert task("if __name__ == '__main__':\n    def build_model():\n        pass\n    build_model()\n")
    assert not task("def build_model(:\n")  # does not parse: the import reports the SyntaxError as before
    folder = student(tmp_path / "star", {"x.py": "from helpers import *\n", "helpers.py": "def build_model():\n  1\n"})
    assert not is_script({"kind": "model", "file": "x.py", "entry": "build_model"}, folder)
    notebook = {"cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "def build_model():\n", " 1"]}]}
    folder = student(tmp_path / "nb", {"x.ipynb": json.dumps(notebook)})
    assert not is_script({"kind": "model", "file": "x.ipynb", "entry": "build_model"}, folder)


# -- magics -------------------------------------------------------------------------------------------------

def test_strip_magics_keeps_line_numbers_and_runs_what_magics_wrap() -> None:
    source = textwrap.dedent("""\
        %matplotlib inline
        !pip install keras==2.2.4
        files = !ls -la
        %time x = 1 + 1
        %timeit -n1 -r1 y = 2
        for i in range(2):
            %time z = i
        model?
        ??model
        get_ipython().run_line_magic('matplotlib', 'inline')
        get_ipython().system('pip install tensorflow')
        out = get_ipython().getoutput('nvidia-smi')
        get_ipython().run_cell_magic('time', '', 'w = x * 10\\n')
        doc = '''
        %not a magic, inside a string
        !neither is this
        '''
        ok = x != 3
    """)
    cleaned = strip_magics(source)
    assert cleaned.count("\n") == source.count("\n")
    namespace: dict = {}
    exec(compile(cleaned, "cell", "exec"), namespace)
    assert namespace["x"] == 2 and namespace["y"] == 2 and namespace["z"] == 1 and namespace["w"] == 20
    assert namespace["files"] == [] and namespace["out"] == [] and namespace["ok"] is True
    assert "%not a magic, inside a string\n!neither is this" in namespace["doc"]


def test_strip_magics_cell_magics() -> None:
    ran = {}
    exec(strip_magics("%%time\na = 1\nb = a + 1\n"), ran)
    assert ran["b"] == 2
    skipped = strip_magics("%%bash\nls -la\nrm -rf /\n")
    assert skipped.count("\n") == 3 and all(line.startswith(("pass", "#")) or not line for line in skipped.split("\n"))
    in_py = strip_magics("x = 1\n%%bash\nls -la\n\ny = 2\n")  # in a .py: skipped to the next blank line
    namespace: dict = {}
    exec(in_py, namespace)
    assert namespace["y"] == 2


def test_strip_magics_writefile(tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(strip_magics("%%writefile helper.py\nVALUE = 7\n"), {})
        assert (tmp_path / "helper.py").read_text() == "VALUE = 7\n"
    finally:
        os.chdir(cwd)


def test_notebook_with_pip_and_matplotlib_magics(grader: Grader, tmp_path: Path) -> None:
    def cell(text: str) -> dict:
        return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                "source": textwrap.dedent(text).lstrip("\n").splitlines(keepends=True)}

    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# MNIST MLP\n"]},
        cell("!pip install -q keras==2.3.1\n!nvidia-smi\n"),
        cell("%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nimport matplotlib.pyplot as plt\n"),
        cell("%%bash\necho this is not python\nls -la\n"),
        cell("""
            from keras.datasets import mnist
            from keras.utils import np_utils
            (x_train, y_train), (x_test, y_test) = mnist.load_data()
            x_train = x_train.reshape(60000, 784).astype('float32') / 255
            y_train = np_utils.to_categorical(y_train, 10)
        """),
        cell("""
            %%time
            from keras.models import Sequential
            from keras.layers import Dense
            model = Sequential()
            model.add(Dense(512, input_dim=784, activation='relu'))
            model.add(Dense(10, activation='softmax'))
            model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
        """),
        cell("history = model.fit(x_train, y_train, epochs=30, batch_size=200)\nmodel.summary\n"),
        cell("plt.plot(history.history['loss'])\nplt.show()\ndisplay(model)\nget_ipython().system('ls')\n"),
    ]}
    folder = student(tmp_path, {"mnist_mlp.ipynb": json.dumps(notebook)})
    result = grade(grader, folder, "mnist_mlp")["mnist_mlp"]
    assert result.status == "passed", result.reason
    assert "graded the model built at mnist_mlp.ipynb, cell 5, line 4" in notes(result)


def test_magics_pasted_into_a_py(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"song_mlp.py": """
        %matplotlib inline
        !pip install keras
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(128, input_dim=4, activation='relu'))
        model.add(Dense(128, activation='relu'))
        model.add(Dense(12, activation='softmax'))
        %time model.compile(loss='categorical_crossentropy', optimizer='adam')
        model.fit(np.zeros((50, 4)), np.zeros((50, 12)), epochs=2000)
    """})
    result = grade(grader, folder, "song_mlp")["song_mlp"]
    assert result.status == "passed" and "song_mlp.py:6" in notes(result)


# -- several models in one file -----------------------------------------------------------------------------

def test_several_models_the_best_match_is_graded(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"reuters_lstm_100.py": """
        import keras
        from keras import layers

        def lstm_model(units):
            model = keras.Sequential([keras.Input((100,), dtype='int32'), layers.Embedding(1000, 100),
                                      layers.LSTM(units), layers.Dense(46, activation='softmax')])
            model.compile(loss='categorical_crossentropy', optimizer='adam')
            return model

        small = lstm_model(32)     # line 10: a first try
        good = lstm_model(100)     # line 11: the seed's model
        mlp = keras.Sequential([keras.Input((100,)), layers.Dense(64), layers.Dense(46, activation='softmax')])
        mlp.compile(loss='categorical_crossentropy', optimizer='adam')
    """})
    result = grade(grader, folder, "reuters_lstm_100")["reuters_lstm_100"]
    assert result.status == "passed" and result.params == 185_046
    assert "graded the model built at reuters_lstm_100.py:5 (called at line 11)" in notes(result)
    assert "3 models were built; graded the one from line 5 (called at line 11), which matches the assignment best " \
           "(also seen: line 5 (called at line 10); line 12)" in notes(result)


def test_a_model_used_inside_another_is_not_a_candidate(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"song_mlp.py": """
        import keras
        from keras import layers
        body = keras.Sequential([layers.Dense(128, activation='relu'), layers.Dense(128, activation='relu')])
        model = keras.Sequential([keras.Input((4,)), body, layers.Dense(12, activation='softmax')])
        model.compile(loss='categorical_crossentropy', optimizer='adam')
    """})
    result = grade(grader, folder, "song_mlp")["song_mlp"]
    assert "graded the model built at song_mlp.py:4" in notes(result) and "models were built" not in notes(result)


# -- a script that breaks -----------------------------------------------------------------------------------

def test_broken_script_still_has_its_model_graded(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"reuters_lstm_100.py": REUTERS_SCRIPT.format(words=1000, embedding=1000,
                                                                             labels="y_train") +
                                "    plt.plot(history.history['loss'])\n"})
    result = grade(grader, folder, "reuters_lstm_100")["reuters_lstm_100"]
    assert result.status == "passed", result.reason
    assert "the script stopped at reuters_lstm_100.py:18 with NameError: name 'plt' is not defined; the model it " \
           "had built is graded" in notes(result)


def test_script_broken_before_any_model_says_where(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"mnist_mlp.py": """
        from keras.datasets import mnist
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
        x_train = x_train.reshpe(60000, 784)
    """})
    result = grade(grader, folder, "mnist_mlp")["mnist_mlp"]
    assert result.status == "error"
    assert "'numpy.ndarray' object has no attribute 'reshpe'" in result.reason and "mnist_mlp.py:3" in result.reason


def test_script_that_builds_no_model(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"song_mlp.py": "print('hello')\n"})
    result = grade(grader, folder, "song_mlp")["song_mlp"]
    assert result.status == "error" and "built no Keras model" in result.reason


def test_vocabulary_mismatch_breaks_fit_with_a_precise_message(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"reuters_lstm_100.py": REUTERS_SCRIPT.format(words=5000, embedding=1000,
                                                                             labels="y_train")})
    result = grade(grader, folder, "reuters_lstm_100")["reuters_lstm_100"]
    assert result.status == "passed"  # the model is the seed's; the data it was fed is not
    assert "the data holds word index 4,999 but Embedding(1,000, ...) only takes indices below 1,000" in notes(result)
    assert "reuters.load_data(num_words=5000) but the graded model's Embedding takes 1,000 words" in notes(result)


def test_smaller_vocabulary_than_the_embedding_is_a_structural_failure_with_a_note(grader: Grader,
                                                                                    tmp_path: Path) -> None:
    folder = student(tmp_path, {"reuters_lstm_100.py": REUTERS_SCRIPT.format(words=1000, embedding=5000,
                                                                             labels="y_train")})
    result = grade(grader, folder, "reuters_lstm_100")["reuters_lstm_100"]
    assert result.status == "failed"
    assert any("5,000 input dim instead of 1,000" in c.message for c in result.checks)
    assert "reuters.load_data(num_words=1000) but the graded model's Embedding takes 5,000 words" in notes(result)


def test_labels_not_one_hot_break_fit_with_a_precise_message(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"reuters_lstm_100.py": REUTERS_SCRIPT.format(words=1000, embedding=1000,
                                                                             labels="Y_train")})
    result = grade(grader, folder, "reuters_lstm_100")["reuters_lstm_100"]
    assert "categorical_crossentropy needs one-hot labels of shape (N, 46) but y has shape (8982,)" in notes(result)


def test_input_shape_mismatch_breaks_fit_with_a_precise_message(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"mnist_mlp.py": """
        from keras.datasets import mnist
        from keras.models import Sequential
        from keras.layers import Dense
        (x_train, y_train), _ = mnist.load_data()
        model = Sequential([Dense(512, input_dim=784, activation='relu'), Dense(10, activation='softmax')])
        model.compile(loss='sparse_categorical_crossentropy', optimizer='adam')
        model.fit(x_train, y_train)
    """})
    result = grade(grader, folder, "mnist_mlp")["mnist_mlp"]
    assert result.status == "passed"
    assert "x has shape (60000, 28, 28) but the model takes inputs of shape (None, 784)" in notes(result)


# -- data ---------------------------------------------------------------------------------------------------

def test_placeholder_data_has_the_real_structure(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"imdb_simple_rnn.py": """
        import numpy as np
        from keras.datasets import imdb, reuters, mnist
        (a, b), (c, d) = imdb.load_data(num_words=10000)
        print("imdb", len(a), len(c), type(a[0]).__name__, max(max(s) for s in a) < 10000, b.dtype,
              sorted(set(b.tolist())))
        (a, b), (c, d) = reuters.load_data(num_words=1000, test_split=0.2)
        print("reuters", len(a), len(c), max(max(s) for s in a), int(b.max()) + 1)
        (a, b), (c, d) = mnist.load_data()
        print("mnist", a.shape, a.dtype, c.shape, sorted(set(d.tolist())))
        word_index = imdb.get_word_index()
        print("word_index", word_index['the'])
        from keras.models import Sequential
        from keras.layers import Embedding, SimpleRNN, Dense
        model = Sequential([Embedding(10000, 32), SimpleRNN(32), Dense(1, activation='sigmoid')])
    """})
    result = grade(grader, folder, "imdb_simple_rnn")["imdb_simple_rnn"]
    said = output(result)
    assert "imdb 25000 25000 ndarray True int64 [0, 1]" in said
    assert "reuters 8982 2246 999 46" in said
    assert "mnist (60000, 28, 28) uint8 (10000, 28, 28) [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" in said
    assert "word_index 1" in said
    assert "the grader's own evaluation is the one that counts" in notes(result)


def test_jena_csv_is_served(grader: Grader, carol: dict[str, AssignmentResult]) -> None:
    said = output(carol["jena_gru"])
    assert "420551" in said and '"Date Time"' in said
    assert "jena_climate_2009_2016.csv: 420,551 rows" in notes(carol["jena_gru"])


@pytest.fixture
def served_reuters() -> Iterator[tuple[Path, np.ndarray]]:
    """A served split as the script layer reads it (``served._read_split``): training data and test inputs, no
    test labels."""
    from harness.datasets import object_to_ragged

    rng = np.random.default_rng(3)
    x_train = np.empty(30, dtype=object)
    x_test = np.empty(12, dtype=object)
    for rows in (x_train, x_test):
        for i in range(len(rows)):
            rows[i] = rng.integers(1, 3000, size=5 + i % 7).astype("int32")
    root = Path(tempfile.mkdtemp(prefix="served-"))
    (root / "reuters").mkdir()
    flat, offsets = object_to_ragged(x_train)
    np.savez(root / "reuters" / "train.npz", x_train__flat=flat, x_train__offsets=offsets, y_train=np.arange(30) % 46)
    flat, offsets = object_to_ragged(x_test)
    np.savez(root / "reuters" / "test_inputs.npz", x_test__flat=flat, x_test__offsets=offsets)
    (root / "reuters" / "info.json").write_text(json.dumps({"dataset": "reuters"}))
    for path in (root, *root.rglob("*")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    yield root, x_train
    shutil.rmtree(root, ignore_errors=True)


def test_served_data_never_carries_the_test_labels(grader: Grader, served_reuters: tuple[Path, np.ndarray],
                                                   tmp_path: Path) -> None:
    root, x_train = served_reuters
    for archive in (root / "reuters").glob("*.npz"):
        with np.load(archive, allow_pickle=False) as data:
            assert not any(key.startswith("y_test") for key in data.files)
    folder = student(tmp_path, {"reuters_mlp.py": """
        import os
        from keras.datasets import reuters
        (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=1000)
        print("TRAIN", len(x_train), sum(len(s) for s in x_train), max(max(s) for s in x_train) < 1000)
        print("TEST", len(x_test), sorted(set(y_test.tolist())))
        print("FILES", sorted(os.listdir(os.environ.get('SERVED', '.'))))
        import keras
        model = keras.Sequential([keras.layers.Embedding(1000, 8)])
    """})
    mode = grader.mode
    with Worker(slot=5, mode=mode, data_dirs=(root,)) as worker:
        inside = "/data/0/reuters" if mode.startswith("bwrap") else str(root / "reuters")
        task = evaluate.model_task(load_catalog()["reuters_mlp"], "reuters_mlp.py", 0, data={"reuters": inside})
        (folder / "reuters_mlp.py").write_text((folder / "reuters_mlp.py").read_text().replace(
            "os.environ.get('SERVED', '.')", repr(inside)))
        outcome = worker.run(task, folder, Limits())
        said = outcome.output_head + outcome.output_tail
        info = json.loads((outcome.out / "info.json").read_text())
    assert f"TRAIN 30 {sum(len(s) for s in x_train)} True" in said
    assert "TEST 12 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]" in said  # placeholders, not the real (all 7)
    assert "FILES ['info.json', 'test_inputs.npz', 'train.npz']" in said
    assert any("served its copy of the training split and the test inputs; test labels are placeholders" in n
               for n in info["notes"])


# -- robustness ---------------------------------------------------------------------------------------------

def test_a_students_own_compat_and_scripts_modules_stay_theirs(grader: Grader, tmp_path: Path) -> None:
    folder = student(tmp_path, {"compat.py": "WHO = 'student compat'\n", "scripts.py": "WHO = 'student scripts'\n",
                                "song_mlp.py": """
        import compat, scripts
        print(compat.WHO, '/', scripts.WHO)
        from keras.models import Sequential
        from keras.layers import Dense
        from keras.utils import np_utils
        model = Sequential([Dense(128, input_dim=4, activation='relu'), Dense(128, activation='relu'),
                            Dense(12, activation='softmax')])
    """})
    result = grade(grader, folder, "song_mlp")["song_mlp"]
    assert result.status == "passed" and "student compat / student scripts" in output(result)


def test_grading_a_script_twice_gives_the_same_result(grader: Grader) -> None:
    started = time.perf_counter()
    first = grade(grader, CAROL, "song_stateful_lstm")["song_stateful_lstm"]
    second = grade(grader, CAROL, "song_stateful_lstm")["song_stateful_lstm"]
    assert (first.status, first.params, first.notes) == (second.status, second.params, second.notes)
    assert time.perf_counter() - started < 60
