"""The "나비야" (Butterfly) song of seeds 000, 002 and 003, and how the trusted side judges a song model.

Everything here is taken from the seeds (김태영's Keras blog post, seed 002, and the lab slides 000/003):

* :data:`SEQ` is the seeds' ``seq`` (54 notes); :data:`CODE2IDX` / :data:`IDX2CODE` their ``code2idx`` /
  ``idx2code`` (seed 003 calls them ``note2idx`` / ``idx2note``); :data:`CODE2SCALE`, :data:`CODE2LENGTH` and
  :func:`features` their ``code2scale``, ``code2length`` and ``code2features``.
* :func:`windows` is ``seq2dataset(seq, window_size=4)`` -> a ``(50, 5)`` int array.
* :func:`song_arrays` builds ``train_X`` / ``train_Y`` exactly as the seeds do: ``dataset[:, :4] / 13.0``
  (``(50, 4)`` for the MLP, ``(50, 4, 1)`` for the LSTMs) or the two features ``(50, 4, 2)``, and
  ``to_categorical`` labels (12 classes: the largest index in the song is ``g8`` = 11).

Judging (after training, on the trusted side): :func:`one_step` (true windows in, 50 notes out) and
:func:`full_song` (the first 4 notes in, then the model's own predictions fed back), both scored note by note
against the real song as ``k/50`` (:class:`SongScore`). :func:`render_comparison` shows the predicted song
under the real one with the wrong notes marked, and :func:`write_midi` writes a MIDI file to listen to.

A stateless model (MLP, plain LSTM) sees only 4 notes, and four 4-note windows of the song recur with a
different next note, so at most 46 of the 50 windows can be right (:func:`best_stateless_score`). Only a
stateful model can play the whole song.
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

# ----------------------------------------------------------------------------------------------- the song

#: "나비야", as in the seeds (four lines of the score: 13 + 14 + 14 + 13 notes).
SEQ: tuple[str, ...] = (
    "g8", "e8", "e4", "f8", "d8", "d4", "c8", "d8", "e8", "f8", "g8", "g8", "g4",
    "g8", "e8", "e8", "e8", "f8", "d8", "d4", "c8", "e8", "g8", "g8", "e8", "e8", "e4",
    "d8", "d8", "d8", "d8", "d8", "e8", "f4", "e8", "e8", "e8", "e8", "e8", "f8", "g4",
    "g8", "e8", "e4", "f8", "d8", "d4", "c8", "e8", "g8", "g8", "e8", "e8", "e4",
)  # fmt: skip

#: Where the score's lines end (13, 14, 14, 13 notes), for rendering.
LINE_BREAKS: tuple[int, ...] = (13, 27, 41, 54)

CODE2IDX: dict[str, int] = {
    "c4": 0, "d4": 1, "e4": 2, "f4": 3, "g4": 4, "a4": 5, "b4": 6,
    "c8": 7, "d8": 8, "e8": 9, "f8": 10, "g8": 11, "a8": 12, "b8": 13,
}  # fmt: skip
IDX2CODE: dict[int, str] = {i: c for c, i in CODE2IDX.items()}
CODE2SCALE: dict[str, int] = {"c": 0, "d": 1, "e": 2, "f": 3, "g": 4, "a": 5, "b": 6}
CODE2LENGTH: dict[str, int] = {"4": 0, "8": 1}

#: The seeds' ``max_idx_value`` (inputs are ``index / 13.0``) and ``max_scale_value``.
MAX_IDX_VALUE = 13
MAX_SCALE_VALUE = 6.0
#: ``to_categorical(train_Y)`` gives 12 columns: the largest label in the song is g8 = 11.
NUM_CLASSES = 12
WINDOW = 4
#: Number of predictions per song: 54 notes - 4 given.
PRED_COUNT = len(SEQ) - WINDOW

# Backwards-friendly lower-case aliases, spelled as in the seeds.
seq = list(SEQ)
code2idx = CODE2IDX
idx2code = IDX2CODE
code2scale = CODE2SCALE
code2length = CODE2LENGTH
max_idx_value = MAX_IDX_VALUE
max_scale_value = MAX_SCALE_VALUE


def features(code: str) -> list[float]:
    """The seeds' ``code2features``: ``[scale / 6.0, length]`` with length 0 for a quarter, 1 for an eighth."""
    return [CODE2SCALE[code[0]] / float(MAX_SCALE_VALUE), CODE2LENGTH[code[1]]]


