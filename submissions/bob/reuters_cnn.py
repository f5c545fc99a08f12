# [instructor note] bob mistake: MISSING LAYER - the hidden Dense(128, activation='relu') after
# GlobalMaxPooling1D is left out (total 238,382 instead of 265,390; Dense(46) sees 256 inputs).
from keras.models import Sequential
from keras.layers import Conv1D, Dense, Dropout, Embedding, GlobalMaxPooling1D

max_features = 1000
text_max_words = 100


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 128, input_length=text_max_words))
    model.add(Dropout(0.2))
    model.add(Conv1D(256, 3, padding='valid', activation='relu', strides=1))
    model.add(GlobalMaxPooling1D())
    model.add(Dropout(0.2))
    model.add(Dense(46, activation='softmax'))
    return model
