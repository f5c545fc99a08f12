"""``song_stateful_lstm``: the "나비야" song with a stateful LSTM(128), batch (1, 4, 1), + softmax(12).

Seed: ``000_328bd1a058887ce7.txt``, "악보 학습 - 상태 유지 LSTM 모델" (lines 61-76; also ``002_4bf1caa6172d06f5.txt``,
"상태유지 LSTM 모델"): ``LSTM(128, batch_input_shape=(1, 4, 1), stateful=True)`` (Keras 3:
``keras.Input(batch_shape=(1, 4, 1))``), ``Dense(12, activation='softmax')``. Trained 2000 times for one epoch with
batch 1, ``shuffle=False`` and ``model.reset_states()`` after each epoch; evaluated on the training windows with batch
1: "acc: 100.00%". The seed prints no summary: the figures are the built model's (LSTM 66,560; Dense 1,548; total
68,108, the same weights as the stateless model; only the batch is fixed to 1).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import not_stateful

DATA = {"window_size": 4, "features": "index", "stateful": True, "evaluate_on": "train"}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(batch_shape=(1, 4, 1)),
            layers.LSTM(128, stateful=True),
            layers.Dense(12, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="song_stateful_lstm",
    title="나비야 song: stateful LSTM(128), batch 1",
    seed="000_328bd1a058887ce7.txt",
    where="악보 학습 - 상태 유지 LSTM 모델 (also 002 상태유지 LSTM 모델)",
    build=build,
    batch_shape=(1, 4, 1),
    figures=(
        LayerFigure("LSTM", (1, 128), 66_560),
        LayerFigure("Dense", (1, 12), 1_548),
    ),
    total_params=68_108,
    broken=(not_stateful(build),),
    training=Training(
        dataset="song",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=2000, batch_size=1,
                    data=dict(DATA), time_budget_s=3600.0),
        # quick: the same loop, at most 400 epochs, stopping at the first epoch after which every window is right
        # (100% train accuracy, the whole song played back): ~100-200 epochs, seconds with the fast trainer
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=400, batch_size=1,
                     data=dict(DATA), time_budget_s=300.0),
        seed_figure=1.00,
    ),
)
