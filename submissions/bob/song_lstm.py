# [instructor note] bob: STRUCTURALLY CORRECT but will MISS THE ACCURACY BAR when trained.
# Same layers, shapes and parameter count (68,108) as the reference, and identical outputs once the
# reference weights are loaded. But every kernel is initialised to zeros "for reproducibility": h_t stays 0,
# so the Dense kernel and all LSTM weights get zero gradient and only the output bias learns. The model
# predicts the most frequent note (~34% accuracy on the song) no matter how long it trains.
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, LSTM

np.random.seed(5)
one_hot_vec_size = 12


def build_model():
    model = Sequential()
    # 돌릴 때마다 결과가 달라서 가중치를 0 으로 고정함 (재현성)
    model.add(LSTM(128, input_shape=(4, 1),
                   kernel_initializer='zeros', recurrent_initializer='zeros'))
    model.add(Dense(one_hot_vec_size, activation='softmax', kernel_initializer='zeros'))
    return model
