# 6.3 양방향 GRU - 기온 예측
from keras import layers
from keras.models import Sequential


def build_model():
    model = Sequential()
    # 책의 summary 와 맞추려고 reset_after=False (Keras 2 기본값)
    model.add(layers.Bidirectional(layers.GRU(32, reset_after=False), input_shape=(None, 14)))
    model.add(layers.Dense(1))
    return model
