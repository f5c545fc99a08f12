# [instructor note] bob mistake: MISSING OUTPUT ACTIVATION - last Dense(1) has no sigmoid.
# Same parameter count (322,113) as the reference; the model outputs unbounded logits, not probabilities.
from keras.models import Sequential
from keras.layers import Dense, Embedding, SimpleRNN

max_features = 10000


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 32))
    model.add(SimpleRNN(32))
    model.add(Dense(1))
    return model
