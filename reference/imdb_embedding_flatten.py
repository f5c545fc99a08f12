"""``imdb_embedding_flatten``: IMDB with a learned Embedding(10000, 8) on 20-word reviews, Flatten, Dense(1, sigmoid).

Seed: ``001_07b7324716c42e53.txt``, 6.1 "2. 단어 임베딩 사용하기 – a. Embedding 층을 사용하여 단어 임베딩 학습하기 –
IMDB" (DLwP listing 6-7). max_feature 10000, maxlen 20. Summary printed there: Embedding (None, 20, 8) 80,000 ·
Flatten (None, 160) 0 · Dense (None, 1) 161 · total 80,161.

Recipe: RMSprop, binary cross-entropy, 10 epochs, batch 128, validation_split 0.1; the log ends at
``val_acc: 0.7536``.

Seed inconsistencies: the compile call lists no metrics yet the log prints ``acc`` (DLwP has ``metrics=['acc']``,
kept here); the log's 625 steps per epoch fit 20,000 samples at batch 32, not the listed batch 128 with a 0.1 split.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import softmax_on_one_unit

DATA = {"num_words": 10000, "maxlen": 20}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((20,), dtype="int32"),
            layers.Embedding(10000, 8),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="imdb_embedding_flatten",
    title="IMDB: learned Embedding on 20-word reviews + Flatten + sigmoid",
    seed="001_07b7324716c42e53.txt",
    where="6.1 단어 임베딩 사용하기 – a. Embedding 층 – IMDB (Model: \"sequential\")",
    build=build,
    batch_shape=(None, 20),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 20, 8), 80_000),
        LayerFigure("Flatten", (None, 160), 0),
        LayerFigure("Dense", (None, 1), 161),
    ),
    total_params=80_161,
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=10, batch_size=128,
                    validation_split=0.1, data=dict(DATA), time_budget_s=300.0),
        quick=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=3, batch_size=128,
                     data={**DATA, "train_limit": 10000, "test_limit": 5000}, time_budget_s=300.0),
        seed_figure=0.7536,
    ),
)
