# 6.4 1D 컨브넷 - 기온 예측 (Conv1D 3개 + GlobalMaxPooling1D)
from keras import layers
from keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(layers.Conv1D(32, 5, activation='relu', input_shape=(None, 14)))
    model.add(layers.MaxPooling1D(3))
    model.add(layers.Conv1D(32, 5, activation='relu'))
    model.add(layers.MaxPooling1D(3))
    model.add(layers.Conv1D(32, 5, activation='relu'))
    model.add(layers.GlobalMaxPooling1D())
    model.add(layers.Dense(1))
    return model
