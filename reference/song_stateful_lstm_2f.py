"""``song_stateful_lstm_2f``: the "나비야" song with two features per note (scale/6, length) into a stateful LSTM(128).

Seed: ``002_4bf1caa6172d06f5.txt``, "입력 속성이 여러 개인 모델 구성" (also ``003_a1e9efd239b51b49.txt``, "LSTM 7. 모델
구성", and 000 "악보 학습 – 입력 속성이 여러 개인 LSTM"): ``LSTM(128, batch_input_shape=(1, 4, 2), stateful=True)``,
``Dense(12, activation='softmax')``. Features per note: ``code2features`` = [code2scale / 6.0, code2length]; inputs
reshaped to (50, 4, 2). Trained like the one-feature stateful model (2000 × one epoch, batch 1, no shuffle,
``reset_states()``); "acc: 100.00%". The seed prints no summary: the figures are the built model's (LSTM
4·(128·(2+128)+128) = 67,072; Dense 1,548; total 68,620).

Seed typos (000 only; 002 and 003 are right): its two-feature ``seq2dataset`` calls ``code2idx(...)`` as a function
and appends the label inside the inner loop (200 labels for 50 windows); its full-song loop appends
``idx / float(max_idx_value)`` to ``seq_in`` instead of the predicted note's features.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import not_stateful

DATA = {"window_size": 4, "features": "scale_length", "stateful": True, "evaluate_on": "train"}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(batch_shape=(1, 4, 2)),
            layers.LSTM(128, stateful=True),
            layers.Dense(12, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="song_stateful_lstm_2f",
    title="나비야 song: stateful LSTM(128) on two features per note",
    seed="002_4bf1caa6172d06f5.txt",
    where="입력 속성이 여러 개인 모델 구성 (also 003 LSTM, 000 입력 속성이 여러 개인 LSTM)",
    build=build,
    batch_shape=(1, 4, 2),
    figures=(
        LayerFigure("LSTM", (1, 128), 67_072),
        LayerFigure("Dense", (1, 12), 1_548),
    ),
    total_params=68_620,
    broken=(not_stateful(build),),
    training=Training(
        dataset="song_2f",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=2000, batch_size=1,
                    data=dict(DATA), time_budget_s=3600.0),
        # quick: the same loop, at most 400 epochs, stopping at the first epoch after which every window is right
        # (100% train accuracy, the whole song played back): ~100-200 epochs, seconds with the fast trainer
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=400, batch_size=1,
                     data=dict(DATA), time_budget_s=300.0),
        seed_figure=1.00,
    ),
)
