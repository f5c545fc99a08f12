# LSTM을 이용한 로이터 뉴스 카테고리 분류하기
# Embedding 레이어에서 반환되는 100개 벡터를 LSTM의 타임스텝으로 입력
from keras.layers import LSTM, Dense, Embedding
from keras.models import Sequential

max_features = 1000
text_max_words = 100


def build_model():
    model = Sequential()
    model.add(Embedding(max_features, 128))
    model.add(LSTM(128))
    model.add(Dense(46, activation='softmax'))
    return model


print('reuters LSTM ready')
