# [instructor note] bob mistake: WRONG ACTIVATION, SAME PARAMS - LSTM(100, activation='relu')
# where seed 004 says activation='tanh'. Figures (185,046) match; only a functional check catches it.
from keras.models import Sequential
from keras.layers import Dense, Embedding, LSTM


def build_model():
    model = Sequential()
    model.add(Embedding(1000, 100))
    model.add(LSTM(100, activation='relu'))
    model.add(Dense(46, activation='softmax'))
    return model
