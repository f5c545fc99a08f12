# Not hostile: built-in layers the reference does not use (BatchNormalization, AveragePooling1D). The gate must let
# them through; the structure checks fail the model and name the extra layers.
import keras
from keras.layers import AveragePooling1D, BatchNormalization, Embedding, SimpleRNN


def build_model():
    return keras.Sequential([keras.Input((None,), dtype="int32"), Embedding(10000, 32), BatchNormalization(),
                             AveragePooling1D(2), SimpleRNN(32)])
