"""The reference catalog: every assignment the course declares, checked against the lecture notes' figures.

Models: the built reference reproduces every layer row and total the seeds print (and the figures computed for
models the seeds never summarise); GRU variants give Keras 3's counts. Functions: each reference passes its own
``compare`` on every case and drawn example, ``compare`` catches wrong outputs and names known mistakes, and the
numpy recurrent layers equal Keras' layers given the same weights.
"""

from __future__ import annotations

import functools
import itertools
import os
import pickle
import zlib
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

from harness.catalog import Case, FunctionAssignment, ModelAssignment, load_catalog

ROOT = Path(__file__).resolve().parents[1]
#: The assignments are the reference modules (``reference/<id>.py``; ``_``-prefixed ones are helpers): adding one
#: adds its tests here, with no list to edit.
REFERENCE_IDS = {p.stem for p in (ROOT / "reference").glob("*.py") if not p.stem.startswith("_")}
MODEL_IDS = {i for i, a in load_catalog().items() if isinstance(a, ModelAssignment)}
FUNCTION_IDS = {i for i, a in load_catalog().items() if isinstance(a, FunctionAssignment)}

#: Every parameter figure a seed prints in a summary, with the assignment it belongs to.
SEED_PRINTED = [
    # 000 SimpleRNN (last output / full sequence)
    ("simple_rnn", 320_000), ("simple_rnn", 2_080), ("simple_rnn", 322_080),
    ("simple_rnn_sequences", 320_000), ("simple_rnn_sequences", 2_080), ("simple_rnn_sequences", 322_080),
    # 000 and 004 IMDB CNN + LSTM
    ("imdb_cnn_lstm", 500_000), ("imdb_cnn_lstm", 32_064), ("imdb_cnn_lstm", 26_400), ("imdb_cnn_lstm", 56),
    ("imdb_cnn_lstm", 558_520),
    # 001 Embedding + Flatten on 20 words; the GloVe model
    ("imdb_embedding_flatten", 80_000), ("imdb_embedding_flatten", 161), ("imdb_embedding_flatten", 80_161),
    ("imdb_glove_mlp", 1_000_000), ("imdb_glove_mlp", 320_032), ("imdb_glove_mlp", 33),
    ("imdb_glove_mlp", 1_320_065),
    # 001 1D convnet on IMDB
    ("imdb_conv1d", 1_280_000), ("imdb_conv1d", 28_704), ("imdb_conv1d", 7_200), ("imdb_conv1d", 33),
    ("imdb_conv1d", 1_315_937),
    # 001 Conv1D + GRU on Jena (Keras 2 GRU, reset_after=False)
    ("jena_conv1d_gru", 2_272), ("jena_conv1d_gru", 5_152), ("jena_conv1d_gru", 6_240), ("jena_conv1d_gru", 33),
    ("jena_conv1d_gru", 13_697),
]
#: The figures the brief names explicitly.
BRIEF_FIGURES = [2_080, 322_080, 26_400, 32_064, 558_520, 80_161, 1_320_065, 28_704, 7_200, 1_315_937, 13_697]

#: The accuracy (or Jena MAE) each seed reports for the model it trains.
SEED_SCORES = {
    "imdb_simple_rnn": 0.83, "imdb_lstm": 0.8818, "imdb_cnn_lstm": 0.8532,
    "reuters_mlp": 0.6759, "reuters_lstm": 0.6990, "reuters_cnn": 0.7493, "reuters_cnn_lstm": 0.7186,
    "reuters_lstm_100": 0.7128, "mnist_mlp": 0.9821, "mnist_cnn": 0.9928,
    "song_mlp": 0.92, "song_lstm": 0.90, "song_stateful_lstm": 1.00, "song_stateful_lstm_2f": 1.00,
    "imdb_embedding_flatten": 0.7536, "imdb_glove_mlp": 0.7046, "imdb_reversed_lstm": 0.8764,
    "imdb_bidirectional_lstm": 0.8770,
    **{id_: 0.29 for id_ in MODEL_IDS if id_.startswith("jena_")},
}
#: Models with another accepted build: every GRU model (Keras 3's reset_after=True) and seed 004's spelling.
VARIANT_IDS = {"jena_gru", "jena_gru_dropout", "jena_stacked_gru", "jena_bidirectional_gru", "jena_conv1d_gru",
               "imdb_cnn_lstm"}
DATASETS = {"imdb", "reuters", "mnist", "song", "song_2f", "jena"}


def catalog():
    return load_catalog()


