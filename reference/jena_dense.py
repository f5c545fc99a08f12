"""``jena_dense``: Jena temperature 24 h ahead with a densely connected baseline: Flatten, Dense(32, relu), Dense(1).

Seed: ``001_07b7324716c42e53.txt``, 6.3 "기본적인 머신 러닝 모델 구현" (DLwP listing 6-37):
``layers.Flatten(input_shape=(lookback // step, float_data.shape[-1]))`` = (240, 14), Dense(32, relu), Dense(1);
RMSprop, MAE loss, ``fit_generator(train_gen, steps_per_epoch=500, epochs=20, validation_data=val_gen,
validation_steps=val_steps)``. The seed prints no summary and no MAE for this model: the figures are the built
model's (Dense 240·14·32+32 = 107,552; total 107,585), and ``seed_figure`` is the common-sense baseline the seed
prints, "evaluate_naive_method() → 0.2897359729905486" (0.29), the MAE a model must beat.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Training
from harness.catalog.lazy import keras, layers
from reference._models import jena_recipes, relu_on_regression


def build() -> keras.Model:
    return keras.Sequential(
        [keras.Input((240, 14)), layers.Flatten(), layers.Dense(32, activation="relu"), layers.Dense(1)]
    )


FULL, QUICK = jena_recipes(epochs=20)

ASSIGNMENT = ModelAssignment(
    id="jena_dense",
    title="Jena temperature: Flatten + Dense(32) baseline",
    seed="001_07b7324716c42e53.txt",
    where="6.3 순환 신경망의 고급 사용법: 기본적인 머신 러닝 모델 구현",
    build=build,
    batch_shape=(None, 240, 14),
    figures=(
        LayerFigure("Flatten", (None, 3360), 0),
        LayerFigure("Dense", (None, 32), 107_552),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=107_585,
    broken=(relu_on_regression(build),),
    training=Training(dataset="jena", full=FULL, quick=QUICK, seed_figure=0.29, metric="mae"),
)
