# The right model, wrapped in Sequential models 8 deep: deeper than any course model needs.
import keras
from keras.layers import Embedding, SimpleRNN


def build_model():
    model = keras.Sequential([keras.Input((None,), dtype="int32"), Embedding(10000, 32), SimpleRNN(32)])
    for _ in range(8):
        model = keras.Sequential([keras.Input((None,), dtype="int32"), model])
    return model
