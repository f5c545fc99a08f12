"""``imdb_simple_rnn``: IMDB sentiment with Embedding(10000, 32) + SimpleRNN(32) + Dense(1, sigmoid).

Seed: ``000_328bd1a058887ce7.txt``, "IMDB 데이터셋 적용하기" (lines 15-21; the same listing is in 001, DLwP 6.2.1).
max_features 10000, maxlen 500, RMSprop, binary cross-entropy, 10 epochs, batch 128, validation_split 0.2; the
seed reports ``val_acc: 0.8300`` after the tenth epoch. The seed prints no summary: the figures below are the
built model's (Embedding 320,000 + SimpleRNN 2,080 + Dense 33 = 322,113).

Seed typo: the comment on ``maxlen = 500`` says "500개의 훈련데이터만 사용" (use only 500 training samples); maxlen
is the length every review is padded or cut to, not a number of samples.

Quick recipe: 6,000 reviews cut to their last 100 words with a 2,000-word vocabulary, RMSprop at 1e-3, batch 32,
4 epochs. The seed's 500 words through a SimpleRNN (vanishing gradients, cost per timestep) left short runs at
chance (5,000 reviews at batch 32: 0.55 in 35 s); a small vocabulary gets each embedding row enough updates. A
shorter run (3,000 reviews, 2 epochs at 3e-3) scattered from 0.55 to 0.73 across seeds, so its bar fell below
what a constant output scores; this one, in-process (one thread, loaded box): 0.794 / 0.766 / 0.731 / 0.818 /
0.721 (seeds 0-4) in 18-37 s.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import IMDB_10K_500, softmax_on_one_unit


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((500,), dtype="int32"),
            layers.Embedding(10000, 32),
            layers.SimpleRNN(32),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="imdb_simple_rnn",
    title="IMDB sentiment: Embedding + SimpleRNN + sigmoid",
    seed="000_328bd1a058887ce7.txt",
    where="IMDB 데이터셋 적용하기 (신경망 설계, 컴파일, 학습하기)",
    build=build,
    batch_shape=(None, 500),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 500, 32), 320_000),
        LayerFigure("SimpleRNN", (None, 32), 2_080),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=322_113,
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=10, batch_size=128,
                    validation_split=0.2, data=dict(IMDB_10K_500), time_budget_s=3600.0),
        quick=Recipe(optimizer="rmsprop", learning_rate=1e-3, loss="binary_crossentropy", epochs=4, batch_size=32,
                     data={**IMDB_10K_500, "num_words": 2000, "maxlen": 100, "train_limit": 6000,
                           "test_limit": 1000}, time_budget_s=150.0),
        seed_figure=0.83,
    ),
)
