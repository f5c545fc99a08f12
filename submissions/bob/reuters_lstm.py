# [instructor note] bob mistake: WRONG SIGNATURE - build_model requires arguments
# (max_features, embedding_dim); build_model() with no arguments raises TypeError.
from keras.models import Sequential
from keras.layers import Dense, Embedding, LSTM


def build_model(max_features, embedding_dim=128):
    model = Sequential()
    model.add(Embedding(max_features, embedding_dim))
    model.add(LSTM(128))
    model.add(Dense(46, activation='softmax'))
    return model
