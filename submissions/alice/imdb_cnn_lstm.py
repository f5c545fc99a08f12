# LSTM과 CNN의 조합을 이용한 영화 리뷰 분류하기 (IMDB)
# 모두의 딥러닝 버전: Dense(1) 다음에 Activation('sigmoid')
from keras.layers import LSTM, Activation, Conv1D, Dense, Dropout, Embedding, MaxPooling1D
from keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(Embedding(5000, 100))
    model.add(Dropout(0.5))
    model.add(Conv1D(64, 5, padding='valid', activation='relu', strides=1))
    model.add(MaxPooling1D(pool_size=4))
    model.add(LSTM(55))
    model.add(Dense(1))
    model.add(Activation('sigmoid'))
    return model


print("imdb_cnn_lstm: model defined")  # Total params: 558,520
