"""Code as students really write it (issue 12), graded through the CLI as ``grader run`` grades a class.

Three students, written for these tests in the styles real course folders have:

- ``notebooks``: scratch cells that do not compile, LilyPond and Markdown pasted into code cells, a cell that
  raises after the model or function was defined, two models in one notebook, ``build_model()`` in a notebook.
  Notebooks run as Jupyter's "Run All" with errors allowed: a bad cell is a note, not a 0.
- ``scripts``: a function at line 10 and an error at line 80, a model whose first ``add()`` raises ``NameError``,
  an empty ``Sequential``, ``build_model()`` without ``return model``, ``build_model()`` returning an empty model,
  a notebook exported as ``.py`` whose scratch cell does not compile.
- ``messages``: ``return_sequences`` one way and the other, ``Dense(1)`` + ``Activation('sigmoid')``, and a
  submission file that is a symbolic link.

One grader run for the whole class keeps this fast; each test reads its assignment from the JSON report.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.sandbox.jail import cells, scripts
from tests.conftest import by_id, grader

#: Every assignment the three students answer (the others are simply missing for each of them).
ASSIGNMENTS = ("simple_rnn", "simple_rnn_sequences", "song_mlp", "song_windows", "mnist_mlp", "jena_gru",
               "reuters_mlp", "imdb_simple_rnn", "imdb_lstm")

CODE2IDX = ("code2idx = {'c4': 0, 'd4': 1, 'e4': 2, 'f4': 3, 'g4': 4, 'a4': 5, 'b4': 6,\n"
            "            'c8': 7, 'd8': 8, 'e8': 9, 'f8': 10, 'g8': 11, 'a8': 12, 'b8': 13}\n")


def notebook(*cells: tuple[str, str]) -> str:
    """An ``.ipynb`` as Jupyter saves it, from ``(cell_type, source)`` pairs."""
    out = []
    for kind, text in cells:
        cell: dict[str, Any] = {"cell_type": kind, "metadata": {},
                                "source": textwrap.dedent(text).lstrip("\n").splitlines(keepends=True)}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        out.append(cell)
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": out}, ensure_ascii=False)


TWO_RNNS = (
    ("markdown", "# SimpleRNN: 마지막 출력과 전체 시퀀스"),
    ("code", """
        from keras.models import Sequential
        from keras.layers import Embedding, SimpleRNN
        """),
    ("code", """
        model = Sequential()
        model.add(Embedding(10000, 32))
        model.add(SimpleRNN(32))
        model.summary()
        """),
    ("markdown", "전체 상태 시퀀스를 반환"),
    ("code", """
        model = Sequential()
        model.add(Embedding(10000, 32))
        model.add(SimpleRNN(32, return_sequences=True))
        model.summary()
        """),
)

NOTEBOOKS = {
    "simple_rnn.ipynb": notebook(*TWO_RNNS),
    "simple_rnn_sequences.ipynb": notebook(*TWO_RNNS),
    "song_mlp.ipynb": notebook(
        ("markdown", "# 나비야 MLP"),
        ("code", "%matplotlib inline\nimport numpy as np\n"),
        ("code", "x = = 3   # scratch\n"),
        ("code", "\\relative c' { g8 e8 e4 f8 d8 d4 }\n"),
        ("code", "## Model\nThe network has *three* Dense layers.\n"),
        ("code", """
            from keras.models import Sequential
            from keras.layers import Dense, Activation
            model = Sequential()
            model.add(Dense(128, input_dim=4, activation='relu'))
            model.add(Dense(128, activation='relu'))
            model.add(Dense(12, activation='softmax'))
            model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
            """),
        ("code", "print(np.mean(np.abs(preds - targets)))\n"),
    ),
    "song_windows.ipynb": notebook(
        ("code", "import numpy as np\n" + CODE2IDX),
        ("code", "for i in range(3)\n    print(i)\n"),
        ("code", """
            def seq2dataset(seq, window_size):
                dataset = []
                for i in range(len(seq) - window_size):
                    subset = seq[i:(i + window_size + 1)]
                    dataset.append([code2idx[item] for item in subset])
                return np.array(dataset)
            """),
        ("code", "dataset = seq2dataset(seq, window_size=4)\nprint(dataset.shape)\n"),
    ),
    "mnist_mlp.ipynb": notebook(
        ("code", "import keras\nfrom keras import layers\n"),
        ("code", "print('accuracy:' acc)\n"),
        ("code", """
            def build_model():
                model = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation='relu'),
                                          layers.Dense(10, activation='softmax')])
                return model
            """),
        ("code", "model = build_model()\nmodel.fit(x_train, y_train, epochs=5)\n"),
    ),
}

SCRIPTS = {
    "song_windows.py": "import numpy as np\n\n" + CODE2IDX + "\n\n# 데이터셋 생성 함수\n\n\n"
                       "def seq2dataset(seq, window_size):\n"
                       "    dataset = []\n"
                       "    for i in range(len(seq) - window_size):\n"
                       "        subset = seq[i:(i + window_size + 1)]\n"
                       "        dataset.append([code2idx[item] for item in subset])\n"
                       "    return np.array(dataset)\n\n"
                       + "".join(f"print('epoch {i}')\n" for i in range(63))
                       + "dataset = seq2dataset(seq, window_size=4)\n",
    "jena_gru.py": """
        from keras.models import Sequential
        from keras import layers
        from keras.optimizers import RMSprop

        model = Sequential()
        model.add(layers.GRU(32, input_shape=(None, float_data.shape[-1])))
        model.add(layers.Dense(1))
        model.compile(optimizer=RMSprop(), loss='mae')
        """,
    "song_mlp.py": """
        from keras.models import Sequential
        from keras.layers import Dense

        model = Sequential()
        model.compile(loss='categorical_crossentropy', optimizer='adam')
        """,
    "mnist_mlp.py": """
        from keras.models import Sequential
        from keras.layers import Dense

        def build_model():
            model = Sequential()
            model.add(Dense(512, activation='relu', input_shape=(784,)))
            model.add(Dense(10, activation='softmax'))
        """,
    "reuters_mlp.py": """
        from keras.models import Sequential

        def build_model():
            model = Sequential()
            return model
        """,
    # a notebook exported with "Download as .py": a scratch cell that does not compile voids nothing
    "imdb_simple_rnn.py": "#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\n"
                          "from keras.models import Sequential\nfrom keras.layers import Embedding, SimpleRNN, Dense\n"
                          "\n\n# In[2]:\n\n\nprint(model.summary()\n\n\n# ## 모델\n\n# In[3]:\n\n\n"
                          "model = Sequential()\nmodel.add(Embedding(10000, 32))\nmodel.add(SimpleRNN(32))\n"
                          "model.add(Dense(1, activation='sigmoid'))\n",
}

MESSAGES = {
    "simple_rnn.py": """
        from keras.models import Sequential
        from keras.layers import Embedding, SimpleRNN

        model = Sequential()
        model.add(Embedding(10000, 32))
        model.add(SimpleRNN(32, return_sequences=True))
        """,
    "simple_rnn_sequences.py": """
        import keras
        from keras import layers

        def build_model():
            return keras.Sequential([keras.Input((None,), dtype='int32'), layers.Embedding(10000, 32),
                                     layers.SimpleRNN(32)])
        """,
    "imdb_simple_rnn.py": """
        from keras.models import Sequential
        from keras.layers import Embedding, SimpleRNN, Dense, Activation

        model = Sequential()
        model.add(Embedding(10000, 32))
        model.add(SimpleRNN(32))
        model.add(Dense(1))
        model.add(Activation('sigmoid'))
        model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['acc'])
        """,
    "lstm_try.py": """
        import keras
        from keras import layers

        def build_model():
            return keras.Sequential([keras.Input((500,)), layers.Embedding(10000, 32), layers.LSTM(32),
                                     layers.Dense(1, activation='sigmoid')])
        """,
}


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text if name.endswith(".ipynb") else textwrap.dedent(text).lstrip("\n"),
                                   encoding="utf-8")


class Graded:
    def __init__(self, report: dict, stderr: str) -> None:
        self.report = report
        self.stderr = stderr

    def result(self, student: str, assignment_id: str) -> dict:
        return by_id(self.report, student)[assignment_id]

    def notes(self, student: str, assignment_id: str) -> str:
        result = self.result(student, assignment_id)
        return "\n".join(result.get("notes", []) + result.get("child_notes", []))

    def failures(self, student: str, assignment_id: str) -> str:
        return "\n".join(c["message"] for c in self.result(student, assignment_id)["checks"] if not c["passed"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graded]:
    """The whole module's class (the three styles, and the respelled and Jena students further down) in one run."""
    root = tmp_path_factory.mktemp("real_styles")
    folder = root / "class"
    write(folder / "notebooks", NOTEBOOKS)
    write(folder / "scripts", SCRIPTS)
    write(folder / "messages", MESSAGES)
    (folder / "messages" / "imdb_lstm.py").symlink_to("lstm_try.py")
    write_respelled(folder)
    ids = [arg for i in (*ASSIGNMENTS, *RESPELLED_ASSIGNMENTS) for arg in ("-a", i)]
    done = grader("run", str(folder), *ids, "--jobs", "1", "--db", str(root / "grader.sqlite"), "--format", "json")
    assert done.stdout.strip(), done.stderr
    yield Graded(json.loads(done.stdout), done.stderr)


