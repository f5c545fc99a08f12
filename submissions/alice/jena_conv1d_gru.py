# 6.4 CNN과 RNN을 연결하여 긴 시퀀스를 처리하기 (Conv1D 2개 다음 GRU)
# 책 summary: conv1d 2272, conv1d 5152, gru 6240, dense 33 -> Total 13,697
import keras
from keras import layers


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(None, 14)),
        layers.Conv1D(32, 5, activation='relu'),
        layers.MaxPooling1D(3),
        layers.Conv1D(32, 5, activation='relu'),
        layers.GRU(32, dropout=0.1, recurrent_dropout=0.5, reset_after=False),
        layers.Dense(1),
    ])
    return model


if __name__ == '__main__':
    build_model().summary()
