# Keras의 SimpleRNN Layer 사용 - 마지막 타임스텝의 출력만 얻음
from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