def test_the_grader_prints_no_traceback_of_its_own(graded: Graded) -> None:
    assert "Traceback" not in graded.stderr, graded.stderr[-3000:]
    for submission in graded.report["submissions"]:
        for result in submission["assignments"]:
            text = json.dumps(result)
            for internal in ("LookupError", "Traceback", "crashed the grader", "max |Δ|"):
                assert internal not in text, (submission["submission"], result["id"], internal)


# -- notebooks run as Jupyter runs them -------------------------------------------------------------------------

def test_scratch_lilypond_and_markdown_cells_do_not_void_the_notebook(graded: Graded) -> None:
    result = graded.result("notebooks", "song_mlp")
    assert result["status"] == "passed", (result["reason"], graded.failures("notebooks", "song_mlp"))
    notes = graded.notes("notebooks", "song_mlp")
    for cell in ("cell 2 was skipped", "cell 3 was skipped", "cell 4 was skipped"):
        assert cell in notes
    assert "graded the model built at song_mlp.ipynb, cell 5, line 3" in notes


def test_a_cell_that_raises_after_the_model_is_a_note(graded: Graded) -> None:
    notes = graded.notes("notebooks", "song_mlp")
    assert "cell 6 raised NameError: name 'preds' is not defined (line 1)" in notes
    assert "as Jupyter does" in notes and "code cells are counted from 1" in notes


