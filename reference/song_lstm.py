"""``song_lstm``: the "나비야" song with a stateless LSTM(128) over 4 timesteps of 1 feature + softmax(12).

Seed: ``000_328bd1a058887ce7.txt``, "악보 학습 – 기본 LSTM" (lines 61-70; also ``002_4bf1caa6172d06f5.txt``, "기본 LSTM
모델"): ``LSTM(128, input_shape=(4, 1))``, ``Dense(one_hot_vec_size=12, activation='softmax')``. Inputs: window-4
note indices / 13, reshaped to (50, 4, 1). Adam, categorical cross-entropy, 2000 epochs, batch 14 (000; 002 uses
batch 1); evaluated on the training windows: "acc: 90.00%" (000; 002 prints 92.00%). The seed prints no summary: the
figures are the built model's (LSTM 4·(128·(1+128)+128) = 66,560; Dense 1,548; total 68,108).

Quick recipe: Adam at learning rate 0.01 (ten times Keras' default) for 150 epochs. At the default rate 200 epochs
left the reference at 0.60 on the training windows, too close to broken models; at 0.01 it reaches 0.86-0.88
(seeds 0, 1) while the model with every hidden layer shrunk to one unit stays at 0.34, in ~25 s on one loaded core.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import collapsed_hidden

DATA = {"window_size": 4, "features": "index", "evaluate_on": "train"}


def build() -> keras.Model:
    return keras.Sequential(
        [keras.Input((4, 1)), layers.LSTM(128), layers.Dense(12, activation="softmax")]
    )


ASSIGNMENT = ModelAssignment(
    id="song_lstm",
    title="나비야 song: stateless LSTM(128) on 4 timesteps",
    seed="000_328bd1a058887ce7.txt",
    where="악보 학습 – 기본 LSTM (also 002 기본 LSTM 모델)",
    build=build,
    batch_shape=(None, 4, 1),
    figures=(
        LayerFigure("LSTM", (None, 128), 66_560),
        LayerFigure("Dense", (None, 12), 1_548),
    ),
    total_params=68_108,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="song",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=2000, batch_size=14,
                    data=dict(DATA), time_budget_s=1800.0),
        quick=Recipe(optimizer="adam", learning_rate=0.01, loss="categorical_crossentropy", epochs=150,
                     batch_size=14, data=dict(DATA), time_budget_s=120.0),
        seed_figure=0.90,
    ),
)
