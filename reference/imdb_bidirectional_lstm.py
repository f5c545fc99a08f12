"""``imdb_bidirectional_lstm``: IMDB with Embedding(10000, 32) + Bidirectional(LSTM(32)) + Dense(1, sigmoid).

Seed: ``001_07b7324716c42e53.txt``, 6.3 (DLwP 6.3.8, listing 6-43), right after the reversed-review listing:
``K.clear_session()`` and the same (reversed, maxlen 500) ``x_train``. RMSprop, binary cross-entropy, 10 epochs,
batch 128, validation_split 0.2; the log ends at ``val_acc: 0.8770``. The seed prints no summary: the figures are
the built model's (Bidirectional = two LSTM(32) of 8,320 each = 16,640; Dense on 64 features 65; total 336,705).

Quick recipe: 6,000 reviews, reversed and cut to 100 words, 5,000-word vocabulary, RMSprop at 1e-3, batch 64, 3
epochs. The seed's 500 words at batch 128 left the reference below the majority (2,000 reviews: 0.474). A shorter
run (3,000 reviews, 2 epochs at 3e-3) scattered so far (0.665 ± 0.035 over ten seeds) that a correct model failed
its bar on one fresh seed in ten; this one calibrated at 0.760 ± 0.027 (`grader calibrate`, ten seeds) and passed 9 fresh seeds of 10 (the
tenth: 0.667 against 0.669). A fourth epoch scored on 2,000 test reviews calibrated tighter (0.778 ± 0.015 over
ten seeds, bar 0.727) but failed 2 of the first 6 fresh seeds (0.701, 0.689): a correct run of this model
sometimes learns late, so its spread is wider than ten seeds show. The bar needs more calibration seeds or a
steadier recipe; until then this recipe, the better of the two measured, stays.
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
            layers.Embedding(10000, 32),
            layers.Bidirectional(layers.LSTM(32)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="imdb_bidirectional_lstm",
    title="IMDB: Embedding + Bidirectional LSTM + sigmoid",
    seed="001_07b7324716c42e53.txt",
    where="6.3 순환 신경망의 고급 사용법: layers.Bidirectional(layers.LSTM(32))",
    build=build,
    batch_shape=(None, 500),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 500, 32), 320_000),
        LayerFigure("Bidirectional", (None, 64), 16_640),
        LayerFigure("Dense", (None, 1), 65),
    ),
    total_params=336_705,
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=10, batch_size=128,
                    validation_split=0.2, data=dict(DATA), time_budget_s=3600.0),
        quick=Recipe(optimizer="rmsprop", learning_rate=1e-3, loss="binary_crossentropy", epochs=3, batch_size=64,
                     data={**DATA, "num_words": 5000, "maxlen": 100, "train_limit": 6000, "test_limit": 1000},
                     time_budget_s=180.0),
        seed_figure=0.8770,
    ),
)
