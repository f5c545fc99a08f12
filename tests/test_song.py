"""The "나비야" song module: data exactly as the seeds build it, judging, feedback, MIDI, fast training."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import numpy as np
import pytest

from harness import song

SEEDS = Path(os.environ.get("GRADER_SHARED_SEEDS") or Path(__file__).resolve().parents[1].parent / "shared" / "seeds")


# ------------------------------------------------------------------------------------------- the data


def test_sequence_is_the_seeds_song():
    assert len(song.SEQ) == 54
    assert song.SEQ[:6] == ("g8", "e8", "e4", "f8", "d8", "d4")
    assert [len(line) for line in np.split(np.array(song.SEQ), song.LINE_BREAKS[:-1])] == [13, 14, 14, 13]
    seed = SEEDS / "002_4bf1caa6172d06f5.txt"
    if not seed.is_file():
        pytest.skip(f"seed 002 not found at {seed}")
    text = seed.read_text(encoding="utf-8")
    found = re.search(r"seq = (\[[^\]]*\])", text)
    assert found is not None
    assert tuple(ast.literal_eval(found.group(1))) == song.SEQ
    code2idx = ast.literal_eval(re.search(r"code2idx = (\{[^}]*\})", text).group(1))
    assert code2idx == song.CODE2IDX


def test_windows_match_the_seed_printout():
    data = song.windows()
    assert data.shape == (50, 5)
    # printed in seed 002 under print(dataset)
    assert data[0].tolist() == [11, 9, 2, 10, 8]
    assert data[1].tolist() == [9, 2, 10, 8, 1]
    assert data[2].tolist() == [2, 10, 8, 1, 7]
    assert data[-3].tolist() == [7, 9, 11, 11, 9]
    assert data[-1].tolist() == [11, 11, 9, 9, 2]


def test_song_arrays_like_the_seeds():
    x, y = song.song_arrays("1f", "flat")
    assert x.shape == (50, 4) and y.shape == (50, 12)  # to_categorical: g8 = 11 is the largest label
    np.testing.assert_allclose(x[0], np.array([11, 9, 2, 10]) / 13.0, rtol=1e-6)
    assert y.argmax(1).tolist() == song.windows()[:, 4].tolist()
    x3, _ = song.song_arrays("1f", "sequence")
    assert x3.shape == (50, 4, 1)
    np.testing.assert_array_equal(x3.reshape(50, 4), x)
    x2, y2 = song.song_arrays("2f")
    assert x2.shape == (50, 4, 2)
    np.testing.assert_allclose(x2[0], [[4 / 6, 1], [2 / 6, 1], [2 / 6, 0], [3 / 6, 1]], rtol=1e-6)
    np.testing.assert_array_equal(y2, y)
    assert song.features("c4") == [0.0, 0] and song.features("b8") == [1.0, 1]
    _, idx = song.song_arrays(one_hot_labels=False)
    assert idx.shape == (50,)
    with pytest.raises(ValueError):
        song.song_arrays("2f", "flat")


def test_a_stateless_model_gets_at_most_46_of_50():
    ambiguous = song.ambiguous_windows()
    assert len(ambiguous) == 4  # four 4-note windows recur with a different next note
    assert ambiguous[("f8", "d8", "d4", "c8")] == {"e8": 2, "d8": 1}
    assert all(sum(c.values()) >= 2 for c in ambiguous.values())
    assert song.best_stateless_score() == 46


# ------------------------------------------------------------------------------------------- judging


class _Oracle:
    """Test double: a 'stateful model' that knows the song by position (counts calls since the last reset)."""

    stateful = True
    input_shape = (1, 4, 1)

    def __init__(self):
        self.layers = [self]
        self.pos = 0

    def reset_state(self):
        self.pos = 0

    def __call__(self, x, training=False):
        out = np.zeros((len(x), song.NUM_CLASSES), dtype=np.float32)
        for row in range(len(x)):
            out[row, song.CODE2IDX[song.SEQ[min(self.pos + 4, 53)]]] = 1
            self.pos += 1
        return out


class _Lookup:
    """Test double: a stateless model that answers the most common next note of each 4-note window."""

    input_shape = (None, 4)

    def __init__(self):
        self.layers = []
        self.table = {}
        for i in range(50):
            key = tuple(song.SEQ[i : i + 4])
            self.table.setdefault(key, []).append(song.SEQ[i + 4])

    def __call__(self, x, training=False):
        x = np.asarray(x).reshape(len(x), 4)
        out = np.zeros((len(x), song.NUM_CLASSES), dtype=np.float32)
        for row, w in enumerate(x):
            key = tuple(song.IDX2CODE[round(float(v) * 13)] for v in w)
            nexts = self.table.get(key, ["c4"])
            out[row, song.CODE2IDX[max(set(nexts), key=nexts.count)]] = 1
        return out


def test_one_step_and_full_song_scores():
    oracle = _Oracle()
    assert song.one_step(oracle).correct == 50
    full = song.full_song(oracle)
    assert (full.correct, full.total, full.wrong) == (50, 50, ())
    assert full.notes == song.SEQ
    lookup = _Lookup()
    assert song.one_step(lookup).correct == 46
    assert song.full_song(lookup).correct < 50
    both = song.evaluate_song(oracle)
    assert both.perfect and str(both) == "one_step: 50/50, full_song: 50/50"
    assert not song.evaluate_song(lookup).perfect


def test_render_comparison_marks_the_wrong_notes():
    pred = list(song.SEQ)
    pred[7] = "e8"
    text = song.render_comparison(pred)
    assert "[e8]" in text and "^^" in text
    assert "49/50 notes right, 1 wrong" in text
    perfect = song.render_comparison(song.SEQ)
    assert "[" not in perfect and "^" not in perfect and "50/50 notes right" in perfect
    assert song.score_song(pred, "one_step").wrong == (7,)


def test_midi_round_trip(tmp_path):
    mido = pytest.importorskip("mido")
    path = song.write_midi(song.SEQ, tmp_path / "nabiya.mid")
    notes = song.read_midi_notes(path)
    assert len(notes) == 54
    expected = [(song.PITCH[c[0]], 480 if c[1] == "4" else 240) for c in song.SEQ]
    assert notes == expected
    assert notes[0] == (67, 240)  # g8: G4 eighth note
    mid = mido.MidiFile(str(path))
    assert mid.ticks_per_beat == 480
    assert abs(mid.length - sum(d for _, d in notes) / 480 * 60 / 100) < 1e-6  # 100 bpm
    # unknown codes are rests, not crashes
    song.write_midi(["g8", "?", "e4"], tmp_path / "rest.mid")
    assert song.read_midi_notes(tmp_path / "rest.mid") == [(67, 240), (64, 480)]


# ------------------------------------------------------------------------------------------- Keras models


@pytest.fixture(scope="module")
def keras_mod():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return pytest.importorskip("keras")


def _stateful_lstm(keras, seed=5, units=16):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(batch_shape=(1, 4, 1)), keras.layers.LSTM(units, stateful=True),
                              keras.layers.Dense(12, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def test_reset_states_on_a_keras_model(keras_mod):
    model = _stateful_lstm(keras_mod)
    x, _ = song.song_arrays()
    model(x[:1])
    lstm = song.stateful_layers(model)[0]
    assert any(np.abs(np.asarray(v)).sum() > 0 for v in lstm.states)
    assert song.reset_states(model) == 1
    assert all(np.abs(np.asarray(v)).sum() == 0 for v in lstm.states)
    assert song.full_song(model).total == 50  # runs on a real stateful model (untrained: score irrelevant)


def test_fast_training_is_the_seed_recipe(keras_mod):
    """train_stateful_fast does the same maths as the seed's fit(epochs=1, batch_size=1) + reset loop."""
    keras = keras_mod
    x, y = song.song_arrays()
    seed_model, fast_model = _stateful_lstm(keras), _stateful_lstm(keras)
    fast_model.set_weights(seed_model.get_weights())
    for _ in range(2):
        seed_model.fit(x, y, epochs=1, batch_size=1, verbose=0, shuffle=False)
        song.reset_states(seed_model)
    log = song.train_stateful_fast(fast_model, x, y, 2, jit_compile=False)
    assert log.epochs == 2 and len(log.loss) == 2
    for a, b in zip(seed_model.get_weights(), fast_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_fast_training_stops_when_asked(keras_mod):
    model = _stateful_lstm(keras_mod, units=8)
    x, y = song.song_arrays()
    seen = []
    log = song.train_stateful_fast(model, x, y, 6, check_every=2, check=lambda m: seen.append(1) or len(seen),
                                   until=lambda n: n >= 2)
    assert log.epochs == 4 and log.stopped_early and [e for e, _ in log.checks] == [2, 4]
