"""``simple_rnn_sequences``: Embedding(10000, 32) + SimpleRNN(32, return_sequences=True), the full state sequence.

Seed: ``000_328bd1a058887ce7.txt``, "Keras의 SimpleRNN Layer 사용 – 전체 상태 시퀀스를 반환" (also 001, Deep Learning
with Python 6.2.1). Summary printed there: Embedding (None, None, 32) 320,000, SimpleRNN (None, None, 32) 2,080,
total 322,080: the same parameters as ``simple_rnn``, only the output keeps the time axis. The seed never trains it.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment
from harness.catalog.lazy import keras, layers


def build() -> keras.Model:
    return keras.Sequential(
        [keras.Input((None,), dtype="int32"), layers.Embedding(10000, 32), layers.SimpleRNN(32, return_sequences=True)]
    )


ASSIGNMENT = ModelAssignment(
    id="simple_rnn_sequences",
    title="Embedding + SimpleRNN returning the full state sequence",
    seed="000_328bd1a058887ce7.txt",
    where="SimpleRNN Layer 사용 – 전체 상태 시퀀스를 반환",
    build=build,
    batch_shape=(None, None),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, None, 32), 320_000),
        LayerFigure("SimpleRNN", (None, None, 32), 2_080),
    ),
    total_params=322_080,
)
