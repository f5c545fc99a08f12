"""``jena_gru``: Jena temperature 24 h ahead with GRU(32) over (None, 14) + Dense(1).

Seed: ``000_328bd1a058887ce7.txt``, "기온 예측 문제 (24시간 후) – GRU를 사용한 모델" (lines 105-114; also 001, 6.3
"순환 신경망 모델", DLwP listing 6-39): ``layers.GRU(32, input_shape=(None, float_data.shape[-1]))``, Dense(1); RMSprop,
MAE loss, 500 steps per epoch, 20 epochs, validation on val_gen. The seed prints no summary and no MAE for this model:
the figures are the built model's in the seeds' Keras 2 counting (``reset_after=False``: 3·(32·(14+32)+32) = 4,512;
total 4,545); Keras 3's default ``reset_after=True`` (4,608; total 4,641) is accepted as a variant. ``seed_figure`` is
the naive baseline the seed prints (0.2897… → 0.29 MAE).
"""

from __future__ import annotations

import functools

from harness.catalog import LayerFigure, ModelAssignment, Training
from harness.catalog.lazy import keras, layers
from reference._models import gru_variant, jena_recipes, relu_on_regression


def build(reset_after: bool = False) -> keras.Model:
    return keras.Sequential(
        [keras.Input((None, 14)), layers.GRU(32, reset_after=reset_after), layers.Dense(1)]
    )


FULL, QUICK = jena_recipes(epochs=20)

ASSIGNMENT = ModelAssignment(
    id="jena_gru",
    title="Jena temperature: GRU(32)",
    seed="000_328bd1a058887ce7.txt",
    where="기온 예측 문제 (24시간 후): GRU를 사용한 모델 (also 001 6.3 순환 신경망 모델)",
    build=build,
    batch_shape=(None, None, 14),
    figures=(
        LayerFigure("GRU", (None, 32), 4_512),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=4_545,
    variants=(gru_variant(functools.partial(build, reset_after=True), 4_512, 4_608, 4_641, 32),),
    broken=(relu_on_regression(build),),
    training=Training(dataset="jena", full=FULL, quick=QUICK, seed_figure=0.29, metric="mae"),
)
