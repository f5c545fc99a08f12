# 나비야 - 기본 LSTM 모델 (강좌 002). 학습 데이터는 제너레이터로 넘겨 봄 (fit_generator)
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, LSTM
from keras.utils import np_utils

code2idx = {'c4':0, 'd4':1, 'e4':2, 'f4':3, 'g4':4, 'a4':5, 'b4':6,
            'c8':7, 'd8':8, 'e8':9, 'f8':10, 'g8':11, 'a8':12, 'b8':13}
idx2code = {v: k for k, v in code2idx.items()}

seq = ['g8', 'e8', 'e4', 'f8', 'd8', 'd4', 'c8', 'd8', 'e8', 'f8', 'g8', 'g8', 'g4',
       'g8', 'e8', 'e8', 'e8', 'f8', 'd8', 'd4', 'c8', 'e8', 'g8', 'g8', 'e8', 'e8', 'e4',
       'd8', 'd8', 'd8', 'd8', 'd8', 'e8', 'f4', 'e8', 'e8', 'e8', 'e8', 'e8', 'f8', 'g4',
       'g8', 'e8', 'e4', 'f8', 'd8', 'd4', 'c8', 'e8', 'g8', 'g8', 'e8', 'e8', 'e4']


def seq2dataset(seq, window_size):
    dataset = []
    for i in range(len(seq)-window_size):
        subset = seq[i:(i+window_size+1)]
        dataset.append([code2idx[item] for item in subset])
    return np.array(dataset)


dataset = seq2dataset(seq, window_size=4)
np.random.seed(5)
max_idx_value = 13
train_X = np.reshape(dataset[:, 0:4] / float(max_idx_value), (50, 4, 1))
train_Y = np_utils.to_categorical(dataset[:, 4])
one_hot_vec_size = train_Y.shape[1]


def batches(x, y, batch_size=1):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


model = Sequential()
model.add(LSTM(128, input_shape=(4, 1)))
model.add(Dense(one_hot_vec_size, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])

model.fit_generator(batches(train_X, train_Y), steps_per_epoch=50, epochs=2000, verbose=2,
                    max_queue_size=10, workers=1, use_multiprocessing=False)

scores = model.evaluate(train_X, train_Y)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1]*100))

# 한 스텝 예측 (predict_classes 로 바로 인덱스를 얻음)
seq_out = ['g8', 'e8', 'e4', 'f8']
for idx in model.predict_classes(train_X):
    seq_out.append(idx2code[idx])
print("one step prediction : ", seq_out)
