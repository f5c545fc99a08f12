# 6.3 스태킹 순환 층 - GRU 두 개 (중간 층은 return_sequences=True)
from tensorflow.keras import layers
from tensorflow.keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(layers.GRU(32,
                         dropout=0.1,
                         recurrent_dropout=0.5,
                         return_sequences=True,
                         input_shape=(None, 14)))
    model.add(layers.GRU(64, activation='relu',
                         dropout=0.1,
                         recurrent_dropout=0.5))
    model.add(layers.Dense(1))
    return model
