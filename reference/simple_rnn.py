"""``simple_rnn``: Embedding(10000, 32) + SimpleRNN(32), last output only.

Seed: ``000_328bd1a058887ce7.txt``, "Keras의 SimpleRNN Layer 사용 – 마지막 타임스텝의 출력만 얻음"
(also 001, Deep Learning with Python 6.2.1). Summary printed there: Embedding 320,000, SimpleRNN 2,080
(32·(32+32)+32), total 322,080. The seed never trains it (no ``training``).
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment
from harness.catalog.lazy import keras, layers


def build() -> keras.Model:
    return keras.Sequential(
        [keras.Input((None,), dtype="int32"), layers.Embedding(10000, 32), layers.SimpleRNN(32)]
    )


ASSIGNMENT = ModelAssignment(
    id="simple_rnn",
    title="Embedding + SimpleRNN returning the last output",
    seed="000_328bd1a058887ce7.txt",
    where="SimpleRNN Layer 사용 – 마지막 타임스텝의 출력만 얻음",
    build=build,
    batch_shape=(None, None),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, None, 32), 320_000),
        LayerFigure("SimpleRNN", (None, 32), 2_080),
    ),
    total_params=322_080,
)
