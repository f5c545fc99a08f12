# CNN+LSTM을 이용한 로이터 뉴스 카테고리 분류하기
# Conv1D 특징벡터를 MaxPooling1D 로 1/4 로 줄인 다음 LSTM 입력으로
from tensorflow import keras
from tensorflow.keras import layers

max_features = 1000
text_max_words = 100


def build_model():
    model = keras.Sequential()
    model.add(layers.Embedding(max_features, 128, input_length=text_max_words))
    model.add(layers.Dropout(0.2))
    model.add(layers.Conv1D(256, 3, padding='valid', activation='relu', strides=1))
    model.add(layers.MaxPooling1D(pool_size=4))
    model.add(layers.LSTM(128))
    model.add(layers.Dense(46, activation='softmax'))
    return model
