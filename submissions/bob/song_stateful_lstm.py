# [instructor note] bob mistake: KERAS 2 API - batch_input_shape=(1, 4, 1) copied from the lecture;
# Keras 3 raises "ValueError: Unrecognized keyword arguments passed to LSTM: {'batch_input_shape': ...}".
# Fix: keras.Input(batch_shape=(1, 4, 1)) as the first layer.
from keras.models import Sequential
from keras.layers import Dense, LSTM

one_hot_vec_size = 12


def build_model():
    model = Sequential()
    model.add(LSTM(128, batch_input_shape=(1, 4, 1), stateful=True))
    model.add(Dense(one_hot_vec_size, activation='softmax'))
    return model
