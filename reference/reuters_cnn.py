"""``reuters_cnn``: Reuters topics with Embedding, Dropout, Conv1D(256, 3), GlobalMaxPooling1D, Dense(128), Dense(46).

Seed: ``000_328bd1a058887ce7.txt``, "CNN을 이용한 로이터 뉴스 카테고리 분류하기" (lines 23-30). Data and recipe as in
the MLP section (the seed shows no compile/fit code here): Adam, categorical cross-entropy, 10 epochs, batch 64,
``validation_data=(x_test, y_test)``; "Test Accuracy 0.7493". The seed prints no summary: the figures are the built
model's (Conv1D 3·128·256+256 = 98,560; Dense 32,896; total 265,390).

Seed mistake: "GlobalMaxPooling1D 레이어는 입력되는 128개 벡터 중 가장 큰 벡터 하나를 반환" — it receives 98 vectors
of 256 features and keeps the maximum of each feature, not one whole vector.

Quick recipe: the first 3,000 articles at batch 32 for 3 epochs (the seed's 8,982 at batch 64 took 40 s on two
threads for 0.707). Measured in-process (one thread, heavily loaded box): 0.656 (seed 0) in 31 s; 2,000 articles
gave 0.579, and the one-unit-hidden build 0.212, against 0.362 for the majority topic.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import REUTERS_1K_100, collapsed_hidden


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((100,), dtype="int32"),
            layers.Embedding(1000, 128),
            layers.Dropout(0.2),
            layers.Conv1D(256, 3, padding="valid", activation="relu", strides=1),
            layers.GlobalMaxPooling1D(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(46, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="reuters_cnn",
    title="Reuters topics: Embedding + Conv1D(256, 3) + global max pooling + Dense",
    seed="000_328bd1a058887ce7.txt",
    where="CNN을 이용한 로이터 뉴스 카테고리 분류하기: 모델 설정",
    build=build,
    batch_shape=(None, 100),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 100, 128), 128_000),
        LayerFigure("Dropout", (None, 100, 128), 0),
        LayerFigure("Conv1D", (None, 98, 256), 98_560),
        LayerFigure("GlobalMaxPooling1D", (None, 256), 0),
        LayerFigure("Dense", (None, 128), 32_896),
        LayerFigure("Dropout", (None, 128), 0),
        LayerFigure("Dense", (None, 46), 5_934),
    ),
    total_params=265_390,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="reuters",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=10, batch_size=64,
                    data=dict(REUTERS_1K_100), time_budget_s=1800.0),
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=3, batch_size=32,
                     data={**REUTERS_1K_100, "train_limit": 3000}, time_budget_s=120.0),
        seed_figure=0.7493,
    ),
)
