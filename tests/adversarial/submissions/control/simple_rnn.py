# A correct submission (alice's), graded between the hostile ones: it must always pass.
from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
