# 모두의 딥러닝 - LSTM을 이용한 로이터 뉴스 카테고리 분류하기
# Embedding('불러온 단어의 총 개수', '기사당 단어 수'), LSTM(기사당 단어 수, 기타 옵션)
from keras.layers import LSTM, Dense, Embedding
from keras.models import Sequential


def build_model():
    # 모델의 설정
    model = Sequential()
    model.add(Embedding(1000, 100))
    model.add(LSTM(100, activation='tanh'))
    model.add(Dense(46, activation='softmax'))
    return model
