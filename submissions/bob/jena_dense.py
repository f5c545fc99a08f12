# [instructor note] bob mistake: SYNTAX ERROR - Python 2 print statement copied from an old tutorial;
# the module cannot even be parsed.
from keras.models import Sequential
from keras import layers

lookback = 1440
step = 6


def build_model():
    model = Sequential()
    model.add(layers.Flatten(input_shape=(lookback // step, 14)))
    model.add(layers.Dense(32, activation='relu'))
    model.add(layers.Dense(1))
    return model


print "jena dense model ready"