def models() -> list[ModelAssignment]:
    return [a for a in catalog().values() if isinstance(a, ModelAssignment)]


def functions() -> list[FunctionAssignment]:
    return [a for a in catalog().values() if isinstance(a, FunctionAssignment)]


@functools.cache
def built(id_: str) -> keras.Model:
    return catalog()[id_].build()


@functools.cache
def built_variant(id_: str, index: int) -> keras.Model:
    return catalog()[id_].variants[index].build()


def rows(model: keras.Model) -> list[tuple[str, tuple, int]]:
    return [(type(layer).__name__, tuple(layer.output.shape), layer.count_params()) for layer in model.layers]


@functools.cache
def all_cases(id_: str) -> tuple[list[Case], list[Case]]:
    entry = catalog()[id_]
    return entry.cases(), entry.examples() if entry.examples else []


def call(entry: FunctionAssignment, case: Case):
    result = entry.reference(*case.args, **case.kwargs)
    if entry.output.startswith("generator:"):
        return list(itertools.islice(result, int(entry.output.split(":")[1])))
    return np.asarray(result)


# --- the registry -------------------------------------------------------------------------------------------------

def test_catalog_is_every_reference_module():
    found = catalog()
    assert set(found) == REFERENCE_IDS
    assert MODEL_IDS and FUNCTION_IDS and MODEL_IDS | FUNCTION_IDS == REFERENCE_IDS
    assert all(a.kind == ("model" if a.id in MODEL_IDS else "function") for a in found.values())
    assert list(found) == [*sorted(MODEL_IDS), *sorted(FUNCTION_IDS)], "models first, by id"


def test_alice_has_an_example_of_every_assignment():
    """The example student is how the README, the CLI tests and the benchmarks see every assignment pass."""
    alice = {p.stem for p in (ROOT / "submissions" / "alice").iterdir() if p.suffix in (".py", ".ipynb")}
    assert REFERENCE_IDS <= alice, f"add submissions/alice/<id>.py for {sorted(REFERENCE_IDS - alice)}"


@pytest.mark.parametrize("id_", sorted(MODEL_IDS | FUNCTION_IDS))
def test_entry_cites_an_existing_seed(id_):
    entry = catalog()[id_]
    seeds = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seeds")
    assert entry.seed[:4] in {"000_", "001_", "002_", "003_", "004_"}
    if os.path.isdir(seeds):
        assert entry.seed in os.listdir(seeds)
    assert entry.title and entry.where


# --- models -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("id_", sorted(MODEL_IDS))
def test_model_matches_its_figures(id_):
    entry = catalog()[id_]
    model = built(id_)
    assert entry.figures, "every model declares its layer rows"
    assert rows(model) == [(f.cls, f.output_shape, f.params) for f in entry.figures]
    assert model.count_params() == entry.total_params == sum(f.params for f in entry.figures)
    assert tuple(model.inputs[0].shape) == entry.batch_shape
    assert model.inputs[0].dtype == entry.input_dtype
    first = type(model.layers[0]).__name__
    assert (entry.input_dtype == "int32") == (first == "Embedding")


@pytest.mark.parametrize("id_", sorted(MODEL_IDS))
def test_variants_match_their_totals(id_):
    entry = catalog()[id_]
    assert bool(entry.variants) == (id_ in VARIANT_IDS)
    for index, variant in enumerate(entry.variants):
        model = built_variant(id_, index)
        assert model.count_params() == variant.total_params != entry.total_params or id_ == "imdb_cnn_lstm"
        assert variant.note
        assert tuple(model.inputs[0].shape) == entry.batch_shape


def test_gru_figures_are_keras2_and_variants_keras3():
    seed_gru = [r for r in rows(built("jena_conv1d_gru")) if r[0] == "GRU"]
    keras3_gru = [r for r in rows(built_variant("jena_conv1d_gru", 0)) if r[0] == "GRU"]
    assert seed_gru == [("GRU", (None, 32), 6_240)]
    assert keras3_gru == [("GRU", (None, 32), 6_336)]
    note = catalog()["jena_conv1d_gru"].variants[0].note
    assert "6,336" in note and "6,240" in note and "reset_after=True" in note
    for id_ in ("jena_gru", "jena_gru_dropout", "jena_stacked_gru", "jena_bidirectional_gru", "jena_conv1d_gru"):
        for layer in built(id_).layers:
            inner = getattr(layer, "forward_layer", layer)
            if isinstance(inner, keras.layers.GRU):
                assert inner.reset_after is False, id_
        for layer in built_variant(id_, 0).layers:
            inner = getattr(layer, "forward_layer", layer)
            if isinstance(inner, keras.layers.GRU):
                assert inner.reset_after is True, id_


