# 6.1.3 원본 텍스트에서 단어 임베딩까지 - 모델 정의 (GloVe 100d 임베딩을 로드할 모델)
import keras
from keras import layers

max_words = 10000
embedding_dim = 100
maxlen = 100


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(maxlen,)),
        layers.Embedding(max_words, embedding_dim),
        layers.Flatten(),
        layers.Dense(32, activation='relu'),
        layers.Dense(1, activation='sigmoid'),
    ])
    # GloVe 를 쓸 때는 여기서 model.layers[0].set_weights([embedding_matrix]) 후
    # model.layers[0].trainable = False  (임베딩 파일은 제출물에 포함 안 함)
    return model
