"""``jena_conv1d_gru``: Jena with Conv1D(32, 5), MaxPooling1D(3), Conv1D(32, 5), then GRU(32) and Dense(1).

Seed: ``001_07b7324716c42e53.txt``, "6.4 컨브넷을 사용한 시퀀스 처리", second listing ("두개의 Conv1D 층 다음 GRU 층",
DLwP listing 6-48), with its summary: Conv1D (None, None, 32) 2,272 · MaxPooling1D (None, None, 32) 0 · Conv1D
(None, None, 32) 5,152 · GRU (None, 32) 6,240 · Dense (None, 1) 33 · total 13,697. RMSprop, MAE loss, 500 steps per
epoch, 20 epochs; the seed prints no MAE, so ``seed_figure`` is its naive baseline (0.29).

GRU 6,240 = 3·(32·(32+32)+32) is Keras 2's ``reset_after=False``, built here; Keras 3's default ``reset_after=True``
gives 6,336 (total 13,793), accepted as a variant.

Seed typo: ``from keras import layer`` — the module is ``layers`` (the listing uses ``layers.Conv1D``).
"""

from __future__ import annotations

import functools

from harness.catalog import LayerFigure, ModelAssignment, Training
from harness.catalog.lazy import keras, layers
from reference._models import gru_variant, jena_recipes, relu_on_regression


def build(reset_after: bool = False) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((None, 14)),
            layers.Conv1D(32, 5, activation="relu"),
            layers.MaxPooling1D(3),
            layers.Conv1D(32, 5, activation="relu"),
            layers.GRU(32, dropout=0.1, recurrent_dropout=0.5, reset_after=reset_after),
            layers.Dense(1),
        ]
    )


FULL, QUICK = jena_recipes(epochs=20)

ASSIGNMENT = ModelAssignment(
    id="jena_conv1d_gru",
    title="Jena temperature: Conv1D + MaxPooling1D + Conv1D + GRU(32)",
    seed="001_07b7324716c42e53.txt",
    where="6.4 컨브넷을 사용한 시퀀스 처리: 두개의 Conv1D 층 다음 GRU 층 (summary)",
    build=build,
    batch_shape=(None, None, 14),
    figures=(
        LayerFigure("Conv1D", (None, None, 32), 2_272),
        LayerFigure("MaxPooling1D", (None, None, 32), 0),
        LayerFigure("Conv1D", (None, None, 32), 5_152),
        LayerFigure("GRU", (None, 32), 6_240),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=13_697,
    variants=(gru_variant(functools.partial(build, reset_after=True), 6_240, 6_336, 13_793, 32),),
    broken=(relu_on_regression(build),),
    training=Training(dataset="jena", full=FULL, quick=QUICK, seed_figure=0.29, metric="mae"),
)
