"""``imdb_cnn_lstm``: IMDB sentiment with Embedding(5000, 100), Dropout, Conv1D(64, 5), MaxPooling1D(4), LSTM(55).

Seed: ``000_328bd1a058887ce7.txt``, "LSTM과 CNN의 조합을 이용한 영화 리뷰 분류하기 (IMDB)" (모델 설정, lines 17-23, and
the printed summary); the same model is in ``004_1b417f4b12444c91.txt`` ("LSTM과 CNN의 조합을 이용한 영화 리뷰
분류하기"), which spells the output as ``Dense(1)`` + ``Activation('sigmoid')`` (accepted as a variant).

Summary printed in both seeds: Embedding (None, None, 100) 500,000 · Dropout 0 · Conv1D (None, None, 64) 32,064 ·
MaxPooling1D 0 · LSTM (None, 55) 26,400 · Dense (None, 1) 56 (004 adds Activation 0) · total 558,520. The summary
shows ``None`` timesteps (no input_length), so the model is built on (None, None) although the data is padded to 100.

Recipe (000, lines 13-31): ``imdb.load_data(num_words=5000)``, maxlen 100, Adam, binary cross-entropy, 5 epochs,
batch 100, ``validation_data=(x_test, y_test)``; "Test Accuracy 0.8532".

Seed typos: 000 seeds with ``tf.set_random_seed`` (TensorFlow 1; today ``tf.random.set_seed``); 004 pads
``X_train``/``X_test`` although it loaded ``x_train``/``x_test`` (NameError as printed).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training, Variant
from harness.catalog.lazy import keras, layers
from reference._models import softmax_on_one_unit

DATA = {"num_words": 5000, "maxlen": 100, "validation": "test"}


def _layers(separate_activation: bool) -> list:
    head = [layers.Dense(1), layers.Activation("sigmoid")] if separate_activation else [
        layers.Dense(1, activation="sigmoid")]
    return [
        keras.Input((None,), dtype="int32"),
        layers.Embedding(5000, 100),
        layers.Dropout(0.5),
        layers.Conv1D(64, 5, padding="valid", activation="relu", strides=1),
        layers.MaxPooling1D(pool_size=4),
        layers.LSTM(55),
        *head,
    ]


def build() -> keras.Model:
    return keras.Sequential(_layers(separate_activation=False))


def build_004() -> keras.Model:
    """Seed 004's spelling: Dense(1) followed by Activation('sigmoid')."""
    return keras.Sequential(_layers(separate_activation=True))


ASSIGNMENT = ModelAssignment(
    id="imdb_cnn_lstm",
    title="IMDB sentiment: Embedding + Conv1D + MaxPooling1D + LSTM",
    seed="000_328bd1a058887ce7.txt",
    where="LSTM과 CNN의 조합을 이용한 영화 리뷰 분류하기 (IMDB): 모델 설정 (also 004)",
    build=build,
    batch_shape=(None, None),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, None, 100), 500_000),
        LayerFigure("Dropout", (None, None, 100), 0),
        LayerFigure("Conv1D", (None, None, 64), 32_064),
        LayerFigure("MaxPooling1D", (None, None, 64), 0),
        LayerFigure("LSTM", (None, 55), 26_400),
        LayerFigure("Dense", (None, 1), 56),
    ),
    total_params=558_520,
    variants=(
        Variant(build=build_004, total_params=558_520,
                note="Seed 004 writes the output as Dense(1) followed by Activation('sigmoid'); "
                     "that is the same model as Dense(1, activation='sigmoid') (seed 000), 558,520 parameters."),
    ),
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="adam", loss="binary_crossentropy", epochs=5, batch_size=100,
                    data=dict(DATA), time_budget_s=3600.0),
        quick=Recipe(optimizer="adam", loss="binary_crossentropy", epochs=2, batch_size=100,
                     data={**DATA, "train_limit": 4000, "test_limit": 2000}, time_budget_s=300.0),
        seed_figure=0.8532,
    ),
)
