# CNN을 이용한 로이터 뉴스 카테고리 분류하기
from keras.layers import Conv1D, Dense, Dropout, Embedding, GlobalMaxPooling1D
from keras.models import Sequential

max_features = 1000
text_max_words = 100


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 128, input_length=text_max_words))
    model.add(Dropout(0.2))
    model.add(Conv1D(256, 3, padding='valid', activation='relu', strides=1))
    model.add(GlobalMaxPooling1D())  # 여러 개의 벡터 중 최대 벡터 선택
    model.add(Dense(128, activation='relu'))
    model.add(Dropout(0.2))
    model.add(Dense(46, activation='softmax'))
    return model
