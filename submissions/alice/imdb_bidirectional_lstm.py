# 6.3 양방향 LSTM (IMDB)
import keras
from keras import layers

max_features = 10000


def build_model():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 32)(inputs)
    x = layers.Bidirectional(layers.LSTM(32))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)
