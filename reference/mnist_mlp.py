"""``mnist_mlp``: MNIST digits with Dense(512, relu) on 784 pixels + Dense(10, softmax).

Seed: ``004_1b417f4b12444c91.txt``, "딥러닝 기본 프레임 만들기": images reshaped to 784 and divided by 255, labels
one-hot (10); Adam, categorical cross-entropy, accuracy; ModelCheckpoint + EarlyStopping(monitor='val_loss',
patience=10). "20번째 실행에서 멈춘 것 ... 베스트 모델은 10번째 에포크 ... 테스트셋에 대한 정확도는 98.21%". The seed
shows no ``fit`` call; epochs 30, batch 200 and ``validation_data=(X_test, Y_test)`` are the textbook listing it
follows (모두의 딥러닝), consistent with the early stop at epoch 20. The seed prints no summary: the figures are the
built model's (Dense 784·512+512 = 401,920; Dense 5,130; total 407,050).

Seed mistake: the one-hot examples are wrong: class 5 is ``[0,0,0,0,0,1,0,0,0,0]`` (1 at index 5; the seed shows
index 4) and class 3 is ``[0,0,0,1,0,0,0,0,0,0]`` (the seed shows index 2).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import collapsed_hidden

DATA = {"flatten": True, "validation": "test", "early_stopping_patience": 10}


def build() -> keras.Model:
    return keras.Sequential(
        [keras.Input((784,)), layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")]
    )


ASSIGNMENT = ModelAssignment(
    id="mnist_mlp",
    title="MNIST: Dense(512, relu) + softmax(10) on flattened pixels",
    seed="004_1b417f4b12444c91.txt",
    where="CNN: 딥러닝 기본 프레임 만들기",
    build=build,
    batch_shape=(None, 784),
    figures=(
        LayerFigure("Dense", (None, 512), 401_920),
        LayerFigure("Dense", (None, 10), 5_130),
    ),
    total_params=407_050,
    broken=(collapsed_hidden(build),),
    training=Training(
        dataset="mnist",
        full=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=30, batch_size=200,
                    data=dict(DATA), time_budget_s=1800.0),
        quick=Recipe(optimizer="adam", loss="categorical_crossentropy", epochs=3, batch_size=200,
                     data={"flatten": True, "validation": "test", "train_limit": 10000, "test_limit": 2000},
                     time_budget_s=300.0),
        seed_figure=0.9821,
    ),
)