def test_a_function_notebook_with_a_broken_cell_is_graded(graded: Graded) -> None:
    result = graded.result("notebooks", "song_windows")
    assert result["status"] == "passed", (result["reason"], graded.failures("notebooks", "song_windows"))
    notes = graded.notes("notebooks", "song_windows")
    assert "cell 2 was skipped: it does not compile (SyntaxError: expected ':', line 1)" in notes
    assert "cell 4 raised NameError: name 'seq' is not defined" in notes and "seq2dataset() is graded" in notes


def test_build_model_notebook_with_a_failing_training_cell(graded: Graded) -> None:
    result = graded.result("notebooks", "mnist_mlp")
    assert result["status"] == "passed", (result["reason"], graded.failures("notebooks", "mnist_mlp"))
    notes = graded.notes("notebooks", "mnist_mlp")
    assert "cell 4 raised NameError: name 'x_train' is not defined" in notes and "cell 2 was skipped" in notes


# -- the right model among several ------------------------------------------------------------------------------

@pytest.mark.parametrize(("assignment_id", "cell", "other"), [("simple_rnn", 2, 3), ("simple_rnn_sequences", 3, 2)])
def test_two_models_in_one_notebook_the_matching_one_is_graded(graded: Graded, assignment_id: str, cell: int,
                                                                 other: int) -> None:
    result = graded.result("notebooks", assignment_id)
    assert result["status"] == "passed", (result["reason"], graded.failures("notebooks", assignment_id))
    assert f"2 models were built; graded the one from cell {cell}, line 1, which matches the assignment best " \
           f"(also seen: cell {other}, line 1)" in graded.notes("notebooks", assignment_id)


# -- scripts: what was defined before an error still counts ------------------------------------------------------

def test_function_defined_before_a_failing_line_is_graded(graded: Graded) -> None:
    result = graded.result("scripts", "song_windows")
    assert result["status"] == "passed", (result["reason"], graded.failures("scripts", "song_windows"))
    assert "song_windows.py stopped at line 80 with NameError: name 'seq' is not defined; seq2dataset(), defined " \
           "before that line, is graded" in graded.notes("scripts", "song_windows")


def test_an_exported_notebook_runs_as_its_cells(graded: Graded) -> None:
    result = graded.result("scripts", "imdb_simple_rnn")
    assert result["status"] == "passed", (result["reason"], graded.failures("scripts", "imdb_simple_rnn"))
    notes = graded.notes("scripts", "imdb_simple_rnn")
    assert "graded the model built at imdb_simple_rnn.py, cell 3, line 22" in notes  # In[3]; the file's line 22
    assert "cell 2 was skipped: it does not compile" in notes


