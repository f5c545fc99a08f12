"""``imdb_reversed_lstm``: IMDB with every review reversed: Embedding(10000, 128) + LSTM(32) + Dense(1, sigmoid).

Seed: ``001_07b7324716c42e53.txt``, 6.3 (DLwP 6.3.8, listing 6-42): ``x_train = [x[::-1] for x in x_train]`` before
padding to maxlen 500. RMSprop, binary cross-entropy, 10 epochs, batch 128, validation_split 0.2; the log ends at
``val_acc: 0.8764``. The seed prints no summary: the figures are the built model's (Embedding 1,280,000 + LSTM
4·(32·(128+32)+32) = 20,608 + Dense 33 = 1,300,641).

Quick recipe: imdb_lstm's (4,000 reviews, 5,000-word vocabulary, RMSprop at 3e-3, batch 64, 2 epochs), each review
reversed and then cut to 100 words: an LSTM costs per timestep, so 100 words instead of 500 buys five times the
reviews per second. Reversed, the cut keeps the review's first 100 words, which says less than its end: measured
in-process (one thread, loaded box) 0.631 / 0.695 / 0.692 (seeds 0-2) in 18-24 s, against 0.526 for the majority.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import IMDB_10K_500, softmax_on_one_unit

DATA = {**IMDB_10K_500, "reverse": True}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((500,), dtype="int32"),
            layers.Embedding(10000, 128),
            layers.LSTM(32),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="imdb_reversed_lstm",
    title="IMDB with reversed reviews: Embedding(128) + LSTM(32) + sigmoid",
    seed="001_07b7324716c42e53.txt",
    where="6.3 순환 신경망의 고급 사용법: 시퀀스를 뒤집습니다 (x[::-1])",
    build=build,
    batch_shape=(None, 500),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 500, 128), 1_280_000),
        LayerFigure("LSTM", (None, 32), 20_608),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=1_300_641,
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=10, batch_size=128,
                    validation_split=0.2, data=dict(DATA), time_budget_s=3600.0),
        quick=Recipe(optimizer="rmsprop", learning_rate=3e-3, loss="binary_crossentropy", epochs=2, batch_size=64,
                     data={**DATA, "num_words": 5000, "maxlen": 100, "train_limit": 4000, "test_limit": 1000},
                     time_budget_s=90.0),
        seed_figure=0.8764,
    ),
)
