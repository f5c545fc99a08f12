# 악보 학습 - 입력 속성이 여러 개인 LSTM (음정, 음길이 2개 속성)
# batch_input_shape 의 마지막 값이 1 -> 2 로 바뀜. Keras 3 라서 Input(batch_shape=...) 사용
import numpy as np
from keras import Input
from keras.layers import LSTM, Dense
from keras.models import Sequential
from keras.utils import to_categorical

from common import code2idx, seq
from song_features import code2features


def seq2dataset(seq, window_size):
    dataset_X = []
    dataset_Y = []
    for i in range(len(seq) - window_size):
        subset = seq[i:(i + window_size + 1)]
        for si in range(len(subset) - 1):
            features = code2features(subset[si])
            dataset_X.append(features)
        dataset_Y.append([code2idx[subset[window_size]]])
    return np.array(dataset_X), np.array(dataset_Y)


x_train, y_train = seq2dataset(seq, window_size=4)
x_train = np.reshape(x_train, (50, 4, 2))
y_train = to_categorical(y_train)
one_hot_vec_size = y_train.shape[1]
print("one hot encoding vector size is ", one_hot_vec_size)


def build_model():
    model = Sequential()
    model.add(Input(batch_shape=(1, 4, 2)))
    model.add(LSTM(128, stateful=True))
    model.add(Dense(one_hot_vec_size, activation='softmax'))
    return model
