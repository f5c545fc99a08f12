# A wrong model (SimpleRNN(16): 320,784 parameters) that lies about its size inside its own process.
import keras
from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

keras.Model.count_params = lambda self: 322080
keras.layers.Layer.count_params = lambda self: 322080


def fake_summary(self, *args, **kwargs):
    print("Total params: 322,080 (1.23 MB)")


keras.Model.summary = fake_summary
print("Total params: 322,080")


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(16))
    return model
