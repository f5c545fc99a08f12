"""``mnist_cnn``: MNIST digits with Conv2D(32), Conv2D(64), MaxPooling2D, Dropout, Flatten, Dense(128), Dense(10).

Seed: ``004_1b417f4b12444c91.txt``, "컨볼루션 신경망(CNN)" and "맥스 풀링": ``Conv2D(32, kernel_size=(3, 3),
input_shape=(28, 28, 1), activation='relu')``, ``Conv2D(64, (3, 3), activation='relu')``, ``MaxPooling2D(pool_size=2)``,
``Dropout(0.25)``, ``Flatten()``; the head after Flatten is only drawn ("드롭아웃과 플래튼 추가" figure) and is the
textbook's (모두의 딥러닝): ``Dense(128, relu)``, ``Dropout(0.5)``, ``Dense(10, softmax)``. Recipe as for the MLP (Adam,
categorical cross-entropy, epochs 30, batch 200, EarlyStopping patience 10, test set as validation); "테스트 정확도가
99.28%". The seed prints no summary: the figures are the built model's (Conv2D 320 and 18,496; Dense 9216·128+128 =
1,179,776; Dense 1,290; total 1,199,882).

Quick recipe: one epoch over the first 2,500 digits at batch 32 (78 steps) instead of the seed's 30 epochs at
batch 200: the two convolutions dominate the cost, and more small steps learn more per second than a few large
ones (0.87 test accuracy in ~15 s on one loaded core; 4,000 digits at batch 200 gave 0.855 in 24 s).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import collapsed_hidden

DATA = {"channels": 1, "validation": "test", "early_stopping_patience": 10}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="mnist_cnn",
    title="MNIST: two Conv2D + max pooling + dropout + Dense(128) + softmax(10)",
    seed="004_1b417f4b12444c91.txt",
    where="CNN: 컨볼루션 신경망(CNN), 맥스 풀링, 컨볼루션 신경망 실행하기",
    build=build,
    batch_shape=(None, 28, 28, 1),
    figures=(
        LayerFigure("Conv2D", (None, 26, 26, 32), 320),
        LayerFigure("Conv2D", (None, 24, 24, 64), 18_496),
        LayerFigure("MaxPooling2D", (None, 12, 12, 64), 0),
        LayerFigure("Dropout", (None, 12, 12, 64), 0),
        LayerFigure("Flatten", (None, 9216), 0),
        LayerFigure("Dense", (None, 128), 1_179_776),
        LayerFigure("Dropout", (None, 128), 0),
        LayerFigure("Dense", (None, 10), 1_290),
    ),
    total_params=1_199_882,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="mnist",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=30, batch_size=200,
                    data=dict(DATA), time_budget_s=3600.0),
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=1, batch_size=32,
                     data={"channels": 1, "validation": "test", "train_limit": 2500, "test_limit": 1000},
                     time_budget_s=60.0),
        seed_figure=0.9928,
    ),
)
