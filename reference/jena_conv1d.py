"""``jena_conv1d``: Jena with a pure 1D convnet: three Conv1D(32, 5) with MaxPooling1D(3), global max pooling, Dense(1).

Seed: ``001_07b7324716c42e53.txt``, "6.4 컨브넷을 사용한 시퀀스 처리 – 4. CNN과 RNN을 연결하여 긴 시퀀스를 처리하기",
first listing (DLwP listing 6-47): Conv1D(32, 5, relu, input_shape=(None, 14)), MaxPooling1D(3), Conv1D(32, 5, relu),
MaxPooling1D(3), Conv1D(32, 5, relu), GlobalMaxPooling1D(), Dense(1); RMSprop, MAE loss, 500 steps per epoch, 20
epochs. The seed prints no summary and no MAE: the figures are the built model's (Conv1D 5·14·32+32 = 2,272, then
5·32·32+32 = 5,152 twice; Dense 33; total 12,609); ``seed_figure`` is the naive baseline it prints (0.29 MAE).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Training
from harness.catalog.lazy import keras, layers
from reference._models import jena_recipes, relu_on_regression


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((None, 14)),
            layers.Conv1D(32, 5, activation="relu"),
            layers.MaxPooling1D(3),
            layers.Conv1D(32, 5, activation="relu"),
            layers.MaxPooling1D(3),
            layers.Conv1D(32, 5, activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1),
        ]
    )


FULL, QUICK = jena_recipes(epochs=20)

ASSIGNMENT = ModelAssignment(
    id="jena_conv1d",
    title="Jena temperature: three Conv1D(32, 5) + global max pooling",
    seed="001_07b7324716c42e53.txt",
    where="6.4 컨브넷을 사용한 시퀀스 처리 – 4. CNN과 RNN을 연결하여 긴 시퀀스를 처리하기 (first listing)",
    build=build,
    batch_shape=(None, None, 14),
    figures=(
        LayerFigure("Conv1D", (None, None, 32), 2_272),
        LayerFigure("MaxPooling1D", (None, None, 32), 0),
        LayerFigure("Conv1D", (None, None, 32), 5_152),
        LayerFigure("MaxPooling1D", (None, None, 32), 0),
        LayerFigure("Conv1D", (None, None, 32), 5_152),
        LayerFigure("GlobalMaxPooling1D", (None, 32), 0),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=12_609,
    broken=(relu_on_regression(build),),
    training=Training(dataset="jena", full=FULL, quick=QUICK, seed_figure=0.29, metric="mae"),
)