def test_first_add_raising_quotes_the_students_error(graded: Graded) -> None:
    result = graded.result("scripts", "jena_gru")
    assert result["status"] == "error"
    assert result["reason"].startswith("NameError: name 'float_data' is not defined (jena_gru.py:6)")
    assert "the model created at jena_gru.py:5 has no layers" in result["reason"]


def test_empty_models_never_reach_the_checks(graded: Graded) -> None:
    script = graded.result("scripts", "song_mlp")
    assert script["status"] == "error"
    assert script["reason"] == "the model created at song_mlp.py:4 has no layers: add its layers (model.add(...)) " \
                               "before compiling it"
    empty = graded.result("scripts", "reuters_mlp")
    assert empty["status"] == "error" and empty["reason"] == "the model build_model() returns has no layers"
    none = graded.result("scripts", "mnist_mlp")
    assert none["status"] == "error"
    assert none["reason"] == "build_model() returned None (is `return model` missing?); it must return the Keras " \
                             "model it builds"


# -- messages a student can act on -------------------------------------------------------------------------------

def test_return_sequences_named_both_ways(graded: Graded) -> None:
    assert graded.result("messages", "simple_rnn")["status"] == "failed"
    whole = graded.failures("messages", "simple_rnn")
    assert "layer 2 SimpleRNN returns the whole sequence (return_sequences=True); the reference returns only the " \
           "last output" in whole
    assert "activation, pooling or padding" not in whole
    assert graded.result("messages", "simple_rnn_sequences")["status"] == "failed"
    last = graded.failures("messages", "simple_rnn_sequences")
    assert "layer 2 SimpleRNN returns only the last output; the reference returns the whole sequence " \
           "(return_sequences=True)" in last


def test_dense_then_activation_is_accepted_with_a_note(graded: Graded) -> None:
    result = graded.result("messages", "imdb_simple_rnn")
    assert result["status"] == "passed", (result["reason"], graded.failures("messages", "imdb_simple_rnn"))
    assert "layer 3 Dense: Dense(1) followed by Activation('sigmoid') is graded as Dense(1, activation='sigmoid')" \
           in graded.notes("messages", "imdb_simple_rnn")


def test_a_symlinked_file_is_refused_by_name(graded: Graded) -> None:
    result = graded.result("messages", "imdb_lstm")
    assert result["status"] == "error"
    assert result["reason"].startswith("imdb_lstm.py is a symbolic link; links are not followed")


# -- focused: the pieces, without a grader ----------------------------------------------------------------------

def test_cells_are_numbered_among_code_cells(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(NOTEBOOKS["song_mlp.ipynb"], encoding="utf-8")
    labels = [label for label, _ in cells.notebook_cells(path, "nb.ipynb")]
    assert labels == [f"nb.ipynb, cell {n}" for n in range(1, 7)]
    assert cells.place("nb.ipynb, cell 4", 2) == "nb.ipynb, cell 4, line 2"
    assert cells.place("model.py", 12) == "model.py:12"


def test_a_broken_notebook_file_is_said_plainly(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(cells.Feedback, match="nb.ipynb is not a readable notebook"):
        cells.notebook_cells(path, "nb.ipynb")


def test_run_cells_goes_on_past_errors_and_keeps_what_was_defined() -> None:
    namespace: dict[str, Any] = {}
    try:
        found = cells.run_cells([("nb.ipynb, cell 1", "a = 1"), ("nb.ipynb, cell 2", "b = = 2"),
                                   ("nb.ipynb, cell 3", "c = a + 1\nd = missing"), ("nb.ipynb, cell 4", "e = c + 1")],
                                  namespace)
        assert (namespace["a"], namespace["c"], namespace["e"]) == (1, 2, 3) and "d" not in namespace
        assert [f.sentence() for f in found] == [
            "cell 2 was skipped: it does not compile (SyntaxError: invalid syntax, line 1)",
            "cell 3 raised NameError: name 'missing' is not defined (line 2)"]
        script = cells.run_cells([("x.py", "def f():\n    return 1\nraise SystemExit(0)\ng = 2")], {})
        assert script == []  # sys.exit(0) ends a script normally
    finally:
        scripts.undo()


def test_choose_takes_the_best_match_earliest_on_ties_and_never_an_empty_model() -> None:
    import keras

    from harness.catalog import load_catalog
    from harness.checks import evaluate

    task = evaluate.model_task(load_catalog()["simple_rnn"], "simple_rnn.py", 0)

    def rnn(sequences: bool) -> Any:
        return keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(10000, 32),
                                 keras.layers.SimpleRNN(32, return_sequences=sequences)])

    models = [rnn(True), rnn(False), rnn(False), keras.Sequential()]
    candidates = [scripts._Candidate(model, f"simple_rnn.py:{line}", order)
                  for order, (model, line) in enumerate(zip(models, (3, 8, 13, 18)))]
    chosen, _, refused = scripts.choose(candidates, task)
    assert chosen is candidates[1]  # the same parameters as the first, but only its output shape matches
    assert refused == {id(candidates[3]): "has no layers"}
    assert scripts.choose([candidates[3]], task)[0] is None


