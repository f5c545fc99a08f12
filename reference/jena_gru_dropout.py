"""``jena_gru_dropout``: Jena with GRU(32, dropout=0.2, recurrent_dropout=0.2) + Dense(1).

Seed: ``001_07b7324716c42e53.txt``, 6.3 "순환 드롭아웃" (DLwP listing 6-40); RMSprop, MAE loss, 500 steps per epoch,
40 epochs. Dropout adds no weights, so the figures are ``jena_gru``'s: in the seeds' Keras 2 counting
(``reset_after=False``) GRU 4,512, total 4,545; Keras 3's default ``reset_after=True`` (4,608; total 4,641) is accepted
as a variant. The seed prints no summary and no MAE: ``seed_figure`` is the naive baseline it prints (0.29 MAE).
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
            layers.GRU(32, dropout=0.2, recurrent_dropout=0.2, reset_after=reset_after),
            layers.Dense(1),
        ]
    )


FULL, QUICK = jena_recipes(epochs=40)

ASSIGNMENT = ModelAssignment(
    id="jena_gru_dropout",
    title="Jena temperature: GRU(32) with dropout and recurrent dropout",
    seed="001_07b7324716c42e53.txt",
    where="6.3 순환 신경망의 고급 사용법: 순환 드롭아웃",
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
