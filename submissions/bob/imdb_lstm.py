# [instructor note] bob mistake: WRONG SIZE - LSTM(64) where the seed has LSTM(32).
# Parameter count differs (LSTM 24,832 instead of 8,320; total 344,897 instead of 328,353).
from keras.models import Sequential
from keras.layers import Dense, Embedding, LSTM

max_features = 10000


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 32))
    model.add(LSTM(64))  # 더 크면 더 잘 되겠지?
    model.add(Dense(1, activation='sigmoid'))
    return model
