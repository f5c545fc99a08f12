# [instructor note] bob mistake: WRONG POOLING, SAME PARAMS - AveragePooling1D(pool_size=4)
# instead of MaxPooling1D(pool_size=4). Total 558,520 matches; the outputs do not.
from keras.models import Sequential
from keras.layers import Dense, Dropout, Embedding, LSTM
from keras.layers import AveragePooling1D, Conv1D


def build_model():
    model = Sequential()
    model.add(Embedding(5000, 100))
    model.add(Dropout(0.5))
    model.add(Conv1D(64, 5, padding='valid', activation='relu', strides=1))
    model.add(AveragePooling1D(pool_size=4))
    model.add(LSTM(55))
    model.add(Dense(1, activation='sigmoid'))
    return model
