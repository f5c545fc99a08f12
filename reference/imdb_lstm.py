"""``imdb_lstm``: IMDB sentiment with Embedding(10000, 32) + LSTM(32) + Dense(1, sigmoid).

Seed: ``000_328bd1a058887ce7.txt``, "IMDB 데이터셋 적용하기" in the LSTM part (lines 15-22; the same listing is in
001, DLwP 6.2.3). Data and recipe as for the SimpleRNN: max_features 10000, maxlen 500, RMSprop, binary
cross-entropy, 10 epochs, batch 128, validation_split 0.2; the seed reports ``val_acc: 0.8818``. The seed prints no
summary: the figures are the built model's (LSTM 4·(32·(32+32)+32) = 8,320; total 328,353).

Quick recipe: 6,000 reviews cut to their last 100 words with a 5,000-word vocabulary, RMSprop at 1e-3, batch 64, 3
epochs. An LSTM costs per timestep, so 100 words instead of 500 buys five times the reviews per second. A shorter
run (4,000 reviews, 2 epochs at 3e-3) scattered from 0.58 to 0.79 across ten seeds, a bar barely above a constant
output; this one, in-process (one thread, loaded box): 0.797 / 0.808 / 0.788 / 0.735 (seeds 0-3) in 15-18 s (the
seed's 500 words, 4,000 reviews at batch 32: 0.762 in 39 s on two threads).
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
            layers.LSTM(32),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="imdb_lstm",
    title="IMDB sentiment: Embedding + LSTM + sigmoid",
    seed="000_328bd1a058887ce7.txt",
    where="LSTM: IMDB 데이터셋 적용하기 (model.add(LSTM(32)))",
    build=build,
    batch_shape=(None, 500),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 500, 32), 320_000),
        LayerFigure("LSTM", (None, 32), 8_320),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=328_353,
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=10, batch_size=128,
                    validation_split=0.2, data=dict(IMDB_10K_500), time_budget_s=3600.0),
        quick=Recipe(optimizer="rmsprop", learning_rate=1e-3, loss="binary_crossentropy", epochs=3, batch_size=64,
                     data={**IMDB_10K_500, "num_words": 5000, "maxlen": 100, "train_limit": 6000,
                           "test_limit": 1000}, time_budget_s=120.0),
        seed_figure=0.8818,
    ),
)
