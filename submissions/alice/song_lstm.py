# 악보 학습 - 기본 LSTM 모델
# 128개 메모리 셀 LSTM 1개 + Dense, 입력은 (타임스텝 4, 속성 1), stateful 아님
import numpy as np
from keras.layers import LSTM, Dense
from keras.models import Sequential
from keras.utils import to_categorical

from common import max_idx_value, seq
from song_windows import seq2dataset

np.random.seed(5)

dataset = seq2dataset(seq, window_size=4)

# 입력(X)과 출력(Y) 변수로 분리하기
x_train = dataset[:, 0:4]
y_train = dataset[:, 4]

# 입력값 정규화 후 (샘플 수, 타임스텝, 특성 수)로 변환
x_train = x_train / float(max_idx_value)
x_train = np.reshape(x_train, (50, 4, 1))

# 라벨값 one-hot 인코딩
y_train = to_categorical(y_train)
one_hot_vec_size = y_train.shape[1]
print("one hot encoding vector size is ", one_hot_vec_size)


def build_model():
    model = Sequential()
    model.add(LSTM(128, input_shape=(4, 1)))
    model.add(Dense(one_hot_vec_size, activation='softmax'))
    return model
