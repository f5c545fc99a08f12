"""``reuters_mlp``: Reuters topics with Embedding(1000, 128) on 100 words, Flatten, Dense(256, relu), Dense(46).

Seed: ``000_328bd1a058887ce7.txt``, "MLP를 이용한 로이터 뉴스 카테고리 분류하기" (lines 9-32). max_features 1000,
text_max_words 100, test_split 0.2, one-hot labels; Adam, categorical cross-entropy, 10 epochs, batch 64,
``validation_data=(x_test, y_test)``; "Test Accuracy 0.6759". The seed prints no summary: the figures are the built
model's (Embedding 128,000 · Flatten 12,800 · Dense 3,277,056 · Dense 11,822 · total 3,416,878).

Seed mistake: "Embedding 레이어는 0에서 45의 정수값 (카테고리 종류)으로 지정된 단어를 128벡터로 인코딩" — the
Embedding encodes word indices 0..999 (max_features), not the 46 categories.
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
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dense(46, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="reuters_mlp",
    title="Reuters topics: Embedding + Flatten + Dense(256) + softmax(46)",
    seed="000_328bd1a058887ce7.txt",
    where="MLP를 이용한 로이터 뉴스 카테고리 분류하기: 모델 설정",
    build=build,
    batch_shape=(None, 100),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 100, 128), 128_000),
        LayerFigure("Flatten", (None, 12800), 0),
        LayerFigure("Dense", (None, 256), 3_277_056),
        LayerFigure("Dense", (None, 46), 11_822),
    ),
    total_params=3_416_878,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="reuters",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=10, batch_size=64,
                    data=dict(REUTERS_1K_100), time_budget_s=1800.0),
        # quick: the first 4,000 training wires (the full 8,982 cost ~27 s for +0.06 accuracy)
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=3, batch_size=64,
                     data={**REUTERS_1K_100, "train_limit": 4000}, time_budget_s=300.0),
        seed_figure=0.6759,
    ),
)
