"""``reuters_lstm_100``: Reuters topics with Embedding(1000, 100) + LSTM(100, tanh) + Dense(46, softmax).

Seed: ``004_1b417f4b12444c91.txt``, "LSTM을 이용한 로이터 뉴스 카테고리 분류하기" (모델의 설정). num_words 1000,
test_split 0.2, maxlen 100; Adam, categorical cross-entropy, batch 100, 20 epochs,
``validation_data=(x_test, y_test)``; "테스트셋에 대한 정확도가 0.7128". The seed prints no summary: the figures are
the built model's (LSTM 4·(100·(100+100)+100) = 80,400; total 185,046).

Seed mistakes: the accuracy line evaluates ``model.evaluate(X_test, Y_test)`` — the unpadded, not one-hot arrays — it
should be ``x_test, y_test``; the text calls Embedding's second argument "기사당 단어 수" (words per article) and
LSTM's first "기사당 단어 수" too: they are the embedding size and the number of units (100 each here).

Quick recipe: the first 3,000 articles cut to their last 50 words, Adam at 3e-3, batch 32, 2 epochs. An LSTM costs
per timestep, so 50 words instead of 100 buys twice the articles per second, and smaller batches at a higher rate
take enough steps for the LSTM to get past the two big topics; the seed's recipe on 4,000 articles reached 0.471. Measured in-process (one
thread, heavily loaded box): 0.507 (seed 0) in 26 s, against 0.362 for the majority topic.

Judged on the held-out loss as well as the accuracy (``loss_check``): under this budget the one-unit-hidden build
(the known-broken variant) sometimes learns the two or three largest topics and reaches the reference's accuracy
(on fresh seeds 3000-3004: 0.489 against a reference at 0.52 ± 0.017), but its held-out cross-entropy stays that of
a model that knows nothing about the rest (≈ 2.8 against the reference's ≈ 1.9).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import REUTERS_1K_100, collapsed_hidden


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((100,), dtype="int32"),
            layers.Embedding(1000, 100),
            layers.LSTM(100, activation="tanh"),
            layers.Dense(46, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="reuters_lstm_100",
    title="Reuters topics: Embedding(1000, 100) + LSTM(100) + softmax(46)",
    seed="004_1b417f4b12444c91.txt",
    where="LSTM을 이용한 로이터 뉴스 카테고리 분류하기: 모델의 설정",
    build=build,
    batch_shape=(None, 100),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 100, 100), 100_000),
        LayerFigure("LSTM", (None, 100), 80_400),
        LayerFigure("Dense", (None, 46), 4_646),
    ),
    total_params=185_046,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="reuters",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=20, batch_size=100,
                    data=dict(REUTERS_1K_100), time_budget_s=1800.0),
        quick=Recipe(optimizer="adam", learning_rate=3e-3, loss="categorical_crossentropy", epochs=2, batch_size=32,
                     data={**REUTERS_1K_100, "maxlen": 50, "train_limit": 3000}, time_budget_s=150.0),
        seed_figure=0.7128,
        loss_check=True,
    ),
)