def test_linked_files_and_folders_are_named_never_followed(tmp_path: Path) -> None:
    from harness.pipeline.grade import assignment_file, linked_file

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "rnn.py").write_text("def build_model():\n    pass\n")
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "simple_rnn_sequences.py").symlink_to(elsewhere / "rnn.py")
    (folder / "week5").symlink_to(elsewhere, target_is_directory=True)
    file_map = {"week5/rnn.py": "reuters_lstm_100"}
    assert assignment_file(folder, "simple_rnn_sequences") is None
    assert linked_file(folder, "simple_rnn_sequences") == "simple_rnn_sequences.py"
    assert assignment_file(folder, "reuters_lstm_100", file_map) is None
    assert linked_file(folder, "reuters_lstm_100", file_map) == "week5/rnn.py"
    assert linked_file(folder, "simple_rnn") is None


def test_an_nbformat_3_notebook_has_its_code_cells(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["# 2016"]},
        {"cell_type": "code", "input": ["import keras\n", "model = keras.Sequential()\n"], "outputs": []}]}]}))
    assert cells.notebook_cells(path, "old.ipynb") == [("old.ipynb, cell 1",
                                                          "import keras\nmodel = keras.Sequential()\n")]


# -- a function under a respelled name (H11's sample of real code: ``Seq2Dataset`` in a 나비야 MLP script) -----

RESPELLED_BODY = """
    import numpy as np

    {code2idx}
    def {name}(seq, window_size):
        dataset = []
        for i in range(len(seq) - window_size{cut}):
            subset = seq[i:(i + window_size + 1)]
            dataset.append([code2idx[item] for item in subset])
        return np.array(dataset)
    """


#: DLwP 6.3 as a script, with the data read from the ``.zip`` it downloads; ``{read}`` sets ``data``.
JENA_ZIP = """
    import os
    import numpy as np
    from keras.models import Sequential
    from keras import layers

    fname = os.path.join('D:\\Downloads\\jena_climate', 'jena_climate_2009_2016.csv.zip')
    {read}
    lines = data.split('\\n')
    header = lines[0].split(',')
    float_data = np.zeros((len(lines) - 1, len(header) - 1))
    lookback, step = 1440, 6

    model = Sequential()
    model.add(layers.Flatten(input_shape=(lookback // step, float_data.shape[-1])))
    model.add(layers.Dense(32, activation='relu'))
    model.add(layers.Dense(1))
    """
ZIP_AS_TEXT = "f = open(fname)\n    data = f.read()\n    f.close()"
ZIP_READ_RIGHT = ("import zipfile\n    with zipfile.ZipFile(fname) as archive:\n"
                  "        data = archive.read('jena_climate_2009_2016.csv').decode()")


def respelled(name: str, cut: str = "") -> str:
    return RESPELLED_BODY.format(code2idx=CODE2IDX.replace("\n", "\n    "), name=name, cut=cut)


#: What the respelled and Jena students answer (graded in the module's one run, ``graded``).
RESPELLED_ASSIGNMENTS = ("jena_dense",)  # song_windows is among ASSIGNMENTS already


def write_respelled(folder: Path) -> None:
    write(folder / "capitalised", {"song_windows.py": respelled("Seq2Dataset")})
    write(folder / "capitalised_wrong", {"song_windows.py": respelled("Seq2Dataset", cut=" - 1")})
    write(folder / "two_spellings", {"song_windows.py": respelled("Seq2Dataset") + respelled("seq2_dataset")})
    write(folder / "zip_as_text", {"jena_dense.py": JENA_ZIP.format(read=ZIP_AS_TEXT)})
    write(folder / "zip_read_right", {"jena_dense.py": JENA_ZIP.format(read=ZIP_READ_RIGHT)})


