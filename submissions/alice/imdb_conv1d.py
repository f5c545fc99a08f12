# 6.4 1D 컨브넷 구현 (IMDB, max_len=500)
from keras import layers
from keras.models import Sequential

max_features = 10000
max_len = 500


def build_model():
    model = Sequential()
    model.add(layers.Embedding(max_features, 128, input_length=max_len))
    model.add(layers.Conv1D(32, 7, activation='relu'))
    model.add(layers.MaxPooling1D(5))
    model.add(layers.Conv1D(32, 7, activation='relu'))
    model.add(layers.GlobalMaxPooling1D())
    model.add(layers.Dense(1))  # 책 코드 그대로 (summary 가 1,315,937 로 같음)
    return model
