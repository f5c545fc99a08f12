"""악보 학습 - 상태유지(stateful) LSTM 모델

강의 코드는 LSTM(128, batch_input_shape=(1, 4, 1), stateful=True) 인데
Keras 3 에서는 batch_input_shape 인자가 없어져서 keras.Input(batch_shape=...) 로 바꿨음.
"""
import keras
import numpy as np
from keras import layers

one_hot_vec_size = 12  # to_categorical 결과 크기 (라벨 최대값 11 + 1)


def build_model():
    model = keras.Sequential([
        keras.Input(batch_shape=(1, 4, 1)),   # 배치사이즈 1, 타임스텝 4, 속성 1
        layers.LSTM(128, stateful=True),
        layers.Dense(one_hot_vec_size, activation='softmax'),
    ])
    return model


if __name__ == "__main__":
    from keras.utils import to_categorical

    from common import code2idx, idx2code, max_idx_value, seq

    class LossHistory(keras.callbacks.Callback):
        def init(self):
            self.losses = []

        def on_epoch_end(self, batch, logs={}):
            self.losses.append(logs.get('loss'))

    def seq2dataset(seq, window_size):
        dataset = []
        for i in range(len(seq) - window_size):
            subset = seq[i:(i + window_size + 1)]
            dataset.append([code2idx[item] for item in subset])
        return np.array(dataset)

    np.random.seed(5)
    dataset = seq2dataset(seq, window_size=4)
    x_train = np.reshape(dataset[:, 0:4] / float(max_idx_value), (50, 4, 1))
    y_train = to_categorical(dataset[:, 4])

    model = build_model()
    lstm_layer = model.layers[0]  # Keras 3 모델에는 reset_states 가 없어서 LSTM 층의 상태를 초기화
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])

    num_epochs = 2000
    history = LossHistory()
    history.init()
    for epoch_idx in range(num_epochs):
        print('epochs : ' + str(epoch_idx))
        model.fit(x_train, y_train, epochs=1, batch_size=1, verbose=2, shuffle=False,
                  callbacks=[history])
        lstm_layer.reset_states()

    scores = model.evaluate(x_train, y_train, batch_size=1)
    print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))
    lstm_layer.reset_states()

    # 한 스텝 예측
    pred_count = 50
    seq_out = ['g8', 'e8', 'e4', 'f8']
    pred_out = model.predict(x_train, batch_size=1)
    for i in range(pred_count):
        idx = np.argmax(pred_out[i])
        seq_out.append(idx2code[idx])
    lstm_layer.reset_states()
    print("one step prediction : ", seq_out)
