"""``song_mlp``: the "나비야" song with an MLP: 4 normalized note indices → Dense(128) → Dense(128) → softmax(12).

Seed: ``002_4bf1caa6172d06f5.txt``, "다층 퍼셉트론 모델" (also ``003_a1e9efd239b51b49.txt``, "MLP 7. 모델 구성"):
``Dense(128, input_dim=4, activation='relu')``, ``Dense(128, activation='relu')``, ``Dense(one_hot_vec_size,
activation='softmax')`` with one_hot_vec_size = 12 (the seed prints "one hot encoding vector size is 12": the labels
go up to index 11, g8). Inputs are the window-4 note indices divided by max_idx_value 13. Adam, categorical
cross-entropy, 2000 epochs, batch 10; evaluated on the training windows: "acc: 92.00%". The seed prints no summary:
the figures are the built model's (640 + 16,512 + 1,548 = 18,700).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import collapsed_hidden

DATA = {"window_size": 4, "features": "index", "evaluate_on": "train"}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(128, activation="relu"),
            layers.Dense(128, activation="relu"),
            layers.Dense(12, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="song_mlp",
    title="나비야 song: MLP on 4 notes, softmax over 12 notes",
    seed="002_4bf1caa6172d06f5.txt",
    where="다층 퍼셉트론 모델 (also 003 MLP 7. 모델 구성)",
    build=build,
    batch_shape=(None, 4),
    figures=(
        LayerFigure("Dense", (None, 128), 640),
        LayerFigure("Dense", (None, 128), 16_512),
        LayerFigure("Dense", (None, 12), 1_548),
    ),
    total_params=18_700,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="song",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=2000, batch_size=10,
                    data=dict(DATA), time_budget_s=900.0),
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=300, batch_size=10,
                     data=dict(DATA), time_budget_s=300.0),
        seed_figure=0.92,
    ),
)
