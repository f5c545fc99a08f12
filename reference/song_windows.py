"""``song_windows``: ``seq2dataset(seq, window_size)`` cuts the song into windows of note indices.

Seed: ``000_328bd1a058887ce7.txt``, "악보 학습 - 기본 LSTM" (lines 17-38; the same function is in 002 "데이터셋 생성" and
003 "MLP 4. 데이터셋 생성 함수", which names the table ``note2idx``). For every start ``i`` in
``range(len(seq) - window_size)`` the window ``seq[i:i + window_size + 1]`` becomes a row of ``code2idx`` indices:
``window_size`` inputs and the next note as the label. The seeds print ``(50, 5)`` for the 54-note song with window 4,
starting ``[[11 9 2 10 8] [ 9 2 10 8 1] [ 2 10 8 1 7] ...`` and ending ``[11 11 9 9 2]``.

Graded: the integer array (shape, integer dtype, values). Windows at least as long as the song are not graded (the
seeds' ``np.array([])`` is then a float array of shape (0,)).
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from harness.song import CODE2IDX, SEQ
from reference._common import arg, compare_arrays, draw


def seq2dataset(seq, window_size):
    dataset = []
    for i in range(len(seq) - window_size):
        subset = seq[i:(i + window_size + 1)]
        dataset.append([CODE2IDX[item] for item in subset])
    return np.array(dataset)


def cases() -> list[Case]:
    return [
        Case(args=(list(SEQ), 4), label="the whole song, window 4 (the seeds' (50, 5))"),
        Case(args=(["g8", "e8", "e4", "f8", "d8", "d4"], 4), label="the first two bars, window 4 (2 samples)"),
        Case(args=(list(SEQ), 1), label="the whole song, window 1"),
        Case(args=(list(SEQ), 3), label="the whole song, window 3"),
        Case(args=(list(SEQ), 8), label="the whole song, window 8"),
        Case(args=(list(SEQ[:13]), 12), label="the first line, window 12 (one sample)"),
        Case(args=(list(SEQ), 53), label="the whole song, window 53 (one sample)"),
        Case(args=(["c4", "d4", "e4", "f4", "g4", "a4", "b4", "c8", "d8", "e8", "f8", "g8", "a8", "b8"], 2),
             label="all 14 codes, window 2"),
    ]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    @st.composite
    def song_and_window(draw_):
        seq = draw_(st.lists(st.sampled_from(sorted(CODE2IDX)), min_size=2, max_size=30))
        window = draw_(st.integers(1, min(8, len(seq) - 1)))
        return seq, window

    return [Case(args=(seq, window), label=f"{len(seq)} random notes, window {window}")
            for seq, window in draw(song_and_window(), 15)]


def compare(case: Case, expected, actual) -> str | None:
    window = arg(case, 1, "window_size")
    return compare_arrays(expected, actual, what=f"seq2dataset(..., {window})", kinds="iu")


ASSIGNMENT = FunctionAssignment(
    id="song_windows",
    title="Cut the song into windows of note indices (seq2dataset)",
    seed="000_328bd1a058887ce7.txt",
    where="악보 학습 - 기본 LSTM: 데이터 셋 생성 함수 (also 002 데이터셋 생성, 003 MLP 4.)",
    function="seq2dataset",
    reference=seq2dataset,
    cases=cases,
    examples=examples,
    compare=compare,
)
