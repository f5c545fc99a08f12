# 6.3 순환 드롭아웃 - GRU(dropout=0.2, recurrent_dropout=0.2)
import keras
from keras import layers


def build_model():
    model = keras.Sequential()
    model.add(keras.Input(shape=(None, 14)))
    model.add(layers.GRU(32, dropout=0.2, recurrent_dropout=0.2))
    model.add(layers.Dense(1))
    return model
