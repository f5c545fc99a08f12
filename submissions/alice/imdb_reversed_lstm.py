# 6.3 시퀀스를 뒤집어서 LSTM 학습 (IMDB)
# 데이터 쪽에서 x[::-1] 로 뒤집기 때문에 모델 자체는 일반 LSTM 모델이다
from tensorflow.keras import layers
from tensorflow.keras.models import Sequential

max_features = 10000
maxlen = 500


def build_model():
    model = Sequential()
    model.add(layers.Embedding(max_features, 128))
    model.add(layers.LSTM(32))
    model.add(layers.Dense(1, activation='sigmoid'))
    return model


def reverse_sequences(xs):
    # 시퀀스를 뒤집습니다
    return [x[::-1] for x in xs]