def test_a_capitalised_function_name_is_graded_with_a_note(graded: Graded) -> None:
    result = graded.result("capitalised", "song_windows")
    assert result["status"] == "passed", (result["reason"], graded.failures("capitalised", "song_windows"))
    assert "names the function Seq2Dataset, the assignment seq2dataset" in graded.notes(
        "capitalised", "song_windows")


def test_a_respelled_name_still_gets_its_values_checked(graded: Graded) -> None:
    result = graded.result("capitalised_wrong", "song_windows")
    assert result["status"] == "failed", result["reason"]


def test_two_respellings_are_not_guessed_between(graded: Graded) -> None:
    result = graded.result("two_spellings", "song_windows")
    assert result["status"] == "error"
    assert "defines no function seq2dataset (it defines Seq2Dataset, seq2_dataset)" in result["reason"]


# -- which layer is the extra one (H11's sample: book MLPs with a second hidden Dense and Dropouts) -------------

def _mlp(*stack: Any) -> list:
    """The views the structure checks compare, of an MLP on flattened MNIST pixels."""
    import keras

    from harness.checks.layers import views

    return views(keras.Sequential([keras.Input((784,)), *stack]))


def test_an_extra_hidden_layer_is_named_not_the_output_layer() -> None:
    from keras import layers

    from harness.checks import structure
    reference = _mlp(layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax"))
    student = _mlp(layers.Dense(512, activation="relu"), layers.Dropout(0.2), layers.Dense(512, activation="relu"),
                   layers.Dropout(0.2), layers.Dense(10, activation="softmax"))
    pairs, problems = structure.align(student, reference)
    assert "layer 3 Dense: extra layer, the reference has no Dense here" in problems
    assert [(s.index, r.index) for s, r in pairs] == [(1, 1), (5, 2)]
    check = structure.check_layers(student, reference)
    assert not check.passed and "layer 5" not in check.message


def test_a_dropout_in_place_of_a_dense_is_extra_and_missing_not_a_swap() -> None:
    from keras import layers

    from harness.checks import structure
    reference = _mlp(layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu"), layers.Dense(10))
    student = _mlp(layers.Dense(64, activation="relu"), layers.Dropout(0.5), layers.Dense(10))
    message = structure.check_layers(student, reference).message
    assert "missing Dense (reference layer 2) after layer 1 Dense" in message
    assert "layer 2 Dropout: extra layer" in message


def test_a_stack_of_rnns_names_the_sequence_returning_ones_as_extra() -> None:
    import keras
    from keras import layers

    from harness.checks import structure
    from harness.checks.layers import views

    def rnn(*stack: Any) -> list:
        return views(keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(100, 8), *stack]))

    reference = rnn(layers.SimpleRNN(8))
    student = rnn(layers.SimpleRNN(8, return_sequences=True), layers.SimpleRNN(8, return_sequences=True),
                  layers.SimpleRNN(8))
    pairs, problems = structure.align(student, reference)
    assert [(s.index, r.index) for s, r in pairs] == [(1, 1), (4, 2)]
    assert problems == [f"layer {i} SimpleRNN: extra layer, the reference has no SimpleRNN here" for i in (2, 3)]


def test_the_zip_opened_as_text_is_named_as_the_cause(graded: Graded) -> None:
    result = graded.result("zip_as_text", "jena_dense")
    assert result["status"] == "error"
    assert "reads the zip archive as text" in result["reason"] and "jena_dense.py:" in result["reason"]


def test_the_zip_read_as_an_archive_is_served(graded: Graded) -> None:
    result = graded.result("zip_read_right", "jena_dense")
    assert result["status"] == "passed", (result["reason"], graded.failures("zip_read_right", "jena_dense"))


def test_a_different_network_still_has_its_output_layer_compared() -> None:
    from keras import layers

    from harness.checks import structure

    reference = _mlp(layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax"))
    student = _mlp(layers.Dense(100, activation="relu"), layers.Dense(50, activation="relu"),
                   layers.Dense(12, activation="relu"), layers.Dense(10, activation="sigmoid"))
    pairs, problems = structure.align(student, reference)
    assert [(s.index, r.index) for s, r in pairs] == [(1, 1), (4, 2)]
    assert problems == [f"layer {i} Dense: extra layer, the reference has no Dense here" for i in (2, 3)]
    settings = structure.check_settings(pairs, student, reference)
    assert "layer 4 Dense: activation sigmoid, the reference uses softmax" in settings.message
