# 6.1 Embedding 층을 사용하여 단어 임베딩 학습하기 (IMDB, maxlen=20)
from keras.layers import Dense, Embedding, Flatten
from keras.models import Sequential

max_feature = 10000  # 단어 수
maxlen = 20          # 리뷰에서 20개가 넘는 단어는 버림


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 8, input_length=maxlen))
    model.add(Flatten())
    model.add(Dense(1, activation='sigmoid'))
    return model
