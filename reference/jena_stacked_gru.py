"""``jena_stacked_gru``: Jena with two stacked GRUs: GRU(32, return_sequences) → GRU(64, relu) → Dense(1).

Seed: ``001_07b7324716c42e53.txt``, 6.3 "스태킹 순환 층" (DLwP listing 6-41): ``GRU(32, dropout=0.1,
recurrent_dropout=0.5, return_sequences=True, input_shape=(None, 14))``, ``GRU(64, activation='relu', dropout=0.1,
recurrent_dropout=0.5)``, Dense(1); RMSprop, MAE loss, 500 steps per epoch, 40 epochs. The seed prints no summary and
no MAE: the figures are the built model's in the seeds' Keras 2 counting (``reset_after=False``: 4,512 and
3·(64·(32+64)+64) = 18,624; total 23,201); Keras 3's default ``reset_after=True`` (4,608 + 18,816; total 23,489) is
accepted as a variant. ``seed_figure`` is the naive baseline the seed prints (0.29 MAE).
"""

from __future__ import annotations

import functools

from harness.catalog import LayerFigure, ModelAssignment, Training, Variant
from harness.catalog.lazy import keras, layers
from reference._models import jena_recipes, relu_on_regression


def build(reset_after: bool = False) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((None, 14)),
            layers.GRU(32, dropout=0.1, recurrent_dropout=0.5, return_sequences=True, reset_after=reset_after),
            layers.GRU(64, activation="relu", dropout=0.1, recurrent_dropout=0.5, reset_after=reset_after),
            layers.Dense(1),
        ]
    )


FULL, QUICK = jena_recipes(epochs=40)

ASSIGNMENT = ModelAssignment(
    id="jena_stacked_gru",
    title="Jena temperature: stacked GRU(32) → GRU(64, relu) with recurrent dropout",
    seed="001_07b7324716c42e53.txt",
    where="6.3 순환 신경망의 고급 사용법: 스태킹 순환 층",
    build=build,
    batch_shape=(None, None, 14),
    figures=(
        LayerFigure("GRU", (None, None, 32), 4_512),
        LayerFigure("GRU", (None, 64), 18_624),
        LayerFigure("Dense", (None, 1), 65),
    ),
    total_params=23_201,
    variants=(
        Variant(
            build=functools.partial(build, reset_after=True),
            total_params=23_489,
            note="Keras 3 builds GRU with reset_after=True by default, which gives each gate a second, recurrent "
                 "bias (96 + 192 more weights): 4,608 + 18,816 GRU parameters instead of 4,512 + 18,624, the count "
                 "of Keras 2's reset_after=False (one bias per gate) that the seeds' summaries print. Both are the "
                 "same model.",
        ),
    ),
    broken=(relu_on_regression(build),),
    training=Training(dataset="jena", full=FULL, quick=QUICK, seed_figure=0.29, metric="mae"),
)
