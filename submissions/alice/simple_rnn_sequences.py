# Keras의 SimpleRNN Layer 사용 - 전체 상태 시퀀스를 반환 (return_sequences=True)
from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32, return_sequences=True))
    return model


model = build_model()
model.build(input_shape=(None, None))
model.summary()