def test_imdb_cnn_lstm_variant_is_seed_004s_separate_activation():
    assert [r[0] for r in rows(built_variant("imdb_cnn_lstm", 0))][-2:] == ["Dense", "Activation"]


def test_stateful_song_models_keep_batch_one():
    for id_ in ("song_stateful_lstm", "song_stateful_lstm_2f"):
        lstm = built(id_).layers[0]
        assert lstm.stateful and catalog()[id_].batch_shape[0] == 1


@pytest.mark.parametrize("id_, figure", SEED_PRINTED)
def test_every_printed_seed_figure_is_in_the_catalog(id_, figure):
    entry = catalog()[id_]
    assert figure == entry.total_params or figure in {f.params for f in entry.figures}


def test_the_briefs_figures_all_appear():
    figures = {a.total_params for a in models()} | {f.params for a in models() for f in a.figures}
    assert set(BRIEF_FIGURES) <= figures


@pytest.mark.parametrize("id_", sorted(MODEL_IDS))
def test_training_declares_the_seed_recipe(id_):
    entry = catalog()[id_]
    if id_ in {"simple_rnn", "simple_rnn_sequences"}:
        assert entry.training is None
        return
    training = entry.training
    assert training is not None and training.dataset in DATASETS
    assert id_.split("_")[0] == training.dataset.split("_")[0] or training.dataset == "song_2f"
    if id_ == "imdb_conv1d":
        assert training.seed_figure is None, "the seed prints no accuracy for the 1D convnet"
    else:
        assert training.seed_figure == pytest.approx(SEED_SCORES[id_])
    assert training.metric == ("mae" if id_.startswith("jena_") else "accuracy")
    full, quick = training.full, training.quick
    # the quick budget is a safety cap: a quick run ends by its epochs (calibration warns when one hits the cap)
    assert quick.time_budget_s <= 300 and quick.epochs <= full.epochs
    assert entry.broken and len({b.name for b in entry.broken}) == len(entry.broken)
    assert quick.optimizer == full.optimizer
    # imdb_conv1d's quick recipe trains its raw (sigmoid-less) output on squared error: with the seed's cross-entropy
    # a short run stays at chance (see its docstring); every other quick recipe keeps the seed's loss
    assert quick.loss == full.loss or (id_ == "imdb_conv1d" and quick.loss == "mse")
    if training.dataset in {"imdb", "reuters"}:
        assert full.data["num_words"] and full.data["maxlen"]
        if entry.batch_shape[1] is not None:
            # quick may cut the texts shorter (a recurrent layer costs per word): the same layers take them
            assert entry.batch_shape[1] == full.data["maxlen"] >= quick.data["maxlen"]


# --- functions ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("id_", sorted(FUNCTION_IDS))
def test_cases_are_plain_picklable_data(id_):
    cases, examples = all_cases(id_)
    assert cases and examples and len(examples) <= 20
    for case in cases + examples:
        assert isinstance(case, Case) and case.label
        pickle.loads(pickle.dumps(case))
    again = catalog()[id_].examples()
    assert pickle.dumps(again) == pickle.dumps(examples), "examples are drawn deterministically"


@pytest.mark.parametrize("id_", sorted(FUNCTION_IDS))
def test_reference_passes_its_own_compare(id_):
    entry = catalog()[id_]
    cases, examples = all_cases(id_)
    for case in cases + examples:
        expected = call(entry, case)
        assert entry.compare(case, expected, call(entry, case)) is None, case.label


def _perturbed(expected):
    """A wrong output: the first element changed (a flipped bit for 0/1 arrays, +0.25 otherwise)."""
    if isinstance(expected, list):  # generator batches: change batch 2's first sample and first target
        wrong = [(np.array(s, copy=True), np.array(t, copy=True)) for s, t in expected]
        wrong[1][0].flat[0] += 0.25
        wrong[1][1].flat[0] += 0.25
        return wrong
    wrong = np.array(expected, copy=True)
    if np.isin(wrong, (0, 1)).all() and wrong.dtype.kind == "f":
        wrong.flat[0] = 1 - wrong.flat[0]
    elif wrong.dtype.kind in "iu":
        wrong.flat[0] += 1
    else:
        wrong.flat[0] += 0.25
    return wrong


def _short(expected):
    if isinstance(expected, list):
        return [(s[:-1], t[:-1]) for s, t in expected]
    return np.asarray(expected)[..., :-1]


