# MLP를 이용한 로이터 뉴스 카테고리 분류하기
from keras.layers import Dense, Embedding, Flatten
from keras.models import Sequential

max_features = 1000
text_max_words = 100


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 128, input_length=text_max_words))
    model.add(Flatten())
    model.add(Dense(256, activation='relu'))
    model.add(Dense(46, activation='softmax'))
    return model
