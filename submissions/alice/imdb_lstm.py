# IMDB 데이터셋 적용하기 - LSTM
from keras.layers import LSTM, Dense, Embedding
from keras.models import Sequential

max_features = 10000
maxlen = 500


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 32))
    model.add(LSTM(32))
    model.add(Dense(1, activation='sigmoid'))
    return model