@pytest.mark.parametrize("id_", sorted(FUNCTION_IDS))
def test_compare_detects_wrong_values_and_shapes(id_):
    entry = catalog()[id_]
    for case in all_cases(id_)[0]:
        expected = call(entry, case)
        for wrong, word in ((_perturbed(expected), None), (_short(expected), "shape")):
            message = entry.compare(case, expected, wrong)
            assert isinstance(message, str) and message.endswith(".") and "\n" not in message, case.label
            if word:
                assert word in message, (case.label, message)


def test_compare_arrays_names_dtype_and_first_difference():
    from reference._common import compare_arrays

    song = catalog()["song_windows"]
    case = song.cases()[0]
    expected = call(song, case)
    assert "dtype" in song.compare(case, expected, expected.astype(float))
    wrong = expected.copy()
    wrong[3, 2] = 99
    message = song.compare(case, expected, wrong)
    assert "[3, 2]" in message and "expected 1" in message and "got 99" in message
    assert "shape (2, 3)" in compare_arrays(np.zeros((2, 2)), np.zeros((2, 3)))
    assert "None" in compare_arrays(np.zeros(2), None)
    assert compare_arrays(np.zeros(2), ["a", "b"]).endswith(".")


def test_song_windows_reproduces_the_seed_printout():
    from harness.song import SEQ
    from reference.song_windows import seq2dataset

    dataset = seq2dataset(list(SEQ), 4)
    assert dataset.shape == (50, 5) and dataset.dtype.kind == "i"
    assert dataset[:3].tolist() == [[11, 9, 2, 10, 8], [9, 2, 10, 8, 1], [2, 10, 8, 1, 7]]
    assert dataset[-1].tolist() == [11, 11, 9, 9, 2]
    assert int(dataset[:, 4].max()) + 1 == 12, "one_hot_vec_size 12, as the seeds print"


def test_song_features_match_the_seed_and_name_mistakes():
    entry = catalog()["song_features"]
    from reference.song_features import code2features

    assert code2features("g8") == [4 / 6.0, 1] and code2features("e4") == [2 / 6.0, 0]
    case = Case(args=("e4",))
    assert "'4' (quarter note) to 0" in entry.compare(case, np.array([2 / 6, 0.0]), np.array([2 / 6, 1.0]))
    assert "max_scale_value 6.0" in entry.compare(case, np.array([2 / 6, 0.0]), np.array([2.0, 0.0]))


def test_one_hot_words_and_chars_reproduce_the_seed_shapes():
    from reference.one_hot_chars import one_hot_chars
    from reference.one_hot_words import SAMPLES, one_hot_words

    words = one_hot_words(SAMPLES)
    assert words.shape == (2, 10, 11)
    assert words[0, 0, 1] == 1 and words[0, 4, 5] == 1 and words[1, 4, 10] == 1  # 'The' 1, 'the' 5, 'homework.' 10
    chars = one_hot_chars(SAMPLES)
    assert chars.shape == (2, 50, 101) and chars.sum() == len(SAMPLES[0]) + len(SAMPLES[1])
    entry = catalog()["one_hot_words"]
    case = entry.cases()[0]
    message = entry.compare(case, words, words[:, :, 1:])
    assert "starts at 1" in message


def _crc_hashing(samples, dimensionality=1000, max_length=10):
    results = np.zeros((len(samples), max_length, dimensionality))
    for i, sample in enumerate(samples):
        for j, word in list(enumerate(sample.split()))[:max_length]:
            results[i, j, zlib.crc32(word.encode()) % dimensionality] = 1
    return results


def test_one_hot_hashing_compares_properties_not_salted_values():
    entry = catalog()["one_hot_hashing"]
    cases, examples = all_cases("one_hot_hashing")
    for case in cases + examples:
        expected = call(entry, case)
        assert entry.compare(case, expected, _crc_hashing(*case.args, **case.kwargs)) is None, case.label
    case = Case(args=(["the cat the"],), kwargs={"dimensionality": 16, "max_length": 5})
    good = _crc_hashing(*case.args, **case.kwargs)
    inconsistent = good.copy()
    inconsistent[0, 2] = 0
    inconsistent[0, 2, (np.argmax(good[0, 0]) + 1) % 16] = 1
    assert "same word" in entry.compare(case, good, inconsistent)
    past_end = good.copy()
    past_end[0, 4, 3] = 1
    assert "past the end" in entry.compare(case, good, past_end)
    assert "exactly one" in entry.compare(case, good, np.zeros_like(good))
    assert "shape" in entry.compare(case, good, good[:, :3])
    assert "only 0 and 1" in entry.compare(case, good, good * 2)