code2features = features


def windows(notes: Sequence[str] = SEQ, window_size: int = WINDOW) -> np.ndarray:
    """The seeds' ``seq2dataset``: each row is ``window_size`` note indices followed by the next one."""
    rows = [[CODE2IDX[c] for c in notes[i : i + window_size + 1]] for i in range(len(notes) - window_size)]
    return np.array(rows, dtype=np.int64).reshape(-1, window_size + 1)


seq2dataset = windows


def one_hot(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """``to_categorical`` without importing Keras (float32, like ``keras.utils.to_categorical``)."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    out = np.zeros((labels.size, num_classes), dtype=np.float32)
    out[np.arange(labels.size), labels] = 1.0
    return out


def encode_inputs(codes: Sequence[str], kind: str = "1f") -> np.ndarray:
    """Encode notes as the model's per-step inputs: ``(n, 1)`` index/13 (``1f``) or ``(n, 2)`` features (``2f``)."""
    if kind == "1f":
        return np.array([[CODE2IDX[c] / float(MAX_IDX_VALUE)] for c in codes], dtype=np.float32).reshape(-1, 1)
    if kind == "2f":
        return np.array([features(c) for c in codes], dtype=np.float32).reshape(-1, 2)
    raise ValueError(f"kind must be '1f' or '2f', not {kind!r}")


def song_arrays(kind: str = "1f", layout: str = "sequence", one_hot_labels: bool = True,
                notes: Sequence[str] = SEQ) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` as the seeds build them.

    ``kind="1f"``: ``x = dataset[:, :4] / 13.0``; ``layout="flat"`` keeps ``(50, 4)`` (MLP),
    ``layout="sequence"`` reshapes to ``(50, 4, 1)`` (LSTM). ``kind="2f"``: the two features ``(50, 4, 2)``
    (``layout`` must be ``sequence``). ``y`` is one-hot ``(50, 12)`` or the indices ``(50,)``.
    """
    data = windows(notes)
    labels = data[:, WINDOW]
    if kind == "1f":
        x = (data[:, :WINDOW] / float(MAX_IDX_VALUE)).astype(np.float32)
        if layout == "sequence":
            x = x.reshape(len(data), WINDOW, 1)
        elif layout != "flat":
            raise ValueError(f"layout must be 'flat' or 'sequence', not {layout!r}")
    elif kind == "2f":
        if layout != "sequence":
            raise ValueError("the two-feature song only has the 'sequence' layout (50, 4, 2)")
        x = np.stack([encode_inputs(notes[i : i + WINDOW], "2f") for i in range(len(data))])
    else:
        raise ValueError(f"kind must be '1f' or '2f', not {kind!r}")
    y = one_hot(labels) if one_hot_labels else labels.astype(np.int64)
    return x, y


# ----------------------------------------------------------------------------------------------- facts


def ambiguous_windows(notes: Sequence[str] = SEQ, window_size: int = WINDOW) -> dict[tuple[str, ...], Counter]:
    """4-note windows that occur more than once with different next notes -> Counter of those next notes."""
    nexts: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for i in range(len(notes) - window_size):
        nexts[tuple(notes[i : i + window_size])][notes[i + window_size]] += 1
    return {w: c for w, c in nexts.items() if len(c) > 1}


def best_stateless_score(notes: Sequence[str] = SEQ, window_size: int = WINDOW) -> int:
    """The most windows a model that sees only the current 4 notes can get right (46 of 50 for 나비야)."""
    nexts: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for i in range(len(notes) - window_size):
        nexts[tuple(notes[i : i + window_size])][notes[i + window_size]] += 1
    return sum(c.most_common(1)[0][1] for c in nexts.values())


# ----------------------------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class SongScore:
    """A predicted song (the 4 given notes + 50 predictions) against the real one."""

    mode: str  # "one_step" or "full_song"
    notes: tuple[str, ...]
    correct: int
    total: int = PRED_COUNT
    #: Indices (into the 54-note song) of the wrong notes.
    wrong: tuple[int, ...] = field(default=())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total

    def __str__(self) -> str:
        return f"{self.mode}: {self.correct}/{self.total}"


def score_song(notes: Sequence[str], mode: str = "full_song", real: Sequence[str] = SEQ) -> SongScore:
    """Compare notes ``4..53`` of ``notes`` with the real song; the first 4 are given, not scored."""
    notes = tuple(notes)
    if len(notes) != len(real):
        raise ValueError(f"expected {len(real)} notes (4 given + {len(real) - WINDOW} predicted), got {len(notes)}")
    wrong = tuple(i for i in range(WINDOW, len(real)) if notes[i] != real[i])
    return SongScore(mode=mode, notes=notes, correct=len(real) - WINDOW - len(wrong), total=len(real) - WINDOW,
                     wrong=wrong)


# ``stateful_layers``/``reset_states`` (Keras 3 has no ``model.reset_states()``) and the fast trainer are one
# implementation, shared with the sandboxed child that trains the students' song models
# (harness/sandbox/jail/training_task.py imports nothing from the harness, so they live there).
from harness.sandbox.jail.training_task import (  # noqa: E402, F401 - re-exported
    TrainLog,
    reset_states,
    stateful_layers,
    train_stateful_fast,
)


def _input_rank(model: Any) -> int:
    shape = model.inputs[0].shape if getattr(model, "inputs", None) else model.input_shape
    return len(shape)


def _shape_for(model: Any, window_inputs: np.ndarray) -> np.ndarray:
    """Reshape ``(n, 4, f)`` windows to the model's input: ``(n, 4*f)`` for a flat MLP, else unchanged."""
    if _input_rank(model) == 2:
        return window_inputs.reshape(window_inputs.shape[0], -1)
    return window_inputs


_COMPILED: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _compiled_call(model: Any) -> Callable[[Any], Any]:
    """``model(x, training=False)`` wrapped in a ``tf.function`` (about 25x faster than eager for these
    batch-1 calls: 0.5 ms instead of 11 ms), one per model; anything that is not a Keras layer/model (test
    doubles) or another backend is called as it is."""
    try:
        return _COMPILED[model]
    except (KeyError, TypeError):
        pass
    try:
        import keras
        import tensorflow as tf
    except ImportError:  # pragma: no cover
        return lambda a: model(a, training=False)
    if keras.backend.backend() != "tensorflow" or not isinstance(model, keras.layers.Layer):
        return lambda a: model(a, training=False)
    ref = weakref.ref(model)  # the cached function must not keep its (weakly keyed) model alive
    fn = tf.function(lambda a: cast(Any, ref())(a, training=False), reduce_retracing=True)
    try:
        _COMPILED[model] = fn
    except TypeError:  # pragma: no cover - unhashable model
        pass
    return fn


def _predict_idx(model: Any, x: np.ndarray) -> np.ndarray:
    out = _compiled_call(model)(np.asarray(x, dtype=np.float32))
    return np.argmax(np.asarray(out), axis=-1).reshape(-1)


def one_step(model: Any, kind: str = "1f", stateful: bool | None = None) -> SongScore:
    """The seeds' "한 스텝 예측": every true window in turn, the predicted next notes scored against the song.

    Stateful models are reset first and fed the 50 windows one at a time in order (``predict(train_X,
    batch_size=1)`` in the seeds); stateless models get all windows in one batch.
    """
    stateful = bool(stateful_layers(model)) if stateful is None else stateful
    x = _shape_for(model, np.stack([encode_inputs(SEQ[i : i + WINDOW], kind) for i in range(PRED_COUNT)]))
    if stateful:
        reset_states(model)
        idx = np.concatenate([_predict_idx(model, x[i : i + 1]) for i in range(len(x))])
        reset_states(model)
    else:
        idx = _predict_idx(model, x)
    notes = list(SEQ[:WINDOW]) + [IDX2CODE.get(int(i), "?") for i in idx]
    return score_song(notes, "one_step")


def full_song(model: Any, stateful: bool | None = None, kind: str = "1f",
              start: Sequence[str] = SEQ[:WINDOW]) -> SongScore:
    """The seeds' "곡 전체 예측": the first 4 notes in, then the model's own predictions fed back.

    Stateful models are reset first (then their state carries from one call to the next, as in the seeds)
    and reset again at the end.
    """
    stateful = bool(stateful_layers(model)) if stateful is None else stateful
    if stateful:
        reset_states(model)
    notes = list(start)
    for _ in range(PRED_COUNT):
        window = encode_inputs(notes[-WINDOW:], kind)[None]
        idx = int(_predict_idx(model, _shape_for(model, window))[0])
        notes.append(IDX2CODE.get(idx, "?"))
    if stateful:
        reset_states(model)
    return score_song(notes, "full_song")


@dataclass(frozen=True)
class SongEval:
    """Both judgements of a trained song model."""

    one_step: SongScore
    full_song: SongScore

    @property
    def perfect(self) -> bool:
        """Every window right (100% train accuracy) and the whole song played back from its first 4 notes."""
        return self.one_step.correct == self.one_step.total and self.full_song.correct == self.full_song.total

    def __str__(self) -> str:
        return f"{self.one_step}, {self.full_song}"


def evaluate_song(model: Any, kind: str = "1f", stateful: bool | None = None) -> SongEval:
    """:func:`one_step` and :func:`full_song` (states reset around each)."""
    return SongEval(one_step(model, kind, stateful), full_song(model, stateful, kind))


# ----------------------------------------------------------------------------------------------- feedback


def render_comparison(pred: Sequence[str], real: Sequence[str] = SEQ, width: int = 4) -> str:
    """The predicted song under the real one, line by line as in the score; wrong notes are in ``[brackets]``
    and marked with ``^`` underneath. The first 4 notes are the given ones (shown in ``( )`` on the first line).

    Example::

        real  g8  e8  e4  f8  d8  d4  c8  d8 ...
        pred (g8)(e8)(e4)(f8) d8  d4  c8 [e8]...
                                          ^^
    """
    pred = list(pred)
    n = len(real)
    if len(pred) < n:
        pred = pred + ["--"] * (n - len(pred))
    cell = max(width, max(len(c) for c in list(real) + pred[:n]) + 2)
    lines = []
    start = 0
    wrong = 0
    for end in LINE_BREAKS if n == len(SEQ) else range(13, n + 13, 13):
        end = min(end, n)
        if start >= end:
            break
        r_row, p_row, m_row = [], [], []
        for i in range(start, end):
            r_row.append(f" {real[i]}".ljust(cell))
            if i < WINDOW:
                p_row.append(f"({pred[i]})".ljust(cell))
                m_row.append(" " * cell)
            elif pred[i] == real[i]:
                p_row.append(f" {pred[i]}".ljust(cell))
                m_row.append(" " * cell)
            else:
                wrong += 1
                p_row.append(f"[{pred[i]}]".ljust(cell))
                m_row.append((" " + "^" * len(pred[i])).ljust(cell))
        lines.append("real " + "".join(r_row).rstrip())
        lines.append("pred " + "".join(p_row).rstrip())
        if any(m.strip() for m in m_row):
            lines.append("     " + "".join(m_row).rstrip())
        lines.append("")
        start = end
    total = n - WINDOW
    lines.append(f"{total - wrong}/{total} notes right" + ("" if not wrong else f", {wrong} wrong (marked [ ] ^)"))
    return "\n".join(lines)


#: MIDI pitches of octave 4 (middle C = 60), the octave the song is written in.
PITCH: dict[str, int] = {"c": 60, "d": 62, "e": 64, "f": 65, "g": 67, "a": 69, "b": 71}
#: Ticks per quarter note in the files written by :func:`write_midi`.
TICKS_PER_BEAT = 480


def note_duration_ticks(code: str, ticks_per_beat: int = TICKS_PER_BEAT) -> int:
    """``4`` is a quarter (one beat), ``8`` an eighth (half a beat)."""
    return ticks_per_beat * 4 // int(code[1:])


def write_midi(notes: Iterable[str], path: str | Path, tempo_bpm: float = 100.0, program: int = 0,
               velocity: int = 80) -> Path:
    """Write the notes (``"g8"``, ``"e4"`` ...) as a one-track MIDI file (piano by default) to listen to.

    Pitches: c d e f g a b in octave 4 (C4 = MIDI 60); ``4`` = quarter note, ``8`` = eighth note. Unknown
    codes (``"?"``, ``"--"``) become rests of an eighth.
    """
    import mido

    path = Path(path)
    mid = mido.MidiFile(ticks_per_beat=TICKS_PER_BEAT)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("track_name", name="Nabiya", time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=2, denominator=4, time=0))
    track.append(mido.Message("program_change", program=program, channel=0, time=0))
    rest = 0
    for code in notes:
        if len(code) == 2 and code[0] in PITCH and code[1] in "48":
            dur = note_duration_ticks(code)
            pitch = PITCH[code[0]]
            track.append(mido.Message("note_on", note=pitch, velocity=velocity, channel=0, time=rest))
            track.append(mido.Message("note_off", note=pitch, velocity=0, channel=0, time=dur))
            rest = 0
        else:
            rest += TICKS_PER_BEAT // 2
    track.append(mido.MetaMessage("end_of_track", time=rest))
    path.parent.mkdir(parents=True, exist_ok=True)
    mid.save(str(path))
    return path


def read_midi_notes(path: str | Path) -> list[tuple[int, int]]:
    """``(pitch, duration_ticks)`` of each note in a file written by :func:`write_midi` (for tests/feedback)."""
    import mido

    mid = mido.MidiFile(str(path))
    out: list[tuple[int, int]] = []
    now = 0
    started: dict[int, int] = {}
    for msg in mid.tracks[0]:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            started[msg.note] = now
        elif msg.type in ("note_off", "note_on") and msg.note in started:
            out.append((msg.note, now - started.pop(msg.note)))
    return out


# ----------------------------------------------------------------------------------------------- training


# :func:`train_stateful_fast` (imported above from harness/sandbox/jail/training_task.py) trains a batch-1 stateful
# model like the seeds' loop, many epochs per XLA-compiled graph call.
#
# Measured with ``benchmarks/bench_song_train.py`` (2 CPU cores shared with other jobs, TF 2.21 / Keras
# 3.15, seed 002's LSTM(128, stateful) + Dense(12), adam, same initial weights for both):
#
# * the seed's loop (``fit(epochs=1)`` + reset, 2000 times): 121-228 ms per epoch depending on machine load,
#   i.e. ~4-7.5 min for its 2000 epochs; it is perfect (one-step and full song 50/50) after 175-225 epochs,
#   36-61 s of training (seeds 1-3, 5);
# * this function: first graph call 1.7-5.4 s (tracing + XLA compilation), then 7-20 ms per epoch; perfect
#   after 175-225 epochs in 3.3-7.0 s, checks every 25 epochs included: 5.5-18x less time to a perfect song
#   than the seed's loop, and 40-125x less than the seed's 2000 epochs;
# * ``jit_compile=False``: ~43-76 ms per epoch and exactly the seed loop's trajectory (same scores at every
#   check); XLA's fused arithmetic differs in the last bits, so its trajectory differs, not its speed of
#   learning.