# --- the numpy recurrent layers equal Keras' -----------------------------------------------------------------------

def _keras_sequences(layer, inputs, weights):
    layer.build((1,) + inputs.shape)
    layer.set_weights([np.asarray(w, dtype="float32") for w in weights])
    return keras.ops.convert_to_numpy(layer(inputs[None].astype("float32")))[0]


@pytest.mark.parametrize("id_", ["rnn_forward", "lstm_forward", "gru_forward"])
def test_numpy_recurrent_layers_equal_keras(id_):
    entry = catalog()[id_]
    cases, examples = all_cases(id_)
    for case in cases + examples[:6]:
        inputs = case.args[0]
        if id_ == "rnn_forward":
            W, U, b = case.args[1:]
            layer = keras.layers.SimpleRNN(W.shape[0], return_sequences=True)
            weights = [W.T, U.T, b]
        elif id_ == "lstm_forward":
            weights = case.args[1:]
            layer = keras.layers.LSTM(weights[1].shape[0], return_sequences=True)
        else:
            weights = case.args[1:]
            layer = keras.layers.GRU(weights[1].shape[0], reset_after=False, return_sequences=True)
        ours = call(entry, case)
        theirs = _keras_sequences(layer, inputs, weights)
        np.testing.assert_allclose(ours, theirs, atol=2e-5, rtol=1e-4, err_msg=case.label)
        assert entry.compare(case, ours, theirs) is None, case.label


def test_gru_compare_names_the_lecture_convention():
    from reference.gru_forward import _gru

    entry = catalog()["gru_forward"]
    for case in entry.cases():
        expected = call(entry, case)
        lecture = _gru(*case.args, lecture=True)
        message = entry.compare(case, expected, lecture)
        assert "lecture" in message and "(1 − z_t)·h_{t−1} + z_t·g_t" in message and "z_t·h_{t−1}" in message
        if len(case.args[0]) > 1:  # with one step h_{t-1} = 0 and the reset gate has nothing to act on
            assert "reset_after=True" in entry.compare(case, expected, _gru(*case.args, reset_after=True))
        assert "only the last state" in entry.compare(case, expected, expected[-1])


def test_lstm_and_rnn_compare_name_known_mistakes():
    from reference.lstm_forward import _lstm
    from reference.rnn_forward import rnn_forward

    lstm = catalog()["lstm_forward"]
    case = lstm.cases()[0]
    expected = call(lstm, case)
    assert "cell states" in lstm.compare(case, expected, _lstm(*case.args, cells=True))
    assert "i, f, o, c" in lstm.compare(case, expected, _lstm(*case.args, order="ifoc"))
    rnn = catalog()["rnn_forward"]
    square = next(c for c in rnn.cases() if "square" in c.label)
    inputs, W, U, b = square.args
    assert "U transposed" in rnn.compare(square, call(rnn, square), rnn_forward(inputs, W, U.T, b))


# --- the generator -------------------------------------------------------------------------------------------------

def test_generator_wraps_around_and_handles_shuffle():
    entry = catalog()["jena_generator"]
    wrap = next(c for c in entry.cases() if "wraps around" in c.label)
    batches = call(entry, wrap)
    data, lookback = wrap.args[0], wrap.args[1]
    np.testing.assert_array_equal(batches[2][0], batches[0][0])  # back to min_index + lookback
    np.testing.assert_array_equal(batches[0][0][0], data[0:lookback:4])
    assert batches[0][1][0] == data[lookback + wrap.args[2]][1]
    assert "yielded 2 batch(es)" in entry.compare(wrap, batches, batches[:2])
    shuffled = next(c for c in entry.cases() if c.kwargs.get("shuffle"))
    expected = call(entry, shuffled)
    other = call(entry, shuffled)  # a different random draw is just as right
    assert entry.compare(shuffled, expected, other) is None
    wrong = [(s.copy(), t.copy()) for s, t in other]
    wrong[0][1][0] += 1.0
    assert "target 0" in entry.compare(shuffled, expected, wrong)
    outside = [(s.copy(), t.copy()) for s, t in other]
    outside[0][0][0] = data[1600 - 240:1600:6]  # the window before row 1600, past max_index 1500
    outside[0][1][0] = data[1600 + 24][1]
    assert "outside the allowed rows" in entry.compare(shuffled, expected, outside)
    assert "shape" in entry.compare(shuffled, expected, [(s[:, :-1], t) for s, t in other])
